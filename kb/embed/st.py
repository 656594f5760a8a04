"""sentence-transformers embedder (the default model and any other ST model name or folder)."""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import numpy as np

from kb.embed.base import Embedder
from kb.errors import ModelError

log = logging.getLogger(__name__)


class SentenceTransformerEmbedder(Embedder):
    """Wraps a SentenceTransformer; mean pooling and normalisation come from the model folder."""

    def __init__(self, model: str, *, name: str | None = None, query_prompt: str = "", passage_prompt: str = "",
                 batch_size: int = 32, threads: int = 1, device: str = "cpu", weights_digest: str | None = None,
                 dim: int | None = None):
        self.model_ref = model
        self.name = name or model
        self.query_prompt = query_prompt
        self.passage_prompt = passage_prompt
        self.batch_size = batch_size
        self.threads = threads
        self.device = device
        self._digest = weights_digest or _folder_digest(model)
        self._model = None
        self._dim = dim

    @property
    def model(self):
        """The SentenceTransformer, loaded on first use (listing or skipping unchanged files never loads it)."""
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never wait on a hub from these machines
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            try:
                import torch
                import transformers
                from sentence_transformers import SentenceTransformer
            except ImportError as e:
                raise ModelError(f"KB_EMBED_MODEL={self.model_ref!r} (or KB_EMBED_BACKEND=torch) runs on "
                                 f"sentence-transformers and torch, which are not installed ({e.name}): "
                                 "pip install 'planning-kb[torch]'") from e

            transformers.utils.logging.disable_progress_bar()
            transformers.utils.logging.set_verbosity_error()
            torch.set_num_threads(self.threads)
            try:
                self._model = SentenceTransformer(self.model_ref, device=self.device)
            except Exception as e:  # noqa: BLE001 - the cause is shown to the user
                raise ModelError(f"cannot load embedding model {self.model_ref!r}: {e}. Set KB_EMBED_MODEL to a "
                                 "local sentence-transformers folder, or unset it for the bundled default") from e
        return self._model

    @property
    def dim(self) -> int:
        if self._dim is None:
            m = self.model
            self._dim = int(m.get_embedding_dimension() if hasattr(m, "get_embedding_dimension")
                            else m.get_sentence_embedding_dimension())
        return self._dim

    @property
    def fingerprint(self) -> str:
        return (f"st:{self.name}/dim={self.dim}/weights={self._digest}/"
                f"q={self.query_prompt!r}/p={self.passage_prompt!r}")

    def _encode(self, texts: list[str]) -> np.ndarray:
        import torch

        with torch.inference_mode():
            v = self.model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                  convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(v, dtype=np.float32)

    def count_tokens(self, texts: list[str]) -> list[int]:
        enc = self.model.tokenizer(texts, add_special_tokens=False, truncation=False)["input_ids"]
        return [len(ids) for ids in enc]

    def max_tokens(self) -> int:
        return int(self.model.max_seq_length or 512)


def _folder_digest(model: str) -> str:
    """A short digest of a local model's weights (size + head bytes), or the name for hub models."""
    path = Path(model)
    files = sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin")) if path.is_dir() else []
    if not files:
        return hashlib.sha256(model.encode()).hexdigest()[:16]
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode())
        h.update(str(f.stat().st_size).encode())
        with open(f, "rb") as fh:
            h.update(fh.read(1 << 20))
    return h.hexdigest()[:16]
