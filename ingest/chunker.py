"""Sentence-aware chunking counted in the embedding model's own tokens.

Chunks never cross a section (heading) or a page; each is an exact slice [start, end) of its page's text.
Consecutive chunks of a section share up to `overlap` tokens of whole trailing sentences.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ingest.document import ParsedDocument
from kb.sentences import sentence_spans

TokenCounter = Callable[[list[str]], list[int]]

@dataclass(slots=True)
class ChunkSpan:
    page_index: int
    start: int
    end: int
    section: str | None
    tokens: int


def _split_long(text: str, a: int, b: int, count: TokenCounter, max_tokens: int) -> list[tuple[int, int, int]]:
    """Cut an over-long sentence at word boundaries into pieces of at most max_tokens."""
    words = [(m.start() + a, m.end() + a) for m in re.finditer(r"\S+", text[a:b])]
    counts = count([text[x:y] for x, y in words])
    pieces, cur_start, cur_end, cur_tok = [], None, None, 0
    for (x, y), n in zip(words, counts):
        n = max(n, 1)
        if cur_start is not None and cur_tok + n > max_tokens:
            pieces.append((cur_start, cur_end, cur_tok))
            cur_start, cur_tok = None, 0
        if cur_start is None:
            cur_start = x
        cur_end, cur_tok = y, cur_tok + n
    if cur_start is not None:
        pieces.append((cur_start, cur_end, cur_tok))
    return pieces


def chunk_document(doc: ParsedDocument, count: TokenCounter, max_tokens: int, overlap: int) -> list[ChunkSpan]:
    """Chunks of every section of every page, in document order."""
    chunks: list[ChunkSpan] = []
    for sec in doc.sections:
        text = doc.pages[sec.page_index].text
        sents = sentence_spans(text, sec.start, sec.end)
        if not sents:
            continue
        counts = count([text[a:b] for a, b in sents])
        units: list[tuple[int, int, int]] = []
        for (a, b), n in zip(sents, counts):
            units.extend(_split_long(text, a, b, count, max_tokens) if n > max_tokens else [(a, b, n)])
        i = 0
        while i < len(units):
            j, total = i, 0
            while j < len(units) and (j == i or total + units[j][2] <= max_tokens):
                total += units[j][2]
                j += 1
            chunks.append(ChunkSpan(sec.page_index, units[i][0], units[j - 1][1], sec.path, total))
            if j >= len(units):
                break
            # step back over trailing sentences that fit in the overlap, but always move forward
            back, k = 0, j
            while k - 1 > i and back + units[k - 1][2] <= overlap:
                back += units[k - 1][2]
                k -= 1
            i = k
    return chunks
