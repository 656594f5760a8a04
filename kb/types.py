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


HIT_DETAIL_FIELDS = ("section", "page_label", "page_end", "chunk_language", "char_start", "char_end", "doc_id",
                     "chunk_index")


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

    def to_json(self, full: bool = False) -> dict:
        """The DESIGN.md search-hit shape; `full` adds what the faces show besides (section, printed page
        label, the passage's own language, character offsets, the best sentence), as the JSON API sends it."""
        p = self.payload
        out = {"rank": self.rank, "score": round(float(self.score), 6), "chunk_id": self.chunk_id,
               "source": p.get("source"), "title": p.get("title"), "page": p.get("page"),
               "language": p.get("language"), "doc_type": p.get("doc_type"), "date": p.get("date"),
               "text": p.get("text")}
        if full:
            out.update({k: p.get(k) for k in HIT_DETAIL_FIELDS})
            out["best_sentence"] = list(self.best_sentence) if self.best_sentence else None
        return out

    @classmethod
    def from_json(cls, d: dict) -> "Hit":
        """The inverse of to_json(full=True): the same Hit a local search returns (without vectors)."""
        payload = {k: d.get(k) for k in ("source", "title", "page", "language", "doc_type", "date", "text",
                                         *HIT_DETAIL_FIELDS) if k in d}
        best = d.get("best_sentence")
        return cls(rank=int(d["rank"]), score=float(d["score"]), chunk_id=str(d["chunk_id"]), payload=payload,
                   best_sentence=tuple(best) if best else None)


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

    @classmethod
    def from_json(cls, d: dict) -> "DocInfo":
        return cls(**{k: d.get(k) for k in cls.__slots__ if k != "warnings"}, warnings=list(d.get("warnings") or []))


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
    start: int | None = None  # where the quote starts in its passage's text (the reader view marks it)

    @classmethod
    def from_hit(cls, n: int, hit: "Hit", quote: str) -> "Citation":
        """Citation n for a passage: everything from the stored payload, the quote from its text."""
        p = hit.payload
        at = hit.text.find(quote)
        return cls(n=n, chunk_id=hit.chunk_id, source=p.get("source", ""), title=p.get("title", ""),
                   page=p.get("page"), page_label=p.get("page_label"),
                   language=p.get("chunk_language") or p.get("language", ""), date=p.get("date"),
                   doc_type=p.get("doc_type", "other"), quote=quote, start=at if at >= 0 else None)

    def to_json(self) -> dict:
        return {"n": self.n, "chunk_id": self.chunk_id, "source": self.source, "page": self.page,
                "language": self.language, "quote": self.quote, "title": self.title,
                "page_label": self.page_label, "date": self.date, "doc_type": self.doc_type, "start": self.start}

    @classmethod
    def from_json(cls, d: dict) -> "Citation":
        return cls(**{k: d.get(k) for k in cls.__slots__})


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
    language: str = ""  # the language the answer is worded in (the question's)

    def to_json(self) -> dict:
        """The DESIGN.md ask shape (plus the grade, leads, the query used for retrieval and the signals)."""
        return {"question": self.question, "answer": self.answer, "abstained": self.abstained,
                "grade": self.grade, "citations": [c.to_json() for c in self.citations],
                "leads": [h.to_json(full=True) for h in self.leads], "retrieval_query": self.retrieval_query,
                "signals": self.signals, "notice": self.notice, "language": self.language}

    @classmethod
    def from_json(cls, d: dict) -> "Answer":
        """The inverse of to_json: the same Answer a local `ask` returns."""
        return cls(question=d["question"], answer=d["answer"], abstained=bool(d["abstained"]),
                   citations=[Citation.from_json(c) for c in d.get("citations") or []],
                   leads=[Hit.from_json(h) for h in d.get("leads") or []],
                   retrieval_query=d.get("retrieval_query", ""), signals=dict(d.get("signals") or {}),
                   notice=d.get("notice"), grade=d.get("grade", "confident"), language=d.get("language", ""))
