"""Markdown: YAML front matter for metadata, ATX headings (#, ##, ...) become the section path."""

from __future__ import annotations

import re

import yaml

from ingest.decode import decode_text
from ingest.document import Page, ParsedDocument, Section
from ingest.normalize import normalize_text
from ingest.tables import table_lines
from kb.errors import IngestError

_FRONT = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*(\n|\Z)", re.DOTALL)
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_FENCE = re.compile(r"^(```|~~~)", re.MULTILINE)
# a pipe table: a header row, a rule row (|---|:--:|) and body rows, each line starting with "|"
_PIPE_TABLE = re.compile(r"^[ \t]*\|.*\|[ \t]*\n[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*\n"
                         r"(?:[ \t]*\|.*\|[ \t]*(?:\n|\Z))*", re.MULTILINE)


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _tables_as_rows(body: str) -> str:
    """Pipe tables as DOCX and HTML tables are read: the header line, then one line per row with each cell
    labelled by its column ("Kryptis: Liepoja → Klaipėda; Žmonių per dieną: 310")."""
    def rows(m: re.Match) -> str:
        lines = [ln for ln in m.group().splitlines() if ln.strip()]
        table = [_cells(lines[0])] + [_cells(ln) for ln in lines[2:]]
        end = "\n" if m.group().endswith("\n") else ""
        return "\n".join(table_lines(table)) + end
    return _PIPE_TABLE.sub(rows, body)


def split_front_matter(text: str, path: str) -> tuple[dict, str]:
    """(metadata, body) of a Markdown text; body is the text after the closing `---`."""
    m = _FRONT.match(text)
    if not m:
        return {}, text
    try:
        meta = yaml.safe_load(m.group(1)) or {}
    except (yaml.YAMLError, ValueError) as e:  # ValueError: impossible dates such as 2022-13-45
        repaired = _quote_colon_values(m.group(1))
        try:
            meta = yaml.safe_load(repaired) if repaired != m.group(1) else None
        except (yaml.YAMLError, ValueError):
            meta = None
        if not isinstance(meta, dict):
            raise IngestError(path, f"invalid YAML front matter ({str(e).splitlines()[0]}); fix it or remove it") from e
    if not isinstance(meta, dict):
        raise IngestError(path, "front matter must be a YAML mapping (key: value lines)")
    return meta, text[m.end():]


_KEY_VALUE = re.compile(r"^([A-Za-z_][\w-]*):[ \t]+(?![\"'\[{|>])(.*:[ \t].*)$", re.MULTILINE)


def _quote_colon_values(block: str) -> str:
    """The commonest front-matter slip — a title with a colon ("title: Workshop: results") — quoted, so the
    title is read as written instead of the whole file failing."""
    return _KEY_VALUE.sub(
        lambda m: f"{m.group(1)}: " + '"' + m.group(2).replace("\\", "\\\\").replace('"', '\\"') + '"', block)


def _headings(body: str) -> list[re.Match]:
    """Heading matches outside fenced code blocks."""
    fences = [m.start() for m in _FENCE.finditer(body)]
    spans = list(zip(fences[0::2], fences[1::2] + [len(body)] * (len(fences) % 2)))
    return [h for h in _HEADING.finditer(body) if not any(a <= h.start() < b for a, b in spans)]


def parse_markdown(data: bytes, path: str) -> ParsedDocument:
    """Parse a .md file into one page of text with heading sections."""
    text, encoding = decode_text(data, path)
    meta, body = split_front_matter(normalize_text(text), path)
    body = _tables_as_rows(body)
    meta = {str(k).lower(): v for k, v in meta.items()}
    meta.setdefault("encoding", encoding)
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    pos, path_now = 0, None
    for h in _headings(body):
        if h.start() > pos:
            sections.append(Section(0, pos, h.start(), path_now))
        level, title = len(h.group(1)), h.group(2).strip()
        stack = [(lvl, t) for lvl, t in stack if lvl < level] + [(level, title)]
        path_now = " > ".join(t for _, t in stack)
        pos = h.end()
        if level == 1 and "title" not in meta:
            meta["title"] = title
    if pos < len(body):
        sections.append(Section(0, pos, len(body), path_now))
    return ParsedDocument(pages=[Page(body)], sections=sections, metadata=meta)
