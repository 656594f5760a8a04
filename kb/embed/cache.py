"""Passage vectors by (model fingerprint, exact text), in SQLite under the data home: a file whose paragraphs
mostly did not change, or a renamed/moved file, is re-stored without running the model again. Entries are
written in one transaction per batch (a crash loses at most that batch); a damaged cache is moved aside and
rebuilt, never trusted. Past `max_entries` the entries written longest ago are dropped (~1.6 KB each)."""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


class EmbeddingCache:
    def __init__(self, path: Path, fingerprint: str, dim: int, max_entries: int = 500_000):
        self.path = path
        self.dim = dim
        self.max_entries = max_entries
        self._prefix = hashlib.sha256(fingerprint.encode()).hexdigest()[:16]
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = self._connect()
        except sqlite3.DatabaseError as e:
            log.warning("embedding cache %s is damaged (%s); starting a new one", path, e)
            path.rename(path.with_suffix(".damaged"))
            self._db = self._connect()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
        db.execute("SELECT count(*) FROM vectors LIMIT 1").fetchone()
        return db

    def _key(self, text: str) -> str:
        return self._prefix + hashlib.sha256(text.encode("utf-8")).hexdigest()

    def get_many(self, texts: list[str]) -> list[np.ndarray | None]:
        keys = [self._key(t) for t in texts]
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for i in range(0, len(keys), 500):
                part = keys[i:i + 500]
                rows = self._db.execute(f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(part))})",
                                        part).fetchall()
                for k, blob in rows:
                    v = np.frombuffer(blob, dtype=np.float32)
                    if v.shape == (self.dim,):
                        found[k] = v
        return [found.get(k) for k in keys]

    def put_many(self, texts: list[str], vectors) -> None:
        rows = [(self._key(t), np.asarray(v, dtype=np.float32).tobytes()) for t, v in zip(texts, vectors)]
        with self._lock, self._db:
            self._db.executemany("INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)", rows)
            over = self._db.execute("SELECT count(*) FROM vectors").fetchone()[0] - self.max_entries
            if over > 0:  # drop the entries written longest ago (a re-written entry counts as new)
                self._db.execute("DELETE FROM vectors WHERE rowid IN (SELECT rowid FROM vectors ORDER BY rowid "
                                 "LIMIT ?)", (over,))

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT count(*) FROM vectors").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()
