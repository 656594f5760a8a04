"""Search latency of the embedded store (Qdrant Edge) at 10k and 100k chunks, with synthetic vectors.

Synthetic 384-d unit vectors and 30-term sparse vectors (Zipf-distributed term ids), payload like real
chunks (language, type, date, source, text). Measures upsert time, then p50/p95 over N queries for dense,
sparse, hybrid (the production plan: per-language dense pools + sparse, blended) and hybrid with filters,
and the process's peak memory (ru_maxrss). Each size runs in its own process for a clean memory figure.

At 1,000,000 points (`--sizes 1000000`, about 2 GB of memory) the run takes many minutes; progress goes to stderr.

usage: python bench/store_latency.py [--sizes 10000,100000] [--queries 300] [--backend edge|local] [--no-optimize]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kb.sparse import SparseVector  # noqa: E402
from kb.store.base import StorePoint, point_id  # noqa: E402
from kb.store.plan import Blend, DateRange, Match, Nearest, StoreQuery, Where  # noqa: E402

LANGS = ("lt", "lv", "en")
TYPES = ("guide", "seminar_notes", "study_visit", "strategy", "analysis")


def make_points(n: int, rng, start: int = 0) -> list[StorePoint]:
    dense = rng.normal(size=(n, 384)).astype(np.float32)
    dense /= np.linalg.norm(dense, axis=1, keepdims=True)
    pts = []
    for i in range(n):
        j = start + i
        ids = np.unique(rng.zipf(1.3, size=30) % 200_000)
        lang = LANGS[j % 3]
        pts.append(StorePoint(point_id(f"d{j // 20}", "h", j % 20), dense[i].tolist(),
                              SparseVector(ids.tolist(), rng.uniform(0.3, 2.0, size=len(ids)).round(3).tolist()),
                              {"doc_id": f"d{j // 20}", "source": f"docs/{j // 20}.md", "chunk_index": j % 20,
                               "language": lang, "chunk_language": lang, "doc_type": TYPES[j % 5],
                               "date": f"{2021 + j % 3}-{1 + j % 12:02d}-15", "content_sha256": "h",
                               "text": "synthetic chunk text " * 20}))
    return pts


def _progress(line: str) -> None:
    """Where a size runs for many minutes (1M points), say how far it is (stderr; the figures go to stdout)."""
    print(line, file=sys.stderr, flush=True)


def pct(xs, p):
    return round(float(np.percentile(xs, p)), 3)


def run_size(n: int, queries: int, backend: str, optimize: bool = True) -> dict:
    from kb.store.edge import EdgeStore
    from kb.store.server import ServerStore

    rng = np.random.default_rng(7)
    folder = Path(tempfile.mkdtemp(prefix="kb-lat-"))
    store = EdgeStore(folder) if backend == "edge" else ServerStore("lat", path=":memory:")
    store.ensure({"bench": 1}, 384)
    t = time.perf_counter()
    for start in range(0, n, 5000):
        store.upsert(make_points(min(5000, n - start), rng, start))
        if (start + 5000) % 100_000 == 0:
            _progress(f"{n}: {start + 5000:,} points upserted in {time.perf_counter() - t:.0f} s")
    upsert_s = time.perf_counter() - t
    t = time.perf_counter()
    if optimize:
        store.optimize()
    optimize_s = time.perf_counter() - t
    _progress(f"{n}: upsert {upsert_s:.0f} s, optimise {optimize_s:.0f} s; querying")
    qs = make_points(queries, np.random.default_rng(99), 10**7)
    plans = {
        "dense": lambda q: StoreQuery(Nearest("dense", q.dense, 10), 10),
        "sparse": lambda q: StoreQuery(Nearest("sparse", q.sparse, 10), 10),
        "hybrid": lambda q: StoreQuery(Blend(
            dense=tuple(Nearest("dense", q.dense, 50, Where((Match("chunk_language", (lang,)),))) for lang in LANGS),
            sparse=(Nearest("sparse", q.sparse, 50),), limit=50, saturation=4.0, weight_same=0.05,
            weight_other=0.02, bonus=0.03, same_language=Where((Match("chunk_language", ("lt",)),))), 10),
        "hybrid+filters": lambda q: StoreQuery(Blend(
            dense=(Nearest("dense", q.dense, 50),), sparse=(Nearest("sparse", q.sparse, 50),), limit=50,
            saturation=4.0, weight_same=0.05), 10,
            where=Where((Match("language", ("lt", "lv")), Match("doc_type", ("seminar_notes", "guide")),
                         DateRange("date", date(2022, 1, 1), date(2022, 12, 31))))),
    }
    out = {"chunks": n, "backend": backend, "optimized": optimize, "upsert_s": round(upsert_s, 1),
           "optimize_s": round(optimize_s, 1)}
    for name, plan in plans.items():
        for q in qs[:10]:
            store.query(plan(q))  # warm up
        lat = []
        for q in qs:
            t = time.perf_counter()
            store.query(plan(q))
            lat.append((time.perf_counter() - t) * 1000)
        out[f"{name}_ms"] = {"p50": pct(lat, 50), "p95": pct(lat, 95)}
    store.close()
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--backend", choices=["edge", "local"], default="edge")
    ap.add_argument("--no-optimize", action="store_true", help="query the store as ingestion leaves it")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        print(json.dumps(run_size(a.one, a.queries, a.backend, not a.no_optimize)))
        return
    for n in map(int, a.sizes.split(",")):
        r = subprocess.run([sys.executable, __file__, "--one", str(n), "--queries", str(a.queries),
                            "--backend", a.backend] + (["--no-optimize"] if a.no_optimize else []),
                           stdout=subprocess.PIPE, text=True, check=True)  # progress on stderr as it comes
        print(r.stdout.strip(), flush=True)


if __name__ == "__main__":
    main()
