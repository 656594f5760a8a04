"""Conversations kept per owner (a user or a browser), and feedback exported as `kb eval` questions: real files
in a temp data home, real answers from a real store."""

from __future__ import annotations

import json

import pytest

from conftest import write
from ingest.library import Library
from kb.conversations import Conversations, Turn, to_markdown
from kb.feedback import Feedback
from kb.knowledge_base import KnowledgeBase
from kb.types import Answer

DOC = ("---\nlanguage: lt\ntitle: Autobusų seminaras\n---\n# Autobusų seminaras\n\nBandomoji autobusų linija "
       "Klaipėda–Palanga–Liepoja kursuotų keturis kartus per dieną. Bilietas kainuotų **9,50 euro**.\n")


@pytest.fixture
def answers(settings, tmp_path):
    write(tmp_path / "notes" / "bus.md", DOC)
    with KnowledgeBase.open(settings) as kb:
        Library(kb).add([tmp_path / "notes"], "test")
        found = kb.ask("Kiek kainuotų bilietas?")
    # the grade of a question the library cannot answer is tested with the real model (test_answer_quality);
    # here the hashing model stands in, so the "not found" answer is the record ask() returns for one
    yield found, Answer("Kiek kainuoja keltas į Gotlandą?", "", True, grade="not_found", language="lt")


def test_conversations_are_kept_per_owner_and_round_trip(kb_home, answers):
    found, _ = answers
    conv = Conversations(kb_home)
    cid = conv.new_id()
    conv.save("browser:" + "a" * 32, cid, [Turn("Kiek kainuotų bilietas?", found, "2026-12-01 10:00")])
    loaded = conv.load("browser:" + "a" * 32, cid)
    assert [t.question for t in loaded] == ["Kiek kainuotų bilietas?"]
    assert loaded[0].answer.citations[0].quote == found.citations[0].quote
    assert loaded[0].answer.grade == found.grade
    assert [c.id for c in conv.list("browser:" + "a" * 32)] == [cid]
    # another owner sees nothing of it, and cannot load it by id
    assert conv.list("browser:" + "b" * 32) == [] and conv.load("user:jonas", cid) == []
    assert conv.list("") == []
    # ids are what this app made: no path can be smuggled in
    with pytest.raises(ValueError):
        conv.save("user:ruta", "../../etc/passwd", [])
    assert conv.load("user:ruta", "../x") == [] and conv.delete("user:ruta", "../x") is False
    assert conv.delete("browser:" + "a" * 32, cid) and conv.list("browser:" + "a" * 32) == []


def test_markdown_export_carries_the_citations(answers):
    found, missing = answers
    md = to_markdown([Turn("Kiek kainuotų bilietas?", found), Turn("Kiek kainuoja keltas?", missing)], "Bilietai")
    assert md.startswith("# Bilietai")
    assert "## 1. Kiek kainuotų bilietas?" in md and "## 2. Kiek kainuoja keltas?" in md
    c = found.citations[0]
    assert f"`{c.source}`" in md and f"> {' '.join(c.quote.split())}" in md


def test_feedback_becomes_eval_questions(kb_home, answers):
    found, missing = answers
    assert found.citations and missing.grade == "not_found"
    fb = Feedback(kb_home)
    fb.add("Kiek kainuotų bilietas?", found, True, "tiksliai", "ruta", "lt")
    fb.add("Kiek kainuotų bilietas?", found, True, "", "jonas", "lt")  # the same question again: exported once
    fb.add("Kiek kainuoja keltas į Gotlandą?", missing, True, "tikrai nėra", "", "lt")
    fb.add("Kada kursuos autobusas?", found, False, "ne tas", "", "lt")
    (kb_home / "feedback.jsonl").open("a").write("{damaged line\n")
    assert len(fb.entries()) == 4
    rows = [json.loads(line) for line in fb.eval_jsonl().splitlines()]
    by_q = {r["question"]: r for r in rows}
    assert set(by_q) == {"Kiek kainuotų bilietas?", "Kiek kainuoja keltas į Gotlandą?"}
    assert by_q["Kiek kainuotų bilietas?"]["answerable"] is True
    assert by_q["Kiek kainuotų bilietas?"]["relevant"] == [{"source": "notes/bus.md"}]
    assert by_q["Kiek kainuoja keltas į Gotlandą?"]["answerable"] is False
    assert by_q["Kiek kainuoja keltas į Gotlandą?"]["relevant"] == []
    assert all({"id", "question", "language", "answerable", "relevant"} <= set(r) for r in rows)
