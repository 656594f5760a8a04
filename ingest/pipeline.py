"""Files -> parsed documents -> chunks -> the store, with a per-file report.

A bad file is reported with its path and cause and left out; everything else goes on; nothing stored is
touched for a file that fails. Unchanged files (same content hash, complete in the store) are skipped."""

from __future__ import annotations

import fnmatch
import hashlib
import logging
import os
import stat
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ingest.chunker import chunk_document
from ingest.failures import FailureMemory
from ingest.isolation import ParseLimits, ParseWorker, ReaderUnavailable, parse_bounded
from ingest.lang import detect_chunk_language, document_language
from ingest.metadata import is_sidecar, resolve
from ingest.parsers import parser_for
from ingest.report import FileReport, IngestReport
from kb.errors import IngestError
from kb.knowledge_base import KnowledgeBase
from kb.store import doc_id_for
from kb.types import Chunk

log = logging.getLogger(__name__)
Progress = Callable[[int, int, str], None]


@dataclass(slots=True)
class Pending:
    """A file read and chunked, waiting to be written."""

    report: FileReport
    chunks: list[Chunk]


def source_for(path: Path, root: Path) -> str:
    """POSIX path relative to `root`, or the absolute POSIX path when outside it."""
    path = Path(os.path.abspath(path))
    try:
        return path.relative_to(Path(os.path.abspath(root))).as_posix()
    except ValueError:
        return path.as_posix()


IGNORE_FILE = ".kbignore"


def _ignored(patterns: list[tuple[Path, str]], path: Path, is_dir: bool) -> bool:
    """True when a `.kbignore` pattern (glob, relative to its folder; `name/` for folders) matches."""
    for base, pattern in patterns:
        try:
            rel = path.relative_to(base).as_posix()
        except ValueError:
            continue
        pat = pattern.rstrip("/")
        if pattern.endswith("/") and not is_dir:
            if any(fnmatch.fnmatchcase(part, pat) or fnmatch.fnmatchcase(rel, pat + "/*")
                   for part in rel.split("/")[:-1]):
                return True
            continue
        if fnmatch.fnmatchcase(rel, pat) or fnmatch.fnmatchcase(path.name, pat):
            return True
    return False


def _read_ignore(folder: Path) -> list[tuple[Path, str]]:
    f = folder / IGNORE_FILE
    if not f.is_file():
        return []
    lines = [ln.strip() for ln in f.read_text(encoding="utf-8", errors="replace").splitlines()]
    return [(folder, ln) for ln in lines if ln and not ln.startswith("#")]


def iter_files(paths: list[Path]) -> Iterator[tuple[Path, str | None]]:
    """(file, None) for every file under the given paths, or (path, error) for a path that cannot be walked.
    Hidden entries, metadata sidecars and what a folder's `.kbignore` names are passed over; symlink loops are
    reported, not followed."""
    seen_dirs: set[str] = set()
    for root in paths:
        if not os.path.lexists(root):
            yield root, "no such file or directory"
            continue
        if root.is_file():
            yield root, None
            continue
        if not root.is_dir():
            yield root, ("symbolic link loop or dangling link" if root.is_symlink() else "not a regular file or folder")
            continue
        ignore: list[tuple[Path, str]] = []
        for dirpath, dirnames, filenames in os.walk(root, followlinks=True, onerror=None):
            real = os.path.realpath(dirpath)
            if real in seen_dirs:
                yield Path(dirpath), "symbolic link loop (folder already visited); not followed"
                dirnames[:] = []
                continue
            seen_dirs.add(real)
            here = Path(dirpath)
            ignore += _read_ignore(here)
            dirnames[:] = sorted(d for d in dirnames
                                 if not d.startswith(".") and not _ignored(ignore, here / d, True))
            for name in sorted(filenames):
                p = here / name
                if name.startswith("..") and name not in ("..",):
                    # not a conventional dotfile (.git, .DS_Store) but easily a slip: say so instead of hiding it
                    yield p, 'the name starts with ".." and so is a hidden file; rename it to add it'
                    continue
                if name.startswith(".") or is_sidecar(p) or _ignored(ignore, p, False):
                    continue
                if not p.exists():
                    yield p, "dangling symbolic link or symbolic link loop"
                    continue
                yield p, None


class Ingestor:
    """Ingests files into a KnowledgeBase. `batch_chunks` chunks are embedded together across small files."""

    def __init__(self, kb: KnowledgeBase, batch_chunks: int = 64):
        self.kb = kb
        self.settings = kb.settings
        self.batch_chunks = batch_chunks
        self.limits = ParseLimits.from_settings(self.settings)
        self._worker: ParseWorker | None = None
        self.failures = FailureMemory(self.settings.home / "failed-files.json")
        self.chunks_prepared = 0  # chunks read so far in the current run (for progress: chunks/s)

    def ingest(self, paths: list[Path], progress: Progress | None = None, force: bool = False,
               defer: Callable[[Pending], bool] | None = None, cancel: threading.Event | None = None,
               write: Callable[[Callable[[], None]], None] | None = None) -> IngestReport:
        """Ingest every file under `paths`; the report says what happened to each. `force` re-reads and
        re-embeds files whose content is already stored (re-index). `defer(item)` may take a prepared file over
        (the app writes long files in the background; the report says "queued"); `cancel` stops between
        files; `write(fn)` runs each store write (the app runs them under its writer's lock)."""
        t0 = time.perf_counter()
        embedded0, reused0 = self.kb.embedder.vectors_embedded, self.kb.embedder.vectors_reused
        self.kb.prepare_for_writes()  # refuse a mismatching collection before anything is read
        report = IngestReport()
        self.chunks_prepared = 0
        files = list(iter_files([Path(p) for p in paths]))
        pending: list[Pending] = []
        run = write or (lambda fn: fn())
        for i, (path, walk_error) in enumerate(files):
            if cancel is not None and cancel.is_set():
                report.files.append(FileReport(str(path), "failed", error="stopped before it was read; it will "
                                                                          "be read at the next start"))
                continue
            if walk_error:
                report.files.append(FileReport(str(path), "failed", error=walk_error))
            else:
                item = self._prepare(path, force)
                report.files.append(item.report)
                if item.chunks:
                    self.chunks_prepared += len(item.chunks)
                    if defer is not None and defer(item):
                        item.report.status = "queued"
                    else:
                        pending.append(item)
                    if sum(len(p.chunks) for p in pending) >= self.batch_chunks:
                        run(lambda batch=pending: self._flush(batch))
                        pending = []
            if progress:
                progress(i + 1, len(files), str(path))
        if pending:
            run(lambda: self._flush(pending))
        report.seconds = time.perf_counter() - t0
        report.embedded = self.kb.embedder.vectors_embedded - embedded0
        report.reused = self.kb.embedder.vectors_reused - reused0
        return report

    def parse(self, suffix: str, data: bytes, path: str):
        """The parsed document: in the isolated worker (memory limit, time budget) unless switched off."""
        if not self.settings.parse_isolated:
            return parse_bounded(suffix, data, path, self.limits)
        if self._worker is None:
            self._worker = ParseWorker(self.limits)
        return self._worker.parse(suffix, data, path)

    def close(self) -> None:
        """Stop the parsing worker."""
        if self._worker is not None:
            self._worker.close()
            self._worker = None

    def _flush(self, pending: list[Pending]) -> None:
        if pending:
            self.kb.write_documents([p.chunks for p in pending])
            for p in pending:
                self.finish(p)

    def finish(self, p: Pending) -> None:
        """After a file's chunks are stored: a moved file's old entry goes; a file that failed before and now
        went in is no longer remembered as failed."""
        if p.report.moved_from:
            self.kb.delete_source(p.report.moved_from)
        self.failures.forget(p.report.source)

    def _same_content(self, sha: str) -> tuple[str | None, str | None]:
        """(a stored source of the same content whose file is gone — the file was renamed or moved —,
        a stored source of the same content whose file is still there — a duplicate copy)."""
        moved = present = None
        for src in self.kb.sources_with_content(sha):
            if src and not self.settings.source_path(src).exists():
                moved = moved or src
            elif src:
                present = present or src
        return moved, present

    def _prepare(self, path: Path, force: bool = False) -> Pending:
        report = FileReport(str(path), "failed")
        try:
            report.source = source_for(path, self.settings.source_root)
            chunks = self._chunks(path, report, force)
        except IngestError as e:
            report.status, report.error = "failed", e.cause
            return Pending(report, [])
        except OSError as e:
            report.status, report.error = "failed", f"cannot read the file ({e.strerror or e})"
            return Pending(report, [])
        except Exception as e:  # noqa: BLE001 - one odd file must not stop the batch
            log.exception("unexpected error while reading %s", path)
            report.status, report.error = "failed", f"could not be parsed ({type(e).__name__}: {e})"
            return Pending(report, [])
        return Pending(report, chunks)

    def _chunks(self, path: Path, report: FileReport, force: bool = False) -> list[Chunk]:
        s = self.settings
        before = path.stat()
        if not stat.S_ISREG(before.st_mode):
            raise IngestError(str(path), "not a regular file (a device, pipe or socket)")
        if before.st_size == 0:
            raise IngestError(str(path), "empty file (0 bytes)")
        if before.st_size > s.max_file_mb * 1024 * 1024:
            raise IngestError(str(path), f"file is {before.st_size / 1048576:.1f} MB, above the limit of "
                                         f"{s.max_file_mb:g} MB (KB_MAX_FILE_MB)")
        parser_for(path)  # an unsupported format is refused before the file is read
        data = path.read_bytes()
        after = path.stat()
        if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns) or len(data) != after.st_size:
            raise IngestError(str(path), "the file changed while it was being read; it will be read again next time")
        sha = hashlib.sha256(data).hexdigest()
        earlier = None if force else self.failures.cause(report.source, sha)
        if earlier:
            raise IngestError(str(path), f"{earlier} (not read again: the file has not changed since it failed)")
        doc_id = doc_id_for(report.source)
        stored = self.kb.stored_version(doc_id)
        if stored is not None and stored == (sha, True) and not force:
            report.status = "unchanged"
            return []
        if stored is None:
            report.moved_from, same = self._same_content(sha)
            if same and not report.moved_from:
                report.warnings.append(f"the same content is already in the library as {same}")
        try:
            doc = self.parse(path.suffix.lower(), data, str(path))
        except ReaderUnavailable:
            raise  # the next attempt reads the file again
        except IngestError as e:
            self.failures.remember(report.source, sha, e.cause)
            raise
        report.warnings.extend(doc.warnings)
        if not doc.text.strip():
            raise IngestError(str(path), "no text to index (the file holds only markup or white space)")
        meta = resolve(path, doc.metadata, doc.properties, report.warnings)
        spans = chunk_document(doc, self.kb.embedder.count_tokens, s.chunk_tokens, s.chunk_overlap_tokens)
        if not spans:
            raise IngestError(str(path), "no text to index after parsing")
        if len(spans) > s.max_chunks_per_file:
            report.warnings.append(f"the file makes {len(spans):,} passages; only the first {s.max_chunks_per_file:,} "
                                   "are indexed (KB_MAX_CHUNKS_PER_FILE)")
            spans = spans[:s.max_chunks_per_file]
        texts = [doc.pages[sp.page_index].text[sp.start:sp.end] for sp in spans]
        detected = [detect_chunk_language(t, s.languages) for t in texts]
        language = document_language(meta.get("language"), list(zip(texts, detected)), s.languages)
        title = str(meta.get("title") or _first_line(doc.text) or path.stem.replace("_", " ").replace("-", " "))
        extra = {k: v for k, v in meta.items() if k not in ("title", "doc_type", "date", "language")
                 and isinstance(v, (str, int, float, bool, list))}
        paged = any(p.number is not None for p in doc.pages)
        chunks = []
        for i, (sp, text, lang) in enumerate(zip(spans, texts, detected)):
            page = doc.pages[sp.page_index]
            chunks.append(Chunk(
                doc_id=doc_id, source=report.source, content_sha256=sha, title=title, doc_type=meta["doc_type"],
                language=language, chunk_language=lang or language, text=text,
                chunk_index=i, chunk_count=len(spans), char_start=sp.start, char_end=sp.end, date=meta.get("date"),
                page=page.number, page_end=page.number, page_label=page.label, section=sp.section,
                extra={**extra, "page_count": len(doc.pages) if paged else None, "warnings": list(report.warnings)}))
        report.status = "updated" if stored is not None else ("moved" if report.moved_from else "added")
        report.chunks, report.language = len(chunks), language
        report.pages = len(doc.pages) if paged else None
        return chunks


def _first_line(text: str) -> str:
    """The first line when it reads like a title (short, not a sentence), else ""."""
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line if len(line) <= 100 and not line.endswith((".", ",", ";", ":")) else ""
    return ""
