"""Exact incremental updates: unchanged files are skipped, an edited paragraph is the only text embedded again,
a renamed or moved file keeps its vectors and only its source changes, a deleted file disappears with --prune."""

import json

from click.testing import CliRunner

from conftest import write
from ingest.library import Library
from ui.cli import main

PARAGRAPHS = [f"## Dalis {i}\n\n" + " ".join(
    f"Pastraipa {i} sakinys {j} apie Klaipėdos ir Kuržemės regionų bendrą planavimą, autobusų linijas ir duomenis."
    for j in range(12)) for i in range(8)]


def _doc(paragraphs) -> str:
    return "---\nlanguage: lt\n---\n# Seminaro užrašai\n\n" + "\n\n".join(paragraphs) + "\n"


def test_one_paragraph_edit_embeds_only_the_changed_chunks(kb, tmp_path):
    f = write(tmp_path / "notes" / "seminar.md", _doc(PARAGRAPHS))
    lib = Library(kb)
    first = lib.add([f], "test")
    n = first.files[0].chunks
    assert n >= 8 and first.embedded == n and first.reused == 0
    unchanged = lib.add([f], "test")
    assert unchanged.counts()["unchanged"] == 1 and unchanged.embedded == 0
    edited = list(PARAGRAPHS)
    edited[3] = edited[3].replace("sakinys 5 apie", "sakinys 5 (pataisytas) apie")
    write(f, _doc(edited))
    again = lib.add([f], "test")
    assert again.counts()["updated"] == 1
    assert 1 <= again.embedded <= 2 and again.embedded + again.reused == again.files[0].chunks
    texts = [r.payload["text"] for r in kb.points()]
    assert len(texts) == again.files[0].chunks and any("(pataisytas)" in t for t in texts)


def test_a_renamed_file_keeps_its_vectors_and_only_its_source_changes(kb, tmp_path):
    f = write(tmp_path / "notes" / "old name.md", _doc(PARAGRAPHS[:3]))
    lib = Library(kb)
    lib.add([tmp_path / "notes"], "test")
    before = sorted((r.payload["text"], r.payload["chunk_index"]) for r in kb.points())
    moved = tmp_path / "notes" / "archive" / "new name.md"
    moved.parent.mkdir()
    f.rename(moved)
    report = lib.add([tmp_path / "notes"], "test")
    [row] = [x for x in report.files if x.status != "unchanged"]
    assert row.status == "moved" and row.moved_from == "notes/old name.md"
    assert report.embedded == 0 and report.reused == row.chunks
    assert [d.source for d in kb.docs()] == ["notes/archive/new name.md"]
    assert sorted((r.payload["text"], r.payload["chunk_index"]) for r in kb.points()) == before


def test_prune_removes_documents_whose_files_were_deleted(kb_home, tmp_path, monkeypatch):
    monkeypatch.setenv("KB_EMBED_MODEL", "hash")
    monkeypatch.setenv("KB_SOURCE_ROOT", str(tmp_path))
    write(tmp_path / "inbox" / "a.md", "Pirmas dokumentas apie keltus.\n")
    write(tmp_path / "inbox" / "b.md", "Antras dokumentas apie autobusus.\n")
    write(tmp_path / "other" / "c.md", "Trečias dokumentas kitame aplanke.\n")
    runner = CliRunner()
    assert runner.invoke(main, ["ingest", str(tmp_path / "inbox"), str(tmp_path / "other")]).exit_code == 0
    (tmp_path / "inbox" / "b.md").unlink()
    (tmp_path / "other" / "c.md").unlink()
    r = runner.invoke(main, ["ingest", "--prune", "--json", str(tmp_path / "inbox")])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert [(f["source"], f["status"]) for f in data["files"]
            if f["status"] == "deleted"] == [("inbox/b.md", "deleted")]
    r = runner.invoke(main, ["docs", "--json"])
    assert sorted(d["source"] for d in json.loads(r.stdout)) == ["inbox/a.md", "other/c.md"]  # outside: untouched


def test_a_copy_of_a_stored_document_is_flagged(kb, tmp_path):
    f = write(tmp_path / "notes" / "a.md", _doc(PARAGRAPHS[:2]))
    lib = Library(kb)
    lib.add([f], "test")
    copy = write(tmp_path / "inbox" / "a copy.md", f.read_text(encoding="utf-8"))
    report = lib.add([copy], "test")
    assert report.files[0].status == "added" and report.embedded == 0
    assert report.files[0].warnings == ["the same content is already in the library as notes/a.md"]
    assert next(d for d in kb.docs() if d.source == "inbox/a copy.md").warnings == report.files[0].warnings


def test_the_embedding_cache_keeps_the_newest_entries_within_its_cap(tmp_path):
    import numpy as np

    from kb.embed.cache import EmbeddingCache

    cache = EmbeddingCache(tmp_path / "c.sqlite", "model-a", 4, max_entries=5)
    for i in range(8):
        cache.put_many([f"t{i}"], [np.full(4, i, dtype=np.float32)])
    assert len(cache) == 5
    got = cache.get_many(["t0", "t2", "t3", "t7"])
    assert got[0] is None and got[1] is None and float(got[2][0]) == 3.0 and float(got[3][0]) == 7.0
    other = EmbeddingCache(tmp_path / "c.sqlite", "model-b", 4)
    assert other.get_many(["t7"]) == [None]  # another model never sees these vectors
    (tmp_path / "bad.sqlite").write_bytes(b"this is not a database" * 100)
    fresh = EmbeddingCache(tmp_path / "bad.sqlite", "model-a", 4)  # a damaged cache is set aside, not trusted
    assert len(fresh) == 0 and (tmp_path / "bad.damaged").exists()
