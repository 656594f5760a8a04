"""Sentence boundaries for Lithuanian, Latvian and English text (abbreviations and dates kept whole).
Used by the chunker and by the extractive answer, so both cut text the same way."""

from __future__ import annotations

import re

# a sentence ends at . ! ? … (plus closing quotes/brackets) before whitespace and an upper-case letter, digit or
# opening quote; or at a line break that starts a new paragraph, list item or table row
_BOUNDARY = re.compile(r"(?<=[.!?…])[\"'”“»)\]]*\s+(?=[„\"'“«(\[A-ZĄČĘĖĮŠŲŪŽĀĒĢĪĶĻŅŌŖŪ0-9])|\n\s*\n|\n(?=\s*(?:[-*+•]|\d+[.)]|\|)\s)")
_ABBREV = {"pvz", "t.y", "dr", "prof", "doc", "mr", "mrs", "ms", "st", "vs", "etc", "e.g", "i.e", "nr", "no", "žr",
           "plg", "proc", "tūkst", "mln", "mlrd", "val", "min", "sek", "g", "m", "pan", "kt", "u.c", "utt", "piem",
           "sk", "lpp", "d", "a", "mėn", "str", "p", "gads", "gada", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
_WORD_BEFORE = re.compile(r"([\w.]+)[.!?…]?$")



def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Non-empty sentence spans (stripped of surrounding whitespace) within text[start:end]."""
    spans, pos = [], start
    segment = text[start:end]
    for m in _BOUNDARY.finditer(segment):
        cut = start + m.start()
        before = _WORD_BEFORE.search(text[max(pos, cut - 20):cut])
        if m.group(0).strip() == "" and "\n" not in m.group(0) and before and \
                (before.group(1).lower().rstrip(".") in _ABBREV or len(before.group(1).rstrip(".")) == 1):
            continue  # "pvz. Klaipėda", "Dr. Ur": not a sentence end
        spans.append((pos, cut))
        pos = start + m.end()
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
