"""The server trusts no foreign request: requests addressed to other host names are refused (DNS rebinding),
ingestion by path needs the data home owner's token and an editor, accounts have roles and their passwords are
stored only as Argon2 hashes, binding beyond loopback without a password is refused, and names with control or
bidi characters are shown cleaned."""

from __future__ import annotations

import base64
import os
import stat

import pytest
from fastapi.testclient import TestClient

from conftest import write
from ingest.library import Library
from kb.accounts import Accounts
from kb.errors import ConfigError
from kb.knowledge_base import KnowledgeBase
from kb.store import doc_id_for

DOC = "---\nlanguage: lt\n---\nSeminaras vyko Klaipėdoje 2021 m. rugsėjo 23 d. Dalyvavo 42 žmonės.\n"


def _auth(user: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture
def app(settings, tmp_path):
    from ui.api import create_app
    from ui.app import build_app

    write(tmp_path / "notes" / "seminar.md", DOC)
    kb = KnowledgeBase.open(settings.model_copy(update={"allowed_hosts": ["kb.example.org"]}))
    library = Library(kb)
    assert library.add([tmp_path / "notes"], "test").exit_code == 0
    accounts = Accounts.from_settings(kb.settings)
    yield create_app(kb, build_app(kb, library, accounts=accounts), library, accounts, token="t0ken"), accounts, kb
    kb.close()


def test_requests_for_other_host_names_are_refused(app):
    web, _, _ = app
    source = "/source/" + doc_id_for("notes/seminar.md")
    for host in ("attacker.example", "127.0.0.1.nip.io", "evil.kb.example.org"):
        c = TestClient(web, base_url=f"http://{host}")
        for path in ("/", "/api/docs", source, "/healthz"):
            r = c.get(path)
            assert r.status_code == 400 and "unknown host" in r.text, (host, path)
        assert c.post("/api/ingest", json={"paths": ["/etc/passwd"]}).status_code == 400
    for host in ("localhost", "127.0.0.1:7860", "[::1]:7860", "kb.example.org"):
        c = TestClient(web, base_url=f"http://{host}")
        assert c.get("/api/docs").status_code == 200, host
        assert "Klaipėdoje" in c.get(source).text


def test_ingestion_by_path_needs_the_owners_token(app, tmp_path):
    web, _, _ = app
    local = TestClient(web, base_url="http://localhost", client=("127.0.0.1", 5000))
    new = write(tmp_path / "more" / "x.md", DOC.replace("42", "43"))
    r = local.post("/api/ingest", json={"paths": [str(new)]})
    assert r.status_code == 403 and "token" in r.text
    r = local.post("/api/ingest", json={"paths": [str(new)]}, headers={"X-KB-Token": "wrong"})
    assert r.status_code == 403
    r = local.post("/api/ingest", json={"paths": [str(new)]}, headers={"X-KB-Token": "t0ken"})
    assert r.status_code == 200 and r.json()["summary"]["added"] == 1


def test_accounts_have_roles_and_hashed_passwords(app, tmp_path):
    web, accounts, kb = app
    accounts.add("jonas", "skaitytojas-1", "reader")
    accounts.add("ruta", "redaktore-22", "editor")
    stored = accounts.path.read_text()
    assert "$argon2id$" in stored and "skaitytojas-1" not in stored and "redaktore-22" not in stored
    assert stat.S_IMODE(os.stat(accounts.path).st_mode) == 0o600
    c = TestClient(web, base_url="http://localhost", client=("127.0.0.1", 5000))
    assert c.get("/api/docs").status_code == 401  # accounts exist: nobody gets in without one
    assert c.get("/api/docs", headers=_auth("jonas", "wrong")).status_code == 401
    reader, editor = _auth("jonas", "skaitytojas-1"), _auth("ruta", "redaktore-22")
    assert c.get("/api/docs", headers=reader).status_code == 200
    r = c.post("/api/search", json={"query": "seminaras Klaipėdoje", "k": 3}, headers=reader)
    assert r.status_code == 200 and r.json()["hits"]
    assert c.get("/source/" + doc_id_for("notes/seminar.md"), headers=reader).status_code == 200
    new = write(tmp_path / "more" / "y.md", DOC.replace("42", "44"))
    body = {"paths": [str(new)]}
    r = c.post("/api/ingest", json=body, headers={**reader, "X-KB-Token": "t0ken"})
    assert r.status_code == 403 and "editor" in r.text  # a reader cannot add documents, even with the token
    r = c.post("/api/ingest", json=body, headers={**editor, "X-KB-Token": "t0ken"})
    assert r.status_code == 200 and r.json()["summary"]["added"] == 1
    accounts.remove("ruta")
    assert c.get("/api/docs", headers=editor).status_code == 401


def test_the_single_password_is_one_editor_or_a_reader_when_read_only(tmp_path):
    a = Accounts(tmp_path, "planner", "vienas-slaptazodis")
    assert a.required and a.authenticate("planner", "vienas-slaptazodis").role == "editor"
    assert a.authenticate("planner", "x") is None
    read_only = Accounts(tmp_path, "planner", "p4ssword", read_only=True)
    assert read_only.authenticate("planner", "p4ssword").role == "reader"
    with pytest.raises(ConfigError, match="too short"):
        a.add("x", "short")
    with pytest.raises(ConfigError, match="cannot be a user name"):
        a.add("bad name", "long enough password")


def test_binding_beyond_loopback_without_a_password_is_refused(settings):
    from ui.serve import serve

    with pytest.raises(ConfigError, match="without a password"):
        serve(settings.model_copy(update={"host": "0.0.0.0"}), "0.0.0.0", 7999, None, print)


def test_names_with_control_and_bidi_characters_are_shown_cleaned(settings, tmp_path):
    from click.testing import CliRunner

    from kb.display import visible
    from ui.cli import main

    assert visible("report\u202efdp.exe") == "report⟨U+202E⟩fdp.exe" and visible("a\nb") == "a⟨U+000A⟩b"
    odd = write(tmp_path / "inbox" / "ataskaita\u202eftp.md", DOC)
    write(tmp_path / "inbox" / "line\nbreak.md", DOC)
    write(tmp_path / "inbox" / "..hidden.md", DOC)
    os.environ.update(KB_HOME=str(settings.home), KB_EMBED_MODEL="hash", KB_SOURCE_ROOT=str(tmp_path))
    try:
        r = CliRunner().invoke(main, ["ingest", str(tmp_path / "inbox")])
        assert "⟨U+202E⟩" in r.stdout and "⟨U+000A⟩" in r.stdout and "\u202e" not in r.stdout
        assert '..hidden.md: the name starts with ".."' in r.stderr
        docs = CliRunner().invoke(main, ["docs"]).stdout
        assert "ataskaita⟨U+202E⟩ftp.md" in docs and "\u202e" not in docs and "line⟨U+000A⟩break" in docs
        assert odd.exists()  # the user's file is not renamed
    finally:
        for k in ("KB_HOME", "KB_EMBED_MODEL", "KB_SOURCE_ROOT"):
            os.environ.pop(k, None)


def test_questions_are_bounded_and_lone_surrogates_read_as_a_gap(app):
    """A question of megabytes would cost seconds of every later step: the library refuses one over 4,000
    characters with the reason, and the API's contract answers 422. A lone surrogate ('\\ud800' in JSON, or a
    command line's undecodable byte) no longer fails deep inside: it reads as a gap."""
    web, _, kb = app
    with pytest.raises(ConfigError, match="the question has 4,001 characters; at most 4,000"):
        kb.ask("x" * 4001)
    with pytest.raises(ConfigError, match="at most 4,000"):
        kb.search("x" * 5000)
    c = TestClient(web, base_url="http://localhost")
    assert c.post("/api/ask", json={"question": "x" * 4001}).status_code == 422
    assert c.post("/api/search", json={"query": "y" * 4001}).status_code == 422
    body = '{"query": "Seminaras \\ud800 Klaip\\u0117doje", "k": 3}'
    r = c.post("/api/search", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 200 and r.json()["query"] == "Seminaras \ufffd Klaipėdoje"
    assert r.json()["hits"][0]["source"] == "notes/seminar.md"
    r = c.post("/api/ask", content=body.replace('"query"', '"question"').replace(', "k": 3', ""),
               headers={"Content-Type": "application/json"})
    assert r.status_code == 200, r.text
