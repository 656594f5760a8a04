"""Optional LLM answers (off by default): an OpenAI-compatible endpoint (Ollama, llama.cpp server, vLLM, ...)
writes an answer from numbered passages, citing `[n]` after each claim; every sentence is then checked against
the passages it cites. Invalid `[n]` are removed, sentences without support are dropped (and counted), and any
endpoint error or timeout falls back to the extractive answer with a notice."""

from __future__ import annotations

import logging
import re

import numpy as np

from kb.analysis import document_terms
from kb.errors import ConfigError
from kb.messages import message
from kb.sentences import sentence_spans
from kb.types import Answer, Citation, Hit

log = logging.getLogger(__name__)
LANGUAGE_NAMES = {"lt": "Lithuanian", "lv": "Latvian", "en": "English"}
NOT_FOUND_TOKEN = "NOT_FOUND"
_REF = re.compile(r"\[(\d+)\]")

def build_llm(settings):
    """The llama-index LLM for the configured endpoint (install hint when the extra is missing)."""
    try:
        from llama_index.llms.openai_like import OpenAILike
    except ImportError as e:
        raise ConfigError("KB_LLM_URL is set but the LLM extra is not installed: pip install 'planning-kb[llm]'") from e
    return OpenAILike(model=settings.llm_model, api_base=settings.llm_url, api_key=settings.llm_api_key or "none",
                      is_chat_model=True, timeout=settings.llm_timeout, max_retries=0, temperature=0.0,
                      max_tokens=settings.llm_max_tokens)


def prompt_messages(question: str, hits: list[Hit], language: str):
    from llama_index.core.llms import ChatMessage

    passages = "\n\n".join(f"[{i}] ({h.payload.get('title', '')}, {h.payload.get('source', '')}"
                           f"{', p. ' + str(h.payload['page']) if h.payload.get('page') else ''})"
                           f"\n{' '.join(h.text.split())}"
                           for i, h in enumerate(hits, 1))
    system = (f"You answer questions for regional planners using ONLY the numbered passages. Answer in "
              f"{LANGUAGE_NAMES.get(language, 'English')}, in at most four short sentences. After EVERY sentence "
              f"write the number of the passage that supports it in square brackets, like [2]. Do not use "
              f"knowledge outside the passages. If the passages do not contain the answer, reply exactly "
              f"{NOT_FOUND_TOKEN}.")
    return [ChatMessage(role="system", content=system),
            ChatMessage(role="user", content=f"Passages:\n\n{passages}\n\nQuestion: {question}")]


def verify(text: str, hits: list[Hit], kb, min_similarity: float,
           min_overlap: float) -> tuple[list[tuple[str, list[int]]], dict]:
    """Sentences of the model's answer that are supported by the passages they cite, with their valid
    citation numbers; and counts of what was removed."""
    stats = {"sentences": 0, "dropped_unsupported": 0, "dropped_uncited": 0, "invalid_refs_removed": 0}
    kept = []
    for a, b in sentence_spans(text, 0, len(text)):
        sentence = text[a:b]
        refs = [int(n) for n in _REF.findall(sentence)]
        valid = [n for n in dict.fromkeys(refs) if 1 <= n <= len(hits)]
        stats["invalid_refs_removed"] += len(refs) - len([n for n in refs if 1 <= n <= len(hits)])
        claim = " ".join(_REF.sub("", sentence).split())
        if not claim or claim == NOT_FOUND_TOKEN:
            continue
        stats["sentences"] += 1
        if not valid:
            stats["dropped_uncited"] += 1
            continue
        supported = [n for n in valid if _supports(claim, hits[n - 1], kb, min_similarity, min_overlap)]
        if not supported:
            stats["dropped_unsupported"] += 1
            continue
        kept.append((claim, supported))
    return kept, stats


def _supports(claim: str, hit: Hit, kb, min_similarity: float, min_overlap: float) -> bool:
    """The claim is close in meaning to a sentence of the passage, or shares most of its content words."""
    lang = hit.payload.get("chunk_language", "en")
    sentences = [hit.text[a:b] for a, b in sentence_spans(hit.text, 0, len(hit.text))] or [hit.text]
    cv = kb.embedder.claim_vectors([claim])[0]
    sims = kb.embedder.claim_vectors(sentences) @ cv
    if float(np.max(sims)) >= min_similarity:
        return True
    claim_terms = set(document_terms(claim, lang))
    passage_terms = set(document_terms(hit.text, lang))
    return bool(claim_terms) and len(claim_terms & passage_terms) / len(claim_terms) >= min_overlap


def quote_for(claim: str, hit: Hit, kb) -> str:
    """The passage sentence closest to the claim, verbatim."""
    spans = sentence_spans(hit.text, 0, len(hit.text)) or [(0, len(hit.text))]
    sentences = [hit.text[a:b] for a, b in spans]
    sims = kb.embedder.claim_vectors(sentences) @ kb.embedder.claim_vectors([claim])[0]
    return sentences[int(np.argmax(sims))]


def llm_answer(kb, question: str, query: str, hits: list[Hit], language: str, extractive: Answer) -> Answer:
    """Ask the model; verify; fall back to the extractive answer with a notice on any failure."""
    s = kb.settings
    try:
        llm = build_llm(s)
        response = llm.chat(prompt_messages(question, hits, language))
        text = (response.message.content or "").strip()
    except ConfigError:
        raise
    except Exception as e:  # noqa: BLE001 - timeouts, refused connections, HTTP errors: all fall back
        cause = type(e).__name__ if not str(e) else f"{type(e).__name__}: {str(e)[:120]}"
        log.warning("LLM endpoint failed: %s", cause)
        extractive.notice = message("llm_error", language, cause=cause)
        return extractive
    if text.startswith(NOT_FOUND_TOKEN):  # the calibrated check found evidence: keep the extractive answer
        extractive.signals["llm"] = "said not found; extractive answer kept"
        return extractive
    kept, stats = verify(text, hits, kb, s.llm_support_similarity, s.llm_support_overlap)
    if not kept:
        extractive.notice = message("llm_unsupported", language)
        extractive.signals["llm_check"] = stats
        return extractive
    citations: list[Citation] = []
    numbers: dict[int, int] = {}
    lines = []
    for claim, refs in kept:
        marks = []
        for n in refs:
            if n not in numbers:
                numbers[n] = len(citations) + 1
                citations.append(Citation.from_hit(numbers[n], hits[n - 1], quote_for(claim, hits[n - 1], kb)))
            marks.append(f"[{numbers[n]}]")
        lines.append(f"{claim} {''.join(marks)}")
    signals = {**extractive.signals, "llm_check": stats}
    return Answer(question, " ".join(lines), False, citations, retrieval_query=query, signals=signals,
                  language=language)
