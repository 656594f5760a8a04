"""One owner of the embedded store: while `kb serve` holds it, `kb search`, `kb ask`, `kb docs` and `kb ingest`
go through the running app's API (one process writes); a holder without an app is named in the error."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from conftest import free_port, wait_until, write
from kb.knowledge_base import KnowledgeBase

KB = [sys.executable, "-m", "ui.cli"]


@pytest.fixture
def env(kb_home, tmp_path):
    e = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    e.update(KB_HOME=str(kb_home), KB_EMBED_MODEL="hash", KB_SOURCE_ROOT=str(tmp_path), KB_CORPUS_DIR="corpus",
             GRADIO_ANALYTICS_ENABLED="False", PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    return e


@pytest.fixture
def app(env, tmp_path):
    write(tmp_path / "corpus" / "bus.md",
          "---\nlanguage: lt\n---\nAutobusų linija Klaipėda–Liepoja kursuotų kasdien.\n")
    port = free_port()
    proc = subprocess.Popen(KB + ["serve", "--port", str(port)], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        def up() -> bool:
            if proc.poll() is not None:  # the server died: show why (pytest.fail is not swallowed by wait_until)
                pytest.fail(f"kb serve exited: {proc.stdout.read()}")
            h = requests.get(url + "/healthz", timeout=2).json()
            return bool(h["chunks"]) and not h["ingesting"]

        if not wait_until(up, timeout=90, interval=0.3):
            pytest.fail("kb serve did not come up")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _kb(env, cwd, *args):
    return subprocess.run(KB + list(args), env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_cli_goes_through_the_running_app(app, env, tmp_path):
    r = _kb(env, tmp_path, "search", "autobusų linija", "--json")
    assert r.returncode == 0, r.stderr
    assert "going through it" in r.stderr and json.loads(r.stdout)["hits"][0]["source"] == "corpus/bus.md"
    new = write(tmp_path / "drop" / "kelte.md", "---\nlanguage: lt\n---\nMarių keltas plauktų iš Nidos.\n")
    r = _kb(env, tmp_path, "ingest", str(new))
    assert r.returncode == 0 and "added" in r.stdout, r.stderr
    r = _kb(env, tmp_path, "docs", "--json")
    assert sorted(d["source"] for d in json.loads(r.stdout)) == ["corpus/bus.md", "drop/kelte.md"]
    r = _kb(env, tmp_path, "ask", "Iš kur plauktų Marių keltas?", "--json")
    assert r.returncode == 0 and "answer" in json.loads(r.stdout)
    log = requests.get(app + "/api/docs", timeout=10).json()
    assert len(log) == 2


def test_a_holder_without_an_app_is_named(env, settings, tmp_path):
    with KnowledgeBase.open(settings) as kb:
        kb.prepare_for_writes()
        r = _kb(env, tmp_path, "search", "autobusas")
    assert r.returncode != 0
    assert f"in use by process {os.getpid()}" in r.stderr and "KB_QDRANT_URL" in r.stderr


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_a_stop_during_ingestion_ends_the_process_and_the_next_start_finishes(env, tmp_path, sig):
    """Ctrl+C (or SIGTERM) while the first start ingests: the process is gone within seconds, without a C++
    abort; the next start goes on with the first start and ends with every file in."""
    import signal
    import time

    for i in range(400):
        write(tmp_path / "corpus" / f"note_{i:03d}.md", f"---\nlanguage: lt\n---\nPastaba {i}. " + "Tekstas. " * 60)
    port = free_port()
    url = f"http://127.0.0.1:{port}"

    def start():
        return subprocess.Popen(KB + ["serve", "--port", str(port)], env=env, cwd=tmp_path,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    proc = start()
    try:
        assert wait_until(lambda: requests.get(url + "/healthz", timeout=2).json()["chunks"] > 0, 120)
        assert requests.get(url + "/healthz", timeout=2).json()["ingesting"]
        t = time.monotonic()
        proc.send_signal(getattr(signal, sig))
        out, _ = proc.communicate(timeout=30)
        assert time.monotonic() - t < 15, "the app did not stop within 15 s"
        assert "terminate called" not in out and "Traceback" not in out, out
    finally:
        if proc.poll() is None:
            proc.kill()
    proc = start()
    try:
        assert wait_until(lambda: not requests.get(url + "/healthz", timeout=2).json()["ingesting"] and
                          requests.get(url + "/healthz", timeout=2).json()["chunks"] >= 400, 180)
        docs = requests.get(url + "/api/docs", timeout=10).json()
        assert len(docs) == 400
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
