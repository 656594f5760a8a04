"""Starting the app: the port check, the store and the library, the first-start ingestion of the sample corpus
in the background, the watched inbox, the web server (uvicorn) and a clean stop. `kb serve` calls `serve`;
tests call `start_in_thread`."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

from kb.errors import ConfigError, KBError
from kb.knowledge_base import KnowledgeBase
from kb.settings import Settings

log = logging.getLogger(__name__)
Say = Callable[[str], None]


def check_port(host: str, port: int) -> None:
    """Refuse a port already in use before anything starts, with the fix named."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as e:
        raise ConfigError(f"cannot listen on {host}:{port} ({e.strerror or e}); is the app already running? "
                          "Choose another port with --port or KB_PORT") from None


def serve(settings: Settings, host: str, port: int, watch: Path | None, say: Say) -> None:
    """Run the app until it is stopped (Ctrl+C)."""
    from ingest.library import Library
    from kb.accounts import Accounts
    from ui.api import create_app
    from ui.app import build_app

    accounts = Accounts.from_settings(settings)
    if host not in ("127.0.0.1", "localhost", "::1") and not accounts.required and not settings.allow_open:
        raise ConfigError(f"refusing to listen on {host} without a password: anyone who reaches the port could "
                          "read and change the library. Add accounts (`kb users add NAME --role editor`) or set "
                          "KB_APP_PASSWORD, or set KB_ALLOW_OPEN=true if that is really meant")
    check_port(host, port)
    kb = KnowledgeBase.open(settings)
    try:
        library = Library(kb, long_files_aside=True)
        if library.needs_first_start():
            say(f"first start: ingesting {settings.source_path(settings.corpus_dir)} in the background …")
            threading.Thread(target=_first_start, args=(library, say), name="kb-first-start", daemon=True).start()
        inbox = None
        if watch is not None:
            from ingest.inbox import Inbox

            inbox = Inbox(library, settings.source_path(watch), settings.watch_settle_seconds)
            inbox.start()
            say(f"watching the inbox {inbox.folder}")
        library.optimize_when_idle(settings.optimize_idle_seconds)
        app = create_app(kb, build_app(kb, library, inbox, accounts), library, accounts)
        local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        kb.announce(f"http://{local}:{port}")
        say(f"kb serve: http://{host}:{port}  (Ctrl+C to stop)")
        try:
            _server(app, host, port).run()  # returns on Ctrl+C or SIGTERM
        finally:
            say("stopping …")
            library.cancel.set()  # reading stops between files, long files between slices
            if inbox is not None:
                inbox.stop()
            if not library.stop(timeout=10):
                say("an ingestion did not stop in time; the next start repairs what it left")
    finally:
        kb.close()


def _first_start(library, say: Say) -> None:
    def progress(done: int, total: int, path: str) -> None:
        say(f"  [{done}/{total}] {Path(path).name}")

    try:
        report = library.first_start(progress=progress)
    except KBError as e:
        say(f"first start: {e}")
        return
    if report is not None:
        c = report.counts()
        say(f"first start: {c['added']} documents added, {c['failed']} failed, {report.chunks()} chunks in "
            f"{report.seconds:.0f}s")


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

