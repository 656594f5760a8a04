"""Answers on the evaluation set: which share of answerable questions cite a relevant source, whether every
quote is verbatim in its chunk, abstention on unanswerable questions, latency; and calibration of the
abstention rule and the sentence-scoring weights.

usage: KB_HOME=... python bench/answers.py [--calibrate] [--json OUT]
(ingest corpus/ into KB_HOME first)."""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kb.evaluation import load_questions  # noqa: E402
from kb.knowledge_base import KnowledgeBase  # noqa: E402
from kb.settings import Settings  # noqa: E402
from kb.types import SearchFilters  # noqa: E402

EVAL = Path(__file__).resolve().parents[1] / "corpus" / "eval" / "planning_eval.jsonl"


def relevant_cited(answer, q) -> bool:
    rel = {(r["source"], r.get("page")) for r in q.relevant}
    return any((c.source, c.page) in rel or (c.source, None) in rel for c in answer.citations)


def run(kb, questions) -> dict:
    rows, lat = [], []
    texts = {r.id: r.payload["text"] for r in kb.store.scroll(None, ["text"])}
    for q in questions:
        f = q.filters or {}
        filters = SearchFilters(languages=f.get("languages"), doc_types=f.get("doc_types"),
                                source_glob=f.get("source"))
        t = time.perf_counter()
        a = kb.ask(q.question, filters=filters)
        lat.append((time.perf_counter() - t) * 1000)
        verbatim = all(c.quote and c.quote in texts.get(c.chunk_id, "") for c in a.citations)
        rows.append({"id": q.id, "language": q.language, "answerable": q.answerable, "abstained": a.abstained,
                     "cites_relevant": relevant_cited(a, q) if q.answerable else None, "verbatim": verbatim,
                     "signals": a.signals, "answer": a.answer})
    ans = [r for r in rows if r["answerable"]]
    una = [r for r in rows if not r["answerable"]]
    return {
        "answerable": len(ans), "unanswerable": len(una),
        "answered_and_cites_relevant": round(sum(1 for r in ans if not r["abstained"] and r["cites_relevant"]) / len(ans), 3),
        "answerable_abstained": round(sum(r["abstained"] for r in ans) / len(ans), 3),
        "abstention_accuracy_unanswerable": round(sum(r["abstained"] for r in una) / len(una), 3) if una else None,
        "quotes_verbatim": round(sum(r["verbatim"] for r in rows) / len(rows), 3),
        "latency_ms": {"p50": round(float(np.percentile(lat[1:], 50)), 0), "p95": round(float(np.percentile(lat[1:], 95)), 0)},
        "rows": rows,
    }


def calibrate(rows: list[dict]) -> list[tuple]:
    """Grid over the three thresholds; balanced accuracy = mean(answerable kept, unanswerable abstained)."""
    out = []
    sims = np.arange(0.76, 0.90, 0.005)
    overlaps = (0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4)
    for t_sim, t_ov, t_sim2, typed in itertools.product(sims, overlaps, sims, (False, True)):
        if t_sim2 < t_sim:
            continue
        def abstain(sg):
            if typed and not sg.get("best_sentence_has_type", True):
                return True
            return sg["best_sentence_similarity"] < t_sim or (sg["best_sentence_overlap"] < t_ov and sg["best_sentence_similarity"] < t_sim2)
        kept = [not abstain(r["signals"]) for r in rows if r["answerable"]]
        gone = [abstain(r["signals"]) for r in rows if not r["answerable"]]
        bal = (sum(kept) / len(kept) + sum(gone) / len(gone)) / 2
        out.append((round(bal, 4), round(sum(kept) / len(kept), 3), round(sum(gone) / len(gone), 3),
                    round(float(t_sim), 3), t_ov, round(float(t_sim2), 3), typed))
    out.sort(reverse=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calibrate", action="store_true", help="run with abstention off and print the best thresholds")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    over = {"abstain_similarity": -1.0, "abstain_similarity_with_overlap": -1.0,
            "abstain_on_missing_type": False} if a.calibrate else {}
    questions = load_questions(EVAL)
    with KnowledgeBase.open(Settings(**over)) as kb:
        res = run(kb, questions)
    if a.calibrate:
        res["calibration_top10"] = calibrate(res["rows"])[:10]
    if a.json:
        a.json.write_text(json.dumps(res, ensure_ascii=False, indent=2))
    print(json.dumps({k: v for k, v in res.items() if k != "rows"}, indent=2))


if __name__ == "__main__":
    main()
