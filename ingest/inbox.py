"""The watched inbox: staff drop files into a folder and search follows the folder. A watchdog observer collects
events; a worker waits until a burst is over and every file has stopped changing (size and mtime stable for
`settle` seconds — half-written copies are waited for), then sends the batch through the Library (the same
pipeline and report as `kb ingest`) and removes documents whose files are gone. A start-up scan reconciles the
folder with the store (files added, changed or deleted while the app was down)."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from ingest.library import Library

log = logging.getLogger(__name__)
CHANGED_WHILE_READING = "the file changed while it was being read"


class Inbox:
    def __init__(self, library: Library, folder: Path, settle: float = 1.0):
        self.library = library
        self.folder = Path(folder).resolve()
        self.settle = settle
        self._pending: dict[Path, tuple[float, tuple | None]] = {}  # path -> (last event time, (size, mtime))
        self._removed = False  # something was deleted or moved away: prune after the batch
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._observer = None
        self._worker: threading.Thread | None = None
        self.batches = 0
        self.last_report = None

    # -- lifecycle ----------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Reconcile the folder with the store, then watch it (both in the background)."""
        from watchdog.observers import Observer

        self.folder.mkdir(parents=True, exist_ok=True)
        self._observer = Observer()
        self._observer.schedule(_Handler(self), str(self.folder), recursive=True)
        self._observer.start()
        self._worker = threading.Thread(target=self._run, name="kb-inbox", daemon=True)
        self._worker.start()

    def stop(self) -> None:
        self._stop.set()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
        if self._worker is not None:
            self._worker.join(timeout=30)

    def waiting(self) -> list[str]:
        """Files seen but not yet ingested (for the app's status line)."""
        with self._lock:
            return sorted(p.name for p in self._pending)

    # -- events -------------------------------------------------------------------------------------------------
    def touched(self, path: str) -> None:
        p = Path(path)
        parts = [part for part in p.relative_to(self.folder).parts if part]
        hidden = any(part.startswith(".") for part in parts[:-1]) or (
            parts and parts[-1].startswith(".") and not parts[-1].startswith(".."))  # "..name" is reported
        if hidden or p.suffix == ".part":
            return
        with self._lock:
            self._pending[p] = (time.monotonic(), None)

    def removed(self, path: str) -> None:
        with self._lock:
            self._pending.pop(Path(path), None)
            self._removed = True

    # -- worker -------------------------------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self.scan()
        except Exception:  # noqa: BLE001 - the watcher must outlive one bad scan
            log.exception("inbox start-up scan failed")
        while not self._stop.wait(0.2):
            try:
                self._tick()
            except Exception:  # noqa: BLE001
                log.exception("inbox batch failed")

    def scan(self) -> None:
        """Reconcile: ingest what is new or changed, remove what is gone. Files modified within the settle time
        may still be being written: they join the watched queue instead."""
        from ingest.pipeline import iter_files

        now, ready = time.time(), []
        for p, error in iter_files([self.folder]):
            try:
                fresh = error is None and now - p.stat().st_mtime < self.settle
            except OSError:
                fresh = False
            if fresh:
                self.touched(str(p))
            else:
                ready.append(p)
        report = self.library.add(ready, "inbox")
        report.files += self.library.prune([self.folder]).files
        self.last_report = report
        self.batches += 1

    def _tick(self) -> None:
        now = time.monotonic()
        ready, removed = [], False
        with self._lock:
            if self._pending and now - max(t for t, _ in self._pending.values()) < self.settle:
                return  # a burst is still arriving
            for p, (t, sig) in list(self._pending.items()):
                try:
                    st = p.stat()
                except FileNotFoundError:
                    del self._pending[p]
                    removed = True
                    continue
                if p.is_dir():
                    del self._pending[p]
                    ready.append(p)
                    continue
                current = (st.st_size, st.st_mtime_ns)
                if sig != current or now - t < self.settle:  # still being written: look again later
                    if sig != current:
                        self._pending[p] = (now, current)
                    continue
                del self._pending[p]
                ready.append(p)
            removed = removed or self._removed
            self._removed = False
        if not ready and not removed:
            return
        report = self.library.add(ready, "inbox") if ready else None
        if report is not None:
            for f in report.files:  # copied over while we read it: try again
                if f.status == "failed" and f.error and CHANGED_WHILE_READING in f.error:
                    self.touched(f.path)
        pruned = self.library.prune([self.folder]) if removed or (report and report.counts().get("moved")) else None
        if report is None:
            report = pruned
        elif pruned is not None:
            report.files += pruned.files
        self.last_report = report
        self.batches += 1


class _Handler:
    """watchdog callbacks → Inbox (a plain object with dispatch, so watchdog's base class is not needed here)."""

    def __init__(self, inbox: Inbox):
        self.inbox = inbox

    def dispatch(self, event) -> None:
        kind = event.event_type
        if kind in ("created", "modified", "closed"):
            if not event.is_directory:
                self.inbox.touched(event.src_path)
        elif kind == "deleted":
            self.inbox.removed(event.src_path)
        elif kind == "moved":  # a moved folder is ingested whole by the worker
            self.inbox.removed(event.src_path)
            self.inbox.touched(event.dest_path)
