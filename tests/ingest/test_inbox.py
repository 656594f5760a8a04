"""The watched inbox with a real watchdog observer: drops, edits, renames and deletes show in search within
seconds; a file still being written is waited for; the start-up scan reconciles changes made while nobody
was watching."""

import threading
import time

import pytest

from conftest import wait_until as _wait
from conftest import write
from ingest.inbox import Inbox
from ingest.library import Library
from kb.knowledge_base import KnowledgeBase


def _sources(kb):
    return {d.source for d in kb.docs()}


@pytest.fixture
def inbox(settings, tmp_path):
    kb = KnowledgeBase.open(settings)
    folder = tmp_path / "inbox"
    folder.mkdir()
    box = Inbox(Library(kb), folder, settle=0.5)
    yield kb, box, folder
    box.stop()
    kb.close()


def test_drop_edit_rename_delete(inbox):
    kb, box, folder = inbox
    box.start()
    write(folder / "kelte.md", "---\nlanguage: lt\n---\nMarių keltas plauktų iš Nidos į Ventės ragą.\n")
    assert _wait(lambda: "inbox/kelte.md" in _sources(kb))
    assert kb.search("Marių keltas Nida", 1)[0].source == "inbox/kelte.md"
    write(folder / "kelte.md", "---\nlanguage: lt\n---\nMarių keltas plauktų du kartus per dieną.\n")
    assert _wait(lambda: any("du kartus" in h.text for h in kb.search("keltas kartus per dieną", 3)))
    assert len([r for r in kb.points()]) == 1  # the old version is gone
    (folder / "sub").mkdir()
    (folder / "kelte.md").rename(folder / "sub" / "keltas.md")
    assert _wait(lambda: _sources(kb) == {"inbox/sub/keltas.md"})
    (folder / "sub" / "keltas.md").unlink()
    assert _wait(lambda: _sources(kb) == set())


def test_a_half_written_file_is_read_once_it_is_complete(inbox):
    kb, box, folder = inbox
    box.start()
    target = folder / "ilgas.txt"
    parts = [f"Sakinys numeris {i} apie regioninį planavimą ir duomenų dalijimąsi. " for i in range(12)]

    def slow_copy():
        with target.open("w", encoding="utf-8") as f:
            for p in parts:
                f.write(p)
                f.flush()
                time.sleep(0.15)  # each pause is shorter than the settle time: one growing file

    t = threading.Thread(target=slow_copy)
    t.start()
    t.join()
    from ingest.log import recent

    def entries():
        return [e["status"] for e in recent(kb.settings.home) if e.get("source") == "inbox/ilgas.txt"]

    assert _wait(lambda: entries() != [])
    time.sleep(1.5)  # anything else queued would have been processed by now
    assert entries() == ["added"]  # read once, when complete
    text = " ".join(r.payload["text"] for r in kb.points())
    assert "numeris 11" in text and "numeris 0" in text


def test_start_up_scan_reconciles_the_folder(settings, tmp_path):
    folder = tmp_path / "inbox"
    write(folder / "a.md", "Pirmas dokumentas apie dviračių takus.\n")
    write(folder / "b.md", "Antras dokumentas apie autobusus.\n")
    with KnowledgeBase.open(settings) as kb:
        Library(kb).add([folder], "test")
    # while the app is down: one file deleted, one changed, one added
    (folder / "a.md").unlink()
    write(folder / "b.md", "Antras dokumentas apie autobusus ir keltus.\n")
    write(folder / "c.md", "Trečias dokumentas apie geoportalą.\n")
    with KnowledgeBase.open(settings) as kb:
        box = Inbox(Library(kb), folder, settle=0.5)
        box.start()
        try:
            assert _wait(lambda: _sources(kb) == {"inbox/b.md", "inbox/c.md"})
            assert any("keltus" in r.payload["text"] for r in kb.points())
        finally:
            box.stop()
