"""Which words of a passage matched the question: the same analysis as the sparse search (stemmed with the
passage's language, folded), so *Klaipėdos* in a question marks *Klaipēdas* in a Latvian passage."""

from __future__ import annotations

from kb.analysis import query_terms, term_spans


def matched_spans(text: str, query: str, language: str, languages: list[str]) -> list[tuple[int, int]]:
    """(start, end) of each word in `text` whose term is one of the question's terms."""
    wanted = set(query_terms(query, languages))
    return [(a, b) for a, b, t in term_spans(text, language) if t in wanted] if wanted else []
