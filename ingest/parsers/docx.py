"""Word .docx (python-docx): headings become sections, tables become readable rows ("cell | cell"),
core properties give title, date and language."""

from __future__ import annotations

import io
import re
import zipfile

from ingest.document import Page, ParsedDocument, Section
from ingest.normalize import clean_title, normalize_text
from ingest.tables import table_lines
from kb.errors import IngestError

_HEADING = re.compile(r"^(?:heading|antraštė|virsraksts)\s*(\d)$", re.IGNORECASE)


def _heading_level(paragraph) -> int | None:
    name = (paragraph.style.name if paragraph.style is not None else "") or ""
    if name.lower() == "title":
        return 0
    m = _HEADING.match(name.strip())
    return int(m.group(1)) if m else None


def _table_rows(table) -> list[str]:
    rows = []
    for row in table.rows:
        cells, last = [], None
        for cell in row.cells:
            if cell._tc is last:  # merged cells repeat the same element
                continue
            last = cell._tc
            cells.append(cell.text)
        rows.append(cells)
    return table_lines(rows)


def _blocks(document):
    """Paragraphs and tables in body order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            yield Paragraph(child, document)
        elif tag == "tbl":
            yield Table(child, document)


def parse_docx(data: bytes, path: str) -> ParsedDocument:
    """Parse a .docx file into one page of text with heading sections."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as e:
        raise IngestError(path, f"not a readable .docx file ({type(e).__name__}: {e})") from e
    parts: list[str] = []
    marks: list[tuple[int, str | None]] = []  # (offset, section path) where a heading starts a section
    stack: list[tuple[int, str]] = []
    pos = 0
    meta: dict = {}
    for block in _blocks(document):
        if block.__class__.__name__ == "Table":
            text = "\n".join(_table_rows(block))
            level = None
        else:
            text = block.text.strip()
            level = _heading_level(block) if text else None
        if not text:
            continue
        if level is not None:
            if level == 0 or (level == 1 and "title" not in meta and not stack):
                meta.setdefault("title", text)
            stack = [(lvl, t) for lvl, t in stack if lvl < level] + [(level, text)]
            marks.append((pos, " > ".join(t for _, t in stack)))
            continue  # headings are the section path, not chunk text
        chunk = normalize_text(text)
        parts.append(chunk)
        pos += len(chunk) + 2
    body = "\n\n".join(parts)
    sections, starts = [], [(0, None)] + marks
    for j, (start, section_path) in enumerate(starts):
        end = starts[j + 1][0] if j + 1 < len(starts) else len(body)
        end = min(end, len(body))
        if body[start:end].strip():
            sections.append(Section(0, start, end, section_path))
    props = document.core_properties
    if clean_title(props.title or ""):
        meta["title"] = clean_title(props.title)
    when = props.created or props.modified
    if when:
        meta["date"] = when.date().isoformat()
    if props.language:
        meta["language"] = props.language.strip()[:2].lower()
    if props.subject:
        meta["subject"] = props.subject
    return ParsedDocument(pages=[Page(body)], sections=sections, properties=meta)
