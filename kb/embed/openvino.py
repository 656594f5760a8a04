"""OpenVINO embedder: the default model's fast CPU path (no torch at run time).

Texts are tokenised by kb.embed.e5_tokenizer (sentencepiece over the pieces of the folder's tokenizer.json: the
same ids in a fifth of the memory; `tokenizers` itself where character offsets are needed or tokenizer.json has
another shape), sorted by length across the whole call and batched so that padding stays small, and run through a
compiled OpenVINO model with the configured number of threads; mean pooling and normalisation are inside the
graph. One infer request per thread, so the app's searches and its ingestion can embed at the same time.

`embed_with_spans` also pools vectors for character spans of each text (a chunk's sentences) from the same pass
over the text: the mean of the span's tokens in the last hidden state, normalised — the sentences cost nothing
more than their chunk."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

import numpy as np

from kb.embed.base import Embedder
from kb.errors import ModelError
from kb.well_formed import well_formed

log = logging.getLogger(__name__)


class OpenVinoEmbedder(Embedder):
    """`folder` holds model.xml/.bin, tokenizer.json and meta.json (kb.embed.e5_graph.prepare_openvino)."""

    pools_spans = True

    def __init__(self, folder: Path, *, name: str = "openvino", query_prompt: str = "", passage_prompt: str = "",
                 batch_size: int = 32, batch_tokens: int = 1024, threads: int = 1, weights_digest: str = "",
                 precision: str = "auto"):
        self.folder = Path(folder)
        self.name = name
        self.query_prompt = query_prompt
        self.passage_prompt = passage_prompt
        self.batch_size = batch_size
        self.batch_tokens = batch_tokens
        self.threads = threads
        if precision not in ("auto", "f32"):
            raise ModelError(f"unknown embedding precision {precision!r}: use auto or f32 (KB_EMBED_PRECISION)")
        self.precision = precision
        self._digest = weights_digest
        self._meta_cache: dict | None = None
        self._compiled = None
        self._tokenizer = None
        self._fast = None  # E5Tokenizer, or False where tokenizers is used for everything
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
    def fast_tokenizer(self):
        """The sentencepiece tokenizer (kb.embed.e5_tokenizer), or None where `tokenizers` does all."""
        with self._load_lock:
            if self._fast is None:
                from kb.embed.e5_tokenizer import E5Tokenizer

                self._fast = E5Tokenizer.load(self.folder, self.max_tokens()) or False
        return self._fast or None

    def _ids(self, texts: list[str], special: bool = True) -> list[list[int]]:
        fast = self.fast_tokenizer
        if fast is not None:
            return fast.ids(texts, special)
        return [e.ids for e in self.tokenizer.encode_batch(texts, add_special_tokens=special)]

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
                    config = {"INFERENCE_NUM_THREADS": self.threads, "NUM_STREAMS": 1,
                              "PERFORMANCE_HINT": "LATENCY"}
                    if self.precision == "f32":
                        config["INFERENCE_PRECISION_HINT"] = "f32"
                    self._compiled = ov.Core().compile_model(str(path), "CPU", config)
                except Exception as e:  # noqa: BLE001 - a damaged file: say which and how to fix it
                    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
                    cause = lines[-1] if lines else type(e).__name__
                    raise ModelError(f"cannot load {path} ({cause}); delete {self.folder} and run again to "
                                     "prepare it") from e
        return self._compiled

    @property
    def inference_precision(self) -> str:
        """What the runtime computes in on this CPU ('f32', 'bf16', …), as it reports it once compiled."""
        return self.compiled.get_property("INFERENCE_PRECISION_HINT").get_type_name()

    def _request(self):
        request = getattr(self._local, "request", None)
        if request is None:
            request = self._local.request = self.compiled.create_infer_request()
        return request

    def count_tokens(self, texts: list[str]) -> list[int]:
        return [len(ids) for ids in self._ids([well_formed(t) for t in texts], special=False)]

    def max_tokens(self) -> int:
        return int(self._meta().get("max_length", 512))

    def _encode(self, texts: list[str]) -> np.ndarray:
        return self._run(texts)[0]

    def _run(self, texts: list[str], spans: list[list[tuple[int, int]]] | None = None):
        """Pooled vectors of `texts` and, with `spans` (character spans of each text), a vector per span pooled
        from the text's last hidden state (None for a span the truncated text does not reach)."""
        texts = [well_formed(t) for t in texts]  # one character for one: the spans' offsets still hold
        encodings = self.tokenizer.encode_batch(texts) if spans is not None else None  # offsets for the spans
        tokens = [e.ids for e in encodings] if encodings is not None else self._ids(texts)
        order = sorted(range(len(texts)), key=lambda i: len(tokens[i]))  # see token_batches
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        pooled: list[list[np.ndarray | None]] = [[] for _ in texts]
        pad = int(self._meta().get("pad_id", 1))
        request = self._request()
        lengths = [len(t) for t in tokens]
        for batch in token_batches(order, lengths, self.batch_size, self.batch_tokens):
            width = lengths[batch[-1]]  # the longest: `order` is sorted by length
            ids = np.full((len(batch), width), pad, dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                e = tokens[i]
                ids[row, :len(e)] = e
                mask[row, :len(e)] = 1
            request.infer({"input_ids": ids, "attention_mask": mask})
            out[batch] = request.get_output_tensor(0).data
            if spans is not None:
                states = request.get_output_tensor(1).data
                for row, i in enumerate(batch):
                    pooled[i] = _pool_spans(states[row, :lengths[i]], encodings[i], spans[i])
        return out, pooled

    def embed_with_spans(self, texts: list[str], spans: list[list[tuple[int, int]]], prompt: str = ""):
        """(vectors of `texts`, per text a vector or None for each of its character spans), from one pass."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32), []
        shift = len(prompt)
        return self._run([prompt + t for t in texts], [[(a + shift, b + shift) for a, b in sp] for sp in spans])

    def embed_batch(self, texts: list[str], prompt: str = "") -> np.ndarray:
        """All texts at once: sorting by length across the whole list keeps padding small."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode([prompt + t for t in texts])


def token_batches(order: list[int], lengths: list[int], size: int, budget: int) -> list[list[int]]:
    """`order` (indices sorted by length) cut into batches of at most `size` texts and at most `budget` padded
    tokens: short texts go many to a batch, long ones few, so that each batch spans a narrow range of lengths
    and little of it is padding (one text alone may exceed the budget)."""
    batches: list[list[int]] = []
    batch: list[int] = []
    for i in order:
        if batch and (len(batch) >= size or (len(batch) + 1) * max(lengths[i], lengths[batch[-1]]) > budget):
            batches.append(batch)
            batch = []
        batch.append(i)
    if batch:
        batches.append(batch)
    return batches


def _pool_spans(states: np.ndarray, encoding, spans: list[tuple[int, int]]) -> list[np.ndarray | None]:
    """The normalised mean of the hidden states of the tokens overlapping each character span."""
    offsets = np.asarray(encoding.offsets, dtype=np.int64).reshape(-1, 2)
    special = np.asarray(encoding.special_tokens_mask, dtype=bool)
    starts, ends = offsets[:, 0], offsets[:, 1]
    real = (ends > starts) & ~special
    out: list[np.ndarray | None] = []
    for a, b in spans:
        m = real & (starts < b) & (ends > a)
        if not m.any():
            out.append(None)
            continue
        v = states[m].mean(0)
        n = float(np.linalg.norm(v))
        out.append((v / n).astype(np.float32) if n > 1e-12 else None)
    return out
