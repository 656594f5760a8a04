"""Retrieval metrics and evaluation-set loaders (the project's JSONL format and FLORES in ../shared/eval)."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from kb.errors import ConfigError
from kb.types import Hit


@dataclass(slots=True)
class Question:
    id: str
    question: str
    language: str
    answerable: bool
    relevant: list[dict] = field(default_factory=list)  # [{"source": ..., "page": ...?, "language": ...?}]
    filters: dict = field(default_factory=dict)  # optional: languages, doc_types, since, until, source


def load_questions(path: Path) -> list[Question]:
    """Read an eval JSONL file (DESIGN.md shape)."""
    out = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                d = json.loads(line)
                out.append(Question(str(d["id"]), d["question"], d["language"], bool(d.get("answerable", True)),
                                    list(d.get("relevant", [])), dict(d.get("filters") or {})))
            except (ValueError, KeyError, TypeError) as e:
                cause = f"missing field {e}" if isinstance(e, KeyError) else str(e)
                raise ConfigError(f"{path}, line {i}: not an evaluation file ({cause}); each line must be a JSON "
                                  "object with id, question and language") from None
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
    """Distinct (source, page, score) in rank order; a source page counts once, at its best passage."""
    seen, out = set(), []
    for h in hits:
        key = (h.source, h.payload.get("page"))
        if key not in seen:
            seen.add(key)
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
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len({(r["source"], r.get("page")) for r in relevant}), k)))
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


def write_flores_docs(passages: list[FloresPassage], folder: Path) -> Path:
    """Write each FLORES passage as a Markdown file `flores/<lang>/<pid>.md` under `folder` (for ingestion)."""
    for p in passages:
        f = folder / flores_source(p.lang, p.pid)
        if not f.exists():
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_text(f"---\ntitle: {p.pid}\nlanguage: {p.lang}\ntype: other\n---\n{p.text}\n", encoding="utf-8")
    return folder / "flores"


def is_flores_dir(path: Path) -> bool:
    return (path.is_dir() and (path / "flores_ict_corpus.jsonl").is_file()
            and (path / "flores_ict_queries.jsonl").is_file())


@dataclass
class EvalOptions:
    k: int = 10
    candidates: int = 30  # passages fetched per question before distinct sources are ranked
    abstain_below: float | None = None  # a top score below this counts as "not found"


def run_eval(kb, questions: list[Question], options=None, eval_options: EvalOptions | None = None) -> dict:
    """Metrics (DESIGN.md shape) for `questions` against the knowledge base `kb`."""
    from kb.filters import filters_from_dict

    eo = eval_options or EvalOptions()
    languages = {d.source: d.language for d in kb.docs()}
    answerable_rows, per_language, per_pair, out_questions = [], [], [], []
    abstain_hits, unanswerable = 0, 0
    top_scores = {"answerable": [], "unanswerable": []}
    for q in questions:
        f = getattr(q, "filters", None) or {}
        filters = filters_from_dict(f)
        hits = kb.search(q.question, eo.candidates, filters, options)
        ranked = ranked_sources(hits)
        top = ranked[0][2] if ranked else 0.0
        out_questions.append({"id": q.id, "language": q.language, "answerable": q.answerable,
                              "ranked": [{"source": s, "page": p, "score": round(sc, 4)}
                                         for s, p, sc in ranked[:eo.k]]})
        if not q.answerable:
            unanswerable += 1
            top_scores["unanswerable"].append(top)
            if eo.abstain_below is not None and top < eo.abstain_below:
                abstain_hits += 1
            continue
        top_scores["answerable"].append(top)
        rel = [dict(r, language=r.get("language") or languages.get(r["source"], "und")) for r in q.relevant]
        row = score_ranking(ranked, rel, eo.k)
        answerable_rows.append(row)
        per_language.append((q.language, row))
        for lang in sorted({r["language"] for r in rel}):
            per_pair.append(((q.language, lang),
                             score_ranking(ranked, [r for r in rel if r["language"] == lang], eo.k)))
    metrics = {"overall": average(answerable_rows), "by_language": group_average(per_language),
               "by_language_pair": group_average(per_pair),
               "abstention": {"unanswerable": unanswerable, "threshold": eo.abstain_below,
                              "accuracy": (round(abstain_hits / unanswerable, 4)
                                           if unanswerable and eo.abstain_below is not None else None)},
               "top_score": {k: _quantiles(v) for k, v in top_scores.items()}}
    return {"metrics": metrics, "questions": out_questions}


def _quantiles(values: list[float]) -> dict:
    if not values:
        return {}
    v = sorted(values)
    pick = lambda q: round(v[min(len(v) - 1, int(q * (len(v) - 1) + 0.5))], 4)  # noqa: E731
    return {"min": round(v[0], 4), "p25": pick(0.25), "median": pick(0.5), "p75": pick(0.75), "max": round(v[-1], 4)}
