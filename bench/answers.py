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


def abstains(sg: dict, rule: tuple) -> bool:
    """The Answerer's rule with these parameters (t_sim, t_overlap, t_sim_with_overlap, typed, year)."""
    t_sim, t_ov, t_sim2, typed, year = rule
    if sg.get("best_sentence_similarity") is None:
        return True
    if typed and not sg.get("best_sentence_has_type", True):
        return True
    if year and not sg.get("years_covered", True):
        return True
    return sg["best_sentence_similarity"] < t_sim or (sg["best_sentence_overlap"] < t_ov
                                                      and sg["best_sentence_similarity"] < t_sim2)


def score(rows: list[dict], rule: tuple) -> tuple[float, float, float]:
    """(balanced accuracy, answerable kept, unanswerable abstained)."""
    kept = [not abstains(r["signals"], rule) for r in rows if r["answerable"]]
    gone = [abstains(r["signals"], rule) for r in rows if not r["answerable"]]
    k, g = sum(kept) / len(kept), sum(gone) / len(gone)
    return round((k + g) / 2, 4), round(k, 3), round(g, 3)


def calibrate(rows: list[dict]) -> list[tuple]:
    """Grid over the thresholds and the two checks; balanced accuracy = mean(answerable kept, unanswerable
    abstained). Ties go to the simpler (lower) thresholds."""
    out = []
    sims = [round(float(x), 3) for x in np.arange(0.76, 0.905, 0.01)]
    overlaps = (0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4)
    for rule in itertools.product(sims, overlaps, sims, (False, True), (False, True)):
        if rule[2] < rule[0]:
            continue
        out.append(score(rows, rule) + rule)
    out.sort(key=lambda t: (-t[0], -t[1]))
    return out


def held_out(rows: list[dict]) -> dict:
    """Calibrate on the even-numbered questions, measure on the odd ones, and the other way round."""
    def part(parity):
        return [r for r in rows if int(r["id"][1:]) % 2 == parity]
    out = {}
    for name, fit, test in (("fit_even_test_odd", part(0), part(1)), ("fit_odd_test_even", part(1), part(0))):
        best = calibrate(fit)[0]
        out[name] = {"rule": best[3:], "fit": best[:3], "test": score(test, best[3:])}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calibrate", action="store_true", help="run with abstention off and print the best thresholds")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    over = {"abstain_similarity": -1.0, "abstain_similarity_with_overlap": -1.0,
            "abstain_on_missing_type": False, "abstain_on_missing_year": False} if a.calibrate else {}
    questions = load_questions(EVAL)
    with KnowledgeBase.open(Settings(**over)) as kb:
        res = run(kb, questions)
    if a.calibrate:
        res["calibration_top10"] = calibrate(res["rows"])[:10]
        res["held_out"] = held_out(res["rows"])
        s = Settings()
        res["current_rule"] = score(res["rows"], (s.abstain_similarity, s.abstain_overlap,
                                                  s.abstain_similarity_with_overlap, s.abstain_on_missing_type,
                                                  s.abstain_on_missing_year))
    if a.json:
        a.json.write_text(json.dumps(res, ensure_ascii=False, indent=2))
    print(json.dumps({k: v for k, v in res.items() if k != "rows"}, indent=2))


if __name__ == "__main__":
    main()
