"""Crash safety: `kb ingest` is killed with SIGKILL at random points of a multi-file batch (20 kills that land
while it runs: a first ingest, and an update of every file to a new version); after a restart the store holds
exactly what a clean ingest gives — the same point ids and payloads, no duplicates, nothing missing.
A summary goes to build/crash_trials.json."""

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import ROOT, write
from kb.knowledge_base import KnowledgeBase
from kb.settings import Settings

KB = [sys.executable, "-m", "ui.cli"]
TRIALS = 20


def _files(folder: Path, version: int) -> None:
    for i in range(40):
        body = "\n\n".join(
            f"## Dalis {j}\n\n" + " ".join(f"Dokumentas {i}, versija {version}, pastraipa {j}, sakinys {k} apie "
                                           f"Klaipėdos ir Kuržemės planavimą." for k in range(10))
            for j in range(4 + i % 4))
        write(folder / f"doc{i:02}.md",
              f"---\nlanguage: lt\ndate: 2022-0{1 + i % 9}-15\n---\n# Dokumentas {i}\n\n{body}\n")


def _state(home: Path, root: Path) -> dict:
    s = Settings(home=home, embed_model="hash", source_root=root)
    with KnowledgeBase.open(s) as kb:
        return {r.id: {k: v for k, v in r.payload.items() if k != "ingested_at"} for r in kb.points()}


def _env(home: Path, root: Path) -> dict:
    e = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    e.update(KB_HOME=str(home), KB_EMBED_MODEL="hash", KB_SOURCE_ROOT=str(root), PYTHONPATH=str(ROOT))
    return e


def _ingest(home, root, folder):
    t = time.monotonic()
    r = subprocess.run(KB + ["ingest", "-q", str(folder)], env=_env(home, root), cwd=root, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return time.monotonic() - t


def test_sigkill_during_ingest_converges_to_a_clean_ingest(tmp_path):
    rng = random.Random(20261130)
    root, folder = tmp_path, tmp_path / "batch"
    # references: a clean ingest of version 1, and of version 2
    _files(folder, 1)
    ref_home = tmp_path / "ref"
    full = _ingest(ref_home / "v1", root, folder)
    ref1 = _state(ref_home / "v1", root)
    _files(folder, 2)
    _ingest(ref_home / "v2", root, folder)
    ref2 = _state(ref_home / "v2", root)
    assert ref1 and ref2 and set(ref1) != set(ref2)

    kills, attempts, interrupted_states = 0, 0, 0
    while kills < TRIALS and attempts < 3 * TRIALS:
        attempts += 1
        home = tmp_path / f"trial{attempts}"
        update = attempts % 2 == 0  # every other trial: the store has version 1, the files become version 2
        _files(folder, 1)
        if update:
            _ingest(home, root, folder)
            _files(folder, 2)
        want = ref2 if update else ref1
        proc = subprocess.Popen(KB + ["ingest", "-q", str(folder)], env=_env(home, root), cwd=root,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rng.uniform(0.2, 1.0) * full)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            kills += 1
            try:
                interrupted_states += _state(home, root) != want
            except Exception:  # noqa: BLE001 - an empty or half-made store is a valid interrupted state
                interrupted_states += 1
        else:
            proc.wait()
        _ingest(home, root, folder)  # the restart
        got = _state(home, root)
        assert got == want, f"trial {attempts}: {len(set(got) ^ set(want))} points differ"
    assert kills >= TRIALS, f"only {kills} kills landed in {attempts} attempts"
    out = ROOT / "build" / "crash_trials.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"kills": kills, "attempts": attempts, "left_store_different_before_restart":
                               interrupted_states, "converged": kills, "points_v1": len(ref1),
                               "points_v2": len(ref2), "full_ingest_seconds": round(full, 2)}, indent=2))
