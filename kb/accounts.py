"""Accounts with a role: readers ask, search and open documents; editors also upload, delete and re-index.

Passwords are stored only as Argon2id hashes (argon2-cffi) in `users.json` in the data home (file mode 0600),
managed with `kb users add/remove/list`. The single `KB_APP_PASSWORD` stays as the simple case: one editor (a
reader when `KB_READ_ONLY` is set). Argon2 is slow by design, so a password that checked out is remembered (as
a salted digest, in memory, for a few minutes) and the page's many requests do not each pay for it."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from kb.errors import ConfigError

ROLES = ("reader", "editor")
READER, EDITOR = ROLES
_REMEMBER_SECONDS = 300


@dataclass(frozen=True, slots=True)
class User:
    name: str
    role: str


class Accounts:
    """The users of one data home (users.json) plus the single configured password, if any."""

    def __init__(self, home: Path, app_user: str = "planner", app_password: str | None = None,
                 read_only: bool = False):
        self.path = Path(home) / "users.json"
        self.app_user, self.app_password, self.read_only = app_user, app_password, read_only
        self._lock = threading.Lock()
        self._remembered: dict[str, tuple[float, User]] = {}
        self._salt = secrets.token_bytes(16)

    @classmethod
    def from_settings(cls, s) -> "Accounts":
        return cls(s.home, s.app_user, s.app_password, s.read_only)

    # -- the users file --------------------------------------------------------------------------------------
    def _read(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as e:
            raise ConfigError(f"{self.path} cannot be read ({e}); fix it or remove it and add the users again") from e
        users = data.get("users") if isinstance(data, dict) else None
        return users if isinstance(users, dict) else {}

    def _write(self, users: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"users": users}, f, indent=1, ensure_ascii=False)
        os.replace(tmp, self.path)
        self._remembered.clear()

    def list(self) -> list[User]:
        return sorted((User(name, d.get("role", READER)) for name, d in self._read().items()), key=lambda u: u.name)

    def add(self, name: str, password: str, role: str = READER) -> None:
        """Add a user, or change an existing user's password and role."""
        from argon2 import PasswordHasher

        name = name.strip()
        if not name or ":" in name or any(c.isspace() or ord(c) < 32 for c in name):
            raise ConfigError(f"{name!r} cannot be a user name: no spaces, colons or control characters")
        if role not in ROLES:
            raise ConfigError(f"unknown role {role!r}; use reader or editor")
        if len(password) < 8:
            raise ConfigError("the password is too short: use at least 8 characters")
        with self._lock:
            users = self._read()
            users[name] = {"role": role, "hash": PasswordHasher().hash(password)}
            self._write(users)

    def remove(self, name: str) -> bool:
        with self._lock:
            users = self._read()
            if users.pop(name, None) is None:
                return False
            self._write(users)
            return True

    # -- checking a request ----------------------------------------------------------------------------------
    @property
    def required(self) -> bool:
        """Whether requests must carry a user name and password."""
        return bool(self.app_password) or bool(self._read())

    def authenticate(self, name: str, password: str) -> User | None:
        """The user, if the password is right."""
        key = hashlib.sha256(self._salt + f"{name}\0{password}".encode()).hexdigest()
        hit = self._remembered.get(key)
        if hit and time.monotonic() - hit[0] < _REMEMBER_SECONDS:
            return hit[1]
        user = self._check(name, password)
        if user is not None:
            self._remembered[key] = (time.monotonic(), user)
        return user

    def _check(self, name: str, password: str) -> User | None:
        from argon2 import PasswordHasher
        from argon2.exceptions import VerificationError, VerifyMismatchError

        entry = self._read().get(name)
        if isinstance(entry, dict) and entry.get("hash"):
            try:
                PasswordHasher().verify(entry["hash"], password)
            except (VerifyMismatchError, VerificationError, ValueError):
                return None
            return User(name, entry.get("role", READER))
        if self.app_password and hmac.compare_digest(name.encode(), self.app_user.encode()) and \
                hmac.compare_digest(password.encode(), self.app_password.encode()):
            return User(name, READER if self.read_only else EDITOR)
        return None

    def anonymous(self) -> User:
        """Who a request is when no password is required (the app on loopback): an editor unless read-only."""
        return User("", READER if self.read_only else EDITOR)
