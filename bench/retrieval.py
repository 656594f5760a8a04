"""Retrieval on every evaluation set, with and without the sentence rerank, side by side: R@1, R@10, MRR and
nDCG@10 overall and per (question language -> evidence language), on own and dev (where the weights were
chosen), independent and shared (reported only), and the mixed FLORES collection (../shared/eval/retrieval).

usage: python bench/retrieval.py [--sets own,dev,independent,shared,flores] [--out bench/out/answers] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.evalsets import SHARED_EVAL, answer_sets, build, build_flores  # noqa: E402
from kb.evaluation import run_eval  # noqa: E402
from kb.knowledge_base import KnowledgeBase  # noqa: E402

OUT = Path(__file__).resolve().parent / "out" / "answers"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", default="own,dev,independent,shared,flores")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    sets = answer_sets()
    results: dict = {}
    for name in a.sets.split(","):
        if name == "flores":
            if not (SHARED_EVAL / "retrieval").is_dir():
                print("skipped: flores (../shared/eval absent)", file=sys.stderr)
                continue
            settings, questions = build_flores(SHARED_EVAL / "retrieval", a.out / "flores")
        elif name in sets:
            settings, questions = build(sets[name], a.out / name), sets[name].load_questions()
        else:
            print(f"skipped: {name} (not available here)", file=sys.stderr)
            continue
        for rerank in (False, True):
            with KnowledgeBase.open(settings.model_copy(update={"search_rerank": rerank})) as kb:
                m = run_eval(kb, questions)["metrics"]
            results[f"{name}/{'rerank' if rerank else 'hybrid'}"] = m
    if a.json:
        a.json.write_text(json.dumps(results, indent=2))
    cols = list(results)
    print(f"{'':<16}" + "".join(f"{c:>22}" for c in cols))
    for metric in ("recall@1", "recall@10", "mrr", "ndcg@10"):
        print(f"{metric:<16}" + "".join(f"{results[c]['overall'].get(metric, '-'):>22}" for c in cols))
    pairs = sorted({p for c in cols for p in results[c]["by_language_pair"]})
    print("nDCG@10 (R@1) by question -> evidence language:")
    for p in pairs:
        cells = []
        for c in cols:
            r = results[c]["by_language_pair"].get(p)
            cells.append(f"{r['ndcg@10']:.3f} ({r['recall@1']:.2f}) n={r['n']}" if r else "-")
        print(f"  {p:<14}" + "".join(f"{x:>22}" for x in cells))


if __name__ == "__main__":
    main()
