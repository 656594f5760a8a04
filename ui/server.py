"""The web server around the Gradio app: the document route `/source/{doc_id}`, the optional password
(HTTP basic auth over everything: page, API, documents) and uvicorn. `kb serve` calls `serve`; tests call
`start_in_thread`."""

from __future__ import annotations

import base64
import hmac
import threading
import time
from pathlib import Path

from fastapi import Request  # at module level: FastAPI resolves the (string) annotations of routes here

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

    from ui.render import CSS
    from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response

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
        return JSONResponse({"ok": True, "chunks": kb.store.count(), "ingesting": bool(activity.get("busy")),
                             "activity": activity})

    # -- JSON API for the CLI and scripts while this app owns the embedded store (kb.remote) ---------------------
    @app.get("/api/search")
    def api_search(q: str, k: int = 10, languages: str = "", doc_types: str = "", since: str = "", until: str = "",
                   source: str = ""):
        from datetime import date as _date

        from kb.types import SearchFilters

        def csv(v):
            return [x for x in v.split(",") if x] or None

        try:
            f = SearchFilters(languages=csv(languages), doc_types=csv(doc_types),
                              since=_date.fromisoformat(since) if since else None,
                              until=_date.fromisoformat(until) if until else None, source_glob=source or None)
        except ValueError as e:
            raise HTTPException(400, f"bad date: {e}") from None
        return {"query": q, "hits": [h.to_json() for h in kb.search(q, k, f)]}

    @app.post("/api/ask")
    def api_ask(body: dict):
        from kb.types import SearchFilters

        langs = body.get("languages") or None
        return kb.ask(str(body.get("question", "")), list(body.get("history") or []),
                      SearchFilters(languages=langs) if langs else None).to_json()

    @app.get("/api/docs")
    def api_docs():
        return [d.to_json() for d in kb.docs()]

    @app.post("/api/ingest")
    def api_ingest(body: dict, request: Request):
        # paths name files on this machine: only the local CLI may send them (a remote client could otherwise
        # make the app index any file it can read)
        if request.client is None or request.client.host not in ("127.0.0.1", "::1", "localhost"):
            raise HTTPException(403, "ingestion by path is only accepted from this machine; upload files instead")
        if library is None or settings.read_only:
            raise HTTPException(403, "this app does not accept documents (read-only)")
        paths = [Path(p) for p in body.get("paths") or []]
        if not paths or not all(p.is_absolute() for p in paths):
            raise HTTPException(400, "give absolute paths of files or folders on this machine")
        report = library.add(paths, str(body.get("origin") or "cli-via-app"), force=bool(body.get("force")))
        if body.get("prune"):
            pruned = library.prune([p for p in paths if p.is_dir()])
            report.files += pruned.files
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


class Running:
    """A server started in a thread (tests, `--check`)."""

    def __init__(self, server, thread, url: str):
        self.server, self.thread, self.url = server, thread, url

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def _server(app, host: str, port: int):
    import uvicorn

    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    return uvicorn.Server(config)


def start_in_thread(app, host: str = "127.0.0.1", port: int = 0) -> Running:
    """Run the app on a free port (port 0) in a daemon thread; returns once it accepts connections."""
    import socket

    if port == 0:
        with socket.socket() as s:
            s.bind((host, 0))
            port = s.getsockname()[1]
    server = _server(app, host, port)
    thread = threading.Thread(target=server.run, daemon=True, name="kb-web")
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the web server did not start on {host}:{port}")
        time.sleep(0.05)
    return Running(server, thread, f"http://{host}:{port}")


def serve_forever(app, host: str, port: int) -> None:
    _server(app, host, port).run()
