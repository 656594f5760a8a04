"""End-to-end search latency (question embedding + hybrid store query), warm, in one process.

usage: KB_HOME=... python bench/query_latency.py [--threads N] [--n 60]
Uses the collection in KB_HOME (ingest corpus/ first); questions are mixed lt/lv/en, each asked once
(no query-vector cache hits)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kb.knowledge_base import KnowledgeBase  # noqa: E402
from kb.settings import Settings  # noqa: E402

BASE = ["Kada vyko baigiamoji konferencija?", "Cik maksā autobuss no Liepājas uz Klaipēdu?",
        "What did the study visit to Pomerania teach?", "Kokie funkcinių zonų srautai tarp Kretingos ir Klaipėdos?",
        "Kurzemes enerģētikas seminārs saules paneļi", "innovation camp in Nida winners",
        "Ugdantis regionas veiksmų plano biudžetas", "pakalpojumu kvalitātes standarts Grobiņā"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--n", type=int, default=60)
    a = ap.parse_args()
    s = Settings(**({"embed_threads": a.threads} if a.threads else {}))
    with KnowledgeBase.open(s) as kb:
        kb.search("warm up", 5)
        lat = []
        for i in range(a.n):
            q = f"{BASE[i % len(BASE)]} {i}"
            t = time.perf_counter()
            kb.search(q, 10)
            lat.append((time.perf_counter() - t) * 1000)
    print(json.dumps({"threads": s.embed_threads, "queries": a.n,
                      "p50_ms": round(float(np.percentile(lat, 50)), 1),
                      "p95_ms": round(float(np.percentile(lat, 95)), 1)}))


if __name__ == "__main__":
    main()
