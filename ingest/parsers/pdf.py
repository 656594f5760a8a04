"""PDF (pypdf): text per page with 1-based numbers and printed labels; outline headings and heading lines of the
layout (a larger or bold font) as sections, their text in the section path and not in the chunk text; ruled
tables (pdfplumber) as labelled rows where they stood.

Glyphs without a Unicode mapping are recovered from their glyph names where the font names them, else left out
with a count per page. Pages without a text layer, or whose text is mostly unmappable glyphs, are reported per
page (and OCR'd where a `tesseract` binary is installed) instead of being indexed as empty or garbage."""

from __future__ import annotations

import io
import logging
import re
from datetime import date

from ingest.document import Page, ParsedDocument, Section
from ingest.normalize import clean_title, count_unmappable, normalize_extracted, unmappable_share
from ingest.ocr import ocr_available, ocr_pdf_page
from ingest.parsers.pdf_glyphs import GlyphRepair
from ingest.parsers.pdf_layout import LaidOutPage, TableFinder, body_style, headings, lay_out, page_runs
from kb.errors import IngestError

log = logging.getLogger(__name__)
UNMAPPABLE_LIMIT = 0.3
LAYOUT_DEPTH = 10_000  # layout headings sit below every outline level
_NUMBER_PREFIX = re.compile(r"[ \t]*(?:\d+(?:\.\d+)*\.?|[A-Z]\.|[IVXLC]+\.)[ \t]+")
_PDF_DATE = re.compile(r"D:(\d{4})(\d{2})?(\d{2})?")


def _open(data: bytes, path: str):
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        warnings = []
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except (DependencyError, NotImplementedError, ValueError, KeyError) as e:
                raise IngestError(path, f"encrypted PDF that cannot be opened ({e})") from e
            if not ok:
                raise IngestError(path, "encrypted PDF: it needs a password; save an unprotected copy and add that")
            warnings.append("encrypted PDF with an empty user password: opened without one")
        n = len(reader.pages)
    except IngestError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError, IndexError) as e:
        raise IngestError(path, f"corrupt or truncated PDF ({type(e).__name__}: {e})") from e
    if n == 0:
        raise IngestError(path, "the PDF has no pages")
    return reader, warnings


def _outline_titles(reader) -> list[tuple[int, int, str]]:
    """(page index, depth, title) of every outline (bookmark) entry, in document order."""
    out: list[tuple[int, int, str]] = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
                continue
            try:
                page = reader.get_destination_page_number(item)
            except Exception:  # noqa: BLE001 - broken destinations are common and harmless
                continue
            if page is not None and page >= 0:
                out.append((page, depth, str(item.title).strip()))

    try:
        walk(reader.outline, 0)
    except Exception:  # noqa: BLE001
        return []
    return sorted(out, key=lambda t: t[0])


def _heading_pattern(title: str, line_start: bool) -> re.Pattern | None:
    words = [re.escape(w) for w in normalize_extracted(title).split()]
    if not words:
        return None
    return re.compile((r"(?m)^[ \t]*" if line_start else "") + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def _find_heading(text: str, title: str, pos: int, anywhere: bool) -> tuple[int, int] | None:
    """Where a heading's words stand in the page text from `pos`: at the start of a line (after a section
    number the title may leave out: "1. LOREM IPSUM" for "Lorem ipsum"), or, for an outline title, which may be
    glued to the sentence after it, anywhere."""
    for line_start in (True, False) if anywhere else (True,):
        pattern = _heading_pattern(title, line_start)
        m = pattern.search(text, pos) if pattern else None
        if m:
            start = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
            line = text.rfind("\n", 0, start) + 1
            if _NUMBER_PREFIX.fullmatch(text[line:start]):
                start = line
            return start, m.end()
    return None


def _words(title: str) -> set[str]:
    return set(re.findall(r"[^\W\d_]+", title.casefold()))


def _similar(a: str, b: str) -> bool:
    """Most words in common: an outline title and the heading the page prints for it ("2 priedas. Rezultatai",
    "Priedas nr. 2 Rezultatai")."""
    wa, wb = _words(a), _words(b)
    return bool(wa and wb) and len(wa & wb) * 2 >= max(len(wa), len(wb))


def _key(title: str) -> str:
    return " ".join(title.split()).casefold()


def _sections(pages: list[Page], entries: list[tuple[int, int, str]],
              layout: list[list[tuple[float, str]]] | None = None) -> list[Section]:
    """Sections per page: a heading (an outline entry, or a heading line of the layout) splits its page where its
    text stands, so a chunk gets the heading it actually sits under ("1. Chapter > 1.2 Part"). The heading's own
    words are the section path, not the start of the section's text."""
    sections: list[Section] = []
    stack: list[tuple[float, str]] = []
    offset = LAYOUT_DEPTH if entries else 0
    ei = 0
    for i, page in enumerate(pages):
        text = page.text
        marks: list[list] = []  # [heading start, text start, order, depth, title, found]
        pos = 0
        while ei < len(entries) and entries[ei][0] <= i:
            _, depth, title = entries[ei]
            ei += 1
            span = _find_heading(text, title, pos, anywhere=True)
            pos = span[1] if span else pos
            marks.append([*(span or (pos, pos)), len(marks), depth, title, span is not None])
        lpos = 0
        for depth, title in (layout[i] if layout and i < len(layout) else []):
            span = _find_heading(text, title, lpos, anywhere=False)
            if span is None:
                continue
            lpos = span[1]
            if any(_key(title) == _key(m[4]) or (m[5] and m[0] < span[1] and span[0] < m[1]) for m in marks):
                continue  # the outline has this heading already
            lost = next((m for m in marks if not m[5] and _similar(m[4], title)), None)
            if lost is not None:  # the outline title, printed differently: cut the printed heading out
                lost[0], lost[1], lost[5] = span[0], span[1], True
                continue
            marks.append([span[0], span[1], len(marks), offset + depth, " ".join(title.split()), True])
        marks.sort()
        start, path = 0, " > ".join(t for _, t in stack) or None
        for head, body, _, depth, title, _ in marks:
            head = max(head, start)
            if text[start:head].strip():
                sections.append(Section(i, start, head, path))
            stack = [(d, t) for d, t in stack if d < depth] + [(depth, title)]
            path = " > ".join(t for _, t in stack)
            start = max(start, body)
            while start < len(text) and text[start].isspace():
                start += 1
        if text[start:].strip():
            sections.append(Section(i, start, len(text), path))
    return sections


def _strip_page_number(text: str, number: int, label: str | None) -> str:
    """Drop a first or last line that is only the printed page number."""
    marks = {str(number)} | ({label} if label else set())
    lines = text.split("\n")
    if lines and lines[-1].strip() in marks:
        lines = lines[:-1]
    if lines and lines[0].strip() in marks:
        lines = lines[1:]
    return "\n".join(lines).strip()


def _metadata(reader) -> dict:
    meta: dict = {}
    try:
        info = reader.metadata or {}
    except Exception:  # noqa: BLE001
        info = {}
    title = clean_title(str(info.get("/Title") or ""))
    if title:
        meta["title"] = title
    for key in ("/CreationDate", "/ModDate"):
        m = _PDF_DATE.match(str(info.get(key) or ""))
        if m:
            try:
                meta["date"] = date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)).isoformat()
                break
            except ValueError:
                continue
    if info.get("/Author"):
        meta["author"] = str(info.get("/Author"))
    return meta


def _read_page(reader, i: int, repair: GlyphRepair, finder: TableFinder) -> LaidOutPage:
    """One page's text with its tables as rows and the style of its lines; pypdf's plain text where the runs it
    reports do not add up to that text (then no tables, headings or glyph recovery for the page)."""
    raw, runs, plain, rules = page_runs(reader.pages[i], repair)
    if plain != raw:
        return LaidOutPage(raw)
    return lay_out(runs, finder.find(i, rules), i, finder)


def parse_pdf(data: bytes, path: str) -> ParsedDocument:
    """Parse a PDF into pages; pages without usable text are left empty and reported."""
    reader, warnings = _open(data, path)
    n = len(reader.pages)
    try:
        labels = list(reader.page_labels)
    except Exception:  # noqa: BLE001
        labels = [str(i + 1) for i in range(n)]
    repair, finder = GlyphRepair(), TableFinder()
    pages, layouts, no_text, garbled, ocred = [], [], [], [], []
    for i in range(n):
        try:
            laid = _read_page(reader, i, repair, finder)
        except Exception as e:  # noqa: BLE001 - one broken page must not lose the others
            warnings.append(f"page {i + 1}: text could not be extracted ({type(e).__name__})")
            laid = LaidOutPage("")
        text = normalize_extracted(laid.text)
        problem = None
        if unmappable_share(laid.text) > UNMAPPABLE_LIMIT:
            problem = "text is mostly unmappable glyphs (a font without a Unicode map)"
        elif not text.strip():
            problem = "no text layer"
        elif count_unmappable(laid.text) + laid.dropped:
            warnings.append(f"page {i + 1}: {count_unmappable(laid.text) + laid.dropped} characters without a "
                            "Unicode mapping left out")
        if problem and ocr_available():
            ocr_text = normalize_extracted(ocr_pdf_page(data, i + 1) or "")
            if ocr_text.strip():
                text, problem = ocr_text, None
                ocred.append(i + 1)
                laid = LaidOutPage(ocr_text)
        if problem:
            (no_text if problem == "no text layer" else garbled).append(i + 1)
            text, laid = "", LaidOutPage("")
        label = labels[i] if i < len(labels) else None
        text = _strip_page_number(text, i + 1, label)
        pages.append(Page(text, number=i + 1, label=label))
        layouts.append(laid)
    hint = "" if ocr_available() else " (install tesseract-ocr with tesseract-ocr-lit/-lav/-eng to read them by OCR)"
    if no_text:
        warnings.append(f"pages without a text layer, not indexed: {_ranges(no_text)}{hint}")
    if garbled:
        warnings.append(f"pages whose text is mostly unmappable glyphs, not indexed: {_ranges(garbled)}{hint}")
    if ocred:
        warnings.append(f"pages read by OCR: {_ranges(ocred)}")
    if finder.skipped:
        warnings.append(f"tables not looked for on pages {_ranges(finder.skipped)}: only the first {finder.budget} "
                        "pages with ruling lines are (their text is indexed as running text)")
    if finder.missing:
        warnings.append("tables were not looked for: pdfplumber is not installed (pip install 'pdfplumber>=0.11.10')")
    if finder.failed:
        warnings.append(f"tables could not be read on pages {_ranges(finder.failed)} (indexed as running text)")
    properties = _metadata(reader)
    body_size, body_bold = body_style(layouts)
    title = properties.get("title", "")
    layout_headings = [[(d, h) for d, h in headings(laid, body_size, body_bold) if not _is_title(h, title)]
                       for laid in layouts]
    sections = _sections(pages, _outline_titles(reader), layout_headings)
    if not sections:
        raise IngestError(path, "no text layer on any page (a scanned PDF?)" + hint)
    return ParsedDocument(pages=pages, sections=sections, warnings=warnings, properties=properties)


def _is_title(heading: str, title: str) -> bool:
    """The document's own title (its cover), printed large: the title of every chunk already, not a section."""
    wh, wt = _words(heading), _words(title)
    return bool(wh and wt) and wh <= wt and len(wh) * 10 >= len(wt) * 8


def _ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 7] -> "1-3, 7"."""
    out, start = [], None
    for i, n in enumerate(numbers):
        if start is None:
            start = n
        if i + 1 == len(numbers) or numbers[i + 1] != n + 1:
            out.append(f"{start}-{n}" if n != start else str(n))
            start = None
    return ", ".join(out)
