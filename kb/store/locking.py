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
            raise StoreLockedError(self._locked_message()) from None
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps({"pid": os.getpid(), "command": " ".join([Path(sys.argv[0]).name] + sys.argv[1:])[:200],
                             "since": time.strftime("%Y-%m-%d %H:%M:%S")}))
        fh.flush()
        self._fh = fh

    def _locked_message(self) -> str:
        try:
            owner = json.loads((self.folder / "owner.lock").read_text() or "{}")
        except (OSError, ValueError):
            owner = {}
        who = (f"process {owner.get('pid')} (`{owner.get('command')}`, since {owner.get('since')})"
               if owner else "another process")
        return (f"the knowledge base at {self.folder} is in use by {who}. Stop that process, or add files through "
                "the running app (its watched inbox or upload), or set KB_QDRANT_URL to share a Qdrant server")

    def release(self) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None
