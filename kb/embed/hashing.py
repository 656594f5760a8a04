"""A tiny deterministic embedder for fast tests: hashed character trigrams, no model, no download."""

from __future__ import annotations

import hashlib
import re

import numpy as np

from kb.embed.base import Embedder

_WORD = re.compile(r"\w+", re.UNICODE)


class HashEmbedder(Embedder):
    """Bag of hashed word-boundary character trigrams, L2-normalised. Similar spelling -> similar vectors."""

    name = "hash"

    def __init__(self, dim: int = 256, batch_size: int = 64):
        self.dim = dim
        self.batch_size = batch_size

    @property
    def fingerprint(self) -> str:
        return f"hash-trigram-v1/dim={self.dim}"

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for w in _WORD.findall(text.lower()):
            w = f"#{w}#"
            for i in range(max(1, len(w) - 2)):
                h = int.from_bytes(hashlib.blake2b(w[i:i + 3].encode(), digest_size=4).digest(), "little")
                v[h % self.dim] += 1.0 if h & 0x80000000 else -1.0
        n = np.linalg.norm(v)
        if n == 0:
            v[0] = 1.0
            return v
        return v / n

    def _encode(self, texts: list[str]) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts])

    def count_tokens(self, texts: list[str]) -> list[int]:
        return [len(_WORD.findall(t)) for t in texts]
