"""The `kb` command contract: exit codes, JSON shapes, readable output, one-line errors."""

import json

import pytest
from click.testing import CliRunner

from conftest import write
from ui.cli import main

LT = """---
title: Inovacijų stovykla Palangoje
date: 2022-06-08
language: lt
type: seminar_notes
---
Inovacijų stovykla vyko Palangoje 2022 m. birželio 8 d. Jaunieji planuotojai kūrė pajūrio dviračių tako idėjas.
"""
LV = """---
title: Studiju vizīte Pomerānijā
date: 2022-09-20
language: lv
type: study_visit
---
Studiju vizītē Pomerānijā Polijā dalībnieki iepazinās ar metropoles sabiedriskā transporta plānošanu.
"""


@pytest.fixture
def env(kb_home, tmp_path, monkeypatch):
    monkeypatch.setenv("KB_EMBED_MODEL", "hash")
    monkeypatch.setenv("KB_SOURCE_ROOT", str(tmp_path))
    write(tmp_path / "docs" / "camp.md", LT)
    write(tmp_path / "docs" / "visit.md", LV)
    return tmp_path


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_ingest_search_docs_stats_delete_roundtrip(env):
    r = run("ingest", str(env / "docs"))
    assert r.exit_code == 0, r.output
    assert "added      docs/camp.md" in r.stdout
    r = run("search", "Palangoje stovykla", "--json")
    data = json.loads(r.stdout)
    assert data["query"] == "Palangoje stovykla"
    hit = data["hits"][0]
    assert set(hit) == {"rank", "score", "chunk_id", "source", "title", "page", "language", "doc_type", "date", "text"}
    assert hit["source"] == "docs/camp.md" and hit["rank"] == 1 and hit["date"] == "2022-06-08"
    r = run("search", "Palangoje stovykla")
    assert "docs/camp.md" in r.stdout and "Inovacijų stovykla Palangoje" in r.stdout
    docs = json.loads(run("docs", "--json").stdout)
    assert [d["source"] for d in docs] == ["docs/camp.md", "docs/visit.md"]
    stats = json.loads(run("stats", "--json").stdout)
    assert stats["documents"] == 2 and stats["documents_by_language"] == {"lt": 1, "lv": 1}
    r = run("delete", "docs/camp.md")
    assert r.exit_code == 0
    assert [d["source"] for d in json.loads(run("docs", "--json").stdout)] == ["docs/visit.md"]
    r = run("delete", "docs/camp.md")
    assert r.exit_code == 1 and "no document with source" in r.stderr


def test_search_filters_from_the_command_line(env):
    run("ingest", str(env / "docs"))
    q = "planavimas"
    only_lv = json.loads(run("search", q, "--lang", "lv", "--json").stdout)["hits"]
    assert {h["language"] for h in only_lv} == {"lv"}
    by_type = json.loads(run("search", q, "--type", "seminar_notes", "--json").stdout)["hits"]
    assert {h["source"] for h in by_type} == {"docs/camp.md"}
    late = json.loads(run("search", q, "--since", "2022-07-01", "--json").stdout)["hits"]
    assert {h["source"] for h in late} == {"docs/visit.md"}
    early = json.loads(run("search", q, "--until", "2022-07-01", "--json").stdout)["hits"]
    assert {h["source"] for h in early} == {"docs/camp.md"}
    glob = json.loads(run("search", q, "--source", "docs/vis*", "--json").stdout)["hits"]
    assert {h["source"] for h in glob} == {"docs/visit.md"}
    none = json.loads(run("search", q, "--source", "nowhere/*", "--json").stdout)["hits"]
    assert none == []
    assert len(json.loads(run("search", q, "-k", "1", "--json").stdout)["hits"]) == 1


def test_ingest_report_json_and_exit_code_1_for_bad_files(env):
    write(env / "docs" / "empty.txt", b"")
    r = run("ingest", str(env / "docs"), "--json")
    assert r.exit_code == 1
    data = json.loads(r.stdout)
    failed = [f for f in data["files"] if f["status"] == "failed"]
    assert failed[0]["path"].endswith("empty.txt") and "empty file" in failed[0]["error"]
    assert data["summary"]["added"] == 2 and data["summary"]["failed"] == 1
    r = run("ingest", str(env / "docs"))
    assert r.exit_code == 1 and "FAILED" in r.stderr and "empty.txt: empty file" in r.stderr


@pytest.mark.parametrize("args", [["search"], ["ingest"], ["search", "x", "--since", "yesterday"],
                                  ["search", "x", "--type", "novel"], ["delete"], ["search", "x", "-k", "0"]])
def test_usage_errors_exit_2(env, args):
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 2


def test_errors_are_one_line_without_traceback(env):
    r = CliRunner().invoke(main, ["search", "anything"])
    assert r.exit_code == 1
    assert r.stderr.startswith("error: the knowledge base at") and "kb ingest" in r.stderr
    assert "Traceback" not in r.output


def test_a_mistyped_setting_is_named_in_one_line(env, monkeypatch):
    """KB_TOP_K=abc or KB_EMBED_PRECISION=int4 ended in a pydantic traceback; now: which variable, what it got,
    what it takes, exit 2."""
    for name, value, takes in (("KB_TOP_K", "abc", "valid integer"), ("KB_EMBED_PRECISION", "int4", "'auto' or 'f32'")):
        monkeypatch.setenv(name, value)
        r = CliRunner().invoke(main, ["search", "anything"])
        monkeypatch.delenv(name)
        assert r.exit_code == 2, r.output
        assert r.stderr.startswith(f"error: invalid setting {name}='{value}'") and takes in r.stderr
        assert "Traceback" not in r.output and len(r.stderr.strip().splitlines()) == 1


def test_mismatching_model_is_refused_with_rebuild_hint(env, monkeypatch):
    run("ingest", str(env / "docs"))
    monkeypatch.setenv("KB_CHUNK_TOKENS", "120")
    r = CliRunner().invoke(main, ["search", "Palanga"])
    assert r.exit_code == 2 and "another configuration" in r.stderr and "kb delete --all" in r.stderr
    r = CliRunner().invoke(main, ["ingest", str(env / "docs")])
    assert r.exit_code in (1, 2) and "another configuration" in r.stderr


def test_locked_store_names_the_owner(env):
    from kb.knowledge_base import KnowledgeBase
    from kb.settings import Settings

    run("ingest", str(env / "docs"))
    with KnowledgeBase.open(Settings()):
        r = CliRunner().invoke(main, ["search", "Palanga"])
    assert r.exit_code == 1
    assert "in use by process" in r.stderr and "KB_QDRANT_URL" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_every_command_has_help_with_examples():
    assert set(main.commands) == {"ingest", "search", "ask", "docs", "delete", "stats", "serve", "eval", "users",
                                 "feedback"}
    for cmd in main.commands:
        r = run(cmd, "--help")
        assert r.exit_code == 0 and "Usage:" in r.output, cmd
    # the commands people script against show examples
    for cmd in ("ingest", "search", "ask", "eval", "users", "feedback"):
        out = run(cmd, "--help").output
        assert "Examples:" in out and f"kb {cmd}" in out, cmd


def test_serve_refuses_a_port_in_use(kb_home, monkeypatch):
    import socket

    monkeypatch.setenv("KB_EMBED_MODEL", "hash")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = CliRunner().invoke(main, ["serve", "--port", str(port)])
    assert r.exit_code == 2 and f"cannot listen on 127.0.0.1:{port}" in r.output and "--port" in r.output


def test_feedback_export_feeds_kb_eval(env, kb_home):
    """A planner's 👍 on an answer becomes a `kb eval` question whose relevant source is what the answer cited;
    a 👍 on "not found" an unanswerable one; a 👎 is listed but not exported."""
    from kb.feedback import Feedback
    from kb.knowledge_base import KnowledgeBase
    from kb.settings import Settings

    assert run("ingest", str(env / "docs")).exit_code == 0
    with KnowledgeBase.open(Settings()) as kb:
        good = kb.ask("Kur vyko inovacijų stovykla?")
        bad = kb.ask("Kas vyko Pomerānijā?")
    assert good.citations
    fb = Feedback(kb_home)
    fb.add("Kur vyko inovacijų stovykla?", good, True, "gerai", "ruta", "lt")
    fb.add("Kas vyko Pomerānijā?", bad, False, "ne tas dokumentas", "", "lv")
    listed = run("feedback", "list")
    assert listed.exit_code == 0 and "Kur vyko inovacijų stovykla?" in listed.stdout
    assert "ne tas dokumentas" in listed.stdout and "2 entries, 1 helpful" in listed.stderr
    out = env / "from_planners.jsonl"
    r = run("feedback", "export", str(out))
    assert r.exit_code == 0 and "1 questions written" in r.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 1 and rows[0]["answerable"] is True and rows[0]["language"] == "lt"
    assert {r["source"] for r in rows[0]["relevant"]} == {c.source for c in good.citations}
    r = run("eval", str(out), "--json")
    assert r.exit_code == 0, r.output
    metrics = json.loads(r.stdout)["metrics"]
    assert metrics["overall"]["n"] == 1 and metrics["overall"]["recall@10"] == 1.0
