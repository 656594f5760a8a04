"""Extractive answers: citations are verbatim chunk text, every [n] is cited, near-duplicates merge,
follow-ups are resolved, 'not found' lists leads; grades (confident, uncertain, not found) in the JSON; a
question without words is declined at once; statements are readable while quotes stay verbatim."""

import json
import re

from click.testing import CliRunner

from conftest import write
from ingest.pipeline import Ingestor
from kb.followup import retrieval_query
from kb.knowledge_base import KnowledgeBase
from kb.settings import Settings
from ui.cli import main

DOCS = {
    "seminars/lt.md": ("lt", "Seminaras vyko Klaipėdoje 2021 m. rugsėjo 23 d. Jame dalyvavo 42 žmonės. "
                             "Bilietas autobusu iš Liepojos į Klaipėdą kainuoja 9,50 euro."),
    "seminars/lv.md": ("lv", "Seminārs notika Klaipēdā 2021. gada 23. septembrī. Autobusa biļete no Liepājas uz "
                             "Klaipēdu maksā 9,50 eiro. Piedalījās 15 dalībnieki no Latvijas."),
    "visits/en.md": ("en", "The study visit to Pomerania took place on 6-8 June 2022. The visit cost EUR 14,200 "
                           "in total. Participants saw the Gdańsk metropolitan ticket."),
}


def _ingest(kb, root):
    for rel, (lang, text) in DOCS.items():
        write(root / rel, f"---\nlanguage: {lang}\n---\n{text}\n")
    assert Ingestor(kb).ingest([root / "seminars", root / "visits"]).exit_code == 0


def _check_citations(answer, kb):
    texts = {r.id: r.payload["text"] for r in kb.points()}
    numbers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)}
    assert numbers == {c.n for c in answer.citations}
    for c in answer.citations:
        assert c.quote and c.quote in texts[c.chunk_id]


def test_answer_structure_with_the_test_embedder(settings, tmp_path):
    s = settings.model_copy(update={"answer_confident_at": 0.0, "answer_uncertain_at": 0.0})
    with KnowledgeBase.open(s) as kb:
        _ingest(kb, tmp_path)
        a = kb.ask("Kiek kainavo vizitas į Pomeraniją? EUR 14,200 visit cost")
        assert not a.abstained and a.citations
        _check_citations(a, kb)
        data = a.to_json()
        assert set(data) >= {"question", "answer", "abstained", "citations"}
        assert set(data["citations"][0]) >= {"n", "chunk_id", "source", "page", "language", "quote"}


def test_not_found_lists_leads(settings, tmp_path):
    s = settings.model_copy(update={"answer_confident_at": 2.0, "answer_uncertain_at": 2.0})
    with KnowledgeBase.open(s) as kb:
        _ingest(kb, tmp_path)
        a = kb.ask("Kas laimėjo krepšinio čempionatą?")
        assert a.abstained and not a.citations and a.leads
        assert a.answer.startswith("Žinių bazėje atsakymo neradau")


def test_follow_up_questions_lean_on_the_previous_one():
    assert retrieval_query("o Latvijoje?", ["Kiek dalyvių buvo iš Lietuvos?"]) == \
        "Kiek dalyvių buvo iš Lietuvos? o Latvijoje?"
    assert retrieval_query("and in 2022?", ["How many seminars were held in 2021?"]).endswith("and in 2022?")
    assert retrieval_query("Kiek kainavo studijų vizitas į Pomeraniją?", ["Kas yra KRSS2030?"]) == \
        "Kiek kainavo studijų vizitas į Pomeraniją?"
    assert retrieval_query("o Latvijoje?", None) == "o Latvijoje?"


def test_kb_ask_cli_json(kb_home, tmp_path, monkeypatch):
    monkeypatch.setenv("KB_EMBED_MODEL", "hash")
    monkeypatch.setenv("KB_SOURCE_ROOT", str(tmp_path))
    monkeypatch.setenv("KB_ANSWER_CONFIDENT_AT", "0")
    monkeypatch.setenv("KB_ANSWER_UNCERTAIN_AT", "0")
    for rel, (lang, text) in DOCS.items():
        write(tmp_path / rel, f"---\nlanguage: {lang}\n---\n{text}\n")
    assert CliRunner().invoke(main, ["ingest", str(tmp_path / "seminars"), str(tmp_path / "visits")]).exit_code == 0
    r = CliRunner().invoke(main, ["ask", "Pomerania visit cost EUR", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert not data["abstained"] and data["citations"][0]["quote"] in r.stdout
    r = CliRunner().invoke(main, ["ask", "Pomerania visit cost EUR"])
    assert "[1]" in r.stdout and "visits/en.md" in r.stdout


def test_real_model_merges_the_same_fact_from_two_languages(e5, kb_home, tmp_path):
    """The bus fare is stated in the Lithuanian and the Latvian note: one statement, two citations."""
    s = Settings(home=kb_home, source_root=tmp_path, answer_confident_at=0.0, answer_uncertain_at=0.0)
    with KnowledgeBase.open(s, embedder=e5) as kb:
        _ingest(kb, tmp_path)
        a = kb.ask("Kiek kainuoja autobuso bilietas iš Liepojos į Klaipėdą?")
        _check_citations(a, kb)
        first_line = a.answer.splitlines()[0]
        assert "9,50" in first_line
        cited = {c.source for c in a.citations if f"[{c.n}]" in first_line}
        assert cited == {"seminars/lt.md", "seminars/lv.md"}
        assert first_line.startswith("Bilietas autobusu")  # shown in the question's language


def test_undecodable_bytes_in_a_question_are_a_gap_not_a_crash(e5, kb_home, tmp_path):
    """A command line's undecodable bytes reach Python as lone surrogates ('\\xff' -> '\\udcff'), and JSON can
    spell them: the real tokenizer rejected them with a TypeError; now they read as a gap."""
    with KnowledgeBase.open(Settings(home=kb_home, source_root=tmp_path), embedder=e5) as kb:
        _ingest(kb, tmp_path)
        question = "Kiek kainavo studijų \udcff vizitas į Pomeraniją?"
        assert kb.search(question, 3)[0].source == "visits/en.md"
        a = kb.ask(question, history=["\ud800"])
        json.dumps(a.to_json(), ensure_ascii=False).encode("utf-8")  # nothing unencodable left
        assert kb.search("\ud800\udfff", 3) is not None


def test_a_question_without_words_is_declined_at_once(settings, tmp_path):
    with KnowledgeBase.open(settings) as kb:
        _ingest(kb, tmp_path)
        for q in ("???!!!", "🙂🙂", "  ...  "):
            a = kb.ask(q, language="lv")
            assert a.abstained and a.grade == "not_found" and not a.citations and not a.leads
            assert a.answer.startswith("Jautājumā nav vārdu")
            assert a.to_json()["grade"] == "not_found"


def test_uncertain_answers_show_the_closest_evidence_with_its_citation(settings, tmp_path):
    s = settings.model_copy(update={"answer_confident_at": 2.0, "answer_uncertain_at": 0.0})
    with KnowledgeBase.open(s) as kb:
        _ingest(kb, tmp_path)
        a = kb.ask("How much did the Pomerania visit cost? EUR 14,200")
        assert a.grade == "uncertain" and not a.abstained and len(a.citations) == 1
        assert a.answer.startswith("I found no definite answer") and a.answer.endswith("[1]")
        _check_citations(a, kb)
        assert a.to_json()["grade"] == "uncertain"


def test_statements_are_readable_and_quotes_verbatim(settings, tmp_path):
    write(tmp_path / "notes" / "bold.md", "---\nlanguage: en\n---\n"
          "The study visit cost **EUR 14,200** in total, paid from the project budget.\n")
    s = settings.model_copy(update={"answer_confident_at": 0.0, "answer_uncertain_at": 0.0})
    with KnowledgeBase.open(s) as kb:
        Ingestor(kb).ingest([tmp_path / "notes"])
        a = kb.ask("study visit cost EUR 14,200 project budget")
        assert "**" not in a.answer and "EUR 14,200" in a.answer
        assert "**EUR 14,200**" in a.citations[0].quote
        _check_citations(a, kb)


def test_markdown_tables_are_stored_as_labelled_rows(settings, tmp_path):
    write(tmp_path / "t" / "table.md", "---\nlanguage: lt\n---\n# Srautai\n\n| Kryptis | Žmonių per dieną |\n"
          "|---|---:|\n| Kretinga → Klaipėda | 4 200 |\n| Liepoja → Klaipėda | 310 |\n")
    with KnowledgeBase.open(settings) as kb:
        Ingestor(kb).ingest([tmp_path / "t"])
        text = next(kb.points()).payload["text"]
    assert "Kryptis: Liepoja → Klaipėda; Žmonių per dieną: 310" in text and "|---" not in text
