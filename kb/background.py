"""How similar a question is to text it has nothing to do with, per language: the yardstick that makes
similarities comparable across language pairs.

e5 cosines sit close together, and a sentence in another language than the question scores lower against it
for the same content (right cross-lingual answers sit around 0.82–0.85, same-language ones higher). So a raw
similarity means different things for lt→lt and lv→en. For every question we measure its similarity to a fixed
bank of unrelated everyday sentences in each language (`kb/data/background_*.txt`, line N the same sentence in
the three languages) and express a candidate's similarity as its height above that background in the
candidate's language, in units of how much higher an exact translation scores for that language pair (measured
on the aligned bank: for an English question a Lithuanian translation rises only half as far above unrelated
Lithuanian text as an English sentence does above unrelated English). The bank is embedded once per model and
kept by the passage-vector cache."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib import resources

import numpy as np

log = logging.getLogger(__name__)
BANK_LANGUAGES = ("en", "lt", "lv")


def bank_sentences(language: str) -> list[str]:
    """The background sentences of one language (empty for a language the bank does not have)."""
    if language not in BANK_LANGUAGES:
        return []
    text = resources.files("kb").joinpath("data", f"background_{language}.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


@dataclass(frozen=True, slots=True)
class Yardstick:
    """The background of one question: its mean similarity to unrelated sentences of each language, and how
    far above that background an exact translation of a sentence typically scores, per language pair."""

    language: str
    mean: dict[str, float]
    span: dict[tuple[str, str], float]

    def calibrated(self, similarity: float, language: str, power: float = 1.0) -> float:
        """The similarity's height above the question's background in the sentence's language, divided by
        the language pair's translation span to the power `power` and multiplied by the same-language span
        to that power: with power 0 only the background is removed; with 1 a sentence as far above its
        background as an exact translation scores like a same-language exact match. A language the bank
        lacks falls back to the average over the bank's languages."""
        return (similarity - self.offset(language)) * self.ratio(language) ** power

    def ratio(self, language: str) -> float:
        """How much smaller the translation span of (question language, `language`) is than the question
        language's own span (1 for the question's language; at most 3, and 1 for a degenerate bank)."""
        span = self.span.get((self.language, language))
        if span is None:
            span = float(np.mean(list(self.span.values())))
        own = self.span.get((self.language, self.language), span)
        return min(3.0, max(1.0, own / span)) if span > 1e-3 and own > 1e-3 else 1.0

    def offset(self, language: str) -> float:
        """The question's background similarity in `language`."""
        m = self.mean.get(language)
        return float(np.mean(list(self.mean.values()))) if m is None else m


class Background:
    """Bank vectors per language (passage prompt) and the per-pair span between unrelated and translated
    sentences (query prompt against passage prompt, measured on the line-aligned bank)."""

    def __init__(self, vectors: dict[str, np.ndarray], span: dict[tuple[str, str], float]):
        self.vectors = vectors
        self.span = span

    @classmethod
    def build(cls, embed_passages, embed_queries) -> "Background":
        """Embed the bank with the knowledge base's (cached) passage embedding and the query embedding."""
        texts = {lang: bank_sentences(lang) for lang in BANK_LANGUAGES}
        flat = [t for lang in BANK_LANGUAGES for t in texts[lang]]
        passages = np.asarray(embed_passages(flat), dtype=np.float32)
        queries = np.asarray(embed_queries(flat), dtype=np.float32)
        p, q, i = {}, {}, 0
        for lang in BANK_LANGUAGES:
            n = len(texts[lang])
            p[lang], q[lang] = passages[i:i + n], queries[i:i + n]
            i += n
        span = {}
        for a in BANK_LANGUAGES:
            for b in BANK_LANGUAGES:
                n = min(len(q[a]), len(p[b]))
                if n:
                    aligned = float((q[a][:n] * p[b][:n]).sum(1).mean())
                    unrelated = float((q[a] @ p[b].T).mean())
                    span[(a, b)] = aligned - unrelated
        return cls(p, span)

    def yardstick(self, question_vector, language: str) -> Yardstick:
        """The background of a question (its vector, and its language for the pair spans)."""
        qv = np.asarray(question_vector, dtype=np.float32)
        mean = {lang: float((v @ qv).mean()) for lang, v in self.vectors.items() if len(v)}
        return Yardstick(language, mean, self.span)


def bank_digest() -> str:
    """Changes whenever a bank file changes."""
    import hashlib

    h = hashlib.sha256()
    for lang in BANK_LANGUAGES:
        h.update("\n".join(bank_sentences(lang)).encode("utf-8"))
    return h.hexdigest()[:16]


def load_background(folder, embedder) -> Background:
    """The bank embedded by this model: read from `folder` when it was built before (one small file per model
    and bank version), else built and written atomically."""
    import hashlib
    import os
    import uuid
    from pathlib import Path

    key = hashlib.sha256(f"{embedder.fingerprint}|{bank_digest()}".encode()).hexdigest()[:16]
    path = Path(folder) / f"background-{key}.npz"
    if path.exists():
        try:
            with np.load(path) as f:
                vectors = {lang: f[f"p_{lang}"] for lang in BANK_LANGUAGES}
                span = {(a, b): float(f["span"][i, j]) for i, a in enumerate(BANK_LANGUAGES)
                        for j, b in enumerate(BANK_LANGUAGES)}
            return Background(vectors, span)
        except (OSError, KeyError, ValueError) as e:
            log.warning("background bank file %s is unreadable (%s); building it again", path, e)
    bg = Background.build(embedder.embed_passages, embedder.embed_queries)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}-{uuid.uuid4().hex[:8]}.npz")
    span = np.array([[bg.span[(a, b)] for b in BANK_LANGUAGES] for a in BANK_LANGUAGES], dtype=np.float32)
    np.savez(tmp, span=span, **{f"p_{lang}": bg.vectors[lang] for lang in BANK_LANGUAGES})
    os.replace(tmp, path)
    return bg
