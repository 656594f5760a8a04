"""The Gradio app: layout and callbacks only; every decision is made by kb/ (search, answers).

First step of the app: Ask, Search, Library (read-only) and About tabs and the named API endpoints /search and /ask (first argument: the
query text). Document text is shown in tables and text boxes, never rendered as HTML."""

from __future__ import annotations

import os

from kb.knowledge_base import KnowledgeBase
from kb.types import DOC_TYPES, SearchFilters

LIBRARY_COLUMNS = ["title", "type", "language", "date", "pages", "chunks", "source"]
SEARCH_COLUMNS = ["rank", "score", "source", "page", "language", "type", "date", "text"]
CITATION_COLUMNS = ["n", "source", "title", "page", "language", "date", "quote"]


def search_rows(kb: KnowledgeBase, query: str, languages: list[str] | None = None,
                doc_types: list[str] | None = None, k: int = 10) -> list[list]:
    """Search results as table rows."""
    filters = SearchFilters(languages=languages or None, doc_types=doc_types or None)
    hits = kb.search(query, int(k), filters)
    return [[h.rank, round(h.score, 3), h.source, h.payload.get("page"), h.payload.get("language"),
             h.payload.get("doc_type"), h.payload.get("date"), " ".join(h.text.split())] for h in hits]


def ask_outputs(kb: KnowledgeBase, question: str, history: list[str] | None = None) -> tuple[str, list[list]]:
    """The answer text (with the fall-back notice) and its citations (or the leads) as table rows."""
    a = kb.ask(question, history or [])
    text = a.answer if not a.notice else f"{a.answer}\n\n({a.notice})"
    if a.abstained:
        rows = [[i, h.source, h.payload.get("title"), h.payload.get("page"), h.payload.get("language"),
                 h.payload.get("date"), " ".join(h.text.split())[:400]] for i, h in enumerate(a.leads, 1)]
    else:
        rows = [[c.n, c.source, c.title, c.page, c.language, c.date, " ".join(c.quote.split())] for c in a.citations]
    return text, rows


def library_rows(kb: KnowledgeBase) -> list[list]:
    """The documents table."""
    return [[d.title, d.doc_type, d.language, d.date, d.pages, d.chunks, d.source] for d in kb.docs()]


def about_text(kb: KnowledgeBase) -> str:
    """Model, store backend, counts and version, as plain lines."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        v = version("planning-kb")
    except PackageNotFoundError:
        v = "unknown"
    st = kb.stats()
    ident = st.get("identity") or {}
    return "\n".join([
        f"planning-kb {v}",
        f"Embedding model: {ident.get('embedding', kb.settings.embed_model)}",
        f"Store: {st['backend']} at {st['location']}",
        f"Documents: {st['documents']} {st['documents_by_language']}",
        f"Passages: {st['chunks']} {st['chunks_by_language']}",
        f"Types: {st['documents_by_type']}",
        f"Search: {kb.settings.search_mode}; answers: {'LLM at ' + kb.settings.llm_url if kb.settings.llm_url else 'extractive'}",
    ])


def build_app(kb: KnowledgeBase):
    """The Blocks app over an open KnowledgeBase."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    with gr.Blocks(title="Smart Planning knowledge base") as app:
        gr.Markdown("## Smart Planning knowledge base · Klaipėda – Kurzeme")
        with gr.Tab("Ask"):
            question = gr.Textbox(label="Question (lt, lv, en)", lines=2)
            previous = gr.State([])
            ask_btn = gr.Button("Ask", variant="primary")
            answer = gr.Textbox(label="Answer", lines=6, interactive=False)
            citations = gr.Dataframe(headers=CITATION_COLUMNS, label="Citations", interactive=False, wrap=True)

            def on_ask(q: str, hist: list[str]):
                text, rows = ask_outputs(kb, q, hist)
                return text, rows, (hist + [q])[-5:]

            ask_btn.click(on_ask, [question, previous], [answer, citations, previous], api_visibility="private")
            question.submit(on_ask, [question, previous], [answer, citations, previous], api_visibility="private")
        with gr.Tab("Search"):
            query = gr.Textbox(label="Search")
            with gr.Row():
                langs = gr.CheckboxGroup(["lt", "lv", "en"], label="Languages")
                types = gr.CheckboxGroup(list(DOC_TYPES), label="Document types")
                k = gr.Slider(1, 50, value=10, step=1, label="Results")
            search_btn = gr.Button("Search", variant="primary")
            results = gr.Dataframe(headers=SEARCH_COLUMNS, label="Passages", interactive=False, wrap=True)
            search_btn.click(lambda q, lg, ty, n: search_rows(kb, q, lg, ty, n), [query, langs, types, k], results,
                             api_visibility="private")
        with gr.Tab("Library"):
            library = gr.Dataframe(headers=LIBRARY_COLUMNS, value=lambda: library_rows(kb), label="Documents",
                                   interactive=False, wrap=True)
            gr.Button("Refresh").click(lambda: library_rows(kb), None, library, api_visibility="private")
        with gr.Tab("About"):
            gr.Textbox(value=lambda: about_text(kb), label="About", lines=7, interactive=False)
        # named API endpoints for scripts (gradio_client): first argument is the query text
        api_query = gr.Textbox(visible=False)
        api_out = gr.JSON(visible=False)
        api_btn = gr.Button(visible=False)
        api_btn.click(lambda q: {"query": q, "hits": [h.to_json() for h in kb.search(q)]}, api_query, api_out,
                      api_name="search")
        ask_api_btn = gr.Button(visible=False)
        ask_api_btn.click(lambda q: kb.ask(q).to_json(), api_query, api_out, api_name="ask")
    return app
