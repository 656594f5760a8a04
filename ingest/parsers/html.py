"""HTML: charset from the bytes and the page's declaration (with a fallback for mislabelled Baltic pages),
script/style/navigation dropped, headings as sections, tables as rows."""

from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser

from ingest.decode import looks_binary
from ingest.document import Page, ParsedDocument, Section
from ingest.normalize import normalize_text
from ingest.tables import table_lines
from kb.errors import IngestError

_DECLARED = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-:]+)""", re.IGNORECASE)
_XML_DECL = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_\-]+)""", re.IGNORECASE)
_DROP = {"script", "style", "nav", "noscript", "template", "svg", "head", "iframe", "object", "form", "button",
         "select", "header", "footer", "aside", "menu"}
_BLOCK = {"p", "div", "section", "article", "main", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "br",
          "hr", "address", "figure", "figcaption", "center", "tr", "body", "html"}
_VOID = {"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "embed", "source", "track", "wbr"}
_ALIASES = {"windows-1257": "cp1257", "x-cp1257": "cp1257", "iso-8859-13": "iso8859-13", "latin7": "iso8859-13",
            "iso8859-13": "iso8859-13", "windows-1252": "cp1252", "iso-8859-1": "cp1252", "latin1": "cp1252",
            "us-ascii": "cp1252", "ascii": "cp1252"}


def _codec(name: str) -> str | None:
    name = name.strip().lower()
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_html(data: bytes, path: str) -> tuple[str, str]:
    """(text, encoding): BOM, then UTF-8 if valid, then the declared charset, with Baltic mislabelling fixed."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "utf-16"
    if looks_binary(data):
        raise IngestError(path, "binary content, not an HTML page (is the extension right?)")
    head = data[:4096]
    m = _DECLARED.search(head) or _XML_DECL.search(head)
    declared = _codec(m.group(1).decode("ascii", "ignore")) if m else None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    baltic = declared in ("cp1257", "iso8859-13")
    if baltic or (declared in (None, "cp1252") and _looks_baltic(data)):
        # windows-1257 and ISO-8859-13 share their letters but not their quotes and dashes: pages labelled with
        # one are often written in the other. Take the reading with the fewest control or undefined characters.
        scores = {enc: _damage(data.decode(enc, errors="replace")) for enc in ("cp1257", "iso8859-13")}
        best = min(scores.values())
        enc = declared if baltic and scores[declared] == best else min(scores, key=scores.get)
        return data.decode(enc, errors="replace"), enc
    enc = declared or "cp1252"
    return data.decode(enc, errors="replace"), enc


def _damage(text: str) -> int:
    """Replacement characters and control codes other than line breaks and tabs."""
    return sum(1 for c in text if c == "\ufffd" or ("\x80" <= c <= "\x9f"))


def _looks_baltic(data: bytes) -> bool:
    """Lithuanian/Latvian letters are frequent in windows-1257 text (ą č ę ė į š ų ū ž ā ē ī ķ ļ ņ)."""
    letters = data.decode("cp1257", errors="ignore")
    return sum(letters.count(c) for c in "ąčęėįšųūžāēīķļņĄČĘĖĮŠŲŪŽĀĒĪĶĻŅ") >= 3


class _Extractor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, int | None, str]] = []  # (kind, heading level, text)
        self.buf: list[str] = []
        self.skip = 0
        self.title: list[str] = []
        self.in_title = False
        self.lang: str | None = None
        self.heading: int | None = None
        self.table: list[list[list[str]]] = []  # stack of tables: rows of cells
        self.cell: list[str] | None = None

    def flush(self, kind: str = "p") -> None:
        text = " ".join("".join(self.buf).split())
        self.buf = []
        if text:
            self.blocks.append((kind, self.heading if kind == "h" else None, text))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html" and attrs.get("lang"):
            self.lang = attrs["lang"][:2].lower()
        if tag == "title":
            self.in_title = True
        if tag in _DROP or attrs.get("role") in ("navigation", "banner", "contentinfo") or "hidden" in attrs:
            if tag not in _VOID:
                self.skip += 1
            return
        if self.skip:
            return
        if re.fullmatch(r"h[1-6]", tag):
            self.flush()
            self.heading = int(tag[1])
        elif tag == "table":
            self.flush()
            self.table.append([])
        elif tag == "tr" and self.table:
            self.table[-1].append([])
        elif tag in ("td", "th") and self.table:
            self.cell = []
        elif tag in _BLOCK and not self.table:
            self.flush()

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        if tag in _DROP:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if re.fullmatch(r"h[1-6]", tag):
            self.flush("h")
            self.heading = None
        elif tag in ("td", "th") and self.table and self.cell is not None:
            if not self.table[-1]:
                self.table[-1].append([])
            self.table[-1][-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "table" and self.table:
            rows = self.table.pop()
            lines = table_lines(rows)
            if lines:
                self.blocks.append(("p", None, "\n".join(lines)))
        elif tag in _BLOCK and not self.table:
            self.flush()

    def handle_data(self, data):
        if self.in_title:
            self.title.append(data)
        if self.skip:
            return
        if self.cell is not None:
            self.cell.append(data)
        elif not self.table:
            self.buf.append(data)

    def close(self):
        super().close()
        self.flush()


def parse_html(data: bytes, path: str) -> ParsedDocument:
    """Parse an .html/.htm page into one page of text with heading sections."""
    text, encoding = decode_html(data, path)
    ex = _Extractor()
    ex.feed(text)
    ex.close()
    parts: list[str] = []
    marks: list[tuple[int, str]] = []
    stack: list[tuple[int, str]] = []
    pos = 0
    meta: dict = {"encoding": encoding}
    for kind, level, block in ex.blocks:
        block = normalize_text(block)
        if kind == "h":
            stack = [(lvl, t) for lvl, t in stack if lvl < level] + [(level, block)]
            marks.append((pos, " > ".join(t for _, t in stack)))
            if level == 1:
                meta.setdefault("h1", block)
            continue
        parts.append(block)
        pos += len(block) + 2
    body = "\n\n".join(parts)
    sections, starts = [], [(0, None)] + marks
    for j, (start, section_path) in enumerate(starts):
        end = min(starts[j + 1][0] if j + 1 < len(starts) else len(body), len(body))
        if body[start:end].strip():
            sections.append(Section(0, start, end, section_path))
    title = normalize_text(" ".join("".join(ex.title).split()))
    meta["title"] = title or meta.get("h1")
    meta.pop("h1", None)
    if ex.lang:
        meta["language"] = ex.lang
    warnings = ["some characters could not be decoded (shown as \ufffd)"] if "\ufffd" in body else []
    return ParsedDocument(pages=[Page(body)], sections=sections, warnings=warnings, properties=meta)
