"""The embedder interface: prompts and batching live here once."""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np


class Embedder(ABC):
    """Turns texts into L2-normalised dense vectors; counts tokens the way the model sees them."""

    name: str
    dim: int
    query_prompt: str = ""
    passage_prompt: str = ""
    batch_size: int = 32
    pools_spans: bool = False  # has embed_with_spans: span vectors pooled from the text's own pass

    @property
    @abstractmethod
    def fingerprint(self) -> str:
        """A string that changes whenever the vectors would change (model, weights, prompts)."""

    @abstractmethod
    def _encode(self, texts: list[str]) -> np.ndarray:
        """Encode already-prompted texts into an (n, dim) float32 array of unit vectors."""

    @abstractmethod
    def count_tokens(self, texts: list[str]) -> list[int]:
        """Model tokens of each text, without special tokens or prompts."""

    def embed_batch(self, texts: list[str], prompt: str = "") -> np.ndarray:
        """Encode texts with a prompt, in batches."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = []
        for i in range(0, len(texts), self.batch_size):
            out.append(self._encode([prompt + t for t in texts[i:i + self.batch_size]]))
        return np.vstack(out).astype(np.float32, copy=False)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Vectors for questions (query prompt)."""
        return self.embed_batch(texts, self.query_prompt)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Vectors for stored passages (passage prompt)."""
        return self.embed_batch(texts, self.passage_prompt)

    def embed_with_spans(self, texts: list[str], spans: list[list[tuple[int, int]]], prompt: str = ""):
        """(vectors of `texts`, per text a vector or None for each character span) — only where `pools_spans`."""
        raise NotImplementedError(f"{self.name} cannot pool span vectors; use separate sentence vectors")

    def max_tokens(self) -> int:
        """Longest input the model reads (including prompt and special tokens)."""
        return 512
