"""Extractive answers with verified citations (the offline default).

From the best passages, the sentences that answer the question are picked by similarity to the question
(same embedder, `passage:` prompt) plus lexical overlap; near-duplicates (the same fact from a Lithuanian and
a Latvian source) become one statement with both citations; each statement carries `[n]`. Every quote is a
verbatim sentence of its chunk. When the evidence is too weak — a rule calibrated on the evaluation set (see
bench/calibrate_abstention.py) — the answer says so and lists the nearest passages as leads."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kb.analysis import document_terms, query_terms
from kb.answer_types import answer_type, mentions_years, question_years, satisfies
from kb.followup import retrieval_query
from kb.language import detect_language
from kb.sentences import sentence_spans
from kb.types import Answer, Citation, Hit, SearchFilters

NOT_FOUND = {
    "lt": "Žinių bazėje atsakymo neradau. Artimiausios ištraukos:",
    "lv": "Zināšanu bāzē atbildi neatradu. Tuvākie fragmenti:",
    "en": "I did not find an answer in the knowledge base. The nearest passages:",
}
NO_PASSAGES = {
    "lt": "Žinių bazėje nėra dokumentų, atitinkančių šią užklausą.",
    "lv": "Zināšanu bāzē nav dokumentu, kas atbilst šim vaicājumam.",
    "en": "The knowledge base has no documents that match this question.",
}


TWIN_MARGIN = 0.1


@dataclass
class _Sentence:
    hit: int
    start: int
    end: int
    text: str
    score: float = 0.0
    similarity: float = 0.0
    overlap: float = 0.0
    typed: bool = True


def _readable(text: str) -> str:
    """A sentence as a statement: one line, Markdown emphasis and list/table marks removed (the citation keeps
    the verbatim quote)."""
    text = " ".join(text.split())
    text = text.replace("**", "").replace("__", "")
    return text.lstrip("-*•| ").rstrip("| ")


def _coverage(q_terms: set[str], text: str, lang: str) -> float:
    if not q_terms:
        return 0.0
    return len(q_terms & set(document_terms(text, lang))) / len(q_terms)


class Answerer:
    """Builds an Answer for a question over a KnowledgeBase."""

    def __init__(self, kb):
        self.kb = kb
        self.settings = kb.settings

    def answer(self, question: str, history: list[str] | None = None,
               filters: SearchFilters | None = None) -> Answer:
        s = self.settings
        question = question.strip()
        lang = detect_language(question, s.languages, default="en")
        lang = lang if lang in NOT_FOUND else "en"
        query = retrieval_query(question, history)
        hits = self.kb.search(query, s.answer_passages, filters)
        if not hits:
            return Answer(question, NO_PASSAGES[lang], True, retrieval_query=query)
        sentences = self._sentences(hits)
        # a follow-up retrieves with the conversation, but its sentences must answer the new question too:
        # similarity is the mean over the combined query and the question itself; overlap uses the question's words
        follow_up = query != question
        q_terms = set(query_terms(question if follow_up else query, s.languages))
        qv = np.asarray(self.kb.query_vector(query), dtype=np.float32)
        if follow_up:
            qv = (qv + np.asarray(self.kb.query_vector(question), dtype=np.float32)) / 2
        vectors = self.kb.sentence_vectors([x.text for x in sentences])
        kind = answer_type(question)
        for x, v in zip(sentences, vectors):
            x.similarity = float(v @ qv)
            x.overlap = _coverage(q_terms, x.text, hits[x.hit].payload.get("chunk_language", "en"))
            x.typed = satisfies(kind, x.text)
            x.score = (x.similarity + s.answer_overlap_weight * x.overlap
                       + s.answer_passage_weight * (hits[x.hit].score - hits[0].score)
                       - (0.0 if x.typed else s.answer_type_penalty))
        best = max(sentences, key=lambda x: x.score)
        years = question_years(question)
        best_hit = hits[best.hit]
        signals = {"top_passage_score": round(hits[0].score, 4), "best_sentence_similarity": round(best.similarity, 4),
                   "best_sentence_overlap": round(best.overlap, 4), "best_sentence_score": round(best.score, 4),
                   "answer_type": kind, "best_sentence_has_type": best.typed,
                   "years_covered": mentions_years(years, best_hit.text, best_hit.payload.get("date"))}
        if self.should_abstain(signals):
            return Answer(question, NOT_FOUND[lang], True, leads=hits[: s.answer_leads], retrieval_query=query,
                          signals=signals)
        statements = self._select(sentences, vectors, lang, hits)
        extractive = self._compose(question, query, statements, hits, signals)
        if s.llm_url:
            from kb.llm_answer import llm_answer

            return llm_answer(self.kb, question, query, hits[: s.answer_passages], lang, extractive)
        return extractive

    def _compose(self, question: str, query: str, statements, hits: list[Hit], signals: dict) -> Answer:
        citations: list[Citation] = []
        lines = []
        for group in statements:
            numbers = []
            for x in group:
                h = hits[x.hit]
                citations.append(Citation.from_hit(len(citations) + 1, h, h.text[x.start:x.end]))
                numbers.append(len(citations))
            lines.append(_readable(group[0].text) + " " + "".join(f"[{n}]" for n in numbers))
        return Answer(question, "\n".join(lines), False, citations, retrieval_query=query, signals=signals)

    def should_abstain(self, signals: dict) -> bool:
        """The calibrated rule: weak best sentence, or a modest one that shares too few of the question's words."""
        s = self.settings
        if signals["best_sentence_similarity"] < s.abstain_similarity:
            return True
        if s.abstain_on_missing_type and not signals.get("best_sentence_has_type", True):
            return True
        if s.abstain_on_missing_year and not signals.get("years_covered", True):
            return True
        return (signals["best_sentence_overlap"] < s.abstain_overlap
                and signals["best_sentence_similarity"] < s.abstain_similarity_with_overlap)

    def _sentences(self, hits: list[Hit]) -> list[_Sentence]:
        out = []
        for i, h in enumerate(hits[: self.settings.answer_passages]):
            text = h.text
            for a, b in sentence_spans(text, 0, len(text)):
                piece = text[a:b]
                if sum(c.isalpha() for c in piece) >= 12:
                    out.append(_Sentence(i, a, b, piece))
        return out

    def _select(self, sentences: list[_Sentence], vectors: np.ndarray, lang: str,
                hits: list[Hit]) -> list[list[_Sentence]]:
        """Up to `answer_statements` groups; each group is one fact, possibly from several sources."""
        s = self.settings
        order = sorted(range(len(sentences)), key=lambda i: -sentences[i].score)
        top = sentences[order[0]].score
        groups: list[list[int]] = []
        for i in order:
            # the same fact stated in another source (often another language, whose sentences score lower
            # against the question) joins its statement within TWIN_MARGIN; new statements must be within the margin
            if sentences[i].score < top - TWIN_MARGIN:
                break
            twin = next((g for g in groups if float(vectors[g[0]] @ vectors[i]) >= s.answer_duplicate_similarity), None)
            if twin is not None:
                if all(hits[sentences[j].hit].source != hits[sentences[i].hit].source for j in twin):
                    twin.append(i)
                continue
            if len(groups) < s.answer_statements and sentences[i].score >= top - s.answer_score_margin:
                groups.append([i])
        out = []
        for g in groups:
            # show the statement in the question's language where one of the sources has it
            g.sort(key=lambda j: (hits[sentences[j].hit].payload.get("chunk_language") != lang, -sentences[j].score))
            out.append([sentences[j] for j in g])
        return out
