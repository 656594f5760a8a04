"""Dense, sparse and hybrid search over the store, with filters; fused inside Qdrant.

Hybrid is score-based, not rank-based: every candidate's dense cosine plus a bounded lexical bonus
w * s / (s + c) from its BM25 score s. Equal-weight RRF let a noisy sparse list outvote the dense list on
cross-lingual questions (STACK.md); a bounded bonus can only reorder candidates whose cosines are close.
Without a language filter, candidates are pooled per language (the dense list alone is crowded by
same-language passages) and passages in another language than the question get a small calibrated bonus,
which offsets the systematically lower cross-lingual cosine. The weights are settings, chosen on FLORES.
"""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from kb.analysis import tokens
from kb.errors import ConfigError
from kb.language import detect_language
from kb.settings import Settings
from kb.sparse import SparseEncoder
from kb.store.base import DENSE, SENTENCES, SPARSE, Store
from kb.store.plan import Blend, DateRange, Match, Nearest, Rrf, StoreQuery, Where
from kb.types import Hit, SearchFilters

log = logging.getLogger(__name__)
MODES = ("hybrid", "dense", "sparse")


@dataclass
class SearchOptions:
    """Per-query knobs; None means "the setting"."""

    mode: str | None = None
    sparse_weight: float | None = None
    sparse_weight_other: float | None = None
    sparse_saturation: float | None = None
    cross_language_bonus: float | None = None
    language_pooling: bool | None = None
    fusion: str = "blend"  # "rrf": equal-weight reciprocal-rank fusion, kept for comparison in benchmarks


class Searcher:
    """Turns a question and filters into a store query plan and ranked hits."""

    def __init__(self, store: Store, query_vector: Callable[[str], Sequence[float]], sparse: SparseEncoder,
                 settings: Settings, chunk_languages: Callable[[], list[str]] | None = None):
        self.store = store
        self.query_vector = query_vector
        self.sparse = sparse
        self.settings = settings
        self.chunk_languages = chunk_languages or (lambda: sorted(store.facet("chunk_language")))

    def where(self, filters: SearchFilters | None) -> Where | None:
        """Store filter for the given restrictions; None when unrestricted. Raises nothing for empty globs:
        an unmatched source glob gives a filter that matches nothing."""
        if filters is None or filters.is_empty():
            return None
        must: list = []
        if filters.languages:
            must.append(Match("language", tuple(filters.languages)))
        if filters.chunk_languages:
            must.append(Match("chunk_language", tuple(filters.chunk_languages)))
        if filters.doc_types:
            must.append(Match("doc_type", tuple(filters.doc_types)))
        if filters.since or filters.until:
            if filters.since and filters.until and filters.since > filters.until:
                raise ConfigError(f"the date range is empty: since {filters.since} is after until {filters.until}")
            must.append(DateRange("date", filters.since, filters.until))
        if filters.source_glob:
            sources = [s for s in self.store.facet("source") if fnmatch.fnmatchcase(s, filters.source_glob)]
            must.append(Match("source", tuple(sources) or ("\x00no-source-matches",)))
        return Where(tuple(must))

    def search(self, query: str, k: int | None = None, filters: SearchFilters | None = None,
               options: SearchOptions | None = None, with_sentences: bool = False) -> list[Hit]:
        """Ranked passages for `query` (with their stored sentence vectors when `with_sentences`)."""
        opts = options or SearchOptions()
        s = self.settings
        mode = opts.mode or s.search_mode
        if mode not in MODES:
            raise ConfigError(f"unknown search mode {mode!r}; use one of {', '.join(MODES)}")
        k = k or s.top_k
        query = query.strip()
        if not query:
            return []
        where = self.where(filters)
        prefetch = max(s.prefetch_limit, k)
        if mode == "sparse":
            node = Nearest(SPARSE, self.sparse.encode_query(query, s.languages), k)
        else:
            dense = [float(x) for x in self.query_vector(query)]
            if mode == "dense":
                node = Nearest(DENSE, dense, k)
            else:
                node = self._hybrid(query, dense, filters, prefetch, k, opts)
        records = self.store.query(StoreQuery(node=node, limit=k, where=where, hnsw_ef=s.hnsw_ef,
                                              with_vectors=(SENTENCES, DENSE) if with_sentences else ()))
        return [Hit(rank=i + 1, score=r.score, chunk_id=r.id, payload=r.payload,
                    sentence_vectors=_sentence_matrix(r.vectors), vector=_dense(r.vectors))
                for i, r in enumerate(records)]

    def _hybrid(self, query: str, dense: list[float], filters: SearchFilters | None, prefetch: int, k: int,
                opts: SearchOptions) -> Blend | Rrf:
        s = self.settings
        pick = lambda value, default: default if value is None else value  # noqa: E731
        sparse_vec = self.sparse.encode_query(query, s.languages)
        qlang = _query_language(query, tuple(s.languages))
        same = Where((Match("chunk_language", (qlang,)),)) if qlang else None
        dense_nodes: tuple[Nearest, ...] = (Nearest(DENSE, dense, prefetch),)
        restricted = filters is not None and bool(filters.languages or filters.chunk_languages)
        if pick(opts.language_pooling, s.language_pooling) and not restricted:
            langs = self.chunk_languages()
            if len(langs) > 1:  # candidates from every language, so other-language evidence is not crowded out
                dense_nodes = tuple(Nearest(DENSE, dense, prefetch, Where((Match("chunk_language", (lang,)),)))
                                    for lang in langs)
        sparse_nodes = (Nearest(SPARSE, sparse_vec, prefetch),) if sparse_vec.indices else ()
        words = max(1, len(set(tokens(query))))
        if opts.fusion == "rrf":
            return Rrf(children=dense_nodes + sparse_nodes, limit=max(k, prefetch))
        return Blend(dense=dense_nodes, sparse=sparse_nodes, limit=max(k, prefetch),
                     saturation=pick(opts.sparse_saturation, s.sparse_saturation) * words,
                     weight_same=pick(opts.sparse_weight, s.sparse_weight),
                     weight_other=pick(opts.sparse_weight_other, s.sparse_weight_other),
                     bonus=pick(opts.cross_language_bonus, s.cross_language_bonus), same_language=same)


def _sentence_matrix(vectors: dict | None):
    import numpy as np

    rows = (vectors or {}).get(SENTENCES)
    return np.asarray(rows, dtype=np.float32) if rows else None


def _dense(vectors: dict | None):
    import numpy as np

    v = (vectors or {}).get(DENSE)
    return np.asarray(v, dtype=np.float32) if v else None


@lru_cache(maxsize=4096)
def _query_language(query: str, languages: tuple[str, ...]) -> str:
    return detect_language(query, list(languages), default="")
