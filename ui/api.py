"""The web face around the Gradio app: the JSON API (kb.contract), the document route `/source/{doc_id}`,
`/healthz`, the optional password (HTTP basic auth over everything: page, API, documents). ui.serve runs it."""

from __future__ import annotations

import base64
import hmac
from pathlib import Path

from fastapi import Request  # at module level: FastAPI resolves the (string) annotations of routes here

from kb import contract
from kb.errors import ConfigError
from kb.filters import filters_from_dict
from kb.knowledge_base import KnowledgeBase
from kb.settings import Settings

_TEXT_SUFFIXES = {".md", ".markdown", ".txt", ".text", ".html", ".htm"}
_MEDIA = {".pdf": "application/pdf",
          ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
          ".doc": "application/msword"}


def _authorised(header: str | None, settings: Settings) -> bool:
    if not header or not header.lower().startswith("basic "):
        return False
    try:
        user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    return (hmac.compare_digest(user.encode(), settings.app_user.encode())
            and hmac.compare_digest(password.encode(), (settings.app_password or "").encode()))


def create_app(kb: KnowledgeBase, blocks, library=None):
    """FastAPI app: /source/{doc_id}, /healthz (chunks stored, ingestion under way), and the Gradio Blocks
    at /."""
    import gradio as gr
    from fastapi import FastAPI, HTTPException
    from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response

    from ui.render import CSS

    settings = kb.settings
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    if settings.app_password:
        @app.middleware("http")
        async def basic_auth(request: Request, call_next):
            if not _authorised(request.headers.get("authorization"), settings):
                return PlainTextResponse("password required", status_code=401,
                                         headers={"WWW-Authenticate": 'Basic realm="planning-kb", charset="UTF-8"'})
            return await call_next(request)

    @app.get("/healthz")
    def healthz():
        activity = library.activity.snapshot() if library is not None else {}
        return JSONResponse({"ok": True, "chunks": kb.chunk_count(), "ingesting": bool(activity.get("busy")),
                             "activity": activity})

    # -- JSON API (kb.contract) for the CLI while this app owns the embedded store, and for scripts ------------
    @app.post(contract.SEARCH)
    def api_search(body: contract.SearchRequest):
        from kb.search import SearchOptions

        try:
            f = filters_from_dict(body.filters.model_dump())
            hits = kb.search(body.query, body.k, f, SearchOptions(mode=body.mode) if body.mode else None)
        except ConfigError as e:
            raise HTTPException(400, str(e)) from None
        return {"query": body.query, "hits": [h.to_json(full=True) for h in hits]}

    @app.post(contract.ASK)
    def api_ask(body: contract.AskRequest):
        try:
            f = filters_from_dict(body.filters.model_dump())
        except ConfigError as e:
            raise HTTPException(400, str(e)) from None
        return kb.ask(body.question, body.history, f if not f.is_empty() else None, body.language).to_json()

    @app.get(contract.DOCS)
    def api_docs():
        return [d.to_json() for d in kb.docs()]

    @app.post(contract.INGEST)
    def api_ingest(body: contract.IngestRequest, request: Request):
        # paths name files on this machine: only the local CLI may send them (a remote client could otherwise
        # make the app index any file it can read)
        if request.client is None or request.client.host not in ("127.0.0.1", "::1", "localhost"):
            raise HTTPException(403, "ingestion by path is only accepted from this machine; upload files instead")
        if library is None or settings.read_only:
            raise HTTPException(403, "this app does not accept documents (read-only)")
        paths = [Path(p) for p in body.paths]
        if not paths or not all(p.is_absolute() for p in paths):
            raise HTTPException(400, "give absolute paths of files or folders on this machine")
        report = library.add(paths, body.origin, force=body.force)
        if body.prune:
            report.files += library.prune([p for p in paths if p.is_dir()]).files
        return report.to_json()

    @app.get("/source/{doc_id}")
    def source(doc_id: str):
        src = kb.source_of(doc_id)  # the only way a file is found: no path comes from the URL
        if src is None:
            raise HTTPException(404, "no such document in the knowledge base")
        path = settings.source_path(src)
        if not path.is_file():
            raise HTTPException(404, f"{src}: the file is no longer at {path}")
        suffix = path.suffix.lower()
        safe = {"X-Content-Type-Options": "nosniff"}
        if suffix in _TEXT_SUFFIXES:
            from ingest.decode import decode_text

            # shown as plain text (never as HTML from this origin), decoded the way ingestion decoded it
            text, _ = decode_text(path.read_bytes(), str(path))
            return Response(text, media_type="text/plain; charset=utf-8",
                            headers={**safe, "Content-Security-Policy": "default-src 'none'; sandbox"})
        disposition = "inline" if suffix == ".pdf" else "attachment"
        return FileResponse(path, media_type=_MEDIA.get(suffix, "application/octet-stream"),
                            filename=path.name, content_disposition_type=disposition, headers=safe)

    return gr.mount_gradio_app(app, blocks, path="/", ssr_mode=False, show_error=True,
                               max_file_size=f"{int(settings.upload_max_mb)}mb", footer_links=["api"],
                               css=CSS, theme="default")
