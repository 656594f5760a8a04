"""BM25-style sparse vectors for Qdrant. Documents carry saturated, length-normalised term frequencies;
the IDF factor is applied by Qdrant's IDF modifier at query time over the whole collection."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass

from kb.analysis import ANALYZER_VERSION, document_terms, query_terms


def term_id(term: str) -> int:
    """A stable 32-bit id for a term (the same on every machine and run)."""
    return int.from_bytes(hashlib.blake2b(term.encode("utf-8"), digest_size=4).digest(), "little")


@dataclass(frozen=True, slots=True)
class SparseVector:
    indices: list[int]
    values: list[float]


@dataclass(frozen=True)
class SparseEncoder:
    """BM25 term weights: tf * (k1 + 1) / (tf + k1 * (1 - b + b * len / avg_len))."""

    k1: float = 1.2
    b: float = 0.75
    avg_len: float = 60.0

    @property
    def version(self) -> str:
        return f"{ANALYZER_VERSION}/bm25(k1={self.k1},b={self.b},avg={self.avg_len})/blake2b32"

    def encode_document(self, text: str, lang: str) -> SparseVector:
        """Sparse vector of a stored passage."""
        terms = document_terms(text, lang)
        if not terms:
            return SparseVector([], [])
        norm = self.k1 * (1 - self.b + self.b * len(terms) / self.avg_len)
        weights: dict[int, float] = {}
        for term, tf in Counter(terms).items():
            weights[term_id(term)] = max(weights.get(term_id(term), 0.0), tf * (self.k1 + 1) / (tf + norm))
        idx = sorted(weights)
        return SparseVector(idx, [float(weights[i]) for i in idx])

    def encode_query(self, text: str, languages: list[str]) -> SparseVector:
        """Sparse vector of a question: each distinct term weight 1 (IDF comes from Qdrant)."""
        idx = sorted({term_id(t) for t in query_terms(text, languages)})
        return SparseVector(idx, [1.0] * len(idx))
