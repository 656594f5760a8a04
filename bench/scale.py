"""Scale: a collection of N passages made from real text, ingested end to end by `kb ingest`, then served by
`kb serve`: ingest time, passages/s, memory of the whole process tree while ingesting and while serving, search
latency idle and while the app ingests more files from its watched inbox, and the cost of the search beside its
two unavoidable parts (question encoding + the store query) in one process.

The documents: each a Markdown note of 4–9 sentences in one language, drawn from the FLORES passages
(../shared/eval, en/lt/lv) and the sentences of the sample corpus, shuffled per note with a seeded generator;
dated 2019–2025, with varied types — real sentences in varied combinations, not random vectors.

usage: python bench/scale.py --passages 10000 [--home bench/out/scale-10k] [--threads 2] [--queries 200]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FLORES = ROOT.parent / "shared" / "eval" / "retrieval" / "flores_ict_corpus.jsonl"
TYPES = ("seminar_notes", "study_visit", "analysis", "strategy", "one_pager", "other")
QUERIES = ["Kiek kainavo studijų vizitas?", "bendras viešojo transporto bilietas", "Cik dalībnieku piedalījās?",
           "public transport between Klaipėda and Liepāja", "funkcinės zonos ir darbo kelionės",
           "atjaunojamā enerģija pašvaldību ēkās", "Kada vyko konferencija?", "innovation camp results",
           "skolotāju trūkums lauku skolās", "How many people attended the seminar?"]


def sentence_pools() -> dict[str, list[str]]:
    from kb.sentences import readable, sentence_spans

    pools: dict[str, list[str]] = {"en": [], "lt": [], "lv": []}
    if FLORES.is_file():
        for line in FLORES.read_text(encoding="utf-8").splitlines():
            d = json.loads(line)
            t = d["text"]
            pools[d["lang"]] += [t[a:b] for a, b in sentence_spans(t, 0, len(t))]
    for f in (ROOT / "corpus").rglob("*.md"):
        m = re.search(r"^language:\s*(\w+)", f.read_text(encoding="utf-8"), re.M)
        lang = m.group(1) if m else None
        if lang in pools:
            body = re.sub(r"\A---.*?---\n", "", f.read_text(encoding="utf-8"), flags=re.S)
            pools[lang] += [readable(body[a:b]) for a, b in sentence_spans(body, 0, len(body))
                            if len(body[a:b].split()) >= 6 and not body[a:b].lstrip().startswith(("#", "|"))]
    return pools


def write_docs(folder: Path, n: int, seed: int = 11, start: int = 0) -> Path:
    """n notes under folder/NNN/ (1,000 per subfolder)."""
    rng = random.Random(seed)
    pools = sentence_pools()
    langs = list(pools)
    for i in range(start, start + n):
        lang = langs[i % 3]
        body = " ".join(rng.sample(pools[lang], rng.randint(4, 9)))
        f = folder / f"{i // 1000:03d}" / f"note_{i:06d}_{lang}.md"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(f"---\ntitle: Note {i} ({lang})\nlanguage: {lang}\ndate: {rng.randint(2019, 2025)}-"
                     f"{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}\ntype: {rng.choice(TYPES)}\n---\n{body}\n",
                     encoding="utf-8")
    return folder


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for t in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (t / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total / 1024


class Sampler:
    """Peak resident memory of a process tree, sampled every 0.5 s."""

    def __init__(self, pid: int):
        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss_mb(self.pid))
            self._stop.wait(0.5)

    def stop(self) -> float:
        self._stop.set()
        self.thread.join()
        return round(self.peak)


def _post(url: str, body: dict) -> dict:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read())


def search_latency(base: str, queries: int) -> dict:
    lat = []
    for i in range(queries):
        t = time.perf_counter()
        _post(base + "/api/search", {"query": QUERIES[i % len(QUERIES)] + f" {i % 7}", "k": 10})
        lat.append((time.perf_counter() - t) * 1000)
    return {"p50_ms": round(float(np.percentile(lat, 50)), 1), "p95_ms": round(float(np.percentile(lat, 95)), 1),
            "n": len(lat)}


def breakdown(home: Path, queries: int) -> dict:
    """In one process, on the same questions: the full search (hybrid + sentence rerank) beside its two
    unavoidable parts — encoding the question and the store's own query for the search's plan — timed inside the
    same calls; and beside the bare minimum (encoding + one plain dense store query)."""
    from kb.knowledge_base import KnowledgeBase
    from kb.settings import Settings
    from kb.store.plan import Nearest, StoreQuery

    with KnowledgeBase.open(Settings(home=home)) as kb:
        kb.search("warm up", 10)
        store, inner = kb._store, kb.embedder.inner
        spent = {"store": 0.0, "encode": 0.0}

        def timed(obj, name, key):
            original = getattr(obj, name)

            def wrapper(*args, **kwargs):
                t = time.perf_counter()
                try:
                    return original(*args, **kwargs)
                finally:
                    spent[key] += time.perf_counter() - t
            setattr(obj, name, wrapper)

        timed(store, "query", "store")
        timed(inner, "embed_queries", "encode")
        full, parts, bare = [], [], []
        for i in range(queries):
            q = QUERIES[i % len(QUERIES)] + f" variant {i}"
            spent.update(store=0.0, encode=0.0)
            t = time.perf_counter()
            kb.search(q, 10)
            full.append((time.perf_counter() - t) * 1000)
            parts.append((spent["store"] + spent["encode"]) * 1000)
            t = time.perf_counter()
            v = inner.embed_queries([q + " again"])[0]
            store.query(StoreQuery(Nearest("dense", [float(x) for x in v], 10), 10))
            bare.append((time.perf_counter() - t) * 1000)
    p50 = lambda xs: float(np.percentile(xs, 50))  # noqa: E731
    return {"search_p50_ms": round(p50(full), 1), "search_p95_ms": round(float(np.percentile(full, 95)), 1),
            "encode_plus_plan_query_p50_ms": round(p50(parts), 1), "ratio_to_encode_plus_plan_query": round(
                p50(full) / p50(parts), 2), "encode_plus_dense_query_p50_ms": round(p50(bare), 1),
            "ratio_to_encode_plus_dense_query": round(p50(full) / p50(bare), 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--passages", type=int, default=10_000)
    ap.add_argument("--home", type=Path)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--inbox-files", type=int, default=1000, help="files dropped while searching")
    ap.add_argument("--port", type=int, default=7911)
    ap.add_argument("--skip-ingest", action="store_true")
    a = ap.parse_args()
    home = a.home or ROOT / "bench" / "out" / f"scale-{a.passages // 1000}k"
    docs = home.parent / f"{home.name}-docs"
    env = {**os.environ, "KB_HOME": str(home), "KB_EMBED_THREADS": str(a.threads), "KB_SOURCE_ROOT": str(docs),
           "GRADIO_ANALYTICS_ENABLED": "False"}
    kb_cmd = [str(Path(sys.executable).with_name("kb"))]
    out: dict = {"passages_requested": a.passages, "threads": a.threads}
    if not a.skip_ingest:
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(docs, ignore_errors=True)
        write_docs(docs / "bulk", a.passages)
        t = time.perf_counter()
        p = subprocess.Popen(kb_cmd + ["ingest", str(docs / "bulk"), "-q", "--json"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        sampler = Sampler(p.pid)
        stdout, _ = p.communicate()
        secs = time.perf_counter() - t
        report = json.loads(stdout)["summary"]
        out["ingest"] = {"seconds": round(secs, 1), "chunks": report["chunks"], "failed": report["failed"],
                         "passages_per_s": round(report["chunks"] / secs, 1), "peak_rss_mb": sampler.stop()}
        print(json.dumps(out["ingest"]), flush=True)
    inbox = docs / "inbox"
    shutil.rmtree(inbox, ignore_errors=True)
    inbox.mkdir(parents=True)
    server = subprocess.Popen(kb_cmd + ["serve", "--port", str(a.port), "--watch", str(inbox)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{a.port}"
    try:
        for _ in range(600):
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=5) as r:
                    if json.loads(r.read()).get("ok"):
                        break
            except OSError:
                time.sleep(1)
        _post(base + "/api/search", {"query": "warm up", "k": 10})
        out["serve_idle"] = {**search_latency(base, a.queries), "rss_mb": round(tree_rss_mb(server.pid))}
        print(json.dumps(out["serve_idle"]), flush=True)
        # more files land in the inbox; search while the app ingests them
        sampler = Sampler(server.pid)
        write_docs(inbox, a.inbox_files, seed=23, start=10**6)
        time.sleep(3)
        during = search_latency(base, a.queries)
        with urllib.request.urlopen(base + "/healthz", timeout=10) as r:
            busy = json.loads(r.read()).get("ingesting")
        out["serve_during_ingest"] = {**during, "still_ingesting_at_end": busy, "peak_rss_mb": sampler.stop()}
        print(json.dumps(out["serve_during_ingest"]), flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    out["in_process"] = breakdown(home, a.queries)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
