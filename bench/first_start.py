"""The app's first start over the sample corpus, as a new user has it: `kb serve` on an empty data home, timed
until the page answers and until the whole corpus is searchable (`/healthz` says ingesting false), with the
app's memory (RSS of the server process, and of it with its children) once the corpus is in.

Each run uses a fresh data home. With --prepared the model folder of the first run is copied into the next
ones, so the figures show the start with and without the one-time model preparation.

usage: python bench/first_start.py [--runs 3] [--threads N] [--prepared]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            todo += [int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
        except OSError:
            pass
    return out


def one_start(home: Path, threads: int | None, limit_s: float = 900) -> dict:
    port = _port()
    env = {**os.environ, "KB_HOME": str(home), "KB_PORT": str(port)}
    if threads:
        env["KB_EMBED_THREADS"] = str(threads)
    kb = Path(sys.executable).with_name("kb")
    t0 = time.perf_counter()
    proc = subprocess.Popen([str(kb), "serve"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    page = done = None
    health = {}
    try:
        while time.perf_counter() - t0 < limit_s:
            if proc.poll() is not None:
                raise SystemExit(f"kb serve exited with status {proc.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    health = json.loads(r.read())
                page = page or time.perf_counter() - t0
                if not health.get("ingesting") and health.get("chunks"):
                    done = time.perf_counter() - t0
                    break
            except OSError:
                pass
            time.sleep(0.25)
        main_rss = _rss_kb(proc.pid)
        tree_rss = sum(_rss_kb(p) for p in _tree(proc.pid))
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
    return {"page_up_s": round(page or -1, 1), "corpus_in_s": round(done or -1, 1), "chunks": health.get("chunks"),
            "rss_mb": round(main_rss / 1024), "rss_with_children_mb": round(tree_rss / 1024)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int)
    ap.add_argument("--prepared", action="store_true", help="reuse the first run's model folder in later runs")
    a = ap.parse_args()
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        models = None
        for i in range(a.runs):
            home = Path(tmp) / f"home{i}"
            if a.prepared and models is not None:
                shutil.copytree(models, home / "models")
            r = one_start(home, a.threads)
            r["model_prepared_before"] = bool(a.prepared and models is not None)
            runs.append(r)
            print(json.dumps(r), file=sys.stderr)
            models = models or home / "models"
    fresh = [r for r in runs if not r["model_prepared_before"]]
    out = {"threads": a.threads or "default", "runs": runs}
    for name, rs in (("fresh", fresh), ("prepared", [r for r in runs if r["model_prepared_before"]])):
        if rs:
            out[name] = {k: statistics.median(r[k] for r in rs) for k in ("page_up_s", "corpus_in_s", "rss_mb",
                                                                           "rss_with_children_mb")}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
