"""The library as staff manage it: add files (paths or uploads), delete, re-index, with one writer at a time,
live progress for the app, and every outcome recorded in the ingestion log. The CLI, the app and the inbox
watcher all go through this, so they share one pipeline and one report."""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ingest import log as ingest_log
from ingest.pipeline import Ingestor, Pending, Progress
from ingest.report import FileReport, IngestReport
from ingest.uploads import save_upload
from kb.errors import IngestError, KBError
from kb.knowledge_base import KnowledgeBase

log = logging.getLogger(__name__)
FIRST_START_MARK = "first-start.pending"
LONG_SLICE = 128  # passages of a long file written at a time (other writes get in between)


@dataclass
class Activity:
    """What the writer is doing now (read by the app's status line)."""

    busy: bool = False
    origin: str = ""
    done: int = 0
    total: int = 0
    current: str = ""
    started: float = 0.0
    chunks_done: int = 0
    last: dict = field(default_factory=dict)

    long: dict = field(default_factory=dict)  # the long file being written in the background, if any

    def snapshot(self) -> dict:
        rate = self.chunks_done / max(time.monotonic() - self.started, 1e-6) if self.busy else 0.0
        return {"busy": self.busy or bool(self.long), "origin": self.origin, "done": self.done, "total": self.total,
                "current": self.current, "chunks_per_s": round(rate, 2), "last": dict(self.last),
                "long": dict(self.long), "reading": self.busy}


class Library:
    """Writes to a KnowledgeBase. Files are read one at a time; with `long_files_aside` (the app) a file that
    makes more than KB_LONG_FILE_CHUNKS passages is written in the background, slice by slice, so the small
    files that arrive meanwhile are never held behind it."""

    def __init__(self, kb: KnowledgeBase, batch_chunks: int = 64, long_files_aside: bool = False):
        self.kb = kb
        self.settings = kb.settings
        self.ingestor = Ingestor(kb, batch_chunks=batch_chunks)
        self.write_lock = threading.RLock()  # one store write at a time (a batch, a slice, a delete)
        self._reading = threading.Lock()  # one add() at a time reads files
        self.activity = Activity()
        self.cancel = threading.Event()  # set on shutdown: reading and background writing stop between steps
        self._last_write = 0.0  # monotonic time of the last change to the store (0: none since the start)
        self._optimizer: threading.Thread | None = None
        self._stop = threading.Event()
        self._long_files_aside = long_files_aside
        self._long_queue: queue.Queue = queue.Queue()
        self._long_worker: threading.Thread | None = None

    # -- long files, in the background --------------------------------------------------------------------------
    def _defer(self, item: Pending) -> bool:
        if not self._long_files_aside or len(item.chunks) <= self.settings.long_file_chunks:
            return False
        self._long_queue.put((item, self.activity.origin, item.report.status))  # its status once written
        if self._long_worker is None or not self._long_worker.is_alive():
            self._long_worker = threading.Thread(target=self._write_long_files, name="kb-long-files", daemon=True)
            self._long_worker.start()
        return True

    def _write_long_files(self) -> None:
        while not self.cancel.is_set():
            try:
                item, origin, status = self._long_queue.get(timeout=1.0)
            except queue.Empty:
                if self._long_queue.empty():
                    return
                continue
            self._write_long(item, origin, status)

    def _write_long(self, item: Pending, origin: str, status: str) -> None:
        chunks, r = item.chunks, item.report
        a = self.activity
        a.long = {"file": Path(r.path).name, "done": 0, "total": len(chunks), "started": time.monotonic()}
        try:
            for start in range(0, len(chunks), LONG_SLICE):
                if self.cancel.is_set():  # the half-written version is repaired by the next start
                    return
                points = self.kb.embed_chunks(chunks[start:start + LONG_SLICE])  # the model's work: no lock
                with self.write_lock:
                    self.kb.upsert_points(points)
                    self._last_write = time.monotonic()
                a.long["done"] = min(start + LONG_SLICE, len(chunks))
            with self.write_lock:
                self.kb.retire_older_versions(chunks[0])
                self.ingestor.finish(item)
            r.status = status
        except KBError as e:
            r.status, r.error = "failed", str(e)
        finally:
            a.long = {}
        ingest_log.append(self.settings.home, IngestReport(files=[r]), f"{origin} (long file)")

    # -- keeping the store fast -------------------------------------------------------------------------------
    def optimize_when_idle(self, idle_seconds: float, poll: float = 5.0) -> None:
        """Start a thread that optimises the store (aside: searches go on) once nothing has been written for
        `idle_seconds` after a change."""
        if idle_seconds <= 0 or self._optimizer is not None:
            return

        def loop() -> None:
            while not self._stop.wait(poll):
                if self._last_write and not self.activity.busy and \
                        time.monotonic() - self._last_write >= idle_seconds:
                    stamp = self._last_write
                    try:
                        swapped = self.kb.optimize_aside()
                        log.info("store optimised (%s)", "swapped in" if swapped else "nothing to do")
                    except KBError as e:
                        log.warning("optimising the store failed: %s", e)
                    if self._last_write == stamp:  # nothing new meanwhile; else try again after the next lull
                        self._last_write = 0.0

        self._optimizer = threading.Thread(target=loop, name="kb-optimizer", daemon=True)
        self._optimizer.start()

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop the background optimiser, any reading (between files) and the background writing of long files
        (between slices), and the parsing worker. True when everything stopped within `timeout` seconds; what
        was left half-written is repaired by the next start."""
        self._stop.set()
        self.cancel.set()
        deadline = time.monotonic() + timeout
        if self._long_worker is not None:
            self._long_worker.join(timeout=max(0.0, deadline - time.monotonic()))
        idle = self._reading.acquire(timeout=max(0.0, deadline - time.monotonic()))
        if idle:
            self._reading.release()
        self.ingestor.close()
        return idle and (self._long_worker is None or not self._long_worker.is_alive())

    # -- writing ----------------------------------------------------------------------------------------------
    def add(self, paths: list[Path], origin: str, force: bool = False, progress: Progress | None = None,
            extra_failures: list[FileReport] | None = None) -> IngestReport:
        """Ingest files or folders (the same pipeline as `kb ingest`) and log the outcome."""
        with self._reading:
            a = self.activity
            a.busy, a.origin, a.done, a.total, a.current = True, origin, 0, 0, ""
            a.started, a.chunks_done = time.monotonic(), 0

            def step(done: int, total: int, path: str) -> None:
                a.done, a.total, a.current = done, total, Path(path).name
                a.chunks_done = self.ingestor.chunks_prepared
                if progress:
                    progress(done, total, path)

            def write(fn) -> None:
                with self.write_lock:
                    fn()

            try:
                report = self.ingestor.ingest(paths, progress=step, force=force, defer=self._defer,
                                              cancel=self.cancel, write=write)
            finally:
                a.busy = False
            report.files = list(extra_failures or []) + report.files
            a.last = {"origin": origin, **report.counts(), "chunks": report.chunks()}
            if report.chunks() or any(f.status in ("moved", "deleted") for f in report.files):
                self._last_write = time.monotonic()
            ingest_log.append(self.settings.home, report, origin)
            return report

    def prune(self, folders: list[Path]) -> IngestReport:
        """Delete stored documents whose file lay under one of `folders` and is gone (deleted while nobody
        was watching). Files outside those folders are never touched."""
        roots = [Path(f).resolve() for f in folders]
        report = IngestReport()
        with self.write_lock:
            for d in self.kb.docs():
                p = self.settings.source_path(d.source)
                if p.exists():
                    continue
                rp = Path(os.path.abspath(p))
                if any(rp == r or r in rp.parents for r in roots):
                    n = self.kb.delete_source(d.source)
                    self._last_write = time.monotonic()
                    report.files.append(FileReport(str(p), "deleted", source=d.source, chunks=n))
        if report.files:
            ingest_log.append(self.settings.home, report, "prune")
        return report

    def upload(self, files: list[tuple[Path, str]]) -> IngestReport:
        """Uploaded temp files (path, original name): saved under safe names in the upload folder, then added.
        A refused file (too large, unsafe) is reported and the others go on."""
        folder = self.settings.source_path(self.settings.upload_dir)
        saved, refused = [], []
        for tmp, name in files:
            try:
                saved.append(save_upload(Path(tmp), name, folder, self.settings.upload_max_mb))
            except IngestError as e:
                refused.append(FileReport(e.path, "failed", error=e.cause))
            except OSError as e:
                refused.append(FileReport(name, "failed", error=f"cannot save the upload ({e.strerror or e})"))
        if not saved:
            report = IngestReport(files=refused)
            ingest_log.append(self.settings.home, report, "upload")
            return report
        return self.add(saved, "upload", extra_failures=refused)

    def delete(self, source: str) -> int:
        """Remove a document from the index (its file is left alone); returns the passages removed."""
        with self.write_lock:
            n = self.kb.delete_source(source)
            self._last_write = time.monotonic() if n else self._last_write
            ingest_log.append(self.settings.home, IngestReport(files=[FileReport(source, "deleted", source=source,
                                                                                   chunks=n)]), "delete")
            return n

    def reindex(self, source: str | None = None) -> IngestReport:
        """Read one document (or every stored one) again from its file and re-embed it."""
        sources = [source] if source else [d.source for d in self.kb.docs()]
        paths, missing = [], []
        for s in sources:
            p = self.settings.source_path(s)
            if p.exists():
                paths.append(p)
            else:
                missing.append(FileReport(str(p), "failed", source=s,
                                          error="the file is no longer there; delete the entry or put the file back"))
        if not paths:
            report = IngestReport(files=missing)
            ingest_log.append(self.settings.home, report, "reindex")
            return report
        return self.add(paths, "reindex", force=True, extra_failures=missing)

    def needs_first_start(self) -> bool:
        """An empty store, or a first start that was stopped before the sample corpus was all in."""
        corpus = self.settings.source_path(self.settings.corpus_dir)
        if not corpus.is_dir():
            return False
        try:
            empty = self.kb.chunk_count() == 0
        except KBError:
            empty = True
        return empty or (self.settings.home / FIRST_START_MARK).is_file()

    def first_start(self, progress: Progress | None = None) -> IngestReport | None:
        """Ingest the sample corpus (KB_CORPUS_DIR) into an empty store — or finish a first start that was stopped
        (unchanged files are skipped); None when there is nothing to do."""
        if not self.needs_first_start():
            return None
        mark = self.settings.home / FIRST_START_MARK
        mark.parent.mkdir(parents=True, exist_ok=True)
        mark.write_text("the first start has not finished; the next start goes on with it\n")
        report = self.add([self.settings.source_path(self.settings.corpus_dir)], "first-start", progress=progress)
        if not self.cancel.is_set():
            mark.unlink(missing_ok=True)
        return report


def ingest_paths(kb: KnowledgeBase, paths, origin: str = "python", force: bool = False,
                 prune: bool = False) -> IngestReport:
    """Ingest files or folders into `kb` through the Library (logged like `kb ingest`); `prune` also removes
    stored documents whose files were deleted from the given folders. Registered as the `planning_kb.ingestors`
    entry point behind `kb.ingest`."""
    library = Library(kb)
    paths = [Path(p) for p in paths]
    report = library.add(paths, origin, force=force)
    if prune:
        report.files += library.prune([p for p in paths if p.is_dir()]).files
    return report
