"""`kb eval`: metrics on a small real collection, the DESIGN.md JSON shape, and the FLORES loader."""

import json

import pytest
from click.testing import CliRunner

from conftest import shared_path, write
from kb.evaluation import score_ranking
from ui.cli import main

DOCS = {
    "docs/lt_bus.md": ("lt", "Bandomoji autobusų linija Klaipėda–Palanga–Liepoja kursuotų keturis kartus per dieną."),
    "docs/lv_energy.md": ("lv", "Kuldīgas novadā saules paneļi tiks uzstādīti uz 126 ēkām ar kopējo jaudu 9,4 MW."),
    "docs/en_visit.md": ("en", "The study visit to Southwest Finland showed how Turku runs its innovation ecosystem."),
}
QUESTIONS = [
    {"id": "a", "question": "autobusų linija Klaipėda Palanga Liepoja", "language": "lt", "answerable": True,
     "relevant": [{"source": "docs/lt_bus.md"}]},
    {"id": "b", "question": "saules paneļi uz 126 ēkām Kuldīgas novadā", "language": "lv", "answerable": True,
     "relevant": [{"source": "docs/lv_energy.md"}]},
    {"id": "c", "question": "Turku innovation ecosystem study visit", "language": "en", "answerable": True,
     "relevant": [{"source": "docs/en_visit.md"}], "filters": {"languages": ["en"]}},
    {"id": "d", "question": "Kas laimėjo krepšinio čempionatą?", "language": "lt", "answerable": False,
     "relevant": []},
]


@pytest.fixture
def env(kb_home, tmp_path, monkeypatch):
    monkeypatch.setenv("KB_EMBED_MODEL", "hash")
    monkeypatch.setenv("KB_SOURCE_ROOT", str(tmp_path))
    for rel, (lang, text) in DOCS.items():
        write(tmp_path / rel, f"---\nlanguage: {lang}\n---\n{text}\n")
    write(tmp_path / "eval.jsonl", "\n".join(json.dumps(q, ensure_ascii=False) for q in QUESTIONS) + "\n")
    assert CliRunner().invoke(main, ["ingest", str(tmp_path / "docs")]).exit_code == 0
    return tmp_path


def test_eval_json_shape_and_metrics(env):
    r = CliRunner().invoke(main, ["eval", str(env / "eval.jsonl"), "--json", "--abstain-below", "0.5"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    m = data["metrics"]
    assert m["overall"]["n"] == 3 and m["overall"]["recall@10"] == 1.0
    assert set(m["overall"]) == {"n", "recall@1", "recall@5", "recall@10", "mrr", "ndcg@10"}
    assert set(m["by_language"]) == {"lt", "lv", "en"}
    assert "lt->lt" in m["by_language_pair"] and m["abstention"]["unanswerable"] == 1
    q = {x["id"]: x for x in data["questions"]}
    assert q["a"]["ranked"][0]["source"] == "docs/lt_bus.md"
    assert set(q["a"]["ranked"][0]) == {"source", "page", "score"}
    assert {x["source"] for x in q["c"]["ranked"]} == {"docs/en_visit.md"}  # the filter applied
    assert not q["d"]["answerable"]


def test_eval_text_report(env):
    r = CliRunner().invoke(main, ["eval", str(env / "eval.jsonl")])
    assert r.exit_code == 0 and "overall" in r.stdout and "lt->lt" in r.stdout


def test_eval_rejects_a_file_that_is_not_an_eval_set(env):
    write(env / "bad.jsonl", '{"question": "no id"}\n')
    r = CliRunner().invoke(main, ["eval", str(env / "bad.jsonl")])
    assert r.exit_code == 2 and "not an evaluation file" in r.stderr


def test_score_ranking_counts_pages_and_multiple_relevant():
    ranked = [("a.pdf", 3, 0.9), ("b.md", None, 0.8), ("a.pdf", 5, 0.7)]
    r = score_ranking(ranked, [{"source": "a.pdf", "page": 5}])
    assert r["recall@1"] == 0 and r["recall@5"] == 1 and r["mrr"] == pytest.approx(1 / 3)
    both = score_ranking(ranked, [{"source": "a.pdf", "page": 3}, {"source": "b.md"}])
    assert both["ndcg@10"] == pytest.approx(1.0)


def test_eval_reads_flores(kb_home, monkeypatch):
    folder = shared_path("eval", "retrieval")
    monkeypatch.setenv("KB_EMBED_MODEL", "hash")
    r = CliRunner().invoke(main, ["eval", str(folder), "--json", "--mode", "sparse"])
    assert r.exit_code == 0, r.output
    m = json.loads(r.stdout)["metrics"]
    assert m["overall"]["n"] == 693
    assert set(m["by_language"]) == {"en", "lt", "lv"}
    assert len(m["by_language_pair"]) == 9
    assert m["by_language_pair"]["lt->lt"]["recall@10"] > 0.5  # lexical search finds same-language passages


def test_a_broken_question_file_names_the_line(tmp_path):
    import pytest

    from kb.errors import ConfigError
    from kb.evaluation import load_questions

    f = tmp_path / "q.jsonl"
    f.write_text('{"id": "a", "question": "Kas?", "language": "lt"}\n{"id": "b", "language": "lv"}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"q.jsonl, line 2: not an evaluation file \(missing field 'question'\)"):
        load_questions(f)
