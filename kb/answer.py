"""Extractive answers with verified citations (the offline default), graded confident / uncertain / not found.

The candidate passages come back from search with their stored sentence vectors; every sentence is scored
with signals that are fair across languages (kb.evidence). The best sentences become the answer's statements,
each with `[n]` citations quoting the chunk verbatim; the same fact found in two languages is one statement
with both citations. How sure the answer is comes from a small fitted model (kb.grading): confident; uncertain,
shown as "the closest evidence I found" with its citation; or not found, with the nearest passages as leads.
A question without any content word is declined at once."""

from __future__ import annotations

import numpy as np

from kb.analysis import query_terms, tokens
from kb.evidence import KEEP, Evidence, EvidenceWeights, add_detail, gather, score
from kb.followup import retrieval_query
from kb.grading import CONFIDENT, NOT_FOUND, UNCERTAIN, Grader, features
from kb.language import detect_language
from kb.messages import LANGUAGES, message
from kb.quantities import answer_kind
from kb.types import Answer, Citation, Hit, SearchFilters

TWIN_MARGIN = 0.1
FOLLOW_UP_WEIGHT = 0.7


class Answerer:
    """Builds an Answer for a question over a KnowledgeBase."""

    def __init__(self, kb):
        self.kb = kb
        self.settings = kb.settings

    def answer(self, question: str, history: list[str] | None = None, filters: SearchFilters | None = None,
               language: str | None = None) -> Answer:
        """`language`: the reply language when the question itself does not show one (the interface's)."""
        return self._answer(question, history, filters, language)

    def _answer(self, question: str, history: list[str] | None, filters: SearchFilters | None,
                language: str | None) -> Answer:
        s = self.settings
        question = question.strip()
        fallback = language if language in LANGUAGES else "en"
        if not tokens(question):
            return Answer(question, message("no_question", fallback), True, grade=NOT_FOUND,
                          signals={"reason": "no content words"}, language=fallback)
        lang = detect_language(question, s.languages, default=fallback)
        lang = lang if lang in LANGUAGES else fallback
        query = retrieval_query(question, history)
        hits = self.kb.search(query, s.answer_passages, filters, with_sentences=True, rerank=False)
        if not hits:
            return Answer(question, message("no_passages", lang), True, retrieval_query=query, grade=NOT_FOUND,
                          language=lang)
        qv = np.asarray(self.kb.query_vector(query), dtype=np.float32)
        if query != question:  # a follow-up: its sentences must answer the new question, in the conversation's
            # context; the new question weighs more, or the previous answer would simply be repeated
            qv = (1 - FOLLOW_UP_WEIGHT) * qv + FOLLOW_UP_WEIGHT * np.asarray(self.kb.query_vector(question),
                                                                              dtype=np.float32)
            qv /= np.linalg.norm(qv)
        kind = answer_kind(question)
        yardstick = self.kb.background.yardstick(qv, lang)
        w = EvidenceWeights.from_settings(s)
        evidence = gather(question, qv, yardstick, hits, kind, s.languages, s.evidence_calibration_power,
                          detail=bool(w.coverage or w.anchors), keep=(w, KEEP))
        ranked = score(evidence, w)
        if ranked:  # the grade reads the best sentence's word-level signals
            add_detail(ranked[0], question, set(query_terms(question, s.languages)), lang)
        x = features(ranked, hits, kind)
        grade, p = self.grader().grade(x, follow_up=query != question)
        signals = {**{k: round(v, 4) for k, v in x.items()}, "answer_kind": kind, "probability": round(p, 4),
                   "grade": grade, "top_passage_score": round(hits[0].score, 4)}
        if grade == NOT_FOUND:
            return Answer(question, message("not_found", lang), True, leads=hits[: s.answer_leads],
                          retrieval_query=query, signals=signals, grade=NOT_FOUND, language=lang)
        if grade == UNCERTAIN:
            best = ranked[0]
            h = hits[best.hit]
            citation = Citation.from_hit(1, h, best.text)
            return Answer(question, f"{message('uncertain', lang)}\n{best.statement} [1]", False, [citation],
                          retrieval_query=query, signals=signals, grade=UNCERTAIN, language=lang)
        extractive = self._compose(question, query, self._select(ranked, hits, lang), hits, signals)
        extractive.language = lang
        if s.llm_url:
            from kb.llm_answer import llm_answer

            return llm_answer(self.kb, question, query, hits[: s.llm_passages], lang, extractive)
        return extractive

    def grader(self) -> Grader:
        s = self.settings
        return Grader.load(s.answer_grading, s.answer_confident_at, s.answer_uncertain_at)

    def _compose(self, question: str, query: str, statements: list[list[Evidence]], hits: list[Hit],
                 signals: dict) -> Answer:
        citations: list[Citation] = []
        lines = []
        for group in statements:
            numbers = []
            for e in group:
                citations.append(Citation.from_hit(len(citations) + 1, hits[e.hit], e.text))
                numbers.append(len(citations))
            lines.append(group[0].statement + " " + "".join(f"[{n}]" for n in numbers))
        return Answer(question, "\n".join(lines), False, citations, retrieval_query=query, signals=signals,
                      grade=CONFIDENT)

    def _select(self, ranked: list[Evidence], hits: list[Hit], lang: str) -> list[list[Evidence]]:
        """Up to `answer_statements` groups; each group is one fact, possibly from several sources (the same
        sentence in another language joins its statement; new statements must score within the margin)."""
        s = self.settings
        top = ranked[0].score
        groups: list[list[Evidence]] = []
        for e in ranked:
            if e.score < top - TWIN_MARGIN:
                break
            v = _vector(e, hits)
            twin = next((g for g in groups if float(_vector(g[0], hits) @ v) >= s.answer_duplicate_similarity), None)
            if twin is not None:
                if all(hits[x.hit].source != hits[e.hit].source for x in twin):
                    twin.append(e)
                continue
            if len(groups) < s.answer_statements and e.score >= top - s.answer_score_margin:
                groups.append([e])
        for g in groups:  # say it in the question's language where one of the sources has it
            g.sort(key=lambda e: (e.language != lang, -e.score))
        return groups


def _vector(e: Evidence, hits: list[Hit]):
    h = hits[e.hit]
    spans = h.payload.get("sentence_spans") or []
    row = next(i for i, (a, b) in enumerate(spans) if a == e.start and b == e.end)
    return h.sentence_vectors[row]
