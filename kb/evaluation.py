"""Retrieval metrics and evaluation-set loaders (the project's JSONL format and FLORES in ../shared/eval)."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from kb.types import Hit


@dataclass(slots=True)
class Question:
    id: str
    question: str
    language: str
    answerable: bool
    relevant: list[dict] = field(default_factory=list)  # [{"source": ..., "page": ...?, "language": ...?}]


def load_questions(path: Path) -> list[Question]:
    """Read an eval JSONL file (DESIGN.md shape)."""
    out = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            d = json.loads(line)
            out.append(Question(str(d["id"]), d["question"], d["language"], bool(d.get("answerable", True)),
                                list(d.get("relevant", []))))
    return out


@dataclass(slots=True)
class FloresPassage:
    pid: str
    lang: str
    text: str


def load_flores(folder: Path) -> tuple[list[FloresPassage], list[Question]]:
    """FLORES question->passage set: passages (pid x lang) and queries whose relevant sources are
    `flores/<lang>/<pid>.md` in every language (the sources the FLORES bench writes)."""
    passages = [FloresPassage(d["pid"], d["lang"], d["text"]) for d in map(json.loads,
                (folder / "flores_ict_corpus.jsonl").read_text(encoding="utf-8").splitlines()) if d]
    langs = sorted({p.lang for p in passages})
    questions = []
    for d in map(json.loads, (folder / "flores_ict_queries.jsonl").read_text(encoding="utf-8").splitlines()):
        questions.append(Question(d["qid"], d["text"], d["lang"], True,
                                  [{"source": flores_source(lang, d["pos_pid"]), "language": lang} for lang in langs]))
    return passages, questions


def flores_source(lang: str, pid: str) -> str:
    return f"flores/{lang}/{pid}.md"


def ranked_sources(hits: list[Hit]) -> list[tuple[str, int | None, float]]:
    """Distinct (source, page, score) in rank order; a source counts once, at its best passage."""
    seen, out = set(), []
    for h in hits:
        if h.source not in seen:
            seen.add(h.source)
            out.append((h.source, h.payload.get("page"), h.score))
    return out


def _is_relevant(source: str, page, rel: dict) -> bool:
    if source != rel["source"]:
        return False
    return rel.get("page") is None or page is None or page == rel.get("page")


def score_ranking(ranked: list[tuple[str, int | None, float]], relevant: list[dict], k: int = 10) -> dict:
    """recall@1/5/10, reciprocal rank and nDCG@10 for one question (binary relevance per source)."""
    flags = [any(_is_relevant(s, p, r) for r in relevant) for s, p, _ in ranked[:k]]
    first = next((i for i, f in enumerate(flags) if f), None)
    dcg = sum(1 / math.log2(i + 2) for i, f in enumerate(flags) if f)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len({r["source"] for r in relevant}), k)))
    return {"recall@1": float(first is not None and first < 1), "recall@5": float(first is not None and first < 5),
            "recall@10": float(first is not None and first < 10), "mrr": 1 / (first + 1) if first is not None else 0.0,
            "ndcg@10": dcg / ideal if ideal else 0.0}


def average(rows: list[dict]) -> dict:
    """Mean of each metric over rows, with the count."""
    if not rows:
        return {"n": 0}
    keys = [k for k in rows[0] if k != "n"]
    return {"n": len(rows), **{k: round(sum(r[k] for r in rows) / len(rows), 4) for k in keys}}


def group_average(rows: list[tuple[tuple, dict]]) -> dict:
    """Average per group key."""
    groups: dict = defaultdict(list)
    for key, r in rows:
        groups[key].append(r)
    return {("->".join(key) if isinstance(key, tuple) else key): average(v) for key, v in sorted(groups.items())}
