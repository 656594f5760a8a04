"""Ingestion of Markdown and text with real files: encodings, metadata, chunk offsets, updates, bad input."""

import json
import os

import pytest

from conftest import write
from ingest.chunker import chunk_document, sentence_spans
from ingest.decode import decode_text
from ingest.parsers.markdown import parse_markdown
from ingest.pipeline import Ingestor
from kb.errors import IngestError

LT = "Klaipėdos regiono plėtros taryba ir Kurzemės planavimo regionas aptarė bendrą viešojo transporto bilietą."
LV = "Kurzemes plānošanas reģions un Klaipēdas reģions apsprieda kopīgu sabiedriskā transporta biļeti."

MD = f"""---
title: Seminaras apie mobilumą
date: 2022-03-15
language: lt
type: seminar
region: Klaipėda
---
# Seminaras apie mobilumą

{LT} Seminaras vyko 2022 m. kovo 15 d. Klaipėdoje, dalyvavo 42 žmonės.

## Pasiūlymai

- Bendras bilietas tarp Klaipėdos ir Liepojos.
- Dviračių takų jungtis palei pajūrį.
"""


def test_markdown_front_matter_headings_and_metadata(kb, tmp_path):
    write(tmp_path / "seminars" / "s1.md", MD)
    report = Ingestor(kb).ingest([tmp_path / "seminars"])
    assert report.exit_code == 0 and report.counts()["added"] == 1
    (doc,) = kb.docs()
    assert (doc.source, doc.title, doc.doc_type, doc.language, doc.date) == (
        "seminars/s1.md", "Seminaras apie mobilumą", "seminar_notes", "lt", "2022-03-15")
    payloads = [r.payload for r in kb.points()]
    assert {p["section"] for p in payloads} == {"Seminaras apie mobilumą", "Seminaras apie mobilumą > Pasiūlymai"}
    assert all(p["region"] == "Klaipėda" for p in payloads)


def test_chunk_text_is_exactly_the_slice_its_offsets_name(settings, tmp_path):
    doc = parse_markdown(MD.encode(), "x.md")
    spans = chunk_document(doc, lambda ts: [len(t.split()) for t in ts], max_tokens=12, overlap=4)
    assert len(spans) > 3
    body = doc.pages[0].text
    for sp in spans:
        piece = body[sp.start:sp.end]
        assert piece == piece.strip() and sp.tokens <= 12
        assert "#" not in piece  # headings are sections, not chunk text


def test_stored_chunks_match_offsets_and_token_limit(kb, tmp_path, settings):
    text = " ".join(f"Sakinys numeris {i} apie Klaipėdos ir Liepojos bendradarbiavimą." for i in range(120))
    f = write(tmp_path / "long.txt", text)
    Ingestor(kb).ingest([f])
    payloads = sorted((r.payload for r in kb.points()), key=lambda p: p["chunk_index"])
    assert len(payloads) > 3 and payloads[0]["chunk_count"] == len(payloads)
    for p in payloads:
        assert text[p["char_start"]:p["char_end"]] == p["text"]
        assert kb.embedder.count_tokens([p["text"]])[0] <= settings.chunk_tokens
    # consecutive chunks overlap by whole sentences
    assert payloads[1]["char_start"] < payloads[0]["char_end"]


def test_sentence_splitter_keeps_abbreviations_and_dates():
    text = "Seminaras vyko 2022 m. kovo 15 d. Klaipėdoje. Kalbėjo dr. Jonaitis, pvz. apie GIS. Next sentence here."
    sents = [text[a:b] for a, b in sentence_spans(text, 0, len(text))]
    assert sents == ["Seminaras vyko 2022 m. kovo 15 d. Klaipėdoje.", "Kalbėjo dr. Jonaitis, pvz. apie GIS.",
                     "Next sentence here."]


@pytest.mark.parametrize("encoding,expected", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"), ("utf-16-le", "utf-16-le"),
    ("cp1257", "cp1257"), ("iso-8859-13", "iso-8859-13")])
def test_text_encodings_are_detected(encoding, expected):
    text = "Šiaulių, Tauragės ir Telšių regionai. Kurzemes plānošanas reģions — „Ugdantis regionas“ ąčęėįšųūž āēīķļņ."
    if encoding == "iso-8859-13":
        text = text.replace("—", "-")  # no dash in ISO-8859-13
    data = text.encode(encoding)
    got, enc = decode_text(data, "f.txt")
    assert got == text
    if encoding in ("cp1257", "iso-8859-13"):
        assert enc in ("cp1257", "iso-8859-13")  # identical for these letters; either decodes them exactly
    else:
        assert enc == expected


def test_iso_8859_13_quotes_decode_without_replacement_characters():
    text = "”Ugdantis regionas” ir „Klaipėda“"
    got, enc = decode_text(text.encode("iso-8859-13"), "q.txt")
    assert got == text and "\ufffd" not in got


def test_undecodable_and_binary_text_are_refused():
    with pytest.raises(IngestError, match="binary content"):
        decode_text(bytes(range(256)) * 10, "b.txt")
    with pytest.raises(IngestError, match="cannot decode"):
        decode_text(b"abc \x81\x83\x88\x8a\x90\x98 \x8d\x8f" * 20, "u.txt")


def test_unchanged_files_are_skipped_and_changed_files_replaced(kb, tmp_path):
    f = write(tmp_path / "a.md", MD)
    assert Ingestor(kb).ingest([f]).counts()["added"] == 1
    first_ids = {r.id for r in kb.points()}
    again = Ingestor(kb).ingest([f])
    assert again.counts() == {"added": 0, "updated": 0, "moved": 0, "unchanged": 1, "failed": 0}
    assert {r.id for r in kb.points()} == first_ids
    write(f, MD.replace("42 žmonės", "57 žmonės"))
    assert Ingestor(kb).ingest([f]).counts()["updated"] == 1
    payloads = [r.payload for r in kb.points()]
    assert len({p["content_sha256"] for p in payloads}) == 1  # the old version is gone
    assert any("57 žmonės" in p["text"] for p in payloads) and not any("42 žmonės" in p["text"] for p in payloads)


def test_incomplete_stored_version_is_repaired(kb, tmp_path):
    f = write(tmp_path / "a.md", MD)
    Ingestor(kb).ingest([f])
    (one,) = [r for r in kb.points() if r.payload["chunk_index"] == 1]
    from kb.store.plan import Match, Where
    kb._store.delete(Where((Match("chunk_index", (1,)),)))  # as if a crash lost a chunk
    assert Ingestor(kb).ingest([f]).counts()["updated"] == 1
    assert one.id in {r.id for r in kb.points()}


def test_sidecar_and_folder_metadata(kb, tmp_path):
    write(tmp_path / "study-visits" / "pomerania.txt", "Study visit to Pomerania in Poland. " * 5)
    write(tmp_path / "study-visits" / "pomerania.txt.meta.json",
          json.dumps({"title": "Study visit: Pomerania", "date": "2022-09", "language": "en"}))
    Ingestor(kb).ingest([tmp_path / "study-visits"])
    (doc,) = kb.docs()
    assert (doc.title, doc.doc_type, doc.date, doc.language) == ("Study visit: Pomerania", "study_visit",
                                                                 "2022-09-01", "en")


def test_bad_inputs_are_reported_and_the_rest_ingested(kb, tmp_path):
    good = write(tmp_path / "in" / "good.md", MD)
    write(tmp_path / "in" / "empty.txt", b"")
    write(tmp_path / "in" / "binary.txt", bytes(range(256)) * 4)
    write(tmp_path / "in" / "legacy.txt", b"\x81\x83\x88\x8a\x90\x98 \x8d\x8f" * 30)
    write(tmp_path / "in" / "image.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    write(tmp_path / "in" / "blank.md", "---\ntitle: x\n---\n\n   \n")
    write(tmp_path / "in" / "badfront.md", "---\ntitle: [unclosed\n---\ntext\n")
    write(tmp_path / "in" / "baddate.md", "---\ndate: 2022-13-45\n---\nSeminaras vyko Klaipėdoje.\n")
    os.symlink(tmp_path / "in" / "nowhere.txt", tmp_path / "in" / "dangling.txt")
    os.symlink(tmp_path / "in", tmp_path / "in" / "loop")
    report = Ingestor(kb).ingest([tmp_path / "in", tmp_path / "missing.md"])
    errors = {os.path.basename(f.path): f.error for f in report.failed}
    assert report.exit_code == 1 and report.counts()["added"] == 1
    assert "empty file" in errors["empty.txt"]
    assert "binary content" in errors["binary.txt"]
    assert "cannot decode" in errors["legacy.txt"]
    assert "unsupported format '.png'" in errors["image.png"]
    assert "no text to index" in errors["blank.md"]
    assert "invalid YAML front matter" in errors["badfront.md"]
    assert "invalid YAML front matter (month must be in 1..12)" in errors["baddate.md"]
    assert "dangling" in errors["dangling.txt"]
    assert "symbolic link loop" in errors["loop"]
    assert "no such file" in errors["missing.md"]
    assert [d.source for d in kb.docs()] == ["in/good.md"]
    assert good.exists()


def test_a_failing_new_version_leaves_the_stored_one_untouched(kb, tmp_path):
    f = write(tmp_path / "a.txt", "Liepājas un Klaipēdas sadarbība sabiedriskajā transportā. " * 3)
    Ingestor(kb).ingest([f])
    before = {r.id for r in kb.points()}
    write(f, bytes(range(256)) * 4)  # the file is broken on disk now
    report = Ingestor(kb).ingest([f])
    assert report.exit_code == 1 and "binary" in report.failed[0].error
    assert {r.id for r in kb.points()} == before


def test_oversized_files_are_refused(kb, tmp_path, settings):
    kb.settings = settings.model_copy(update={"max_file_mb": 0.001})
    f = write(tmp_path / "big.txt", "Klaipėda " * 500)
    report = Ingestor(kb).ingest([f])
    assert "above the limit" in report.failed[0].error and "KB_MAX_FILE_MB" in report.failed[0].error


def test_kbignore_leaves_out_named_folders_and_files(kb, tmp_path):
    write(tmp_path / "docs" / ".kbignore", "# evaluation data is not a document\neval/\n*.csv\n")
    write(tmp_path / "docs" / "a.md", MD)
    write(tmp_path / "docs" / "eval" / "questions.jsonl", '{"id": 1}\n')
    write(tmp_path / "docs" / "eval" / "notes.md", MD)
    write(tmp_path / "docs" / "sub" / "table.csv", "a,b\n")
    write(tmp_path / "docs" / "sub" / "b.md", MD.replace("42", "43"))
    report = Ingestor(kb).ingest([tmp_path / "docs"])
    assert report.exit_code == 0
    assert sorted(f.source for f in report.files) == ["docs/a.md", "docs/sub/b.md"]
