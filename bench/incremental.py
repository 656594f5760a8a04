"""Drop-in ingestion figures with the real model: a full ingest of the sample corpus vs re-ingesting it unchanged,
the passages embedded again after a one-paragraph edit and after a rename, search latency while the corpus is
being ingested (vs idle), and the time from dropping a file into the watched inbox until search finds it.

usage: python bench/incremental.py [--drops 20] [--json OUT]
Works on a copy of corpus/ in a temp folder (the project is not touched); two fresh data homes."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.inbox import Inbox  # noqa: E402
from ingest.library import Library  # noqa: E402
from kb.knowledge_base import KnowledgeBase  # noqa: E402
from kb.search import SearchOptions  # noqa: E402
from kb.settings import Settings  # noqa: E402

QUESTIONS = ["Kada vyko baigiamoji konferencija?", "Cik maksā autobuss no Liepājas uz Klaipēdu?",
             "What did the study visit to Pomerania teach?", "funkcinių zonų srautai Kretinga Klaipėda",
             "Kurzemes enerģētikas seminārs saules paneļi", "innovation camp in Nida winners"]


def pct(xs, q):
    return round(float(np.percentile(xs, q)) * 1000, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--drops", type=int, default=20)
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kb-incr-"))
    shutil.copytree(ROOT / "corpus", work / "corpus")
    models = Settings().models_path()
    out: dict = {}

    def settings(name):
        home = work / name
        if models.exists():  # reuse the converted model (conversion is not what is measured)
            shutil.copytree(models, home / "models")
        return Settings(home=home, source_root=work)

    # 1. full ingest, unchanged re-ingest, one-paragraph edit, rename
    with KnowledgeBase.open(settings("home1")) as kb:
        lib = Library(kb)
        kb.embedder.embed_passages(["warm-up"])
        full = lib.add([work / "corpus"], "bench")
        again = lib.add([work / "corpus"], "bench")
        out["full_ingest_s"] = round(full.seconds, 2)
        out["full_chunks"] = full.chunks()
        out["unchanged_reingest_s"] = round(again.seconds, 2)
        out["unchanged_ratio"] = round(again.seconds / full.seconds, 4)
        target = work / "corpus" / "seminars" / "camp1_neringa_en.md"
        text = target.read_text(encoding="utf-8")
        paras = [p for p in text.split("\n\n") if len(p) > 200 and not p.startswith(("#", "|", "---"))]
        target.write_text(text.replace(paras[1], paras[1].rstrip(".") + ", as the minutes of the meeting record."),
                          encoding="utf-8")
        edit = lib.add([target], "bench")
        out["edit"] = {"file": str(target.relative_to(work)), "chunks": edit.files[0].chunks,
                       "embedded": edit.embedded, "reused": edit.reused, "seconds": round(edit.seconds, 2)}
        moved = target.with_name("camp1_neringa_en_renamed.md")
        target.rename(moved)
        ren = lib.add([work / "corpus" / "seminars"], "bench")
        print(json.dumps(out), flush=True)
        out["rename"] = {"status": [f.status for f in ren.files if f.status != "unchanged"],
                         "embedded": ren.embedded, "reused": ren.reused, "seconds": round(ren.seconds, 2)}

        # 2. drop-to-searchable through the watched inbox (settle 1 s)
        inbox_dir = work / "inbox"
        box = Inbox(lib, inbox_dir, settle=kb.settings.watch_settle_seconds)
        box.start()
        time.sleep(2)
        sources = sorted((work / "corpus" / "seminars").glob("*.md"))
        delays = []
        for i in range(a.drops):
            marker = f"zymuo{i:03}kodas"
            body = sources[i % len(sources)].read_text(encoding="utf-8").split("\n\n")
            doc = "\n\n".join([f"# Įkeltas dokumentas {i}", f"Kodas {marker} pažymi šį dokumentą."] + body[2:8])
            t0 = time.monotonic()
            (inbox_dir / f"drop{i:03}.md").write_text(doc, encoding="utf-8")
            while not any(marker in h.text for h in kb.search(marker, 3, options=SearchOptions(mode="sparse"))):
                time.sleep(0.05)
                if time.monotonic() - t0 > 60:
                    raise SystemExit(f"drop {i} not searchable after 60 s")
            delays.append(time.monotonic() - t0)
        box.stop()
        out["drop_to_searchable_ms"] = {"n": len(delays), "p50": pct(delays, 50), "p95": pct(delays, 95),
                                        "settle_s": kb.settings.watch_settle_seconds}
        idle = []
        for q in QUESTIONS * 5:
            t = time.perf_counter()
            kb.search(q + " ", 10)
            idle.append(time.perf_counter() - t)
            kb._query_vectors.clear()
        out["search_idle_ms"] = {"p50": pct(idle, 50), "p95": pct(idle, 95)}

    # 3. search latency while the whole corpus is ingested into a fresh home (no embedding cache)
    with KnowledgeBase.open(settings("home2")) as kb:
        lib = Library(kb)
        lib.add([work / "corpus" / "brochure"], "bench")
        done, lat, errors = threading.Event(), [], []

        def ingest():
            lib.add([work / "corpus"], "bench")
            done.set()

        th = threading.Thread(target=ingest)
        th.start()
        i = 0
        while not done.is_set():
            t = time.perf_counter()
            try:
                kb.search(QUESTIONS[i % len(QUESTIONS)] + f" {i}", 10)
            except Exception as e:  # noqa: BLE001
                errors.append(repr(e))
            lat.append(time.perf_counter() - t)
            i += 1
            time.sleep(0.2)
        th.join()
        out["search_during_ingest_ms"] = {"n": len(lat), "p50": pct(lat, 50), "p95": pct(lat, 95),
                                          "max": pct(lat, 100), "errors": len(errors)}
    shutil.rmtree(work, ignore_errors=True)
    if a.json:
        a.json.write_text(json.dumps(out, indent=2))
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
