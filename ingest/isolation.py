"""Parsing where a runaway file cannot take the app down: a child process with a memory limit and a time budget
per file, and limits on what a file may unpack to.

One long-lived worker process parses files one after another (starting a process per file would cost more than
most files take). A file that needs more memory than the limit, or more time than the budget, is reported with
that cause and the worker is started again; the rest of the batch goes on. Inside the worker, a zip-based file
(DOCX) is opened only when its members are few and small enough when unpacked, and the text a file yields is cut
at a limit (with a warning that says so)."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from ingest.document import Page, ParsedDocument, Section
from kb.errors import IngestError

log = logging.getLogger(__name__)
STARTUP_SECONDS = 120.0  # for the worker's imports, on a busy machine


class ReaderUnavailable(IngestError):
    """The reader process could not start: no fault of the file, so the failure is not remembered for it."""


@dataclass(frozen=True, slots=True)
class ParseLimits:
    """What one file may cost (from settings)."""

    memory_mb: int = 2048
    seconds: float = 300.0
    unpacked_mb: float = 300.0  # the sum of a zip-based file's members, unpacked
    zip_members: int = 5000
    text_chars: int = 10_000_000

    @classmethod
    def from_settings(cls, s) -> "ParseLimits":
        return cls(s.parse_memory_mb, s.parse_seconds, s.max_unpacked_mb, s.max_zip_members, s.max_text_chars)


def check_zip(data: bytes, path: str, limits: ParseLimits) -> None:
    """Refuse a zip-based document (DOCX) that would unpack to more than the limits allow — a decompression
    bomb — before any of it is unpacked."""
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            members = z.infolist()
    except zipfile.BadZipFile:
        return  # the parser says what is wrong with it
    if len(members) > limits.zip_members:
        raise IngestError(path, f"the file holds {len(members):,} packed parts, more than the {limits.zip_members:,} "
                                "a document needs (KB_MAX_ZIP_MEMBERS); it was not unpacked")
    total = sum(m.file_size for m in members)
    if total > limits.unpacked_mb * 1024 * 1024:
        raise IngestError(path, f"the file would unpack to {total / 1048576:,.0f} MB, above the limit of "
                                f"{limits.unpacked_mb:g} MB (KB_MAX_UNPACKED_MB); it was not unpacked")


def cap_text(doc: ParsedDocument, limits: ParseLimits) -> ParsedDocument:
    """Keep the document's text within the limit: pages beyond it are left out and the page that crosses it is
    cut, with a warning that says how much was indexed."""
    total = sum(len(p.text) for p in doc.pages)
    if total <= limits.text_chars:
        return doc
    kept_pages: list[Page] = []
    left = limits.text_chars
    for p in doc.pages:
        if left <= 0:
            break
        kept_pages.append(Page(p.text[:left], p.number, p.label))
        left -= len(p.text)
    sections = []
    for s in doc.sections:
        if s.page_index >= len(kept_pages):
            continue
        end = min(s.end, len(kept_pages[s.page_index].text))
        if s.start < end:
            sections.append(Section(s.page_index, s.start, end, s.path))
    doc.pages, doc.sections = kept_pages, sections
    doc.warnings.append(f"the file holds {total / 1e6:.1f} million characters of text; only the first "
                        f"{limits.text_chars / 1e6:.1f} million are indexed (KB_MAX_TEXT_CHARS)")
    return doc


def parse_bounded(suffix: str, data: bytes, path: str, limits: ParseLimits) -> ParsedDocument:
    """Parse in this process within the unpacking and text limits (what the worker runs)."""
    from ingest.parsers import parser_for

    parser = parser_for(Path(path).with_suffix(suffix))
    if suffix in (".docx",):
        check_zip(data, path, limits)
    return cap_text(parser(data, path), limits)


def _worker_main(conn, memory_mb: int) -> None:  # pragma: no cover - runs in the child process
    import resource
    import warnings

    # nothing a parser logs or warns about reaches the terminal: what matters comes back as the file's cause
    logging.root.addHandler(logging.NullHandler())
    logging.root.setLevel(logging.CRITICAL)
    warnings.simplefilter("ignore")
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    conn.send(("ready", None))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        suffix, path, data, limits = msg
        try:
            conn.send(("ok", parse_bounded(suffix, data, path, limits)))
        except IngestError as e:
            conn.send(("error", e.cause))
        except MemoryError:
            conn.send(("error", f"reading it needs more than {memory_mb:,} MB of memory (KB_PARSE_MEMORY_MB)"))
        except RecursionError:
            conn.send(("error", "its structure is nested too deeply to read"))
        except Exception as e:  # noqa: BLE001 - one odd file must not stop the batch
            conn.send(("error", f"could not be parsed ({type(e).__name__}: {str(e)[:200]})"))


class ParseWorker:
    """A child process that parses files with a memory limit and a time budget; restarted after a file broke
    it. Thread-safe: one file at a time."""

    def __init__(self, limits: ParseLimits):
        self.limits = limits
        self._lock = threading.Lock()
        self._proc = None
        self._conn = None
        self._stderr = None

    def _start(self, path: str) -> None:
        # a plain `python -m ingest.isolation` child, not a multiprocessing one: multiprocessing's spawn re-runs
        # the caller's main script in the child, so a script using the Python API without an
        # `if __name__ == "__main__":` guard would have every file fail
        parent, child = socket.socketpair()
        root = str(Path(__file__).resolve().parents[1])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}
        self._stderr = tempfile.TemporaryFile()
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "ingest.isolation", str(child.fileno()), str(self.limits.memory_mb)],
                pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=self._stderr, env=env)
        finally:
            child.close()
        self._conn = Connection(parent.detach())
        try:  # the worker says it is ready once its imports are done: a failure to start is not a file's fault
            ready = self._conn.poll(STARTUP_SECONDS) and self._conn.recv()[0] == "ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
            code, cause = self._exit_code(), self._last_error_line()
            self._stop()
            raise ReaderUnavailable(path, f"not read: the reader process could not start (exit code {code}"
                                    f"{': ' + cause[:300] if cause else ''}); the file is not at fault — check that "
                                    f"{sys.executable} can run `python -m ingest.isolation`")

    def _stop(self) -> None:
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.kill()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if self._conn is not None:
            self._conn.close()
        if self._stderr is not None:
            self._stderr.close()
        self._proc = self._conn = self._stderr = None

    def _exit_code(self) -> int | None:
        try:
            return self._proc.wait(timeout=2) if self._proc is not None else None
        except subprocess.TimeoutExpired:
            return None

    def _last_error_line(self) -> str:
        try:
            self._stderr.seek(0)
            lines = [ln.strip() for ln in self._stderr.read()[-4000:].decode("utf-8", "replace").splitlines()]
            return next((ln for ln in reversed(lines) if ln), "")
        except (OSError, ValueError, AttributeError):
            return ""

    def parse(self, suffix: str, data: bytes, path: str) -> ParsedDocument:
        """The parsed document, or IngestError with the cause (including "took longer than …" and "needs more
        memory than …")."""
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._stop()
                self._start(path)
            t = time.monotonic()
            try:
                self._conn.send((suffix, path, data, self.limits))
                if not self._conn.poll(self.limits.seconds):
                    self._stop()
                    raise IngestError(path, f"reading it took longer than {self.limits.seconds:g} s "
                                            "(KB_PARSE_SECONDS); it was stopped")
                status, value = self._conn.recv()
            except (EOFError, OSError, BrokenPipeError):
                code = self._exit_code()
                self._stop()
                raise IngestError(path, f"the reader stopped while reading it (exit code {code}): it probably needs "
                                        f"more than {self.limits.memory_mb:,} MB of memory (KB_PARSE_MEMORY_MB)") \
                    from None
            log.debug("parsed %s in %.2fs", path, time.monotonic() - t)
            if status == "error":
                raise IngestError(path, value)
            return value

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.send(None)
                except OSError:
                    pass
            self._stop()


if __name__ == "__main__":  # pragma: no cover - the worker process (ParseWorker._start)
    _worker_main(Connection(int(sys.argv[1])), int(sys.argv[2]))
