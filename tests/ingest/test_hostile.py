"""Hostile files: each is reported with its cause (or ingested up to a limit with a warning that says so), a normal
file beside it goes in, nothing reaches the terminal but one line per file, and a file that failed is not read
again until it changes. Small versions of the files in bench/hostile.py, with small limits."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT, write
from ingest.pipeline import Ingestor
from kb.knowledge_base import KnowledgeBase

sys.path.insert(0, str(ROOT / "bench"))
import hostile_files as hostile  # noqa: E402

NORMAL = "---\nlanguage: lt\n---\nSeminaras vyko Klaipėdoje 2021 m. rugsėjo 23 d. Dalyvavo 42 žmonės.\n"


@pytest.fixture
def limited(settings):
    return settings.model_copy(update={"max_unpacked_mb": 20.0, "max_zip_members": 100, "max_text_chars": 100_000,
                                       "parse_seconds": 30.0, "max_chunks_per_file": 40})


def _ingest(settings, folder):
    with KnowledgeBase.open(settings) as kb:
        ing = Ingestor(kb)
        try:
            report = ing.ingest([folder])
        finally:
            ing.close()
        return {f.path.rsplit("/", 1)[-1]: f for f in report.files}, kb.docs()


def test_decompression_bombs_and_many_members_are_refused_before_unpacking(limited, tmp_path):
    write(tmp_path / "in" / "bomb.docx", hostile.docx_bomb(30, 1.0))
    write(tmp_path / "in" / "node.docx", hostile.docx_text_node_bomb(40))
    write(tmp_path / "in" / "many.docx", hostile.zip_many_members(300))
    write(tmp_path / "in" / "normal.md", NORMAL)
    files, docs = _ingest(limited, tmp_path / "in")
    assert "would unpack to 30 MB, above the limit of 20 MB" in files["bomb.docx"].error
    assert "would unpack to 40 MB" in files["node.docx"].error
    assert "303 packed parts, more than the 100" in files["many.docx"].error
    assert files["normal.md"].status == "added" and [d.source for d in docs] == ["in/normal.md"]


def test_entity_expansion_is_not_expanded(limited, tmp_path):
    write(tmp_path / "in" / "laughs.docx", hostile.docx_entity_expansion(9))
    write(tmp_path / "in" / "normal.md", NORMAL)
    files, _ = _ingest(limited, tmp_path / "in")
    laughs = files["laughs.docx"]
    assert laughs.status == "failed" and "entity" in laughs.error.lower()
    assert files["normal.md"].status == "added"


def test_long_text_and_many_passages_are_cut_with_a_warning(limited, tmp_path):
    write(tmp_path / "in" / "line.md", hostile.one_line_markdown(1.0))
    files, docs = _ingest(limited, tmp_path / "in")
    warnings = " ".join(files["line.md"].warnings)
    assert files["line.md"].status == "added"
    assert "only the first 0.1 million are indexed (KB_MAX_TEXT_CHARS)" in warnings
    assert "only the first 40 are indexed (KB_MAX_CHUNKS_PER_FILE)" in warnings and docs[0].chunks == 40


def test_odd_pdfs_are_read_or_reported(limited, tmp_path):
    write(tmp_path / "in" / "image.pdf", hostile.pdf_huge_image(3000))
    write(tmp_path / "in" / "nested.pdf", hostile.pdf_deeply_nested(50_000))
    write(tmp_path / "in" / "normal.md", NORMAL)
    files, docs = _ingest(limited, tmp_path / "in")
    assert files["image.pdf"].status == "added"  # the text is read; the image is never decoded
    assert files["nested.pdf"].status in ("added", "failed")
    assert files["nested.pdf"].status == "added" or files["nested.pdf"].error
    assert files["normal.md"].status == "added"


def test_memory_limit_and_time_budget_stop_a_file_not_the_batch(settings, tmp_path):
    s = settings.model_copy(update={"max_unpacked_mb": 2000.0, "parse_memory_mb": 400, "parse_seconds": 60.0})
    write(tmp_path / "in" / "big.docx", hostile.docx_text_node_bomb(300))  # lxml needs > 400 MB for it
    write(tmp_path / "in" / "normal.md", NORMAL)
    files, docs = _ingest(s, tmp_path / "in")
    assert files["big.docx"].status == "failed" and "memory" in files["big.docx"].error
    assert files["normal.md"].status == "added"
    slow = settings.model_copy(update={"parse_seconds": 0.3})
    write(tmp_path / "slow" / "pages.pdf", hostile.pdf_many_pages(300))
    files, _ = _ingest(slow, tmp_path / "slow")
    assert "took longer than 0.3 s (KB_PARSE_SECONDS)" in files["pages.pdf"].error


def test_a_file_that_failed_is_not_read_again_until_it_changes(limited, tmp_path):
    bomb = write(tmp_path / "in" / "bomb.docx", hostile.docx_bomb(30, 1.0))
    files, _ = _ingest(limited, tmp_path / "in")
    assert "would unpack" in files["bomb.docx"].error
    files, _ = _ingest(limited, tmp_path / "in")
    assert "not read again: the file has not changed since it failed" in files["bomb.docx"].error
    bomb.write_bytes(hostile.zip_many_members(10))  # changed: read again (and now fine)
    files, _ = _ingest(limited, tmp_path / "in")
    assert files["bomb.docx"].status == "added"


def test_no_traceback_reaches_the_terminal(tmp_path, kb_home):
    write(tmp_path / "in" / "nested.pdf", hostile.pdf_deeply_nested(50_000))
    write(tmp_path / "in" / "bomb.docx", hostile.docx_bomb(30, 1.0))
    write(tmp_path / "in" / "laughs.docx", hostile.docx_entity_expansion(9))
    env = {"KB_HOME": str(kb_home), "KB_EMBED_MODEL": "hash", "KB_MAX_UNPACKED_MB": "20",
           "KB_SOURCE_ROOT": str(tmp_path), "PATH": "/usr/bin:/bin"}
    r = subprocess.run([sys.executable, "-m", "ui.cli", "ingest", str(tmp_path / "in"), "-q"], capture_output=True,
                       text=True, env=env, cwd=ROOT, timeout=300)
    assert r.returncode == 1
    assert "Traceback" not in r.stderr and "PdfReadError" not in r.stderr.replace("could not be parsed", "")
    failed = [line for line in r.stderr.splitlines() if line.startswith("FAILED")]
    assert len(failed) >= 2 and all(": " in line for line in failed)


def test_a_long_file_never_holds_small_files_behind_it(settings, tmp_path):
    """In the app a long file is written in the background, slice by slice, with its own progress; a small file
    added after it is searchable before the long one is done."""
    import threading
    import time

    from ingest.library import Library

    s = settings.model_copy(update={"long_file_chunks": 20})
    write(tmp_path / "big" / "long.md", "---\nlanguage: lt\n---\n" +
          "".join(f"Pastraipa {i} apie kelius, tiltus ir autobusus Klaipėdoje. " * 12 + "\n\n" for i in range(120)))
    write(tmp_path / "small" / "note.md", NORMAL)
    with KnowledgeBase.open(s) as kb:
        library = Library(kb, long_files_aside=True)
        gate = threading.Event()
        original = kb.embed_chunks

        def slow_embedding(chunks):  # the long file's slices wait for the gate; the small file's batch does not
            if any(c.source == "big/long.md" for c in chunks):
                gate.wait(20)
            return original(chunks)

        kb.embed_chunks = slow_embedding
        first = library.add([tmp_path / "big"], "upload")
        assert [f.status for f in first.files] == ["queued"]
        time.sleep(0.5)
        progress = library.activity.snapshot()["long"]
        assert progress["file"] == "long.md" and progress["total"] > 20 and progress["done"] < progress["total"]
        second = library.add([tmp_path / "small"], "upload")
        assert [f.status for f in second.files] == ["added"]
        assert [h.source for h in kb.search("seminaras Klaipėdoje dalyvavo", 3)][0] == "small/note.md"
        gate.set()
        deadline = time.monotonic() + 60
        while library.activity.snapshot()["long"] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert {d.source for d in kb.docs()} == {"big/long.md", "small/note.md"}
        assert kb.stored_version(kb.docs()[0].doc_id)[1]  # the long file is complete
        library.stop()


def test_a_script_without_a_main_guard_can_ingest(tmp_path):
    """The README's Python API example as a user saves it: no `if __name__ == "__main__":`. The reader process
    must not run the script again (multiprocessing's spawn would, and every file then failed)."""
    write(tmp_path / "in" / "normal.md", NORMAL)
    script = write(tmp_path / "script.py", f"""import kb
with kb.open(kb.Settings(home={str(tmp_path / 'home')!r}, embed_model="hash", qdrant_url=None)) as base:
    report = kb.ingest(base, [{str(tmp_path / 'in')!r}])
    print("counts", report.counts()["added"], report.counts()["failed"])
""")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "counts 1 0" in done.stdout, (done.stdout, done.stderr[-2000:])


def test_a_reader_that_cannot_start_is_named_not_blamed_on_the_file(limited, tmp_path, monkeypatch):
    import ingest.isolation as isolation

    write(tmp_path / "in" / "normal.md", NORMAL)
    monkeypatch.setattr(isolation.sys, "executable", str(write(tmp_path / "broken-python", "#!/bin/sh\nexit 3\n")))
    (tmp_path / "broken-python").chmod(0o755)
    files, docs = _ingest(limited, tmp_path / "in")
    assert files["normal.md"].status == "failed" and not docs
    assert "the reader process could not start (exit code 3)" in files["normal.md"].error
    assert "the file is not at fault" in files["normal.md"].error
    monkeypatch.undo()  # the reader works again: the file is read, not skipped as a remembered failure
    files, docs = _ingest(limited, tmp_path / "in")
    assert files["normal.md"].status == "added" and [d.source for d in docs] == ["in/normal.md"]
