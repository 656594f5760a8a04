"""Plain text: decoded, normalised; paragraphs separated by blank lines; one section."""

from __future__ import annotations

from ingest.decode import decode_text
from ingest.document import Page, ParsedDocument, Section
from ingest.normalize import normalize_text


def parse_text(data: bytes, path: str) -> ParsedDocument:
    """Parse a .txt file."""
    text, encoding = decode_text(data, path)
    text = normalize_text(text)
    return ParsedDocument(pages=[Page(text)], sections=[Section(0, 0, len(text), None)],
                          metadata={"encoding": encoding})
