"""An embedder with memory: passage vectors kept on disk by model and exact text (kb.embed.cache), so unchanged
paragraphs and renamed files are not embedded again; question vectors and claim vectors kept in memory (paging,
filters and modes re-ask the same question; LLM answers re-check the same sentences)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from kb.embed.base import Embedder


class _Lru:
    def __init__(self, size: int):
        self.size = size
        self.items: OrderedDict[str, np.ndarray] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str):
        with self.lock:
            v = self.items.get(key)
            if v is not None:
                self.items.move_to_end(key)
            return v

    def put(self, key: str, value) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


class CachingEmbedder(Embedder):
    """Wraps `inner`; `cache_path` None switches the passage cache off (KB_EMBED_CACHE=false)."""

    def __init__(self, inner: Embedder, cache_path: Path | None = None, max_entries: int = 500_000):
        self.inner = inner
        self._cache_path = cache_path
        self._max_entries = max_entries
        self._cache = None
        self._queries = _Lru(2048)
        self._claims = _Lru(20_000)
        self.vectors_embedded = 0  # passage vectors computed by the model (the rest came from the cache)
        self.vectors_reused = 0

    # -- the wrapped model ---------------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    @property
    def fingerprint(self) -> str:
        return self.inner.fingerprint

    @property
    def query_prompt(self) -> str:
        return self.inner.query_prompt

    @property
    def passage_prompt(self) -> str:
        return self.inner.passage_prompt

    def count_tokens(self, texts: list[str]) -> list[int]:
        return self.inner.count_tokens(texts)

    def max_tokens(self) -> int:
        return self.inner.max_tokens()

    def _encode(self, texts: list[str]) -> np.ndarray:
        return self.inner._encode(texts)

    def embed_batch(self, texts: list[str], prompt: str = "") -> np.ndarray:
        return self.inner.embed_batch(texts, prompt)

    # -- with memory ---------------------------------------------------------------------------------------------
    @property
    def cache(self):
        """The passage-vector cache for this model (None when switched off)."""
        if self._cache is None and self._cache_path is not None:
            from kb.embed.cache import EmbeddingCache

            self._cache = EmbeddingCache(self._cache_path, self.fingerprint, self.dim, self._max_entries)
        return self._cache

    def embed_passages(self, texts: list[str], counted: bool = True) -> np.ndarray:
        """Passage vectors, from the cache where the same text was embedded before by the same model.
        `counted`: add to the embedded/reused tallies of ingestion reports (chunks are counted, their
        sentences are not)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        unique = list(dict.fromkeys(texts))  # a sentence repeated by the chunk overlap is embedded once
        cache = self.cache
        if cache is None:
            missing = unique
            found = dict(zip(unique, self.inner.embed_passages(unique)))
        else:
            cached = cache.get_many(unique)
            missing = [t for t, v in zip(unique, cached) if v is None]
            found = {t: v for t, v in zip(unique, cached) if v is not None}
            if missing:
                fresh = self.inner.embed_passages(missing)
                cache.put_many(missing, fresh)
                found.update(zip(missing, fresh))
        if counted:
            fresh_texts = set(missing)
            n_fresh = sum(1 for t in texts if t in fresh_texts)
            self.vectors_embedded += n_fresh
            self.vectors_reused += len(texts) - n_fresh
        return np.stack([found[t] for t in texts])

    @property
    def pools_spans(self) -> bool:
        return self.inner.pools_spans

    def embed_passages_with_spans(self, texts: list[str], spans: list[list[tuple[int, int]]],
                                  counted: bool = True) -> tuple[np.ndarray, list[list[np.ndarray | None]]]:
        """Passage vectors and their spans' pooled vectors (kb.embed.base.Embedder.embed_with_spans), from the
        cache where the same text with the same spans was embedded before."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32), []
        keys = [[t] + [_span_key(t, a, b) for a, b in sp] for t, sp in zip(texts, spans)]
        cache = self.cache
        cached = cache.get_many([k for ks in keys for k in ks]) if cache is not None else []
        found, pos, missing = {}, 0, []
        for i, ks in enumerate(keys):
            got = cached[pos:pos + len(ks)] if cache is not None else [None] * len(ks)
            pos += len(ks)
            if all(v is not None for v in got):
                found[i] = (got[0], list(got[1:]))
            else:
                missing.append(i)
        if missing:
            vectors, pooled = self.inner.embed_with_spans([texts[i] for i in missing], [spans[i] for i in missing],
                                                          self.passage_prompt)
            new_keys, new_vectors = [], []
            for i, v, p in zip(missing, vectors, pooled):
                found[i] = (v, p)
                new_keys += [k for k, x in zip(keys[i], [v, *p]) if x is not None]
                new_vectors += [x for x in (v, *p) if x is not None]
            if cache is not None and new_keys:
                cache.put_many(new_keys, np.stack(new_vectors))
        if counted:
            self.vectors_embedded += len(missing)
            self.vectors_reused += len(texts) - len(missing)
        return np.stack([found[i][0] for i in range(len(texts))]), [found[i][1] for i in range(len(texts))]

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.query_vector(t) for t in texts]) if texts else \
            np.zeros((0, self.dim), dtype=np.float32)

    def query_vector(self, text: str) -> np.ndarray:
        """The vector of one question, remembered."""
        v = self._queries.get(text)
        if v is None:
            v = self.inner.embed_queries([text])[0]
            self._queries.put(text, v)
        return v

    def claim_vectors(self, texts: list[str]) -> np.ndarray:
        """Passage-prompt vectors of short texts checked at query time (LLM sentences and the passages'
        sentences they cite), remembered."""
        missing = list(dict.fromkeys(t for t in texts if self._claims.get(t) is None))
        if missing:
            for t, v in zip(missing, self.inner.embed_passages(missing)):
                self._claims.put(t, v)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._claims.get(t) for t in texts])

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None


def _span_key(text: str, a: int, b: int) -> str:
    """The cache key of a span vector pooled from `text` (never equal to a passage's own text)."""
    return f"\x00span {a}:{b}\x00{text}"
