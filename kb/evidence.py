"""Sentence-level evidence: every stored sentence of the candidate passages, with signals that mean the same
thing whatever the question's and the sentence's languages are.

- `calibrated`: the sentence's similarity to the question above the question's background in the sentence's
  language, in units of the language pair's translation span (kb.background) — a Latvian sentence is not
  penalised for being Latvian when the question is English;
- `coverage`: the share of the question's content words the sentence has, counted only where words can be
  shared: in the same language (0 across languages);
- `anchors`: the share of the question's names and numbers in the sentence (any language: they cross);
- `typed`: whether the sentence can give the kind of answer asked for (amount, count, date, duration,
  percentage, clock time — kb.quantities);
- `passage`: the passage's search score relative to the best passage (the retrieval context);
- `context`: the passage's own similarity to the question, calibrated like the sentence's (the topic around
  the sentence, fair across languages, where `passage` carries the lexical match);
- `contrast`: how much the sentence stands out from the other candidate sentences of its document (the detail
  the question asks for, rather than the document's general topic); within one document every sentence has
  the same language, so this is fair across languages too.

The vectors were computed once at ingestion and stored with each chunk; nothing is embedded here."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kb.analysis import document_terms, query_terms
from kb.background import Yardstick
from kb.quantities import anchor_match, gives_kind, gives_kind_under, mentions_years, question_years
from kb.sentences import header_and_rows, readable, table_header
from kb.types import Hit

KEEP = 60  # sentences the rerank and the answer look at closely (see gather)
MIN_STATEMENT_WORDS = 4  # shorter lines are headings or labels: context, never an answer on their own


@dataclass(slots=True)
class Evidence:
    """One candidate sentence of a retrieved passage, with its signals and its score."""

    hit: int
    start: int
    end: int
    text: str  # verbatim slice of the chunk text (what the citation quotes)
    statement: str  # the readable form (what the answer says)
    language: str
    similarity: float = 0.0
    calibrated: float = 0.0
    coverage: float = 0.0
    anchors: float = 0.0
    context_anchors: float = 0.0
    typed: bool = True
    years: bool = True
    passage: float = 0.0
    context: float = 0.0
    contrast: float = 0.0
    has_anchors: bool = False  # the question names something (a place, a person, a number)
    score: float = 0.0

    @property
    def answerable_form(self) -> bool:
        """Long enough to be a statement rather than a heading."""
        return len(self.statement.split()) >= MIN_STATEMENT_WORDS


@dataclass(frozen=True, slots=True)
class EvidenceWeights:
    """How the signals add up to a sentence's score (chosen on the fitting sets, see bench/answers.py)."""

    calibrated: float
    passage: float
    typed: float
    coverage: float
    anchors: float
    contrast: float
    context: float = 0.0

    @classmethod
    def from_settings(cls, s) -> "EvidenceWeights":
        return cls(s.evidence_weight_calibrated, s.evidence_weight_passage, s.evidence_weight_typed,
                   s.evidence_weight_coverage, s.evidence_weight_anchors, s.evidence_weight_contrast,
                   s.evidence_weight_context)


def gather(question: str, question_vector, yardstick: Yardstick, hits: list[Hit], kind: str | None,
           languages: list[str], calibration_power: float = 1.0, detail: bool = True,
           keep: tuple[EvidenceWeights, int] | None = None) -> list[Evidence]:
    """The stored sentences of `hits` with their signals (unscored). Passages stored without sentence vectors
    contribute nothing. Without `detail` the word-level signals of each sentence (coverage, anchors) are left
    at 0 (the search rerank does not weigh them; `add_detail` fills them in where needed). With
    `keep=(weights, n)` only the n sentences that score best on the vector signals are returned — the rest
    could not overtake them on the small word-level bonuses — so a search reads a few dozen sentences, not
    every sentence of thirty passages."""
    qv = np.asarray(question_vector, dtype=np.float32)
    best = hits[0].score if hits else 0.0
    rows: list[tuple[int, int, float, float, float]] = []  # (hit, row in its spans, similarity, calibrated, context)
    doc_of: list[str] = []
    for i, h in enumerate(hits):
        vectors = h.sentence_vectors
        spans = h.payload.get("sentence_spans") or []
        if vectors is None or len(spans) != len(vectors):
            continue
        lang = h.payload.get("chunk_language") or h.payload.get("language") or "en"
        offset, ratio = yardstick.offset(lang), yardstick.ratio(lang) ** calibration_power
        context = float((float(h.vector @ qv) - offset) * ratio) if h.vector is not None else 0.0
        sims = vectors @ qv
        cal = (sims - offset) * ratio
        rows += [(i, j, float(sim), float(c), context) for j, (sim, c) in enumerate(zip(sims, cal))]
        doc_of += [h.source] * len(spans)
    if not rows:
        return []
    sims_all = np.array([r[2] for r in rows], dtype=np.float32)
    docs = np.array(doc_of)
    contrast = np.zeros(len(rows), dtype=np.float32)
    for d in set(doc_of):
        m = docs == d
        if m.sum() > 1:
            contrast[m] = sims_all[m] - sims_all[m].mean()
    order = range(len(rows))
    if keep is not None:
        w, n = keep
        partial = np.array([w.calibrated * r[3] + w.passage * (hits[r[0]].score - best) + w.context * r[4]
                            for r in rows]) + w.contrast * contrast
        order = np.argsort(-partial)[:n]
    q_terms = set(query_terms(question, languages)) if detail else set()
    years = question_years(question)
    per_hit: dict[int, tuple] = {}
    out: list[Evidence] = []
    for k in order:
        i, j, sim, cal, context = rows[k]
        h = hits[i]
        if i not in per_hit:
            found, total = anchor_match(question, h.text)
            per_hit[i] = (found / total if total else 0.0, total > 0,
                          mentions_years(years, h.text, h.payload.get("date")),
                          h.payload.get("chunk_language") or h.payload.get("language") or "en")
        context_anchors, has_anchors, years_ok, lang = per_hit[i]
        a, b = h.payload["sentence_spans"][j]
        verbatim = h.text[a:b]
        statement = readable(verbatim)
        typed = gives_kind(kind, statement)
        if not typed and kind is not None:  # a table cell's unit stands in its column header
            header = table_header(h.text, a)
            typed = bool(header) and gives_kind_under(kind, header, statement)
            inner = None if typed else header_and_rows(verbatim)
            typed = typed or bool(inner) and gives_kind_under(kind, *inner)
        e = Evidence(hit=i, start=a, end=b, text=verbatim, statement=statement, language=lang, similarity=sim,
                     calibrated=cal, context_anchors=context_anchors, has_anchors=has_anchors,
                     typed=typed, years=years_ok, passage=h.score - best, context=context,
                     contrast=float(contrast[k]))
        if detail:
            add_detail(e, question, q_terms, yardstick.language)
        out.append(e)
    return out


def add_detail(e: Evidence, question: str, q_terms: set[str], question_language: str) -> Evidence:
    """The word-level signals of one sentence: the question's words it shares (same language only) and the
    question's names and numbers it contains."""
    found, total = anchor_match(question, e.statement)
    e.anchors = found / total if total else 0.0
    e.coverage = 0.0
    if e.language == question_language and q_terms:
        e.coverage = len(q_terms & set(document_terms(e.statement, e.language))) / len(q_terms)
    return e


def score(evidence: list[Evidence], w: EvidenceWeights) -> list[Evidence]:
    """Score every sentence in place; return the statement-shaped ones, best first."""
    for e in evidence:
        e.score = (w.calibrated * e.calibrated + w.passage * e.passage + w.typed * e.typed
                   + w.coverage * e.coverage + w.anchors * e.anchors + w.contrast * e.contrast
                   + w.context * e.context)
    return sorted((e for e in evidence if e.answerable_form), key=lambda e: -e.score)


def rerank(hits: list[Hit], evidence: list[Evidence], w: EvidenceWeights) -> list[Hit]:
    """Passages ordered by their best sentence's score (the passage's own search score is one of its
    signals), each hit's score replaced by that score and its best sentence recorded. Passages without
    stored sentence vectors keep their order after the others."""
    best: dict[int, Evidence] = {}
    for e in score(evidence, w):
        best.setdefault(e.hit, e)
    order = sorted(range(len(hits)), key=lambda i: (i not in best, -best[i].score if i in best else i))
    out = []
    for rank, i in enumerate(order, 1):
        h = hits[i]
        e = best.get(i)
        out.append(Hit(rank=rank, score=e.score if e else h.score, chunk_id=h.chunk_id, payload=h.payload,
                       sentence_vectors=h.sentence_vectors, best_sentence=(e.start, e.end) if e else None,
                       vector=h.vector))
    return out
