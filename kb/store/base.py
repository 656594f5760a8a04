"""The store interface: one Qdrant collection with a dense and a sparse named vector, and its identity."""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass

from kb.errors import IdentityMismatchError
from kb.sparse import SparseVector
from kb.store.plan import StoreQuery, Where

SCHEMA_VERSION = 2  # 2: each chunk also stores its sentences' vectors (multivector "sentences")
DENSE = "dense"
SPARSE = "sparse"
SENTENCES = "sentences"  # one vector per sentence of the chunk (payload `sentence_spans`), MaxSim, no HNSW
KEYWORD_INDEXES = ("doc_id", "source", "doc_type", "language", "chunk_language", "content_sha256")
INTEGER_INDEXES = ("chunk_index",)
DATETIME_INDEXES = ("date",)
_NAMESPACE = uuid.UUID("6f1d2c0e-3b7a-5e9f-8c1d-2a4b6c8d0e1f")


def point_id(doc_id: str, content_sha256: str, chunk_index: int) -> str:
    """Deterministic point id: re-ingesting the same file writes the same ids."""
    return str(uuid.uuid5(_NAMESPACE, f"{doc_id}:{content_sha256}:{chunk_index}"))


def doc_id_for(source: str) -> str:
    """Stable id of a source path."""
    return str(uuid.uuid5(_NAMESPACE, f"source:{source}"))


@dataclass(slots=True)
class StorePoint:
    id: str
    dense: list[float]
    sparse: SparseVector
    payload: dict
    sentences: list[list[float]] | None = None  # the chunk's sentence vectors, in `sentence_spans` order


@dataclass(slots=True)
class ScoredRecord:
    id: str
    score: float
    payload: dict
    vectors: dict | None = None  # named vectors asked for with StoreQuery.with_vectors


def check_identity(stored: dict | None, wanted: dict, where: str) -> None:
    """Refuse to mix vectors or chunks from another configuration."""
    if stored is None or stored == wanted:
        return
    diffs = [f"{k}: stored {stored.get(k)!r}, now {wanted.get(k)!r}" for k in sorted(set(stored) | set(wanted))
             if stored.get(k) != wanted.get(k)]
    raise IdentityMismatchError(
        f"the collection at {where} was built with another configuration ({'; '.join(diffs)}). "
        "Use the settings it was built with, or rebuild it: `kb delete --all` (or remove the folder) and ingest again")


class Store(ABC):
    """upsert / delete / query / count / scroll over one collection."""

    location: str

    @abstractmethod
    def identity(self) -> dict | None:
        """The identity recorded when the collection was created, or None if there is no collection yet."""

    @abstractmethod
    def create(self, identity: dict, dim: int) -> None:
        """Create the collection with its schema, payload indexes and identity."""

    def ensure(self, identity: dict, dim: int) -> None:
        """Create the collection if missing; refuse a mismatching identity."""
        stored = self.identity()
        if stored is None:
            self.create(identity, dim)
        else:
            check_identity(stored, identity, self.location)

    @abstractmethod
    def upsert(self, points: list[StorePoint]) -> None: ...

    @abstractmethod
    def delete(self, where: Where) -> None: ...

    @abstractmethod
    def query(self, q: StoreQuery) -> list[ScoredRecord]: ...

    @abstractmethod
    def count(self, where: Where | None = None) -> int: ...

    @abstractmethod
    def get(self, ids: list[str]) -> list[ScoredRecord]:
        """The points with these ids (payload only; unknown ids are left out)."""

    @abstractmethod
    def scroll(self, where: Where | None = None, fields: list[str] | None = None,
               batch: int = 1000) -> Iterator[ScoredRecord]:
        """All matching points (score 0), payload restricted to `fields` when given."""

    @abstractmethod
    def facet(self, key: str, where: Where | None = None, limit: int = 10_000) -> dict[str, int]:
        """Distinct values of a keyword field with their point counts."""

    def optimize_aside(self) -> bool:
        """Optimise without holding searches back; True when something changed (a server does it by itself)."""
        return False

    def optimize(self) -> None:  # noqa: B027 - optional hook; a no-op where the engine builds indexes itself
        """Build indexes after a bulk load (no-op where the engine does it by itself)."""

    @abstractmethod
    def drop(self) -> None:
        """Remove the collection entirely."""

    def announce(self, url: str) -> None:  # noqa: B027 - only embedded stores have an owner to announce
        """Record where the app that owns this store answers (embedded stores)."""

    def close(self) -> None:  # noqa: B027 - optional hook; a no-op for stores that hold nothing to release
        """Release the collection (and its lock)."""
