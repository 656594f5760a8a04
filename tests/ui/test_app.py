"""The app over a real store, served by the real web server: the named API endpoints through gradio_client, the
document route, the password, read-only mode, and the rendering that keeps document text from becoming markup."""

import base64
import json
import re

import pytest
import requests

from conftest import write
from ingest.library import Library
from kb.knowledge_base import KnowledgeBase
from kb.store import doc_id_for
from kb.types import Answer, Citation, Hit

XSS = ("Notes <script>alert('x')</script> and <img src=x onerror=alert(1)> and "
       "[a link](javascript:alert(2)) about the bus ticket.")
DOCS = {
    "seminars/lt.md": ("lt", "Seminaras vyko Klaipėdoje. Bilietas autobusu iš Liepojos į Klaipėdą kainuoja 9,50 euro."),
    "seminars/lv.md": ("lv", "Seminārs notika Ventspilī. Autobusa biļete no Liepājas uz Klaipēdu maksā 9,50 eiro."),
    "seminars/xss.md": ("en", XSS),
}


def _kb_with_docs(settings, tmp_path, **overrides):
    s = settings.model_copy(update={"answer_confident_at": 0.0, "answer_uncertain_at": 0.0, **overrides})
    kb = KnowledgeBase.open(s)
    for rel, (lang, text) in DOCS.items():
        write(tmp_path / rel, f"---\nlanguage: {lang}\n---\n{text}\n")
    library = Library(kb)
    assert library.add([tmp_path / "seminars"], "test").exit_code == 0
    return kb, library


@pytest.fixture
def served(settings, tmp_path, monkeypatch, request):
    """The whole app (FastAPI + Gradio) on a free port; `request.param` overrides settings."""
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    from ui.api import create_app
    from ui.app import build_app
    from ui.serve import start_in_thread

    kb, library = _kb_with_docs(settings, tmp_path, **getattr(request, "param", {}))
    running = start_in_thread(create_app(kb, build_app(kb, library)))
    try:
        yield running.url, kb, library
    finally:
        running.stop()
        kb.close()


def test_search_and_ask_endpoints(served):
    from gradio_client import Client

    url, kb, _ = served
    client = Client(url, verbose=False)
    found = client.predict("autobuso bilietas Liepoja Klaipėda", api_name="/search")
    assert found["query"] == "autobuso bilietas Liepoja Klaipėda" and found["hits"]
    assert {"rank", "source", "page", "language", "text"} <= set(found["hits"][0])
    answer = client.predict("Kiek kainuoja bilietas iš Liepojos į Klaipėdą?", api_name="/ask")
    assert set(answer) >= {"question", "answer", "abstained", "citations"}
    texts = {r.id: r.payload["text"] for r in kb.points()}
    assert answer["citations"] and all(c["quote"] in texts[c["chunk_id"]] for c in answer["citations"])


def test_document_route_serves_stored_files_only_and_never_as_html(served, tmp_path):
    url, _, _ = served
    r = requests.get(f"{url}/source/{doc_id_for('seminars/xss.md')}", timeout=10)
    assert r.status_code == 200 and "<script>" in r.text
    assert r.headers["content-type"].startswith("text/plain")
    assert "sandbox" in r.headers["content-security-policy"] and r.headers["x-content-type-options"] == "nosniff"
    assert requests.get(f"{url}/source/{doc_id_for('../../etc/passwd')}", timeout=10).status_code == 404
    assert requests.get(f"{url}/source/..%2F..%2Fetc%2Fpasswd", timeout=10).status_code == 404
    (tmp_path / "seminars" / "lv.md").unlink()
    r = requests.get(f"{url}/source/{doc_id_for('seminars/lv.md')}", timeout=10)
    assert r.status_code == 404 and "no longer" in r.text


@pytest.mark.parametrize("served", [{"app_password": "s3cret-Ąč"}], indirect=True)
def test_password_protects_page_api_and_documents(served):
    url, _, _ = served
    for path in ("/", "/healthz", f"/source/{doc_id_for('seminars/lt.md')}", "/gradio_api/info"):
        r = requests.get(url + path, timeout=10)
        assert r.status_code == 401 and "Basic" in r.headers["www-authenticate"], path
    assert requests.get(url + "/healthz", auth=("planner", "wrong"), timeout=10).status_code == 401
    token = base64.b64encode("planner:s3cret-Ąč".encode()).decode()
    assert requests.get(url + "/healthz", headers={"Authorization": f"Basic {token}"}, timeout=10).json()["ok"]
    from gradio_client import Client

    hits = Client(url, verbose=False, headers={"Authorization": f"Basic {token}"}).predict(
        "bilietas", api_name="/search")["hits"]
    assert hits


def _hidden_elements(config: dict) -> set[str]:
    """elem_ids of components that are hidden themselves or sit inside a hidden group/accordion."""
    comps = {c["id"]: c.get("props", {}) for c in config["components"]}
    hidden: set[str] = set()

    def walk(node, inherited):
        props = comps.get(node["id"], {})
        here = inherited or props.get("visible") is False
        if here and props.get("elem_id"):
            hidden.add(props["elem_id"])
        for child in node.get("children", []):
            walk(child, here)

    walk(config["layout"], False)
    return hidden


@pytest.mark.parametrize("served", [{"read_only": True}, {"read_only": False}], indirect=True)
def test_read_only_hides_upload_delete_and_reindex(served):
    url, kb, _ = served
    hidden = _hidden_elements(requests.get(url + "/config", timeout=10).json())
    managed = {"kb-upload", "kb-add", "kb-pick"}
    assert (managed <= hidden) if kb.settings.read_only else not (managed & hidden)
    assert "kb-docs" not in hidden and "kb-question" not in hidden


def test_library_uploads_delete_and_reindex(settings, tmp_path):
    kb, library = _kb_with_docs(settings, tmp_path, upload_dir=tmp_path / "uploads", upload_max_mb=0.001)
    with kb:
        small = write(tmp_path / "incoming" / "Ventės ragas.md", "---\nlanguage: lt\n---\nVentės rago švyturys.\n")
        big = write(tmp_path / "incoming" / "big.txt", "x" * 5000)
        evil = write(tmp_path / "incoming" / "evil.md", "Kelto tvarkaraštis Nidoje.\n")
        report = library.upload([(small, "Ventės ragas.md"), (big, "big.txt"), (evil, "../../outside.md")])
        status = {(f.source or f.path): (f.status, f.error) for f in report.files}
        assert status["uploads/Ventės ragas.md"][0] == "added"
        assert status["uploads/outside.md"][0] == "added"  # the path was stripped: saved inside the folder
        assert not (tmp_path / "outside.md").exists()
        assert status["big.txt"][0] == "failed" and "upload limit" in status["big.txt"][1]
        # the same name with other content does not overwrite the first upload
        other = write(tmp_path / "incoming2" / "Ventės ragas.md", "Kitas tekstas apie uostą.\n")
        report = library.upload([(other, "Ventės ragas.md")])
        assert report.files[0].source == "uploads/Ventės ragas (2).md"
        assert "švyturys" in (tmp_path / "uploads" / "Ventės ragas.md").read_text(encoding="utf-8")
        # re-index one document and everything; delete one
        assert library.reindex("uploads/outside.md").counts()["updated"] == 1
        assert library.reindex().counts()["updated"] == len(kb.docs())
        n = library.delete("uploads/outside.md")
        assert n == 1 and "uploads/outside.md" not in {d.source for d in kb.docs()}
        from ingest.log import recent

        log = recent(kb.settings.home)
        assert log[0]["origin"] == "delete" and any(e["status"] == "failed" and e["origin"] == "upload" for e in log)


def test_rendering_escapes_document_text():
    from ui.render import chat_html, hits_html

    payload = {"source": "seminars/<b>x</b>.md", "title": "<img src=x onerror=alert(1)>", "text": XSS,
               "language": "en", "chunk_language": "en", "page": None, "doc_type": "seminar_notes"}
    hit = Hit(1, 0.9, "c1", payload)
    cite = Citation(1, "c1", payload["source"], payload["title"], 3, None, "en", "2022-01-01", "guide", XSS)
    html = chat_html("en", [("<script>q</script>", Answer("q", XSS + " [1]", False, [cite]))]) + \
        hits_html("en", "script bus ticket", [hit], ["lt", "lv", "en"], "h")
    assert "<script" not in html and "<img" not in html and "javascript:" not in html.replace(
        "(javascript:alert(2))", "")
    assert "&lt;script&gt;" in html and "onerror" in html  # shown as text
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert hrefs and all(h.startswith(("#c-", "/source/", "/read/")) for h in hrefs)
    assert "<mark>ticket</mark>" in html


def test_exports(settings, tmp_path):
    from kb.export import hits_to_csv, hits_to_json

    kb, _ = _kb_with_docs(settings, tmp_path)
    with kb:
        hits = kb.search("bilietas Klaipėda", 5)
        hits[0].payload["title"] = "=HYPERLINK(\"http://x\")"
        csv_text = hits_to_csv(hits)
        assert csv_text.startswith("\ufeffrank,score,source") and "'=HYPERLINK" in csv_text
        data = json.loads(hits_to_json("bilietas Klaipėda", {"languages": None}, hits))
        assert data["query"] == "bilietas Klaipėda" and len(data["hits"]) == len(hits)


def test_every_interface_text_is_translated():
    from ui.i18n import TEXTS

    for lang in ("lt", "lv"):
        assert set(TEXTS[lang]) == set(TEXTS["en"]), lang
        for key, text in TEXTS[lang].items():
            assert set(re.findall(r"\{(\w+)\}", text)) == set(re.findall(r"\{(\w+)\}", TEXTS["en"][key])), key


def test_upload_names_are_sanitised():
    from ingest.uploads import safe_name

    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("C:\\Users\\a\\doc.docx") == "doc.docx"
    assert safe_name("<script>a.md") == "_script_a.md"
    assert safe_name("Klaipėdos ataskaita (2022).pdf") == "Klaipėdos ataskaita (2022).pdf"
    assert safe_name("  ") == "upload" and not safe_name(".bashrc").startswith(".")
    assert len(safe_name("x" * 500 + ".md")) <= 120 and safe_name("x" * 500 + ".md").endswith(".md")


def test_ingest_by_path_is_accepted_from_this_machine_only(settings, tmp_path):
    from fastapi.testclient import TestClient

    from ui.api import create_app
    from ui.app import build_app

    kb, library = _kb_with_docs(settings, tmp_path)
    with kb:
        new = write(tmp_path / "more" / "x.md", "Naujas dokumentas apie keltus.\n")
        app = create_app(kb, build_app(kb, library), library, token="secret-token")
        owner = {"X-KB-Token": "secret-token"}
        remote = TestClient(app, client=("203.0.113.7", 5000), base_url="http://localhost", headers=owner)
        r = remote.post("/api/ingest", json={"paths": [str(new)]})
        assert r.status_code == 403 and "only accepted from this machine" in r.text
        local = TestClient(app, client=("127.0.0.1", 5000), base_url="http://localhost", headers=owner)
        assert local.post("/api/ingest", json={"paths": ["relative.md"]}).status_code == 400
        r = local.post("/api/ingest", json={"paths": [str(new)]})
        assert r.status_code == 200 and r.json()["summary"]["added"] == 1
