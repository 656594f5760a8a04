"""OpenVINO embedder: the default model's fast CPU path (no torch at run time).

Texts are tokenised with `tokenizers` (the same tokenizer.json as the sentence-transformers folder), sorted by
length across the whole call and batched so that padding stays small, and run through a compiled OpenVINO model
with the configured number of threads; mean pooling and normalisation are inside the graph. One infer request
per thread, so the app's searches and its ingestion can embed at the same time."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

import numpy as np

from kb.embed.base import Embedder
from kb.errors import ModelError

log = logging.getLogger(__name__)


class OpenVinoEmbedder(Embedder):
    """`folder` holds model.xml/.bin, tokenizer.json and meta.json (kb.embed.e5_graph.prepare_openvino)."""

    def __init__(self, folder: Path, *, name: str = "openvino", query_prompt: str = "", passage_prompt: str = "",
                 batch_size: int = 32, threads: int = 1, weights_digest: str = ""):
        self.folder = Path(folder)
        self.name = name
        self.query_prompt = query_prompt
        self.passage_prompt = passage_prompt
        self.batch_size = batch_size
        self.threads = threads
        self._digest = weights_digest
        self._meta_cache: dict | None = None
        self._compiled = None
        self._tokenizer = None
        self._load_lock = threading.Lock()
        self._local = threading.local()

    def _meta(self) -> dict:
        if self._meta_cache is None:
            try:
                self._meta_cache = json.loads((self.folder / "meta.json").read_text())
            except (OSError, ValueError) as e:
                raise ModelError(f"the model folder {self.folder} is incomplete ({e}); delete it and run again "
                                 "to prepare it") from e
        return self._meta_cache

    @property
    def dim(self) -> int:
        return int(self._meta()["hidden"])

    @property
    def fingerprint(self) -> str:
        m = self._meta()
        return (f"openvino:{self.name}/{m.get('weights')}/format={m.get('format')}/dim={self.dim}/"
                f"weights={self._digest}/q={self.query_prompt!r}/p={self.passage_prompt!r}")

    @property
    def tokenizer(self):
        if self._tokenizer is None:
            from tokenizers import Tokenizer

            tok = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
            tok.enable_truncation(max_length=self.max_tokens())
            tok.no_padding()
            self._tokenizer = tok
        return self._tokenizer

    @property
    def compiled(self):
        """The compiled model, loaded on first use (listing documents never loads the model)."""
        with self._load_lock:
            if self._compiled is None:
                import openvino as ov

                path = self.folder / "model.xml"
                if not path.is_file():
                    raise ModelError(f"{path} is missing; delete {self.folder} and run again to prepare it")
                try:
                    self._compiled = ov.Core().compile_model(
                        str(path), "CPU", {"INFERENCE_NUM_THREADS": self.threads, "NUM_STREAMS": 1,
                                           "PERFORMANCE_HINT": "LATENCY"})
                except Exception as e:  # noqa: BLE001 - a damaged file: say which and how to fix it
                    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
                    cause = lines[-1] if lines else type(e).__name__
                    raise ModelError(f"cannot load {path} ({cause}); delete {self.folder} and run again to "
                                     "prepare it") from e
        return self._compiled

    def _request(self):
        request = getattr(self._local, "request", None)
        if request is None:
            request = self._local.request = self.compiled.create_infer_request()
        return request

    def count_tokens(self, texts: list[str]) -> list[int]:
        return [len(e.ids) for e in self.tokenizer.encode_batch(texts, add_special_tokens=False)]

    def max_tokens(self) -> int:
        return int(self._meta().get("max_length", 512))

    def _encode(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        pad = int(self._meta().get("pad_id", 1))
        request = self._request()
        for start in range(0, len(order), self.batch_size):
            batch = order[start:start + self.batch_size]
            width = max(len(encodings[i].ids) for i in batch)
            ids = np.full((len(batch), width), pad, dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                e = encodings[i].ids
                ids[row, :len(e)] = e
                mask[row, :len(e)] = 1
            request.infer({"input_ids": ids, "attention_mask": mask})
            out[batch] = request.get_output_tensor(0).data
        return out

    def embed_batch(self, texts: list[str], prompt: str = "") -> np.ndarray:
        """All texts at once: sorting by length across the whole list keeps padding small."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode([prompt + t for t in texts])
