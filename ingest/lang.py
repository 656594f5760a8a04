"""Document and chunk language: declared language first, else detection restricted to the expected languages."""

from __future__ import annotations

import re

from kb.language import detect_language

_LETTER = re.compile(r"[^\W\d_]")
MIN_LETTERS_FOR_CHUNK = 40


def document_language(text: str, declared: str | None, allowed: list[str]) -> str:
    """The declared language when given, else the detected one (`und` when there is no text)."""
    if declared:
        return declared
    return detect_language(text[:20000], allowed, default="und")


def chunk_language(text: str, doc_language: str, allowed: list[str]) -> str:
    """The chunk's own language; short chunks inherit the document's (detection is unreliable there)."""
    if len(_LETTER.findall(text)) < MIN_LETTERS_FOR_CHUNK:
        return doc_language
    return detect_language(text, allowed, default=doc_language)
