"""The web face around the Gradio app: the JSON API (kb.contract), the document route `/source/{doc_id}`,
`/healthz`, and the guard in front of all of it.

The guard trusts no foreign request: only requests addressed to the app's own host names are served (loopback,
plus KB_ALLOWED_HOSTS for a deployment) — a page on another site that rebinds its name to 127.0.0.1 gets a 400;
where accounts or a password exist, every request (page, API, documents) needs a user with a role (HTTP basic
auth); ingestion by path also needs the token that only the data home's owner can read (`app.token`, 0600),
which the local CLI sends. ui.serve runs it."""

from __future__ import annotations

import base64
import hmac
from pathlib import Path

from fastapi import Request  # at module level: FastAPI resolves the (string) annotations of routes here

from kb import contract
from kb.accounts import EDITOR, Accounts
from kb.errors import ConfigError
from kb.filters import filters_from_dict
from kb.knowledge_base import KnowledgeBase
from kb.settings import Settings

_TEXT_SUFFIXES = {".md", ".markdown", ".txt", ".text", ".html", ".htm"}
_MEDIA = {".pdf": "application/pdf",
          ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
          ".doc": "application/msword"}


LOOPBACK = ("127.0.0.1", "localhost", "::1")
TOKEN_FILE = "app.token"


def allowed_hosts(settings: Settings) -> set[str]:
    """The host names (no ports) the app answers to."""
    hosts = {h.lower() for h in LOOPBACK} | {h.strip().lower() for h in settings.allowed_hosts if h.strip()}
    if settings.host not in ("0.0.0.0", "::", ""):
        hosts.add(settings.host.lower())
    return hosts


def host_of(header: str) -> str:
    """The host name of a Host header, without the port ("[::1]:7860" -> "::1")."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def credentials(header: str | None) -> tuple[str, str] | None:
    """(user, password) of a basic Authorization header."""
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return user, password


def write_token(settings: Settings) -> str:
    """A new secret for ingestion by path, readable only by the data home's owner."""
    import os
    import secrets

    token = secrets.token_hex(32)
    path = settings.home / TOKEN_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{TOKEN_FILE}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token)
    os.replace(tmp, path)
    return token


def read_token(settings: Settings) -> str | None:
    try:
        return (settings.home / TOKEN_FILE).read_text().strip() or None
    except OSError:
        return None


def create_app(kb: KnowledgeBase, blocks, library=None, accounts: Accounts | None = None, token: str | None = None):
    """FastAPI app: the guard, the JSON API, /source/{doc_id}, /healthz (chunks stored, ingestion under way),
    and the Gradio Blocks at /. `token`: the secret for ingestion by path (a new one is written to the data
    home when not given)."""
    import gradio as gr
    from fastapi import FastAPI, HTTPException
    from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response
    from starlette.concurrency import run_in_threadpool

    from ui.reader import CSP as READER_CSP
    from ui.reader import Reader
    from ui.render import CSS

    settings = kb.settings
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    hosts = allowed_hosts(settings)
    token = token if token is not None else write_token(settings)
    accounts = accounts or Accounts.from_settings(settings)

    @app.middleware("http")
    async def guard(request: Request, call_next):
        if host_of(request.headers.get("host", "")) not in hosts:
            return PlainTextResponse("unknown host: this app answers only to its own names (KB_ALLOWED_HOSTS)",
                                     status_code=400)
        if not accounts.required:
            request.state.user = accounts.anonymous()
            return await call_next(request)
        given = credentials(request.headers.get("authorization"))
        user = await run_in_threadpool(accounts.authenticate, *given) if given else None
        if user is None:
            return PlainTextResponse("user name and password required", status_code=401,
                                     headers={"WWW-Authenticate": 'Basic realm="planning-kb", charset="UTF-8"'})
        request.state.user = user
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
        # paths name files on this machine: only the owner of the data home may send them (its CLI reads the
        # token), from this machine, as an editor — a web page or another user could otherwise have any
        # readable file indexed
        if request.client is None or request.client.host not in ("127.0.0.1", "::1", "localhost"):
            raise HTTPException(403, "ingestion by path is only accepted from this machine; upload files instead")
        if not hmac.compare_digest(request.headers.get(contract.TOKEN_HEADER, ""), token):
            raise HTTPException(403, "ingestion by path needs the app's token (the kb command on the app's machine "
                                     "sends it); upload files instead")
        if getattr(request.state, "user", None) is None or request.state.user.role != EDITOR:
            raise HTTPException(403, "adding documents needs an editor account")
        if library is None or settings.read_only:
            raise HTTPException(403, "this app does not accept documents (read-only)")
        paths = [Path(p) for p in body.paths]
        if not paths or not all(p.is_absolute() for p in paths):
            raise HTTPException(400, "give absolute paths of files or folders on this machine")
        report = library.add(paths, body.origin, force=body.force)
        if body.prune:
            report.files += library.prune([p for p in paths if p.is_dir()]).files
        return report.to_json()

    reader = Reader(kb)

    @app.get("/read/{chunk_id}")
    def read(chunk_id: str, request: Request):
        """A cited passage in its document, the quote marked (ui.reader)."""
        q = request.query_params

        def number(key):
            v = q.get(key, "")
            return int(v) if v.isdigit() else None

        lang = q.get("lang") if q.get("lang") in ("lt", "lv", "en") else settings.ui_language
        page = reader.page(chunk_id, number("s"), number("e"), lang)
        if page is None:
            raise HTTPException(404, "no such passage in the knowledge base")
        return HTMLResponse(page, headers={"Content-Security-Policy": READER_CSP, "X-Content-Type-Options": "nosniff",
                                           "Referrer-Policy": "no-referrer"})

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
                               max_file_size=f"{int(settings.upload_max_mb)}mb", footer_links=[],
                               css=CSS, theme="default")
