"""The Gradio app: layout and callbacks only; every decision is made by kb/ (search, answers) and ingest/
(the library). Document text reaches the page only through ui.render (escaped) or as table cells.

Tabs: Ask (a conversation with cited answers), Search (filters, highlighted passages, paging, CSV/JSON export),
Library (documents, upload, delete, re-index, ingestion log), About. Interface language lt/lv/en. Named API
endpoints /search and /ask (first argument: the query text) for gradio_client."""

from __future__ import annotations

import os
import re
import tempfile
import time

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported: no call home at start

from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr  # noqa: E402 - at module level: callbacks name gr.Request in their annotations

from ingest import log as ingest_log
from ingest.library import Library
from kb.accounts import EDITOR, Accounts
from kb.conversations import Conversations, Turn, to_markdown
from kb.display import visible
from kb.errors import FilterError, KBError
from kb.export import hits_to_csv, hits_to_json
from kb.feedback import Feedback
from kb.filters import parse_filters
from kb.knowledge_base import KnowledgeBase
from kb.types import DOC_TYPES
from ui.api import credentials
from ui.i18n import LANGUAGES, doc_type_name, language_name, status, t
from ui.render import chat_html, hits_html

LIBRARY_KEYS = ["col_title", "col_type", "col_language", "col_date", "col_pages", "col_chunks", "col_status",
                "col_warnings", "col_source"]
BROWSER_ID = re.compile(r"^[0-9a-f]{32}$")  # what this app writes into a browser's storage
MAX_QUESTION_CHARS = 2000
MAX_TURNS = 50
LOG_KEYS = ["col_time", "col_origin", "col_file", "col_result", "col_chunks", "col_warnings"]
MAX_RESULTS = 100


@dataclass
class SearchState:
    query: str = ""
    filters: dict = field(default_factory=dict)
    hits: list = field(default_factory=list)
    page: int = 0


def browser_secret(home: Path) -> str:
    """The key the page's stored browser id is sealed with: kept in the data home (0600) so that a restart
    does not make every browser a stranger to its own conversations."""
    path = Path(home) / "browser.secret"
    try:
        return path.read_text().strip()
    except OSError:
        pass
    import secrets

    value = secrets.token_hex(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process wrote it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(value)
    return value


def error_html(e: Exception) -> str:
    from html import escape

    return f'<p class="kb-empty">⚠ {escape(str(e))}</p>'


def language_choices(lang: str, codes=("lt", "lv", "en")) -> list[tuple[str, str]]:
    """Filter choices: the language's name in the interface language, the stored code as the value."""
    return [(f"{language_name(lang, c)} ({c.upper()})", c) for c in codes]


def type_choices(lang: str) -> list[tuple[str, str]]:
    return [(doc_type_name(lang, k), k) for k in DOC_TYPES]


FEEDBACK_KEYS = ["col_time", "col_vote", "col_question", "col_comment", "col_user", "col_cited"]


def feedback_table(feedback: Feedback, lang: str) -> dict:
    rows = [[e.get("time", "").replace("T", " ")[:16], "👍" if e.get("helpful") else "👎", e.get("question", ""),
             e.get("comment", ""), e.get("user", ""),
             "; ".join(f"{c['source']}" + (f" p. {c['page']}" if c.get("page") else "") for c in e.get("cited", []))]
            for e in feedback.entries()[:500]]
    return {"headers": [t(lang, k) for k in FEEDBACK_KEYS], "data": rows}


def library_table(kb: KnowledgeBase, lang: str, docs=None) -> dict:
    """Stored documents (`docs`, read from the store when not given), plus files whose last ingestion failed
    (they are not in the store)."""
    docs = kb.docs() if docs is None else docs
    rows = [[visible(d.title), doc_type_name(lang, d.doc_type), language_name(lang, d.language), d.date, d.pages,
             d.chunks, t(lang, "status_indexed"), "; ".join(d.warnings), visible(d.source)] for d in docs]
    for e in ingest_log.failed_files(kb.settings.home, {d.source for d in docs}):
        rows.append([visible(Path(e.get("path", "")).name), "", "", "", None, 0, t(lang, "status_failed"),
                     e.get("error") or "", visible(e.get("source") or e.get("path"))])
    return {"headers": [t(lang, k) for k in LIBRARY_KEYS], "data": rows}


def log_table(kb: KnowledgeBase, lang: str) -> dict:
    rows = [[e.get("time", "").replace("T", " ")[:19], e.get("origin", ""), e.get("source") or e.get("path", ""),
             status(lang, e.get("status", "")) + (f": {e['error']}" if e.get("error") else ""), e.get("chunks", 0),
             "; ".join(e.get("warnings") or [])] for e in ingest_log.recent(kb.settings.home, 200)]
    return {"headers": [t(lang, k) for k in LOG_KEYS], "data": rows}


def report_text(report, lang: str) -> str:
    c = report.counts()
    lines = [t(lang, "upload_done", added=c.get("added", 0), updated=c.get("updated", 0) + c.get("moved", 0),
               unchanged=c.get("unchanged", 0), failed=c.get("failed", 0))]
    for f in report.files:
        name = f.source or Path(f.path).name
        detail = f.error if f.status == "failed" else f"{f.chunks} · {f.language or ''}"
        lines.append(f"- {name}: {status(lang, f.status)} ({detail})"
                     + (f" — {'; '.join(f.warnings)}" if f.warnings else ""))
    return "\n".join(lines)


def _counts(counts: dict, name, lang: str) -> str:
    """{"lt": 15, "lv": 12} -> "Lithuanian 15, Latvian 12" in the interface language."""
    return ", ".join(f"{name(lang, str(k))} {n}" for k, n in sorted(counts.items(), key=lambda kv: -kv[1]))


def visitor_language(saved: str, accept_language: str, default: str) -> str:
    """The interface language for a visitor: the one chosen before in this browser, else the first of lt/lv/en
    the browser asks for (Accept-Language), else the configured default."""
    if saved in LANGUAGES:
        return saved
    for part in accept_language.split(",")[:20]:
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return default


def _mode_name(lang: str, mode: str) -> str:
    names = dict(zip(("hybrid", "dense", "sparse"), t(lang, "about_search_modes").split("|")))
    return names.get(mode, mode)


def about_html(kb: KnowledgeBase, lang: str) -> str:
    from html import escape
    from importlib.metadata import PackageNotFoundError, version

    try:
        v = version("planning-kb")
    except PackageNotFoundError:
        v = "unknown"
    st = kb.stats()
    ident = st.get("identity") or {}
    s = kb.settings
    answers = (t(lang, "about_answers_llm", url=s.llm_url) if s.llm_url else t(lang, "about_answers_extractive"))
    rows = [("about_version", f"planning-kb {v}"),
            ("about_model", ident.get("embedding", s.embed_model)),
            ("about_store", f"{st['backend']} · {st['location']}"),
            ("about_docs", f"{st['documents']} ({_counts(st['documents_by_language'], language_name, lang)})"),
            ("about_chunks", f"{st['chunks']} ({_counts(st['chunks_by_language'], language_name, lang)})"),
            ("about_types", _counts(st["documents_by_type"], doc_type_name, lang)),
            ("about_search", _mode_name(lang, s.search_mode)),
            ("about_answers", answers),
            ("about_api", t(lang, "about_api_value"))]
    body = "".join(f"<tr><th style='text-align:left;padding-right:12px'>{escape(t(lang, k))}</th>"
                   f"<td>{escape(str(val))}</td></tr>" for k, val in rows)
    return f"<table class='kb-about'>{body}</table>"


def status_line(library: Library, lang: str, inbox=None) -> str:
    a = library.activity.snapshot()
    waiting = inbox.waiting() if inbox is not None else []
    queue = (" · " + t(lang, "inbox_waiting", n=len(waiting), files=", ".join(waiting[:5]))) if waiting else ""
    if a["busy"]:
        return "⏳ " + t(lang, "busy", done=a["done"], total=a["total"] or "?", file=a["current"]) + \
            f" · {a['chunks_per_s']:.1f} chunks/s" + queue
    try:
        chunks = library.kb.chunk_count()
        docs = library.kb.document_count() if chunks else 0
    except Exception:  # noqa: BLE001 - the status line must never break the page
        docs = chunks = 0
    return t(lang, "ready", docs=docs, chunks=chunks) + queue


def build_app(kb: KnowledgeBase, library: Library, inbox=None, accounts: Accounts | None = None):
    """The Blocks app over an open KnowledgeBase, its Library (the writer) and, optionally, the watched inbox.
    Readers ask, search and open documents; the editor actions (upload, delete, re-index) are shown to editors
    only and refused for anyone else, whatever the page sends."""
    s = kb.settings
    accounts = accounts or Accounts.from_settings(s)

    def can_edit(request) -> bool:
        if s.read_only:
            return False
        if not accounts.required:
            return True
        given = credentials(request.headers.get("authorization")) if request is not None else None
        user = accounts.authenticate(*given) if given else None
        return user is not None and user.role == EDITOR
    L0 = s.ui_language
    export_dir = Path(tempfile.mkdtemp(prefix="kb-export-"))
    translated: list[tuple[object, callable]] = []  # (component, lang -> gr.update)

    def tr(component, make):
        translated.append((component, make))
        return component

    def label(key, **kw):
        return lambda lang: gr.update(label=t(lang, key), **{k: t(lang, v) for k, v in kw.items()})

    def value(key):
        return lambda lang: gr.update(value=t(lang, key))

    def label_text(key):  # buttons whose text is their label (DownloadButton, UploadButton)
        return lambda lang: gr.update(label=t(lang, key))

    def current_user(request):
        if not accounts.required:
            return accounts.anonymous()
        given = credentials(request.headers.get("authorization")) if request is not None else None
        return accounts.authenticate(*given) if given else None

    conversations = Conversations(s.home)
    feedback = Feedback(s.home)

    with gr.Blocks(title="Smart Planning knowledge base") as app:
        lang = gr.State(L0)
        saved_lang = gr.BrowserState("", storage_key="planning-kb-language")  # the visitor's last choice
        with gr.Row():
            with gr.Column(scale=4):
                tr(gr.Markdown(f"## {t(L0, 'title')}"), lambda lg: gr.update(value=f"## {t(lg, 'title')}"))
                tr(gr.Markdown(t(L0, "subtitle")), value("subtitle"))
            with gr.Column(scale=1, min_width=220):
                ui_lang = tr(gr.Radio([(n, c) for c, n in LANGUAGES.items()], value=L0, label=t(L0, "ui_language"),
                                      elem_id="ui-language"), label("ui_language"))
        status = gr.Markdown(status_line(library, L0, inbox), elem_id="kb-status")

        # -- Ask ------------------------------------------------------------------------------------------------
        with tr(gr.Tab(t(L0, "tab_ask"), id="ask"), lambda lg: gr.update(label=t(lg, "tab_ask"))):
            turns = gr.State([])  # [(question, Answer)]
            conv_id = gr.State("")
            browser_id = gr.BrowserState("", storage_key="planning-kb-browser", secret=browser_secret(s.home))
            with gr.Row():
                past = tr(gr.Dropdown(choices=[], value=None, label=t(L0, "conversations"), scale=4,
                                      elem_id="kb-conversations"), label("conversations"))
                with gr.Column(scale=1, min_width=200):
                    delete_conv_btn = tr(gr.Button(t(L0, "delete_conversation"), size="sm", elem_id="kb-conv-delete"),
                                         value("delete_conversation"))
                    export_conv_btn = tr(gr.DownloadButton(t(L0, "export_conversation"), size="sm", visible=False,
                                                           elem_id="kb-conv-export"), label_text("export_conversation"))
            chat = gr.HTML(chat_html(L0, []), elem_id="kb-chat")
            with gr.Row():
                question = tr(gr.Textbox(label=t(L0, "question"), placeholder=t(L0, "question_ph"), lines=2,
                                         scale=5, elem_id="kb-question"), label("question", placeholder="question_ph"))
                with gr.Column(scale=1, min_width=160):
                    ask_btn = tr(gr.Button(t(L0, "ask"), variant="primary", elem_id="kb-ask"), value("ask"))
                    clear_btn = tr(gr.Button(t(L0, "clear"), elem_id="kb-clear"), value("clear"))
            with gr.Row(elem_id="kb-feedback-row"):
                fb_answer = tr(gr.Dropdown(choices=[], value=None, label=t(L0, "feedback_answer"), scale=1,
                                           min_width=120, elem_id="kb-fb-answer"), label("feedback_answer"))
                fb_comment = tr(gr.Textbox(label=t(L0, "feedback_comment"), lines=1, scale=4, elem_id="kb-fb-comment"),
                                label("feedback_comment"))
                with gr.Column(scale=1, min_width=180):
                    up_btn = tr(gr.Button(t(L0, "helpful"), size="sm", elem_id="kb-fb-up"), value("helpful"))
                    down_btn = tr(gr.Button(t(L0, "not_helpful"), size="sm", elem_id="kb-fb-down"),
                                  value("not_helpful"))
            fb_result = gr.Markdown("", elem_id="kb-fb-result")

            def owner_of(request, bid: str) -> str:
                """Whose conversations these are: the signed-in user, else this browser's random id."""
                user = current_user(request)
                if user is not None and user.name:
                    return f"user:{user.name}"
                return f"browser:{bid}" if BROWSER_ID.match(bid or "") else ""

            def past_choices(owner: str, lg: str):
                return [(f"{c.title} · {c.updated}", c.id) for c in conversations.list(owner)] if owner else []

            def conv_outputs(lg, history, cid, owner, selected=None):
                n = len(history)
                export = gr.update(visible=False)
                if history and owner:
                    path = export_dir / f"conversation-{cid or 'new'}.md"
                    path.write_text(to_markdown([Turn(q, a) for q, a in history], history[0][0][:80]),
                                    encoding="utf-8")
                    export = gr.update(value=str(path), visible=True)
                return (chat_html(lg, history), history, cid,
                        gr.update(choices=past_choices(owner, lg),
                                  value=(selected if selected is not None else cid) or None),
                        export, gr.update(choices=[str(i) for i in range(1, n + 1)], value=str(n) if n else None))

            conv_outs = [chat, turns, conv_id, past, export_conv_btn, fb_answer]

            def on_ask(q: str, history: list, cid: str, bid: str, lg: str, request: gr.Request):
                q = (q or "").strip()[:MAX_QUESTION_CHARS]
                if not q:
                    return (gr.update(),) * len(conv_outs) + (q, bid)
                try:
                    a = kb.ask(q, [h[0] for h in history][-5:], language=lg)
                except KBError as e:
                    return (error_html(e),) + (gr.update(),) * (len(conv_outs) - 1) + (q, bid)
                history = (history + [(q, a)])[-MAX_TURNS:]
                if not BROWSER_ID.match(bid or ""):
                    bid = Conversations.new_id()
                owner = owner_of(request, bid)
                cid = cid or Conversations.new_id()
                conversations.save(owner, cid, [Turn(qq, aa, time.strftime("%Y-%m-%d %H:%M")) for qq, aa in history])
                return conv_outputs(lg, history, cid, owner) + ("", bid)

            for trigger in (ask_btn.click, question.submit):
                trigger(on_ask, [question, turns, conv_id, browser_id, lang], conv_outs + [question, browser_id],
                        api_visibility="private")

            def on_new(bid, lg, request: gr.Request):
                return conv_outputs(lg, [], "", owner_of(request, bid), selected="")

            clear_btn.click(on_new, [browser_id, lang], conv_outs, api_visibility="private")

            def on_pick(cid, bid, lg, request: gr.Request):
                owner = owner_of(request, bid)
                if not cid:
                    return conv_outputs(lg, [], "", owner, selected="")
                history = [(turn.question, turn.answer) for turn in conversations.load(owner, cid)]
                return conv_outputs(lg, history, cid, owner)

            past.input(on_pick, [past, browser_id, lang], conv_outs, api_visibility="private")

            def on_delete_conv(cid, bid, lg, request: gr.Request):
                owner = owner_of(request, bid)
                if cid:
                    conversations.delete(owner, cid)
                return conv_outputs(lg, [], "", owner, selected="")

            delete_conv_btn.click(on_delete_conv, [conv_id, browser_id, lang], conv_outs, api_visibility="private")

            def on_feedback(helpful: bool, pick, comment, history, lg, request):
                if not history:
                    return t(lg, "feedback_none"), comment
                n = int(pick) if pick and str(pick).isdigit() and 1 <= int(pick) <= len(history) else len(history)
                q, a = history[n - 1]
                user = current_user(request)
                feedback.add(q, a, helpful, comment or "", user.name if user else "", a.language or lg)
                return t(lg, "feedback_thanks", n=n), ""

            def vote_up(pick, comment, history, lg, request: gr.Request):
                return on_feedback(True, pick, comment, history, lg, request)

            def vote_down(pick, comment, history, lg, request: gr.Request):
                return on_feedback(False, pick, comment, history, lg, request)

            fb_in = [fb_answer, fb_comment, turns, lang]
            up_btn.click(vote_up, fb_in, [fb_result, fb_comment], api_visibility="private")
            down_btn.click(vote_down, fb_in, [fb_result, fb_comment], api_visibility="private")

        # -- Search -----------------------------------------------------------------------------------------------
        with tr(gr.Tab(t(L0, "tab_search"), id="search"), lambda lg: gr.update(label=t(lg, "tab_search"))):
            sstate = gr.State(SearchState())
            with gr.Row():
                query = tr(gr.Textbox(label=t(L0, "query"), placeholder=t(L0, "query_ph"), scale=5,
                                      elem_id="kb-query"), label("query", placeholder="query_ph"))
                search_btn = tr(gr.Button(t(L0, "search"), variant="primary", scale=1, elem_id="kb-search"),
                                value("search"))
            with gr.Row():
                langs = tr(gr.CheckboxGroup(language_choices(L0, s.languages), label=t(L0, "languages"),
                                            elem_id="kb-langs"),
                           lambda lg: gr.update(label=t(lg, "languages"), choices=language_choices(lg, s.languages)))
                types = tr(gr.CheckboxGroup(type_choices(L0), label=t(L0, "doc_types"), elem_id="kb-types"),
                           lambda lg: gr.update(label=t(lg, "doc_types"), choices=type_choices(lg)))
            with gr.Row():
                since = tr(gr.Textbox(label=t(L0, "since"), max_lines=1, elem_id="kb-since"), label("since"))
                until = tr(gr.Textbox(label=t(L0, "until"), max_lines=1, elem_id="kb-until"), label("until"))
                source = tr(gr.Textbox(label=t(L0, "source"), max_lines=1, elem_id="kb-source"), label("source"))
            results = gr.HTML("", elem_id="kb-results")
            with gr.Row():
                prev_btn = tr(gr.Button(t(L0, "previous"), size="sm", elem_id="kb-prev"), value("previous"))
                next_btn = tr(gr.Button(t(L0, "next"), size="sm", elem_id="kb-next"), value("next"))
                csv_btn = tr(gr.DownloadButton(t(L0, "export_csv"), size="sm", visible=False, elem_id="kb-csv"),
                             label_text("export_csv"))
                json_btn = tr(gr.DownloadButton(t(L0, "export_json"), size="sm", visible=False, elem_id="kb-json"),
                              label_text("export_json"))

            def page_html(st: SearchState, lg: str) -> str:
                n = s.search_page_size
                pages = max(1, -(-len(st.hits) // n))
                header = t(lg, "page_of", page=st.page + 1, pages=pages, total=len(st.hits))
                return hits_html(lg, st.query, st.hits[st.page * n:(st.page + 1) * n], list(s.languages), header)

            def on_search(q, lg_filter, ty, since_v, until_v, src, lg):
                st = SearchState(query=(q or "").strip())
                hide = (gr.update(visible=False), gr.update(visible=False))
                if not st.query:
                    return ("", st) + hide
                try:
                    filters = parse_filters(lg_filter, ty, since_v, until_v, src)
                except FilterError as e:
                    from html import escape

                    name = t(lg, e.field) if e.field in ("since", "until") else e.field
                    return (f'<p class="kb-empty">{escape(t(lg, "bad_date", field=name, value=e.value))}</p>',
                            st) + hide
                st.filters = {"languages": filters.languages, "doc_types": filters.doc_types,
                              "since": since_v or None, "until": until_v or None, "source": filters.source_glob}
                try:
                    st.hits = kb.search(st.query, MAX_RESULTS, filters)
                except KBError as e:
                    return (error_html(e), st) + hide
                if not st.hits:
                    return (page_html(st, lg), st) + hide
                stem = f"kb-search-{abs(hash((st.query, str(st.filters)))) % 10**8}"
                csv_path, json_path = export_dir / f"{stem}.csv", export_dir / f"{stem}.json"
                csv_path.write_text(hits_to_csv(st.hits), encoding="utf-8")
                json_path.write_text(hits_to_json(st.query, st.filters, st.hits), encoding="utf-8")
                return (page_html(st, lg), st, gr.update(value=str(csv_path), visible=True),
                        gr.update(value=str(json_path), visible=True))

            def on_page(st: SearchState, delta: int, lg: str):
                pages = max(1, -(-len(st.hits) // s.search_page_size))
                st.page = min(max(st.page + delta, 0), pages - 1)
                return page_html(st, lg) if st.query else "", st

            inputs = [query, langs, types, since, until, source, lang]
            outputs = [results, sstate, csv_btn, json_btn]
            for trigger in (search_btn.click, query.submit):
                trigger(on_search, inputs, outputs, api_visibility="private")
            prev_btn.click(lambda st, lg: on_page(st, -1, lg), [sstate, lang], [results, sstate],
                           api_visibility="private")
            next_btn.click(lambda st, lg: on_page(st, 1, lg), [sstate, lang], [results, sstate],
                           api_visibility="private")

        # -- Library ----------------------------------------------------------------------------------------------
        with tr(gr.Tab(t(L0, "tab_library"), id="library"), lambda lg: gr.update(label=t(lg, "tab_library"))):
            tr(gr.Markdown(t(L0, "read_only"), visible=s.read_only), value("read_only"))
            docs_table = gr.Dataframe(value=library_table(kb, L0), label=t(L0, "documents"), interactive=False,
                                      wrap=True, elem_id="kb-docs", max_height=480,
                                      column_widths=["26%", "9%", "7%", "9%", "7%", "7%", "8%", "10%", "17%"])
            refresh_btn = tr(gr.Button(t(L0, "refresh"), size="sm"), value("refresh"))
            with gr.Group(visible=not s.read_only) as upload_group:
                tr(gr.Markdown(f"**{t(L0, 'upload')}**"), lambda lg: gr.update(value=f"**{t(lg, 'upload')}**"))
                files = gr.State([])  # paths of the files chosen, until added
                with gr.Row():
                    choose_btn = tr(gr.UploadButton(t(L0, "upload_button"), file_count="multiple", type="filepath",
                                                    size="sm", elem_id="kb-upload"), label_text("upload_button"))
                    add_btn = tr(gr.Button(t(L0, "add"), variant="primary", size="sm", elem_id="kb-add"),
                                 value("add"))
                chosen = gr.Markdown("", elem_id="kb-chosen")
                upload_result = gr.Markdown("", elem_id="kb-upload-result")

                def on_choose(paths, lg):
                    paths = list(paths or [])
                    names = ", ".join(visible(Path(p).name) for p in paths)
                    return paths, (t(lg, "files_chosen", files=names) if paths else "")

                choose_btn.upload(on_choose, [choose_btn, lang], [files, chosen], api_visibility="private")
            with gr.Accordion(t(L0, "manage"), open=False, visible=not s.read_only) as manage:
                tr(manage, label("manage"))
                pick = tr(gr.Dropdown(choices=[d.source for d in kb.docs()], label=t(L0, "pick_doc"),
                                      elem_id="kb-pick"), label("pick_doc"))
                confirm = tr(gr.Checkbox(label=t(L0, "confirm_delete"), value=False), label("confirm_delete"))
                with gr.Row():
                    delete_btn = tr(gr.Button(t(L0, "delete"), variant="stop", size="sm"), value("delete"))
                    reindex_btn = tr(gr.Button(t(L0, "reindex"), size="sm"), value("reindex"))
                    reindex_all_btn = tr(gr.Button(t(L0, "reindex_all"), size="sm"), value("reindex_all"))
                manage_result = gr.Markdown("")
            log_view = gr.Dataframe(value=log_table(kb, L0), label=t(L0, "log"), interactive=False, wrap=True,
                                    max_height=320, elem_id="kb-log",
                                    column_widths=["14%", "9%", "37%", "22%", "7%", "11%"])
            with gr.Accordion(t(L0, "feedback_list"), open=False, visible=False,
                              elem_id="kb-feedback-list") as feedback_box:
                tr(feedback_box, label("feedback_list"))
                fb_table = gr.Dataframe(value=None, interactive=False, wrap=True, max_height=360,
                                        elem_id="kb-fb-table", column_widths=["12%", "6%", "34%", "24%", "8%", "16%"])
                with gr.Row():
                    fb_refresh = tr(gr.Button(t(L0, "refresh"), size="sm", elem_id="kb-fb-refresh"), value("refresh"))
                    fb_export = tr(gr.DownloadButton(t(L0, "export_feedback"), size="sm", elem_id="kb-fb-export"),
                                   label_text("export_feedback"))

            def feedback_view(lg, request: gr.Request):
                """The feedback table and its export, for editors only."""
                if not can_edit(request):
                    return gr.update(value=None), gr.update(value=None)
                path = export_dir / "feedback-eval.jsonl"
                path.write_text(feedback.eval_jsonl(), encoding="utf-8")
                return gr.update(value=feedback_table(feedback, lg)), gr.update(value=str(path))

            fb_refresh.click(feedback_view, [lang], [fb_table, fb_export], api_visibility="private")

            def refreshed(lg):
                docs = kb.docs()
                return (library_table(kb, lg, docs), log_table(kb, lg),
                        gr.update(choices=[d.source for d in docs], value=None))

            lib_outputs = [docs_table, log_view, pick]

            def on_add(paths, lg, request: gr.Request):
                if not can_edit(request):
                    return (t(lg, "not_allowed"),) + refreshed(lg) + ([], "")
                if not paths:
                    return (t(lg, "upload_none"),) + refreshed(lg) + ([], "")
                report = library.upload([(Path(p), Path(p).name) for p in paths])
                return (report_text(report, lg),) + refreshed(lg) + ([], "")

            add_btn.click(on_add, [files, lang], [upload_result] + lib_outputs + [files, chosen],
                          api_visibility="private")

            def on_delete(src, ok, lg, request: gr.Request):
                if not can_edit(request):
                    return (t(lg, "not_allowed"),) + refreshed(lg) + (False,)
                if not src:
                    return (t(lg, "pick_first"),) + refreshed(lg) + (False,)
                if not ok:
                    return (t(lg, "confirm_first"), gr.update(), gr.update(), gr.update(), False)
                n = library.delete(src)
                return (t(lg, "deleted", source=src, chunks=n),) + refreshed(lg) + (False,)

            delete_btn.click(on_delete, [pick, confirm, lang], [manage_result] + lib_outputs + [confirm],
                             api_visibility="private")

            def on_reindex(src, everything, lg, request):
                if not can_edit(request):
                    return (t(lg, "not_allowed"),) + refreshed(lg)
                if not src and not everything:
                    return (t(lg, "pick_first"),) + refreshed(lg)
                report = library.reindex(None if everything else src)
                return (t(lg, "reindexed", summary=report_text(report, lg)),) + refreshed(lg)

            def reindex_one(src, lg, request: gr.Request):
                return on_reindex(src, False, lg, request)

            def reindex_all(lg, request: gr.Request):
                return on_reindex(None, True, lg, request)

            reindex_btn.click(reindex_one, [pick, lang], [manage_result] + lib_outputs, api_visibility="private")
            reindex_all_btn.click(reindex_all, [lang], [manage_result] + lib_outputs, api_visibility="private")
            refresh_btn.click(refreshed, [lang], lib_outputs, api_visibility="private")

        # -- About ------------------------------------------------------------------------------------------------
        with tr(gr.Tab(t(L0, "tab_about"), id="about"), lambda lg: gr.update(label=t(lg, "tab_about"))):
            about = gr.HTML(about_html(kb, L0), elem_id="kb-about")

        # -- interface language, status ----------------------------------------------------------------------------
        def on_language(lg: str, history: list, st: SearchState, request: gr.Request):
            return [lg, *[make(lg) for _, make in translated], chat_html(lg, history),
                    page_html(st, lg) if st.query else "",
                    gr.update(value=library_table(kb, lg), label=t(lg, "documents")),
                    gr.update(value=log_table(kb, lg), label=t(lg, "log")), about_html(kb, lg),
                    status_line(library, lg, inbox),
                    gr.update(value=feedback_table(feedback, lg)) if can_edit(request) else gr.update()]

        ui_lang.change(on_language, [ui_lang, turns, sstate],
                       [lang, *[c for c, _ in translated], chat, results, docs_table, log_view, about, status,
                        fb_table], api_visibility="private")
        ui_lang.input(lambda lg: lg, ui_lang, saved_lang, api_visibility="private")  # remembered in this browser

        gr.Timer(2.0).tick(lambda lg: status_line(library, lg, inbox), [lang], [status], api_visibility="private",
                           show_progress="hidden")
        def on_load(lg, bid, saved, request: gr.Request):
            """Per visitor: the interface language (the last one chosen in this browser, else the browser's own
            when it is one of ours), editor controls, and the newest past conversation reopened."""
            lg = visitor_language(saved, request.headers.get("accept-language", "") if request else "", lg)
            editor = can_edit(request)
            owner = owner_of(request, bid)
            recent = conversations.list(owner)
            history = [(turn.question, turn.answer) for turn in conversations.load(owner, recent[0].id)] \
                if recent else []
            fb = feedback_view(lg, request) if editor else (gr.update(), gr.update())
            return (library_table(kb, lg), log_table(kb, lg), about_html(kb, lg), gr.update(visible=editor),
                    gr.update(visible=editor), gr.update(visible=editor), *fb,
                    *conv_outputs(lg, history, recent[0].id if recent else "", owner), lg)

        # setting the language radio (when it differs) fires its change event, which translates the page
        app.load(on_load, [lang, browser_id, saved_lang],
                 [docs_table, log_view, about, upload_group, manage, feedback_box, fb_table, fb_export, *conv_outs,
                  ui_lang],
                 api_visibility="private")

        # -- named API endpoints for scripts (gradio_client): first argument is the query text -------------------
        api_query = gr.Textbox(visible=False)
        api_out = gr.JSON(visible=False)
        gr.Button(visible=False).click(lambda q: {"query": q, "hits": [h.to_json() for h in kb.search(q)]},
                                       api_query, api_out, api_name="search")
        gr.Button(visible=False).click(lambda q: kb.ask(q).to_json(), api_query, api_out, api_name="ask")
    return app
