"""Answers on every evaluation set, side by side: answerable questions answered from the document that holds
the fact (overall and cross-lingual, per language pair), unanswerable ones declined, the precision of each grade,
quotes verbatim, `kb ask` latency warm; and the fit of the sentence-scoring weights and the grading model.

Sets (ingest/evalsets.py): own (corpus/eval), dev (evalsets/dev) — the FITTING sets —, independent
(evalsets/independent) and shared (questions on ../shared/eval) — REPORTED only, never fitted on.

usage: python bench/answers.py [--sets own,dev,independent,shared] [--out bench/out/answers] [--json OUT]
       python bench/answers.py --fit        # choose weights on own+dev, write kb/data/answer_grading.json
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.evalsets import answer_sets, build  # noqa: E402
from kb.evaluation import Question  # noqa: E402
from kb.evidence import EvidenceWeights, gather, score  # noqa: E402
from kb.filters import filters_from_dict  # noqa: E402
from kb.grading import CONFIDENT, NOT_FOUND, UNCERTAIN, Grader, features  # noqa: E402
from kb.knowledge_base import KnowledgeBase  # noqa: E402
from kb.language import detect_language  # noqa: E402
from kb.quantities import answer_kind  # noqa: E402
from kb.types import SearchFilters  # noqa: E402

OUT = Path(__file__).resolve().parent / "out" / "answers"
GRADING = Path(__file__).resolve().parents[1] / "kb" / "data" / "answer_grading.json"
FIT_SETS = ("own", "dev")


def _filters(q: Question) -> SearchFilters:
    return filters_from_dict(q.filters)


def _relevant(q: Question, source: str, page) -> bool:
    return any(r["source"] == source and (r.get("page") is None or page is None or r.get("page") == page)
               for r in q.relevant)


def _direction(q: Question, languages: dict[str, str]) -> tuple[str, bool]:
    rel = sorted({r.get("language") or languages.get(r["source"], "?") for r in q.relevant})
    if not q.answerable:
        return f"{q.language}->none", False
    return f"{q.language}->{'/'.join(rel)}", q.language not in rel


# -- running the answers -------------------------------------------------------------------------------------
def run_set(kb: KnowledgeBase, questions: list[Question]) -> list[dict]:
    languages = {d.source: d.language for d in kb.docs()}
    texts = kb.chunk_texts()
    kb.ask("warm-up question about the knowledge base")
    rows = []
    for q in questions:
        t = time.perf_counter()
        a = kb.ask(q.question, filters=_filters(q))
        ms = (time.perf_counter() - t) * 1000
        direction, cross = _direction(q, languages)
        first = [c for c in a.citations if a.grade == UNCERTAIN or c.n <= _first_group(a)]
        rows.append({"id": q.id, "language": q.language, "answerable": q.answerable, "direction": direction,
                     "cross": cross, "grade": a.grade,
                     "right": bool(q.answerable and first and any(_relevant(q, c.source, c.page) for c in first)),
                     "verbatim": all(c.quote and c.quote in texts.get(c.chunk_id, "") for c in a.citations),
                     "ms": ms, "answer": a.answer, "signals": a.signals})
    return rows


def _first_group(a) -> int:
    """Citation numbers of the answer's first statement (the one the question is answered with)."""
    first = a.answer.splitlines()[0] if a.answer else ""
    import re

    numbers = [int(n) for n in re.findall(r"\[(\d+)\]", first)]
    return max(numbers) if numbers else 0


def summarise(rows: list[dict]) -> dict:
    ans = [r for r in rows if r["answerable"]]
    una = [r for r in rows if not r["answerable"]]
    cross = [r for r in ans if r["cross"]]

    def share(xs, pred):
        return round(sum(1 for x in xs if pred(x)) / len(xs), 3) if xs else None

    answered = lambda r: r["grade"] != NOT_FOUND and r["right"]  # noqa: E731
    out = {
        "answerable": len(ans), "cross_lingual": len(cross), "unanswerable": len(una),
        "answered_right": share(ans, answered),
        "answered_right_cross": share(cross, answered),
        "answered_right_confident": share(ans, lambda r: r["grade"] == CONFIDENT and r["right"]),
        "unanswerable_declined": share(una, lambda r: r["grade"] != CONFIDENT),
        "unanswerable_not_found": share(una, lambda r: r["grade"] == NOT_FOUND),
        "grade_share": {g: share(rows, lambda r, g=g: r["grade"] == g) for g in (CONFIDENT, UNCERTAIN, NOT_FOUND)},
        # precision: confident answers that are right; not-found on questions the set cannot answer (or that
        # would have been answered wrong); uncertain shown with a quote from the right document
        "precision_confident": share([r for r in rows if r["grade"] == CONFIDENT], lambda r: r["right"]),
        "precision_uncertain": share([r for r in rows if r["grade"] == UNCERTAIN], lambda r: r["right"]),
        "precision_not_found": share([r for r in rows if r["grade"] == NOT_FOUND],
                                     lambda r: not r["answerable"] or not r["right"]),
        "quotes_verbatim": share(rows, lambda r: r["verbatim"]),
        "latency_ms": {"p50": round(float(np.percentile([r["ms"] for r in rows], 50))),
                       "p95": round(float(np.percentile([r["ms"] for r in rows], 95)))},
    }
    pairs = defaultdict(list)
    for r in ans:
        pairs[r["direction"]].append(r)
    out["by_direction"] = {k: {"n": len(v), "answered_right": share(v, answered)} for k, v in sorted(pairs.items())}
    return out


# -- fitting -------------------------------------------------------------------------------------------------
def collect(kb: KnowledgeBase, questions: list[Question]) -> list[dict]:
    """Per question, the unscored evidence (search once; weights are tried without the model)."""
    out = []
    languages = {d.source: d.language for d in kb.docs()}
    for q in questions:
        cross = _direction(q, languages)[1]
        hits = kb.search(q.question, kb.settings.answer_passages, _filters(q), with_sentences=True, rerank=False)
        if not hits:
            out.append({"q": q, "hits": [], "evidence": [], "kind": None, "cross": cross})
            continue
        lang = detect_language(q.question, kb.settings.languages, default="en")
        qv = np.asarray(kb.query_vector(q.question), dtype=np.float32)
        kind = answer_kind(q.question)
        yardstick = kb.background.yardstick(qv, lang)
        out.append({"q": q, "hits": hits, "kind": kind, "cross": cross, "qv": qv, "yardstick": yardstick,
                    "languages": kb.settings.languages})
    return out


def top_right(item: dict, w: EvidenceWeights) -> bool:
    ranked = score(item["evidence"], w)
    if not ranked:
        return False
    h = item["hits"][ranked[0].hit]
    return _relevant(item["q"], h.source, h.payload.get("page"))


def regather(items: list[dict], power: float) -> None:
    """The evidence of every collected question for one calibration power."""
    for it in items:
        it["evidence"] = gather(it["q"].question, it["qv"], it["yardstick"], it["hits"], it["kind"],
                                it["languages"], power) if it["hits"] else []


def fit_weights(items: list[dict], grid: dict | None = None) -> tuple[EvidenceWeights, float, float]:
    """Grid search: the weights (and calibration power) under which the best sentence comes from a relevant
    document most often, averaged over the fitting sets and, within each, over same-language and cross-lingual
    questions (each cell counts equally, so neither kind is sacrificed to the other)."""
    grid = grid or dict(calibrated=[0.5, 1.0, 2.0], passage=[0.25, 0.5, 1.0, 2.0], typed=[0.0, 0.02, 0.04, 0.08],
                        coverage=[0.0, 0.05], anchors=[0.0, 0.02, 0.05], contrast=[0.0, 0.5], context=[0.0, 0.5, 1.0])
    cells = defaultdict(list)
    for it in items:
        if it["q"].answerable:
            cells[(it["set"], it["cross"])].append(it)
    best = None
    for power in (0.0, 0.5, 1.0):
        regather(items, power)
        for vals in itertools.product(*grid.values()):
            w = EvidenceWeights(*vals)
            acc = float(np.mean([np.mean([top_right(it, w) for it in v]) for v in cells.values()]))
            if best is None or acc > best[1] + 1e-9:
                best = (w, acc, power)
    regather(items, best[2])
    return best


def fit_grader(items: list[dict], w: EvidenceWeights, names: tuple[str, ...]) -> Grader:
    """Logistic regression (L2, standardised features) for 'the best sentence is from a relevant document';
    thresholds: uncertain_at keeps all but NOT_FOUND_LOSS of the right answers above "not found" (planners see
    the closest evidence, marked uncertain, rather than nothing); confident_at is the lowest probability from
    which the best sentence is right at least CONFIDENT_PRECISION of the time on the fitting sets (over at
    least 20 questions)."""
    X, y, answerable = [], [], []
    for it in items:
        ranked = score(it["evidence"], w)
        x = features(ranked, it["hits"], it["kind"])
        if not x:
            continue
        right = bool(it["q"].answerable and ranked and _relevant(
            it["q"], it["hits"][ranked[0].hit].source, it["hits"][ranked[0].hit].payload.get("page")))
        X.append([x[n] for n in names])
        y.append(float(right))
        answerable.append(it["q"].answerable)
    X, y = np.asarray(X), np.asarray(y)
    mean, sd = X.mean(0), X.std(0) + 1e-9
    Z = (X - mean) / sd
    coef, bias = np.zeros(len(names)), 0.0
    for _ in range(3000):
        p = 1 / (1 + np.exp(-(Z @ coef + bias)))
        coef -= 0.1 * (Z.T @ (p - y) / len(y) + 0.01 * coef)
        bias -= 0.1 * float(np.mean(p - y))
    p = 1 / (1 + np.exp(-(Z @ coef + bias)))
    # "not found" only where nothing is plausible: at most NOT_FOUND_LOSS of the right answers fall below it
    best_u = float(np.quantile(p[y == 1], NOT_FOUND_LOSS)) if (y == 1).any() else 0.5
    conf = next((t for t in np.arange(best_u, 0.99, 0.01)
                 if (p >= t).sum() >= 20 and np.mean(y[p >= t]) >= CONFIDENT_PRECISION), 0.99)
    # an off-topic question (a recipe, the weather) sits near the background: below the calibrated similarity
    # of all but FLOOR_LOSS of the right answers, nothing is plausible
    calibrated = X[:, names.index("calibrated")]
    floor = float(np.quantile(calibrated[y == 1], FLOOR_LOSS)) if (y == 1).any() else float("-inf")
    return Grader({n: float(c) for n, c in zip(names, coef)}, float(bias), float(round(conf, 2)),
                  float(round(best_u, 2)), {n: float(m) for n, m in zip(names, mean)},
                  {n: float(s) for n, s in zip(names, sd)}, calibrated_floor=round(floor, 4))


CONFIDENT_PRECISION = 0.8  # with e5-small no subset of the fitting sets reaches 0.9 (see the README)
NOT_FOUND_LOSS = 0.1
FLOOR_LOSS = 0.03
GRADER_FEATURES = ("score", "calibrated", "margin", "coverage", "typed_missing", "anchors_missing", "years_missing")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", default="own,dev,independent,shared")
    ap.add_argument("--out", type=Path, default=OUT, help="where each set's data home is kept between runs")
    ap.add_argument("--fit", action="store_true", help="fit the weights and the grading model on own+dev")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    sets = answer_sets()
    wanted = [n for n in a.sets.split(",") if n in sets]
    missing = [n for n in a.sets.split(",") if n not in sets]
    if missing:
        print(f"skipped (not available here): {', '.join(missing)}", file=sys.stderr)
    if a.fit:
        items = []
        for name in FIT_SETS:
            s = build(sets[name], a.out / name)
            with KnowledgeBase.open(s) as kb:
                for it in collect(kb, sets[name].load_questions()):
                    items.append({**it, "set": name})
        w, acc, power = fit_weights(items)
        print(f"evidence weights: {w}, calibration power {power} (best sentence from a relevant document: "
              f"{acc:.3f} on own+dev, mean over set x same/cross-lingual)")
        g = fit_grader(items, w, GRADER_FEATURES)
        g.provenance = {"fitted_on": list(FIT_SETS), "evidence_weights": {k: getattr(w, k) for k in w.__slots__},
                        "calibration_power": power, "date": time.strftime("%Y-%m-%d"),
                        "command": "python bench/answers.py --fit"}
        GRADING.write_text(json.dumps(g.to_json(), indent=2) + "\n", encoding="utf-8")
        print(f"wrote {GRADING}: confident at {g.confident_at}, uncertain at {g.uncertain_at}")
        print("set the evidence_weight_* defaults in kb/settings.py to the weights above")
        return
    results = {}
    for name in wanted:
        s = build(sets[name], a.out / name)
        with KnowledgeBase.open(s) as kb:
            rows = run_set(kb, sets[name].load_questions())
        results[name] = {"role": sets[name].role, **summarise(rows), "rows": rows}
    if a.json:
        a.json.write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print_table(results)


def print_table(results: dict) -> None:
    names = list(results)
    keys = ["answerable", "cross_lingual", "unanswerable", "answered_right", "answered_right_cross",
            "answered_right_confident", "unanswerable_declined", "unanswerable_not_found", "precision_confident",
            "precision_uncertain", "precision_not_found", "quotes_verbatim"]
    print(f"{'':<28}" + "".join(f"{n + ' (' + results[n]['role'] + ')':>20}" for n in names))
    for k in keys:
        print(f"{k:<28}" + "".join(f"{str(results[n].get(k)):>20}" for n in names))
    for g in (CONFIDENT, UNCERTAIN, NOT_FOUND):
        print(f"{'share ' + g:<28}" + "".join(f"{str(results[n]['grade_share'][g]):>20}" for n in names))
    print(f"{'latency p50/p95 ms':<28}" + "".join(
        f"{str(results[n]['latency_ms']['p50']) + '/' + str(results[n]['latency_ms']['p95']):>20}" for n in names))
    directions = sorted({d for n in names for d in results[n]["by_direction"]})
    print("answered right, by question -> evidence language:")
    for d in directions:
        cells = []
        for n in names:
            v = results[n]["by_direction"].get(d)
            cells.append(f"{v['answered_right']} (n={v['n']})" if v else "-")
        print(f"  {d:<26}" + "".join(f"{c:>20}" for c in cells))


if __name__ == "__main__":
    main()
