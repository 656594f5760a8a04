"""The ingestion log: one JSON line per file and run (when, how it came in, what happened), kept under the data
home so the app's Library can show what the CLI, uploads and the inbox did. Appends are single writes (safe
between threads and processes); the log rolls over to `.1` past 5 MB."""

from __future__ import annotations

import json
import os
import threading
from collections import deque
from datetime import UTC, datetime
from pathlib import Path

from ingest.report import IngestReport

MAX_BYTES = 5 * 1024 * 1024
_lock = threading.Lock()


def log_path(home: Path) -> Path:
    return home / "ingest-log.jsonl"


def append(home: Path, report: IngestReport, origin: str) -> None:
    """Record every file of a report (origin: cli, upload, reindex, inbox, first-start)."""
    path = log_path(home)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    lines = "".join(json.dumps({"time": now, "origin": origin, **f.to_json()}, ensure_ascii=False) + "\n"
                    for f in report.files)
    if not lines:
        return
    with _lock:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            if path.stat().st_size > MAX_BYTES:
                os.replace(path, path.with_suffix(".jsonl.1"))
        except FileNotFoundError:
            pass
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, lines.encode("utf-8"))
        finally:
            os.close(fd)


def recent(home: Path, n: int = 200) -> list[dict]:
    """The last `n` entries, newest first (unreadable lines are skipped)."""
    path = log_path(home)
    if not path.exists():
        return []
    with path.open(encoding="utf-8", errors="replace") as f:
        tail = deque(f, maxlen=n)
    out = []
    for line in reversed(tail):
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


def failed_files(home: Path, stored: set[str], n: int = 500) -> list[dict]:
    """Files whose latest ingestion (within the last `n` entries) failed and that are not in the store: the
    ones a document listing shows as failed, newest first."""
    seen: set[str] = set()
    out = []
    for e in recent(home, n):
        key = e.get("source") or e.get("path")
        if key in seen:
            continue
        seen.add(key)
        if e.get("status") == "failed" and key not in stored:
            out.append(e)
    return out
