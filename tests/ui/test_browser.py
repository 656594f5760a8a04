"""End-to-end in headless Chromium (Debian's, driven by Playwright): ask a Lithuanian question and see a cited
answer, search with a language filter, upload a file and find it, switch the interface language, and check that
a document holding <script>/onerror/javascript: stays text; the planner's view in Lithuanian and Latvian: the
reader with the quote marked, formatted text, conversations kept across reloads, feedback, no English left.
Screenshots of each tab go to KB_SCREENSHOT_DIR (default build/screenshots)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, write
from ingest.library import Library
from kb.knowledge_base import KnowledgeBase
from kb.settings import Settings

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (apt-get install chromium)")
SHOTS = Path(os.environ.get("KB_SCREENSHOT_DIR", ROOT / "build" / "screenshots"))

DOCS = {
    "notes/bus_lt.md": ("lt", "# Autobusų seminaras\n\nSeminaras apie viešąjį transportą vyko Klaipėdoje 2021 m. "
                              "rugsėjo 23 d. Bandomoji autobusų linija Klaipėda–Palanga–Nīca–Liepoja kursuotų keturis "
                              "kartus per dieną. Bilietas autobusu iš Liepojos į Klaipėdą kainuotų 9,50 euro."),
    "notes/ferry_lv.md": ("lv", "# Nidas nometne\n\nInovāciju nometnē Nidā komandas ierosināja laivu savienojumu pār "
                                "Kuršu lagūnu starp Nidu un Ventes ragu. Laiva kursētu no jūnija līdz septembrim."),
    "notes/energy_en.md": ("en", "# Energy seminar\n\nThe energy seminar in Kuldīga discussed solar panels on "
                                 "municipal roofs and a shared template for energy and climate action plans."),
    "notes/budget_lv.md": ("lv", "# Projekta budžets\n\nProjekta kopējais budžets ir **363 237,51 EUR**, no tā "
                                 "Interreg finansējums ir 85 %.\n\n| Darbība | Izmaksas |\n|---|---|\n"
                                 "| Mobilitātes pētījums | 12 400 EUR |\n| Inovāciju nometne | 9 800 EUR |"),
    "notes/xss_en.md": ("en", "# Markup test\n\nThe ferry notes mention <script>alert('x')</script> and "
                              "<img src=x onerror=alert(1)> and [a link](javascript:alert(2)) as plain text."),
}


@pytest.fixture(scope="module")
def browser():
    pw = pytest.importorskip("playwright.sync_api")
    with pw.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield b
        b.close()


@pytest.fixture
def app_url(e5, tmp_path, kb_home, monkeypatch):
    """The app over a small lt/lv/en library with the real model (answers and cross-lingual search)."""
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    from ui.api import create_app
    from ui.app import build_app
    from ui.serve import start_in_thread

    s = Settings(home=kb_home, source_root=tmp_path, upload_dir=tmp_path / "uploads", ui_language="en")
    kb = KnowledgeBase.open(s, embedder=e5)
    for rel, (lang, text) in DOCS.items():
        write(tmp_path / rel, f"---\nlanguage: {lang}\ndate: 2021-09-23\n---\n{text}\n")
    library = Library(kb)
    assert library.add([tmp_path / "notes"], "test").exit_code == 0
    running = start_in_thread(create_app(kb, build_app(kb, library)))
    try:
        yield running.url, tmp_path
    finally:
        running.stop()
        kb.close()


def _page(browser, url):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    page.wait_for_selector("#kb-question textarea", timeout=30_000)
    return page, dialogs


def _settled(page):
    """Wait until Gradio has no pending event (the spinner/greyed state is gone)."""
    page.wait_for_function("() => !document.querySelector('.pending, .generating')", timeout=60_000)
    page.wait_for_timeout(300)


def _tab(page, name):
    page.get_by_role("tab", name=name).click()
    page.wait_for_timeout(300)


def test_ask_search_upload_and_language_in_the_browser(browser, app_url):
    url, tmp_path = app_url
    SHOTS.mkdir(parents=True, exist_ok=True)
    page, dialogs = _page(browser, url)

    # Ask, in Lithuanian: a cited answer with a card that opens the source
    page.fill("#kb-question textarea", "Kiek kainuotų autobuso bilietas iš Liepojos į Klaipėdą?")
    page.click("#kb-ask")
    page.wait_for_selector("#kb-chat .kb-a", timeout=60_000)
    _settled(page)
    answer = page.locator("#kb-chat .kb-a").last
    assert "9,50" in answer.inner_text() and answer.get_attribute("data-abstained") == "false"
    assert answer.locator("a.kb-cite").count() >= 1
    card = answer.locator("details.kb-card").first
    card.locator("summary").click()
    assert "notes/bus_lt.md" in card.inner_text()
    href = card.locator("a[href^='/source/']").get_attribute("href")
    assert "Bilietas autobusu" in page.request.get(url + href).text()
    # a follow-up uses the conversation
    page.fill("#kb-question textarea", "O kiek kartų per dieną kursuotų?")
    page.click("#kb-ask")
    page.wait_for_function("() => document.querySelectorAll('#kb-chat .kb-a').length == 2", timeout=60_000)
    _settled(page)
    assert "keturis" in page.locator("#kb-chat .kb-a").last.inner_text()
    page.screenshot(path=str(SHOTS / "ask.png"), full_page=True)

    # Search with a language filter: only Latvian passages, matched words marked
    _tab(page, "Search")
    page.fill("#kb-query textarea", "laivu savienojums Nida")
    page.locator("#kb-langs label", has_text="Latvian").click()
    page.click("#kb-search")
    page.wait_for_selector("#kb-results .kb-hit", timeout=60_000)
    _settled(page)
    hits = page.locator("#kb-results .kb-hit")
    assert hits.count() >= 1
    assert all("· Latvian ·" in hits.nth(i).inner_text() for i in range(hits.count()))
    assert page.locator("#kb-results mark").count() >= 1
    assert page.locator("#kb-csv").is_visible() and page.locator("#kb-json").is_visible()
    page.screenshot(path=str(SHOTS / "search.png"), full_page=True)

    # the markup document is shown as text: no dialog, no injected element
    page.fill("#kb-query textarea", "ferry notes script onerror link")
    page.locator("#kb-langs label", has_text="Latvian").click()  # untick
    page.click("#kb-search")
    page.wait_for_selector("#kb-results .kb-hit", timeout=60_000)
    _settled(page)
    assert "<script>alert('x')</script>" in page.inner_text("#kb-results")
    assert page.locator("#kb-results img, #kb-results script, #kb-results a[href^='javascript']").count() == 0

    # Library: upload a file and find it
    _tab(page, "Library")
    upload = write(tmp_path / "incoming" / "Ventės ragas.md",
                   "---\nlanguage: lt\n---\n# Ventės ragas\n\nVentės rago ornitologijos stotyje žiedavimas vyksta "
                   "nuo kovo iki lapkričio.\n")
    with page.expect_file_chooser() as chooser:
        page.click("#kb-upload")
    chooser.value.set_files(str(upload))
    page.wait_for_function("() => document.querySelector('#kb-chosen').innerText.includes('Ventės ragas')",
                           timeout=30_000)
    page.click("#kb-add")
    page.wait_for_function("() => document.querySelector('#kb-upload-result').innerText.includes('1')",
                           timeout=60_000)
    _settled(page)
    assert "uploads/Ventės ragas.md: added" in page.inner_text("#kb-upload-result")
    assert "uploads/Ventės ragas.md" in page.inner_text("#kb-docs")
    page.screenshot(path=str(SHOTS / "library.png"), full_page=True)
    _tab(page, "Search")
    page.fill("#kb-query textarea", "ornitologijos stotis žiedavimas")
    page.click("#kb-search")
    page.wait_for_function("() => document.querySelector('#kb-results').innerText.includes('Ventės ragas')",
                           timeout=60_000)

    _tab(page, "About")
    page.screenshot(path=str(SHOTS / "about.png"), full_page=True)

    # switch the interface language: labels, tabs and the existing conversation follow
    page.locator("#ui-language label", has_text="Latviešu").click()
    page.wait_for_function("() => document.body.innerText.includes('Saskarnes valoda')", timeout=30_000)
    _settled(page)
    assert page.get_by_role("tab", name="Jautāt").is_visible()
    _tab(page, "Jautāt")
    assert "Avoti" in page.inner_text("#kb-chat")
    page.screenshot(path=str(SHOTS / "ask_lv.png"), full_page=True)
    page.locator("#ui-language label", has_text="Lietuvių").click()
    page.wait_for_function("() => document.body.innerText.includes('Sąsajos kalba')", timeout=30_000)
    _tab(page, "Biblioteka")
    page.screenshot(path=str(SHOTS / "library_lt.png"), full_page=True)
    assert dialogs == []
    page.close()


def test_readers_see_no_editor_actions_and_editors_do(browser, settings, tmp_path, monkeypatch):
    """Accounts in the browser: a reader's Library has no upload, delete or re-index; an editor's has them;
    without an account the page is refused."""
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    from kb.accounts import Accounts
    from ui.api import create_app
    from ui.app import build_app
    from ui.serve import start_in_thread

    kb = KnowledgeBase.open(settings)
    write(tmp_path / "notes" / "bus_lt.md", "---\nlanguage: lt\n---\n" + DOCS["notes/bus_lt.md"][1])
    library = Library(kb)
    library.add([tmp_path / "notes"], "test")
    accounts = Accounts.from_settings(settings)
    accounts.add("jonas", "skaitytojas-1", "reader")
    accounts.add("ruta", "redaktore-22", "editor")
    running = start_in_thread(create_app(kb, build_app(kb, library, accounts=accounts), library, accounts))
    try:
        for user, password, editor in (("jonas", "skaitytojas-1", False), ("ruta", "redaktore-22", True)):
            ctx = browser.new_context(http_credentials={"username": user, "password": password},
                                      viewport={"width": 1280, "height": 900})
            page = ctx.new_page()
            page.goto(running.url)
            page.wait_for_selector("#kb-question textarea", timeout=30_000)
            _tab(page, "Library")
            page.wait_for_selector("#kb-docs", timeout=30_000)
            _settled(page)
            assert "notes/bus_lt.md" in page.inner_text("#kb-docs")
            assert page.locator("#kb-upload").is_visible() == editor, user
            assert page.locator("#kb-add").is_visible() == editor, user
            page.screenshot(path=str(SHOTS / f"library_{'editor' if editor else 'reader'}.png"), full_page=True)
            ctx.close()
        ctx = browser.new_context()
        assert ctx.request.get(running.url).status == 401
        ctx.close()
    finally:
        running.stop()
        kb.close()


# Gradio's own strings that must not show in a Lithuanian or Latvian page
GRADIO_ENGLISH = ("Drop File Here", "Click to Upload", "Use via API", "Built with Gradio", "Settings", "Loading")


def _english_left(page, lg: str) -> list[str]:
    """Interface strings still in English on the visible page: every ui/i18n.py text whose lt/lv version differs
    (its longest literal part), and Gradio's own strings."""
    import re

    from ui.i18n import TEXTS

    body = page.inner_text("body")
    for _ in range(20):  # Gradio's "Loading…" stands while a tab's first render is under way: wait it out
        if "Loading" not in body:
            break
        page.wait_for_timeout(250)
        body = page.inner_text("body")
    found = [g for g in GRADIO_ENGLISH if g in body]
    for key, en in TEXTS["en"].items():
        if TEXTS[lg].get(key, en) == en:
            continue
        part = max(re.split(r"\{[^}]*\}", en), key=len).strip(" :.,—()")
        if len(part) >= 8 and part in body:
            found.append(f"{key}: {part}")
    return found


def _ask(page, question, n):
    page.fill("#kb-question textarea", question)
    page.click("#kb-ask")
    page.wait_for_function(f"() => document.querySelectorAll('#kb-chat .kb-a').length == {n}", timeout=60_000)
    _settled(page)
    return page.locator("#kb-chat .kb-a").last


@pytest.mark.parametrize("lg", ["lt", "lv"])
def test_the_planners_view_in_lithuanian_and_latvian(browser, app_url, lg):
    """A planner whose browser asks for Lithuanian (Latvian): the page opens in that language with no English
    left; a cross-lingual answer shows formatted text, its citation opens the reader at the marked quote; the
    conversation survives a reload, is exported as Markdown and deleted; 👍 with a comment reaches the editor's
    feedback list; a question the documents cannot answer says so, hint included, in the question's language."""
    url, tmp_path = app_url
    SHOTS.mkdir(parents=True, exist_ok=True)
    ctx = browser.new_context(locale={"lt": "lt-LT", "lv": "lv-LV"}[lg], viewport={"width": 1280, "height": 900},
                              accept_downloads=True)
    page = ctx.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    page.wait_for_selector("#kb-question textarea", timeout=30_000)
    tabs = {"lt": ("Klausti", "Paieška", "Biblioteka", "Apie"), "lv": ("Jautāt", "Meklēšana", "Bibliotēka", "Par")}[lg]
    page.wait_for_function(f"() => document.body.innerText.includes('{tabs[0]}')", timeout=30_000)
    _settled(page)

    # cross-lingual: the budget stands in a Latvian note (ask in Lithuanian; in Latvian, the bus fare in the
    # Lithuanian note)
    question, expect = {"lt": ("Kiek eurų sudaro bendras projekto biudžetas?", "363 237,51"),
                        "lv": ("Cik maksātu autobusa biļete no Liepājas uz Klaipēdu?", "9,50")}[lg]
    answer = _ask(page, question, 1)
    assert expect in answer.inner_text() and answer.get_attribute("data-abstained") == "false"
    html = answer.inner_html()
    assert "**" not in answer.inner_text() and "|---|" not in answer.inner_text()
    if lg == "lt":
        assert "<strong>363 237,51 EUR</strong>" in html  # emphasis rendered, not shown as marks
    card = answer.locator("details.kb-card").first
    card.locator("summary").click()
    page.screenshot(path=str(SHOTS / f"planner_answer_{lg}.png"), full_page=True)

    # the reader: the cited document with the quote marked, no script from the page
    href = card.locator("a.kb-read").get_attribute("href")
    reader = ctx.new_page()
    response = reader.goto(url + href)
    assert "script-src" not in response.headers["content-security-policy"]  # default-src 'none' covers scripts
    assert "default-src 'none'" in response.headers["content-security-policy"]
    mark = reader.locator("mark#quote")
    assert mark.is_visible() and expect in mark.inner_text()
    assert reader.locator("script").count() == 0
    assert "**" not in reader.inner_text("body")
    reader.screenshot(path=str(SHOTS / f"planner_reader_{lg}.png"), full_page=True)
    reader.close()

    # feedback on the answer, with a comment
    page.fill("#kb-fb-comment textarea", "tikslu" if lg == "lt" else "precīzi")
    page.click("#kb-fb-up")
    _settled(page)
    assert {"lt": "Ačiū", "lv": "Paldies"}[lg] in page.inner_text("#kb-fb-result")

    # not found, in the question's language, hint included
    nf = _ask(page, {"lt": "Kiek kainuoja skrydis į Mėnulį?", "lv": "Cik maksā lidojums uz Mēnesi?"}[lg], 2)
    assert nf.get_attribute("data-abstained") == "true"
    from kb.messages import MESSAGES
    from ui.i18n import TEXTS

    text = nf.inner_text()
    assert MESSAGES["not_found"][lg].split(".")[0] in text or MESSAGES["uncertain"][lg].split(".")[0] in text
    assert TEXTS[lg]["unanswered_hint"][:30] in text and TEXTS["en"]["unanswered_hint"][:30] not in text

    # the conversation survives a reload, and is listed
    page.reload()
    page.wait_for_function("() => document.querySelectorAll('#kb-chat .kb-a').length == 2", timeout=30_000)
    _settled(page)
    assert question in page.inner_text("#kb-chat")
    page.screenshot(path=str(SHOTS / f"planner_reloaded_{lg}.png"), full_page=True)
    with page.expect_download() as download:
        page.click("#kb-conv-export")
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert question in exported and "notes/" in exported and expect in exported

    # no English left on any tab; the editor's feedback list (in the Library; no accounts here: the local user
    # edits) has the answer's question
    left = _english_left(page, lg)
    for tab in tabs[1:]:
        _tab(page, tab)
        _settled(page)
        if tab == tabs[2]:
            page.locator("#kb-feedback-list").click()
            page.wait_for_timeout(500)
            assert question in page.inner_text("#kb-fb-table")
        left += _english_left(page, lg)
        page.screenshot(path=str(SHOTS / f"planner_tab_{tab}_{lg}.png"), full_page=True)
    assert not left, left

    # delete the conversation: gone after a reload too
    _tab(page, tabs[0])
    page.click("#kb-conv-delete")
    _settled(page)
    assert page.locator("#kb-chat .kb-a").count() == 0
    page.reload()
    page.wait_for_selector("#kb-question textarea", timeout=30_000)
    _settled(page)
    assert page.locator("#kb-chat .kb-a").count() == 0
    assert dialogs == []
    ctx.close()
