"""Typed records that carry provenance from file to answer."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

DOC_TYPES = ("guide", "seminar_notes", "study_visit", "strategy", "action_plan", "analysis",
             "conference", "brochure", "one_pager", "other")


@dataclass(slots=True)
class Chunk:
    """One passage of a document, as stored (one Qdrant point)."""

    doc_id: str
    source: str
    content_sha256: str
    title: str
    doc_type: str
    language: str
    chunk_language: str
    text: str
    chunk_index: int
    chunk_count: int
    char_start: int
    char_end: int
    date: str | None = None
    page: int | None = None
    page_end: int | None = None
    page_label: str | None = None
    section: str | None = None
    ingested_at: str | None = None
    sentence_spans: list[list[int]] = field(default_factory=list)  # [start, end) of each stored sentence vector
    extra: dict = field(default_factory=dict)

    def payload(self) -> dict:
        """The stored payload (extra metadata is merged in at top level)."""
        d = asdict(self)
        extra = d.pop("extra")
        d.update({k: v for k, v in extra.items() if k not in d})
        return d


@dataclass(slots=True)
class SearchFilters:
    """Restrictions applied inside the store query."""

    languages: list[str] | None = None
    doc_types: list[str] | None = None
    since: date | None = None
    until: date | None = None
    source_glob: str | None = None
    chunk_languages: list[str] | None = None

    def is_empty(self) -> bool:
        """True when nothing is restricted."""
        return not any([self.languages, self.doc_types, self.since, self.until, self.source_glob,
                        self.chunk_languages])


@dataclass(slots=True)
class Hit:
    """One ranked passage returned by a search (with its sentence vectors when the search asked for them)."""

    rank: int
    score: float
    chunk_id: str
    payload: dict
    sentence_vectors: object = None  # numpy (n, dim), rows in payload["sentence_spans"] order
    best_sentence: tuple[int, int] | None = None  # span of the sentence that ranked it (sentence rerank)
    vector: object = None  # the passage's dense vector (numpy), returned with the sentence vectors

    @property
    def source(self) -> str:
        return self.payload.get("source", "")

    @property
    def text(self) -> str:
        return self.payload.get("text", "")

    def to_json(self) -> dict:
        """The DESIGN.md search-hit shape."""
        p = self.payload
        return {"rank": self.rank, "score": round(float(self.score), 6), "chunk_id": self.chunk_id,
                "source": p.get("source"), "title": p.get("title"), "page": p.get("page"),
                "language": p.get("language"), "doc_type": p.get("doc_type"), "date": p.get("date"),
                "text": p.get("text")}


@dataclass(slots=True)
class DocInfo:
    """One stored document, as listed by `kb docs`."""

    doc_id: str
    source: str
    title: str
    doc_type: str
    language: str
    date: str | None
    chunks: int
    pages: int | None
    content_sha256: str
    ingested_at: str | None
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(slots=True)
class Citation:
    """A numbered source of an answer: built from the stored chunk, the quote verbatim from its text."""

    n: int
    chunk_id: str
    source: str
    title: str
    page: int | None
    page_label: str | None
    language: str
    date: str | None
    doc_type: str
    quote: str

    @classmethod
    def from_hit(cls, n: int, hit: "Hit", quote: str) -> "Citation":
        """Citation n for a passage: everything from the stored payload, the quote from its text."""
        p = hit.payload
        return cls(n=n, chunk_id=hit.chunk_id, source=p.get("source", ""), title=p.get("title", ""),
                   page=p.get("page"), page_label=p.get("page_label"),
                   language=p.get("chunk_language") or p.get("language", ""), date=p.get("date"),
                   doc_type=p.get("doc_type", "other"), quote=quote)

    def to_json(self) -> dict:
        return {"n": self.n, "chunk_id": self.chunk_id, "source": self.source, "page": self.page,
                "language": self.language, "quote": self.quote, "title": self.title,
                "page_label": self.page_label, "date": self.date, "doc_type": self.doc_type}


@dataclass(slots=True)
class Answer:
    """An answer built from cited passages, or an abstention with the nearest passages as leads."""

    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    leads: list[Hit] = field(default_factory=list)
    retrieval_query: str = ""
    signals: dict = field(default_factory=dict)
    notice: str | None = None
    grade: str = "confident"  # confident | uncertain (the closest evidence, marked so) | not_found

    def to_json(self) -> dict:
        """The DESIGN.md ask shape (plus the grade, leads, the query used for retrieval and the signals)."""
        return {"question": self.question, "answer": self.answer, "abstained": self.abstained,
                "grade": self.grade, "citations": [c.to_json() for c in self.citations],
                "leads": [h.to_json() for h in self.leads], "retrieval_query": self.retrieval_query,
                "signals": self.signals, "notice": self.notice}
