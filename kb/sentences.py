"""Sentence boundaries for Lithuanian, Latvian and English text (abbreviations and dates kept whole).
Used by the chunker and by the extractive answer, so both cut text the same way."""

from __future__ import annotations

import re

# a sentence ends at . ! ? … (plus closing quotes/brackets) before whitespace and an upper-case letter, digit or
# opening quote; or at a line break that starts a new paragraph, list item or table row
_BOUNDARY = re.compile(r"(?<=[.!?…])[\"'”“»)\]]*\s+(?=[„\"'“«(\[A-ZĄČĘĖĮŠŲŪŽĀĒĢĪĶĻŅŌŖŪ0-9])"
                       r"|\n\s*\n|\n(?=\s*(?:[-*+•]|\d+[.)])\s)|\n(?=\s*\|)")
_ABBREV = {"pvz", "t.y", "dr", "prof", "doc", "mr", "mrs", "ms", "st", "vs", "etc", "e.g", "i.e", "nr", "no", "žr",
           "plg", "proc", "tūkst", "mln", "mlrd", "val", "min", "sek", "g", "m", "pan", "kt", "u.c", "utt", "piem",
           "sk", "lpp", "d", "a", "mėn", "str", "p", "gads", "gada", "plkst", "tel", "apm", "approx", "ca",
           "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
_WORD_BEFORE = re.compile(r"([\w.]+)[.!?…]?$")



_HEAD_START = re.compile(r"[ \t]*(?:\d+(?:\.\d+)*\.?[ \t]+)?[A-ZĄČĘĖĮŠŲŪŽĀĒĢĪĶĻŅŌŖ]")
_SENTENCE_START = re.compile(r"[ \t]*[A-ZĄČĘĖĮŠŲŪŽĀĒĢĪĶĻŅŌŖ„\"“]")


def _heading_breaks(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Line breaks that end a heading line: a line that opens a block (first of its paragraph), is at most 70
    characters and at most half as long as the line after it, starts with a capital or a section number, does
    not end like a sentence or a clause, and is followed by a line that starts a sentence."""
    out = []
    lines = []
    pos = start
    for line in text[start:end].split("\n"):
        lines.append((pos, line))
        pos += len(line) + 1
    for i in range(len(lines) - 1):
        at, line = lines[i]
        nxt = lines[i + 1][1]
        stripped = line.strip()
        opens_block = i == 0 or not lines[i - 1][1].strip()
        if (opens_block and 0 < len(stripped) <= 70 and 2 * len(stripped) <= len(nxt.strip())
                and stripped[-1] not in ".,;:!?…-–—" and _HEAD_START.match(line) and _SENTENCE_START.match(nxt)):
            out.append((at + len(line), at + len(line) + 1))
    return out


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Non-empty sentence spans (stripped of surrounding whitespace) within text[start:end]. A heading line is
    a span of its own, never the start of the sentence after it."""
    spans, pos = [], start
    segment = text[start:end]
    cuts = [(start + m.start(), start + m.end(), m.group(0)) for m in _BOUNDARY.finditer(segment)]
    cuts += [(a, b, "\n") for a, b in _heading_breaks(text, start, end)]
    for cut, cut_end, sep in sorted(cuts):
        if cut < pos:
            continue  # inside a boundary already taken
        before = _WORD_BEFORE.search(text[max(pos, cut - 20):cut])
        if sep.strip() == "" and "\n" not in sep and before and \
                (before.group(1).lower().rstrip(".") in _ABBREV or len(before.group(1).rstrip(".")) == 1):
            continue  # "pvz. Klaipėda", "Dr. Ur": not a sentence end
        spans.append((pos, cut))
        pos = cut_end
    spans.append((pos, end))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            out.append((a, b))
    return out


SENTENCES_VERSION = "sentences-v4"  # changes when evidence_spans, readable or sentence_context would change a vector
_LETTER = re.compile(r"[^\W\d_]")
_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"
                       r"|(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])"
                       r"|`([^`\n]+)`")
_LINK = re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)")
_LIST_MARK = re.compile(r"^(?:#{1,6}\s+|>\s*|[-*+•]\s+)+")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$")


def evidence_spans(text: str) -> list[tuple[int, int]]:
    """The sentences of a stored chunk that can carry an answer (at least 8 letters after cleaning), as spans
    of its text. Their vectors are stored with the chunk, in this order."""
    return [(a, b) for a, b in sentence_spans(text, 0, len(text)) if len(_LETTER.findall(readable(text[a:b]))) >= 8]


def readable(text: str) -> str:
    """A sentence as a reader should see it: one line, without Markdown emphasis, code marks, link targets,
    heading/list/quote marks or table pipes (a table row becomes its cells separated by semicolons). The
    citation keeps the verbatim text; this is for statements and for what the model reads."""
    lines = []
    for line in text.splitlines():
        line = line.strip()
        if _TABLE_RULE.match(line) and "-" in line:
            continue
        if line.startswith("|") or line.endswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            line = "; ".join(c for c in cells if c)
        line = _LIST_MARK.sub("", line)
        lines.append(line)
    out = " ".join(" ".join(lines).split())
    out = _LINK.sub(r"\1", out)
    out = _EMPHASIS.sub(lambda m: m.group(2) or m.group(3) or m.group(4) or "", out)
    return out.replace("**", "").replace("__", "").strip()


def table_header(text: str, at: int) -> str | None:
    """The header row of the Markdown table whose row starts at `at` in `text` (readable form), or None when
    that line is not a table row below a header. A column header gives the unit of its cells ("Summa, EUR" over
    "| Kopējais projekta budžets | 498 760 |")."""
    line_start = text.rfind("\n", 0, at) + 1
    if not text[line_start:at + 1].lstrip().startswith("|"):
        return None
    lines = text[:line_start].split("\n")[:-1]  # the lines above the row, nearest last
    rows = []
    for line in reversed(lines):
        if not line.strip().startswith("|"):
            break
        rows.append(line)
    rows.reverse()
    if len(rows) >= 2 and _TABLE_RULE.match(rows[1].strip()) and "-" in rows[1]:
        return readable(rows[0]) or None
    return None


def header_and_rows(span: str) -> tuple[str, str] | None:
    """A span that is itself a small table (its first line the header, the next lines cells separated by
    pipes, as parsers store tables): (header, rows), else None."""
    lines = [ln for ln in span.split("\n") if ln.strip()]
    if len(lines) >= 2 and sum("|" in ln for ln in lines) >= 2:
        return readable(lines[0]), readable("\n".join(lines[1:]))
    return None


def sentence_context(title: str | None, section: str | None) -> str:
    """What a stored sentence vector is computed with in front of the sentence: the document title and the
    innermost heading, so that "It cost EUR 3,000." still says what it is about."""
    title = (title or "").strip()
    inner = (section or "").split(" > ")[-1].strip()
    if inner and inner.lower() not in title.lower():
        return f"{title} › {inner}" if title else inner
    return title


def contextual(sentence: str, context: str) -> str:
    """The text a sentence is embedded as (see sentence_context)."""
    return f"{context}: {sentence}" if context else sentence
