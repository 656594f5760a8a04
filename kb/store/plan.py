"""A backend-neutral description of a store query: a small tree of candidate lists and how they are combined.

Search builds the tree; each backend translates it to its own Qdrant API (Edge or qdrant-client), so both
engines run the same retrieval, fused inside Qdrant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class Match:
    """Payload `key` equals one of `values`."""

    key: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DateRange:
    """Payload `key` (ISO date) lies within [since, until]."""

    key: str
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True, slots=True)
class Where:
    """All conditions must hold (`must`), none of `must_not`."""

    must: tuple[Match | DateRange, ...] = ()
    must_not: tuple[Match, ...] = ()

    def and_(self, other: "Where | None") -> "Where":
        if other is None:
            return self
        return Where(self.must + other.must, self.must_not + other.must_not)


@dataclass(frozen=True, slots=True)
class Nearest:
    """Candidates by one named vector ("dense" or "sparse")."""

    using: str
    vector: object  # list[float] or kb.sparse.SparseVector
    limit: int
    where: Where | None = None


@dataclass(frozen=True, slots=True)
class Rrf:
    """Reciprocal-rank fusion of the children (weights in child order)."""

    children: tuple
    limit: int
    k: int = 60
    weights: tuple[float, ...] | None = None


@dataclass(frozen=True, slots=True)
class Blend:
    """Score-based fusion over dense and sparse children (Nearest nodes):

        score = cosine + w * s / (s + saturation) + bonus * [other language]
        w = weight_same where `same_language` holds, else weight_other

    `cosine` is the point's score in whichever dense child found it (0 if none did; pools are disjoint),
    `s` its BM25 score summed over sparse children. Without `same_language`, `weight_same` applies everywhere
    and there is no bonus."""

    dense: tuple[Nearest, ...]
    sparse: tuple[Nearest, ...]
    limit: int
    saturation: float
    weight_same: float
    weight_other: float = 0.0
    bonus: float = 0.0
    same_language: Where | None = None


@dataclass(frozen=True, slots=True)
class StoreQuery:
    """The root: a plan node, a filter applied everywhere, and how many results to return."""

    node: Nearest | Rrf | Blend
    limit: int
    where: Where | None = None
    hnsw_ef: int = 128
    with_payload: bool = True
    with_vectors: tuple[str, ...] = ()  # named vectors to return with each record (e.g. the sentence vectors)
