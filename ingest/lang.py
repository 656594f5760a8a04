"""Document and chunk language: declared language first, else detection restricted to the expected languages.

Chunks are detected one by one (short ones and text in none of the expected languages, such as lorem ipsum,
stay undecided); the document's language is the declared one, else the language of most of its decided text,
and undecided chunks take the document's."""

from __future__ import annotations

import re
from collections import Counter

from kb.language import detect_language

_LETTER = re.compile(r"[^\W\d_]")
MIN_LETTERS_FOR_CHUNK = 40
MIN_PROBABILITY = 0.5


def detect_chunk_language(text: str, allowed: list[str]) -> str | None:
    """The chunk's own language, or None when it is too short or in none of the allowed languages."""
    if len(_LETTER.findall(text)) < MIN_LETTERS_FOR_CHUNK:
        return None
    return detect_language(text, allowed, default="", min_prob=MIN_PROBABILITY) or None


def document_language(declared: str | None, chunks: list[tuple[str, str | None]], allowed: list[str]) -> str:
    """Declared language; else the language of the document's opening (title page, first headings: where a
    document states its own language, before abstracts in other languages or filler text); else the language
    of most of the decided chunk text; else a guess over the whole text; else `und`."""
    if declared:
        return declared
    opening = _opening_language(" ".join(t for t, _ in chunks)[:3000], allowed)
    if opening:
        return opening
    weight: Counter = Counter()
    for text, lang in chunks:
        if lang:
            weight[lang] += len(text)
    if weight:
        return weight.most_common(1)[0][0]
    return detect_language(" ".join(t for t, _ in chunks)[:20000], allowed, default="und")


def _opening_language(text: str, allowed: list[str]) -> str | None:
    """Line-by-line vote over the opening text, weighted by letters; lines in none of the allowed languages
    (filler, names) abstain. A clear majority (two thirds) decides."""
    votes: Counter = Counter()
    for line in text.splitlines():
        letters = len(_LETTER.findall(line))
        if letters < 10:
            continue
        lang = detect_language(line, allowed, default="", min_prob=0.7)
        if lang:
            votes[lang] += letters
    if not votes:
        return None
    lang, weight = votes.most_common(1)[0]
    return lang if weight >= 2 * sum(votes.values()) / 3 else None
