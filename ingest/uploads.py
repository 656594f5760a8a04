"""Files uploaded through the app: a safe name inside the upload folder, a size limit, never an overwrite of
another document (a different file with the same name gets a numbered name; the same content replaces itself)."""

from __future__ import annotations

import hashlib
import re
import shutil
import unicodedata
from pathlib import Path

from kb.errors import IngestError

_UNSAFE = re.compile(r"[^\w.\- ()]+", re.UNICODE)


def safe_name(name: str) -> str:
    """The last path component, NFC, with separators, control and shell characters replaced; never hidden,
    never empty, at most 120 characters (the extension kept)."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name or ""))[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C")
    base = _UNSAFE.sub("_", base).strip(" .")
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    stem = stem.strip(" .") or "upload"
    ext = ext[:10]
    stem = stem[: 120 - len(ext) - 1]
    return f"{stem}.{ext}" if ext else stem


def _sha(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def save_upload(src: Path, original_name: str, folder: Path, max_mb: float) -> Path:
    """Copy an uploaded temp file into `folder` under a safe name; returns the stored path."""
    name = safe_name(original_name)
    size = src.stat().st_size
    if size > max_mb * 1024 * 1024:
        raise IngestError(name, f"file is {size / 1048576:.1f} MB, above the upload limit of {max_mb:g} MB "
                                f"(KB_UPLOAD_MAX_MB)")
    folder.mkdir(parents=True, exist_ok=True)
    root = folder.resolve()
    target = root / name
    stem, ext = (name.rsplit(".", 1) + [""])[:2] if "." in name else (name, "")
    n = 2
    while target.exists() and _sha(target) != _sha(src):
        target = root / (f"{stem} ({n}).{ext}" if ext else f"{stem} ({n})")
        n += 1
    if target.resolve().parent != root:  # belt and braces: safe_name already removed separators
        raise IngestError(name, "the file name points outside the upload folder")
    tmp = target.with_name("." + target.name + ".part")
    shutil.copyfile(src, tmp)
    tmp.replace(target)
    return target
