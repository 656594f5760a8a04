"""FLORES retrieval benchmark through the real pipeline: write each passage as a Markdown file, `kb ingest`
them (Ingestor), then search with each mode.

(a) per (query language, passage language) with the passage language filtered, against the dense
    whole-passage baseline in ../shared/eval/README.md;
(b) one mixed collection, unfiltered: R@10 for the article in any language and for a version in another
    language than the question.

usage: python bench/flores.py [--eval-dir ../shared/eval/retrieval] [--home DIR] [--modes hybrid,dense,sparse]
       [--sweep] [--split all|even|odd] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.pipeline import Ingestor  # noqa: E402
from kb.evaluation import average, load_flores, ranked_sources, score_ranking, write_flores_docs  # noqa: E402
from kb.knowledge_base import KnowledgeBase  # noqa: E402
from kb.search import SearchOptions  # noqa: E402
from kb.settings import Settings  # noqa: E402
from kb.types import SearchFilters  # noqa: E402

BASELINE_R10 = {"en->en": 0.94, "lt->lt": 0.84, "lv->lv": 0.82, "en->lt": 0.84, "lt->en": 0.81, "lt->lv": 0.75,
                "lv->lt": 0.73}


def build_collection(kb: KnowledgeBase, eval_dir: Path, work: Path) -> tuple[list, dict]:
    passages, questions = load_flores(eval_dir)
    folder = write_flores_docs(passages, work)
    t = time.perf_counter()
    report = Ingestor(kb).ingest([folder])
    secs = time.perf_counter() - t
    info = {"files": len(report.files), "failed": len(report.failed), "chunks": report.chunks(),
            "seconds": round(secs, 1), "chunks_per_s": round(report.chunks() / secs, 2) if secs else None}
    return questions, info


def evaluate(kb: KnowledgeBase, questions, options: SearchOptions, filtered: bool = True) -> dict:
    langs = ["en", "lt", "lv"]
    out: dict = {"pairs": {}, "mixed": {}}
    if filtered:
        rows: dict[str, list] = {}
        for q in questions:
            for pl in langs:
                hits = kb.search(q.question, 20, SearchFilters(languages=[pl]), options)
                rel = [r for r in q.relevant if r["language"] == pl]
                rows.setdefault(f"{q.language}->{pl}", []).append(score_ranking(ranked_sources(hits), rel))
        out["pairs"] = {k: average(v) for k, v in sorted(rows.items())}
    any_rows, other_rows = [], []
    by_lang: dict[str, list] = {}
    for q in questions:
        ranked = ranked_sources(kb.search(q.question, 30, None, options))
        r_any = score_ranking(ranked, q.relevant)
        r_other = score_ranking(ranked, [r for r in q.relevant if r["language"] != q.language])
        any_rows.append(r_any)
        other_rows.append(r_other)
        by_lang.setdefault(q.language, []).append(r_other)
    out["mixed"] = {"any_language": average(any_rows), "other_language": average(other_rows),
                    "other_language_by_query_language": {k: average(v) for k, v in sorted(by_lang.items())}}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eval-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared/eval/retrieval")
    ap.add_argument("--home", type=Path, default=None, help="KB_HOME to use (default: a temp folder)")
    ap.add_argument("--modes", default="hybrid,dense,sparse")
    ap.add_argument("--sweep", action="store_true", help="also try hybrid parameter variants (mixed collection)")
    ap.add_argument("--split", choices=["all", "even", "odd"], default="all",
                    help="evaluate on all articles or on the even/odd half (tune on one, report the other)")
    ap.add_argument("--no-filtered", action="store_true")
    ap.add_argument("--grid", help='JSON overriding the sweep grid, e.g. \'{"w": [0.05], "bonus": [0.03]}\'')
    ap.add_argument("--json", type=Path, default=None)
    a = ap.parse_args()
    if not (a.eval_dir / "flores_ict_corpus.jsonl").is_file():
        sys.exit(f"FLORES data not found at {a.eval_dir}; pass --eval-dir")
    home = a.home or Path(tempfile.mkdtemp(prefix="kb-flores-"))
    work = home / "docs"
    work.mkdir(parents=True, exist_ok=True)
    settings = Settings(home=home, source_root=work)
    results: dict = {"settings": {k: str(v) for k, v in settings.model_dump().items()}}
    with KnowledgeBase.open(settings) as kb:
        questions, info = build_collection(kb, a.eval_dir, work)
        results["ingest"] = info
        print("ingest:", info, file=sys.stderr)
        if a.split != "all":
            want = 0 if a.split == "even" else 1
            questions = [q for q in questions if int(q.id.split("-")[1]) % 2 == want]
        for mode in a.modes.split(","):
            t = time.perf_counter()
            opts = SearchOptions(mode="hybrid", fusion="rrf") if mode == "rrf" else SearchOptions(mode=mode)
            results[mode] = evaluate(kb, questions, opts, filtered=not a.no_filtered)
            results[mode]["seconds"] = round(time.perf_counter() - t, 1)
            print(mode, json.dumps(results[mode]["mixed"]), file=sys.stderr)
        if a.sweep:
            results["sweep"] = sweep(kb, questions, json.loads(a.grid) if a.grid else None)
    text = json.dumps(results, indent=2, ensure_ascii=False)
    if a.json:
        a.json.write_text(text)
    print_tables(results, a.modes.split(","))


def sweep(kb: KnowledgeBase, questions, grid: dict | None = None) -> dict:
    """Hybrid variants: same-language sparse weight, other-language sparse weight, saturation per question
    word, cross-language bonus. Prints one line per variant; the objective is printed, not applied."""
    out = {}
    g = {"w": (0.03, 0.05, 0.08), "w_other": (0.0, 0.02, 0.04, 0.06, 0.08), "sat": (0.5, 1.0, 2.0),
         "bonus": (0.02, 0.03, 0.04), **(grid or {})}
    for w in g["w"]:
        for w_other in g["w_other"]:
            for sat in g["sat"]:
                for bonus in g["bonus"]:
                    opts = SearchOptions(mode="hybrid", sparse_weight=w, sparse_weight_other=w_other,
                                         sparse_saturation=sat, cross_language_bonus=bonus)
                    r = evaluate(kb, questions, opts, filtered=True)
                    pairs = r["pairs"].values()
                    f_mrr = sum(p["mrr"] for p in pairs) / len(pairs)
                    f_r10 = sum(p["recall@10"] for p in pairs) / len(pairs)
                    m = r["mixed"]
                    key = f"w={w} w_other={w_other} sat={sat} bonus={bonus}"
                    out[key] = {"pairs_mrr": round(f_mrr, 4), "pairs_r10": round(f_r10, 4), **r}
                    print(f"{key:<42} pairs R@10 {f_r10:.3f} MRR {f_mrr:.3f} | mixed any R@10 "
                          f"{m['any_language']['recall@10']:.3f} MRR {m['any_language']['mrr']:.3f} | other R@10 "
                          f"{m['other_language']['recall@10']:.3f} MRR {m['other_language']['mrr']:.3f}",
                          file=sys.stderr, flush=True)
    return out


def print_tables(results: dict, modes: list[str]) -> None:
    pairs = sorted(next(iter(results[m]["pairs"] for m in modes if results[m]["pairs"]), {}) or [])
    if pairs:
        print("\n(a) passage language filtered: R@1 / R@10 / MRR")
        print(f"{'pair':<8} " + " ".join(f"{m:>22}" for m in modes) + f" {'baseline R@10':>14}")
        for p in pairs:
            cells = []
            for m in modes:
                r = results[m]["pairs"][p]
                cells.append(f"{r['recall@1']:.2f} / {r['recall@10']:.2f} / {r['mrr']:.2f}")
            print(f"{p:<8} " + " ".join(f"{c:>22}" for c in cells) + f" {BASELINE_R10.get(p, ''):>14}")
    print("\n(b) mixed collection, unfiltered: R@10 any language / MRR any / R@10 other language / MRR other")
    for m in modes:
        r = results[m]["mixed"]
        print(f"{m:<8} {r['any_language']['recall@10']:.3f} / {r['any_language']['mrr']:.3f} / "
              f"{r['other_language']['recall@10']:.3f} / {r['other_language']['mrr']:.3f}")


if __name__ == "__main__":
    main()
