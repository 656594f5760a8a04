"""PDF (pypdf): text per page with 1-based numbers and printed labels, outline headings as sections.

Pages without a text layer, or whose text is mostly unmappable glyphs, are reported per page (and OCR'd where
a `tesseract` binary is installed) instead of being indexed as empty or garbage."""

from __future__ import annotations

import io
import logging
import re
from datetime import date

from ingest.document import Page, ParsedDocument, Section
from ingest.normalize import clean_title, normalize_extracted, unmappable_share
from ingest.ocr import ocr_available, ocr_pdf_page
from kb.errors import IngestError

log = logging.getLogger(__name__)
UNMAPPABLE_LIMIT = 0.3
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


def _sections(pages: list[Page], entries: list[tuple[int, int, str]]) -> list[Section]:
    """Sections per page: an outline heading splits its page where its title appears in the text, so a chunk
    gets the heading it actually sits under ("1. Chapter > 1.2 Part")."""
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    ei = 0
    for i, page in enumerate(pages):
        path = " > ".join(t for _, t in stack) or None
        cuts: list[tuple[int, str | None]] = [(0, path)]
        while ei < len(entries) and entries[ei][0] <= i:
            _, depth, title = entries[ei]
            ei += 1
            stack = [(d, t) for d, t in stack if d < depth] + [(depth, title)]
            path = " > ".join(t for _, t in stack)
            words = [re.escape(w) for w in title.split()]
            m = re.compile(r"\s+".join(words), re.IGNORECASE).search(page.text, cuts[-1][0]) if words else None
            pos = m.start() if m else cuts[-1][0]
            if pos == cuts[-1][0]:
                cuts[-1] = (pos, path)
            else:
                cuts.append((pos, path))
        if page.text:
            for j, (pos, p) in enumerate(cuts):
                end = cuts[j + 1][0] if j + 1 < len(cuts) else len(page.text)
                if page.text[pos:end].strip():
                    sections.append(Section(i, pos, end, p))
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


def parse_pdf(data: bytes, path: str) -> ParsedDocument:
    """Parse a PDF into pages; pages without usable text are left empty and reported."""
    reader, warnings = _open(data, path)
    n = len(reader.pages)
    try:
        labels = list(reader.page_labels)
    except Exception:  # noqa: BLE001
        labels = [str(i + 1) for i in range(n)]
    pages, no_text, garbled, ocred = [], [], [], []
    for i in range(n):
        try:
            raw = reader.pages[i].extract_text() or ""
        except Exception as e:  # noqa: BLE001 - one broken page must not lose the others
            warnings.append(f"page {i + 1}: text could not be extracted ({type(e).__name__})")
            raw = ""
        text = normalize_extracted(raw)
        problem = None
        if not text.strip():
            problem = "no text layer"
        elif unmappable_share(text) > UNMAPPABLE_LIMIT:
            problem = "text is mostly unmappable glyphs (a font without a Unicode map)"
        if problem and ocr_available():
            ocr_text = normalize_extracted(ocr_pdf_page(data, i + 1) or "")
            if ocr_text.strip():
                text, problem = ocr_text, None
                ocred.append(i + 1)
        if problem:
            (no_text if problem == "no text layer" else garbled).append(i + 1)
            text = ""
        label = labels[i] if i < len(labels) else None
        text = _strip_page_number(text, i + 1, label)
        pages.append(Page(text, number=i + 1, label=label))
    hint = "" if ocr_available() else " (install tesseract-ocr with tesseract-ocr-lit/-lav/-eng to read them by OCR)"
    if no_text:
        warnings.append(f"pages without a text layer, not indexed: {_ranges(no_text)}{hint}")
    if garbled:
        warnings.append(f"pages whose text is mostly unmappable glyphs, not indexed: {_ranges(garbled)}{hint}")
    if ocred:
        warnings.append(f"pages read by OCR: {_ranges(ocred)}")
    sections = _sections(pages, _outline_titles(reader))
    if not sections:
        raise IngestError(path, "no text layer on any page (a scanned PDF?)" + hint)
    return ParsedDocument(pages=pages, sections=sections, warnings=warnings, properties=_metadata(reader))


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
