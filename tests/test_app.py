"""The app's named API endpoints through gradio_client, over a real store (first step of the app)."""


import pytest

from conftest import write
from ingest.pipeline import Ingestor
from kb.knowledge_base import KnowledgeBase

DOCS = {
    "seminars/lt.md": ("lt", "Seminaras vyko Klaipėdoje. Bilietas autobusu iš Liepojos į Klaipėdą kainuoja 9,50 euro."),
    "seminars/lv.md": ("lv", "Seminārs notika Ventspilī. Autobusa biļete no Liepājas uz Klaipēdu maksā 9,50 eiro."),
    "seminars/xss.md": ("en", "Notes <script>alert('x')</script> and <img src=x onerror=alert(1)> and "
                              "[a link](javascript:alert(2)) about the bus ticket."),
}


@pytest.fixture
def app_url(settings, tmp_path, monkeypatch):
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    from ui.app import build_app

    s = settings.model_copy(update={"abstain_similarity": -1.0, "abstain_similarity_with_overlap": -1.0,
                                    "abstain_on_missing_type": False})
    kb = KnowledgeBase.open(s)
    for rel, (lang, text) in DOCS.items():
        write(tmp_path / rel, f"---\nlanguage: {lang}\n---\n{text}\n")
    assert Ingestor(kb).ingest([tmp_path / "seminars"]).exit_code == 0
    app = build_app(kb)
    app.launch(server_name="127.0.0.1", server_port=None, prevent_thread_lock=True, quiet=True)
    try:
        yield app.local_url, kb
    finally:
        app.close()
        kb.close()


def test_search_and_ask_endpoints(app_url):
    from gradio_client import Client

    url, kb = app_url
    client = Client(url, verbose=False)
    found = client.predict("autobuso bilietas Liepoja Klaipėda", api_name="/search")
    assert found["query"] == "autobuso bilietas Liepoja Klaipėda" and found["hits"]
    assert {"rank", "source", "page", "language", "text"} <= set(found["hits"][0])
    answer = client.predict("Kiek kainuoja bilietas iš Liepojos į Klaipėdą?", api_name="/ask")
    assert set(answer) >= {"question", "answer", "abstained", "citations"}
    texts = {r.id: r.payload["text"] for r in kb.store.scroll()}
    assert all(c["quote"] in texts[c["chunk_id"]] for c in answer["citations"])


def test_document_text_reaches_the_client_as_plain_text(app_url):
    from gradio_client import Client

    url, _ = app_url
    hits = Client(url, verbose=False).predict("script onerror javascript notes", api_name="/search")["hits"]
    xss = next(h for h in hits if h["source"].endswith("xss.md"))
    assert "<script>alert('x')</script>" in xss["text"]  # data, not markup: the UI shows it in tables/text boxes


def test_library_and_about(app_url):
    from ui.app import about_text, library_rows

    _, kb = app_url
    rows = library_rows(kb)
    assert sorted(r[-1] for r in rows) == ["seminars/lt.md", "seminars/lv.md", "seminars/xss.md"]
    assert all(r[5] >= 1 for r in rows)  # chunks
    about = about_text(kb)
    assert "Documents: 3" in about and "EdgeStore" in about and "hash-trigram" in about
