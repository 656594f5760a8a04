"""One parser per format, chosen by file extension."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.document import ParsedDocument
from kb.errors import IngestError

Parser = Callable[[bytes, str], ParsedDocument]


def _registry() -> dict[str, Parser]:
    from ingest.parsers.docx import parse_docx
    from ingest.parsers.html import parse_html
    from ingest.parsers.legacy_doc import parse_doc
    from ingest.parsers.markdown import parse_markdown
    from ingest.parsers.pdf import parse_pdf
    from ingest.parsers.text import parse_text

    return {".md": parse_markdown, ".markdown": parse_markdown, ".txt": parse_text, ".text": parse_text,
            ".pdf": parse_pdf, ".docx": parse_docx, ".html": parse_html, ".htm": parse_html, ".doc": parse_doc}


def supported_extensions() -> list[str]:
    """Extensions that `kb ingest` reads."""
    return sorted(_registry())


def parser_for(path: Path) -> Parser:
    """The parser for a file, or IngestError naming the supported formats."""
    parser = _registry().get(path.suffix.lower())
    if parser is None:
        raise IngestError(str(path), f"unsupported format {path.suffix or '(no extension)'!r}; "
                                     f"supported: {', '.join(supported_extensions())}")
    return parser
