"""Files that failed, remembered by source and content hash: a file that broke a limit (a decompression bomb, a
file too slow to parse) is not read again at every start — only when its content changes (or on re-index)."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path


class FailureMemory:
    """A small JSON file in the data home: {source: {"sha256": ..., "cause": ...}}."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()

    def _read(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def _write(self, data: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, self.path)

    def cause(self, source: str | None, sha256: str) -> str | None:
        """Why this exact content of `source` failed before (None if it did not)."""
        if not source:
            return None
        entry = self._read().get(source)
        return entry.get("cause") if isinstance(entry, dict) and entry.get("sha256") == sha256 else None

    def remember(self, source: str | None, sha256: str, cause: str) -> None:
        if not source:
            return
        with self._lock:
            data = self._read()
            data[source] = {"sha256": sha256, "cause": cause}
            self._write(data)

    def forget(self, source: str | None) -> None:
        if not source:
            return
        with self._lock:
            data = self._read()
            if data.pop(source, None) is not None:
                self._write(data)
