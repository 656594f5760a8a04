"""One owner per embedded store: an advisory lock with the owner's pid and command, so a second process
can say who holds the store and what to do."""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from pathlib import Path

from kb.errors import StoreLockedError


class OwnerLock:
    """Exclusive, non-blocking lock on `folder/owner.lock`; released on close or process exit."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._fh = None

    def acquire(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        fh = open(self.folder / "owner.lock", "a+")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            owner = self.owner()
            raise StoreLockedError(self._locked_message(owner), owner) from None
        self._fh = fh
        self._info = {"pid": os.getpid(), "command": " ".join([Path(sys.argv[0]).name] + sys.argv[1:])[:200],
                      "since": time.strftime("%Y-%m-%d %H:%M:%S")}
        self._write()

    def _write(self) -> None:
        self._fh.seek(0)
        self._fh.truncate()
        self._fh.write(json.dumps(self._info))
        self._fh.flush()

    def announce(self, url: str) -> None:
        """Record the URL of the app that holds the store, so other commands can go through it."""
        if self._fh is not None:
            self._info["url"] = url
            self._write()

    def owner(self) -> dict:
        try:
            return json.loads((self.folder / "owner.lock").read_text() or "{}")
        except (OSError, ValueError):
            return {}

    def _locked_message(self, owner: dict) -> str:
        who = (f"process {owner.get('pid')} (`{owner.get('command')}`, since {owner.get('since')})"
               if owner else "another process")
        app = f" at {owner['url']}" if owner.get("url") else ""
        return (f"the knowledge base at {self.folder} is in use by {who}. Stop that process, or add files through "
                f"the running app{app} (its watched inbox or upload), or set KB_QDRANT_URL to share a Qdrant server")

    def release(self) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None
