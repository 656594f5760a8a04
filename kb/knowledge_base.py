"""The library's front door: one object that owns the store, the (caching) embedder and the sparse encoder.

Faces (CLI, app, ingestion) call its methods; none of them builds store queries or reaches into the store.
It never imports them."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

import numpy as np

from kb.embed import Embedder, create_embedder
from kb.embed.caching import CachingEmbedder
from kb.errors import KBError
from kb.sentences import SENTENCES_VERSION, contextual, evidence_spans, readable, sentence_context
from kb.settings import Settings
from kb.sparse import SparseEncoder
from kb.store import Store, StorePoint, open_store, point_id
from kb.store.base import SCHEMA_VERSION, check_identity
from kb.store.plan import Match, Where
from kb.types import Chunk, DocInfo, Hit, SearchFilters
from kb.well_formed import question_text

log = logging.getLogger(__name__)
_DOC_FIELDS = ["doc_id", "source", "title", "doc_type", "language", "date", "chunk_count", "page_count",
               "content_sha256", "ingested_at", "warnings"]


class KnowledgeBase:
    """Open with `KnowledgeBase.open(settings)`; use as a context manager to release the store."""

    def __init__(self, settings: Settings, store: Store, embedder: Embedder | None = None):
        self.settings = settings
        self._store = store
        self._inner_embedder = embedder
        self._embedder: CachingEmbedder | None = None
        self.sparse = SparseEncoder()
        self._checked = False
        self._background = None
        self._lock = threading.RLock()
        self._languages: list[str] | None = None

    @classmethod
    def open(cls, settings: Settings | None = None, embedder: Embedder | None = None) -> "KnowledgeBase":
        """Open the store the settings name (the embedding model loads on first use)."""
        settings = settings or Settings()
        return cls(settings, open_store(settings), embedder)

    def __enter__(self) -> "KnowledgeBase":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._embedder is not None:
            self._embedder.close()
        self._store.close()

    # -- the model -----------------------------------------------------------------------------------------------
    @property
    def embedder(self) -> CachingEmbedder:
        """The embedding model with its passage-vector cache (KB_EMBED_CACHE) and question-vector memory."""
        with self._lock:
            return self._embedder or self._make_embedder()

    def _make_embedder(self) -> CachingEmbedder:
        if self._embedder is None:
            s = self.settings
            inner = self._inner_embedder or create_embedder(s)
            path = s.home / "cache" / "embeddings.sqlite" if s.embed_cache else None
            self._embedder = CachingEmbedder(inner, path, s.embed_cache_max_entries)
        return self._embedder

    @property
    def background(self):
        """The question-background yardstick for the current model (kb.background), built once per model."""
        with self._lock:
            if self._background is None:
                from kb.background import load_background

                self._background = load_background(self.settings.models_path(), self.embedder.inner)
        return self._background

    def query_vector(self, text: str):
        """Dense vector of a question (remembered: paging, filters and modes re-ask the same question)."""
        return self.embedder.query_vector(text)

    # -- identity ------------------------------------------------------------------------------------------------
    def identity(self) -> dict:
        """What must match for vectors and chunks to be mixed in one collection."""
        s = self.settings
        return {"schema_version": SCHEMA_VERSION, "embedding": self.embedder.fingerprint, "dim": self.embedder.dim,
                "chunking": f"sentences/{s.chunk_tokens}tok/overlap{s.chunk_overlap_tokens}",
                "sparse": self.sparse.version, "sentences": f"{SENTENCES_VERSION}/{self.sentence_mode}"}

    @property
    def sentence_mode(self) -> str:
        """How sentence vectors are made here: pooled from the chunk's pass where the model can, else separate."""
        return "pooled" if self.settings.sentence_vectors == "pooled" and self.embedder.pools_spans else "separate"

    def prepare_for_writes(self) -> None:
        """Create the collection if needed; refuse one built with another configuration."""
        if not self._checked:
            self._store.ensure(self.identity(), self.embedder.dim)
            self._checked = True

    def _ready_for_reads(self) -> None:
        if not self._checked:
            stored = self._store.identity()
            if stored is None:
                raise KBError(f"the knowledge base at {self._store.location} is empty; "
                              "ingest documents first with `kb ingest PATH`")
            check_identity(stored, self.identity(), self._store.location)
            self._checked = True

    @property
    def location(self) -> str:
        """Where the store is (a folder, or a server URL and collection)."""
        return self._store.location

    @property
    def backend(self) -> str:
        return type(self._store).__name__

    def announce(self, url: str) -> None:
        """Tell other processes that the app answering at `url` owns this (embedded) store."""
        self._store.announce(url)

    # -- reading -------------------------------------------------------------------------------------------------
    def ask(self, question: str, history: list[str] | None = None, filters: SearchFilters | None = None,
            language: str | None = None):
        """An extractive answer with numbered citations, graded confident / uncertain / not found (kb.answer);
        `language` is the reply language when the question does not show one."""
        from kb.answer import Answerer

        self._ready_for_reads()
        history = [question_text(h) for h in history] if history else history
        return Answerer(self).answer(question_text(question), history, filters, language)

    def search(self, query: str, k: int | None = None, filters: SearchFilters | None = None,
               options=None, with_sentences: bool = False, rerank: bool | None = None) -> list[Hit]:
        """Ranked passages for a question (mode, fusion and pooling from settings unless `options` says);
        `with_sentences` also returns each passage's stored sentence vectors. With `rerank` (default: the
        setting), the best `search_rerank_candidates` passages are reordered by their best sentence
        (kb.evidence), which finds the passage holding the asked-for detail rather than its sibling."""
        from kb.search import Searcher

        self._ready_for_reads()
        query = question_text(query)
        s = self.settings
        k = k or s.top_k
        rerank = s.search_rerank if rerank is None else rerank
        searcher = Searcher(self._store, self.query_vector, self.sparse, s, self.chunk_languages)
        if not rerank or (options is not None and getattr(options, "mode", None) == "sparse"):
            return searcher.search(query, k, filters, options, with_sentences)
        hits = searcher.search(query, max(k, s.search_rerank_candidates), filters, options, with_sentences=True)
        return self.rerank(query, hits)[:k] if hits else hits

    def rerank(self, query: str, hits: list[Hit]) -> list[Hit]:
        """Passages reordered by their best sentence for `query` (kb.evidence.rerank)."""
        import numpy as np

        from kb.evidence import KEEP, EvidenceWeights, gather, rerank
        from kb.language import detect_language
        from kb.quantities import answer_kind

        s = self.settings
        qv = np.asarray(self.query_vector(query), dtype=np.float32)
        lang = detect_language(query, s.languages, default="") or "en"  # as the search itself detects it
        w = EvidenceWeights.from_settings(s)
        evidence = gather(query, qv, self.background.yardstick(qv, lang), hits, answer_kind(query), s.languages,
                          s.evidence_calibration_power, detail=bool(w.coverage or w.anchors), keep=(w, KEEP))
        return rerank(hits, evidence, w)

    def docs(self) -> list[DocInfo]:
        """Every stored document (one row per source, current version)."""
        rows: dict[str, DocInfo] = {}
        for r in self._store.scroll(Where((_first_chunk(),)), fields=_DOC_FIELDS):
            p = r.payload
            info = DocInfo(doc_id=p["doc_id"], source=p["source"], title=p.get("title", ""),
                           doc_type=p.get("doc_type", "other"), language=p.get("language", "und"),
                           date=p.get("date"), chunks=int(p.get("chunk_count", 0)), pages=p.get("page_count"),
                           content_sha256=p["content_sha256"], ingested_at=p.get("ingested_at"),
                           warnings=list(p.get("warnings") or []))
            old = rows.get(info.source)
            if old is None or (info.ingested_at or "") > (old.ingested_at or ""):
                rows[info.source] = info
        return sorted(rows.values(), key=lambda d: d.source)

    def source_of(self, doc_id: str) -> str | None:
        """The stored source path of a document id (None when no such document is stored)."""
        for r in self._store.scroll(Where((Match("doc_id", (doc_id,)), _first_chunk())), fields=["source"]):
            return r.payload.get("source")
        return None

    def chunk(self, chunk_id: str) -> dict | None:
        """The stored payload of one passage (None when there is no such passage)."""
        found = self._store.get([chunk_id])
        return found[0].payload if found else None

    def sources_with_content(self, content_sha256: str) -> list[str]:
        """Stored sources whose file had exactly this content (a renamed, moved or copied file)."""
        return [r.payload.get("source", "") for r in self._store.scroll(
            Where((Match("content_sha256", (content_sha256,)), _first_chunk())), fields=["source"])]

    def document_count(self) -> int:
        """Stored documents, counted in the store (cheap enough for a status line polled every few seconds)."""
        return self._store.count(Where((_first_chunk(),)))

    def chunk_languages(self) -> list[str]:
        """The languages of the stored passages (search pools its candidates per language); remembered until the
        next write."""
        languages = self._languages
        if languages is None:
            languages = self._languages = sorted(self._store.facet("chunk_language"))
        return languages

    def chunk_count(self) -> int:
        """Stored passages."""
        return self._store.count()

    def points(self, fields: list[str] | None = None):
        """Every stored point (id and payload, restricted to `fields`), for inspection, exports and tests."""
        return self._store.scroll(None, fields)

    def chunk_texts(self) -> dict[str, str]:
        """Every stored passage's text by chunk id (checks that quotes are verbatim)."""
        return {r.id: r.payload.get("text", "") for r in self._store.scroll(None, ["text"])}

    def stats(self) -> dict:
        """Counts for `kb stats` and the app's About page."""
        docs = self.docs()
        by = lambda key: dict(sorted(self._store.facet(key).items()))  # noqa: E731
        return {"location": self.location, "backend": self.backend,
                "identity": self._store.identity(), "documents": len(docs), "chunks": self._store.count(),
                "documents_by_language": _tally(d.language for d in docs),
                "documents_by_type": _tally(d.doc_type for d in docs),
                "chunks_by_language": by("chunk_language") if docs else {}}

    def stored_version(self, doc_id: str) -> tuple[str, bool] | None:
        """(content hash, complete?) of the newest stored version of a document, or None."""
        firsts = list(self._store.scroll(Where((Match("doc_id", (doc_id,)), _first_chunk())),
                                         fields=["content_sha256", "chunk_count", "ingested_at"]))
        if not firsts:
            return None
        newest = max(firsts, key=lambda r: r.payload.get("ingested_at") or "")
        sha = newest.payload["content_sha256"]
        n = self._store.count(Where((Match("doc_id", (doc_id,)), Match("content_sha256", (sha,)))))
        return sha, n == int(newest.payload.get("chunk_count", -1)) and len(firsts) == 1

    # -- writing -------------------------------------------------------------------------------------------------
    def write_documents(self, docs: list[list[Chunk]]) -> None:
        """Store several documents' chunks (embedded together, with their sentences), then remove each
        document's older versions.

        New chunks are written before old ones are deleted, so a reader never sees a document vanish, and a
        crash in between leaves both versions, which the next run repairs."""
        self.store_chunks([c for chunks in docs for c in chunks])
        for chunks in docs:
            if chunks:
                self.retire_older_versions(chunks[0])

    def store_chunks(self, chunks: list[Chunk]) -> None:
        """Embed and store chunks (a document's, or a slice of a long one); older versions stay until
        `retire_older_versions`."""
        self.upsert_points(self.embed_chunks(chunks))

    def embed_chunks(self, chunks: list[Chunk]) -> list[StorePoint]:
        """The store points of chunks: their vectors and their sentences' vectors (the model's work; nothing is
        written, so it can run while other writes go on)."""
        self.prepare_for_writes()
        if not chunks:
            return []
        for c in chunks:
            c.sentence_spans = [[a, b] for a, b in evidence_spans(c.text)] or [[0, len(c.text)]]
        dense, sentence_vectors = self._vectors(chunks)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        points, row = [], 0
        for c, v in zip(chunks, dense):
            c.ingested_at = c.ingested_at or now
            n = len(c.sentence_spans)
            points.append(StorePoint(point_id(c.doc_id, c.content_sha256, c.chunk_index), v.tolist(),
                                     self.sparse.encode_document(c.text, c.chunk_language), c.payload(),
                                     sentence_vectors[row:row + n].tolist()))
            row += n
        return points

    def _vectors(self, chunks: list[Chunk]) -> tuple[np.ndarray, np.ndarray]:
        """The chunks' vectors and all their sentences' vectors (in chunk order): pooled from each chunk's own
        pass, or embedded one by one with their context (see `sentence_vectors`); a sentence the model's
        truncated view of a long chunk does not reach is embedded on its own."""
        texts = [_embedding_text(c) for c in chunks]

        def separate(c: Chunk, a: int, b: int) -> str:
            return contextual(readable(c.text[a:b]), sentence_context(c.title, c.section))

        if self.sentence_mode == "separate":
            return (self.embedder.embed_passages(texts),
                    self.embedder.embed_passages([separate(c, a, b) for c in chunks for a, b in c.sentence_spans],
                                                 counted=False))
        shifts = [len(t) - len(c.text) for t, c in zip(texts, chunks)]  # the heading in front of the text
        dense, pooled = self.embedder.embed_passages_with_spans(
            texts, [[(a + d, b + d) for a, b in c.sentence_spans] for c, d in zip(chunks, shifts)])
        flat = [v for p in pooled for v in p]
        gaps = [(c, a, b) for c, p in zip(chunks, pooled) for (a, b), v in zip(c.sentence_spans, p) if v is None]
        if gaps:
            fill = iter(self.embedder.embed_passages([separate(c, a, b) for c, a, b in gaps], counted=False))
            flat = [v if v is not None else next(fill) for v in flat]
        return dense, np.stack(flat) if flat else np.zeros((0, self.embedder.dim), dtype=np.float32)

    def upsert_points(self, points: list[StorePoint]) -> None:
        """Write prepared points (kb.embed_chunks) to the store."""
        if not points:
            return
        self.prepare_for_writes()
        self._languages = None
        for i in range(0, len(points), 256):
            self._store.upsert(points[i:i + 256])

    def retire_older_versions(self, chunk: Chunk) -> None:
        """Remove the stored chunks of `chunk`'s document that belong to another version of its file."""
        self._store.delete(Where((Match("doc_id", (chunk.doc_id,)),),
                                 must_not=(Match("content_sha256", (chunk.content_sha256,)),)))

    def delete_source(self, source: str) -> int:
        """Remove a document by its source path; returns the number of chunks removed."""
        where = Where((Match("source", (source,)),))
        n = self._store.count(where)
        if n:
            self._store.delete(where)
            self._languages = None
        return n

    def delete_all(self) -> None:
        """Drop the whole collection (used to rebuild after a model or chunking change)."""
        self._store.drop()
        self._checked = False
        self._languages = None

    def optimize(self) -> None:
        """Let the store build its indexes after a bulk load, in place (searches wait)."""
        self._store.optimize()

    def optimize_aside(self) -> bool:
        """Build the store's indexes while searches go on (the app does it when ingestion is idle); True when
        an optimised store was swapped in."""
        return self._store.optimize_aside()


def _first_chunk():
    return Match("chunk_index", (0,))


def _tally(values) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return dict(sorted(out.items()))


def _embedding_text(c: Chunk) -> str:
    """What the model sees for a chunk: the section heading (context the sentence lacks) and the text."""
    return f"{c.section}\n{c.text}" if c.section else c.text
