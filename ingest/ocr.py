"""OCR of PDF pages without a text layer, where Debian's `tesseract` (with lit/lav/eng data) and `pdftoppm`
are installed. Optional: without them, such pages are reported instead."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

OCR_LANGUAGES = ("lit", "lav", "eng")


@lru_cache(maxsize=1)
def ocr_languages() -> tuple[str, ...]:
    """The wanted languages that tesseract has data for (empty when tesseract or pdftoppm is missing)."""
    if not shutil.which("tesseract") or not shutil.which("pdftoppm"):
        return ()
    try:
        out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    have = {line.strip() for line in out.splitlines()}
    return tuple(lang for lang in OCR_LANGUAGES if lang in have)


def ocr_available() -> bool:
    return bool(ocr_languages())


def ocr_pdf_page(data: bytes, page: int, dpi: int = 300, timeout: int = 120) -> str | None:
    """Text of one page (1-based) by OCR, or None when it fails."""
    langs = ocr_languages()
    if not langs:
        return None
    with tempfile.TemporaryDirectory(prefix="kb-ocr-") as tmp:
        pdf = Path(tmp) / "in.pdf"
        pdf.write_bytes(data)
        try:
            subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", str(pdf),
                            str(Path(tmp) / "p")], check=True, capture_output=True, timeout=timeout)
            images = sorted(Path(tmp).glob("p*.png"))
            if not images:
                return None
            out = subprocess.run(["tesseract", str(images[0]), "stdout", "-l", "+".join(langs)],
                                 check=True, capture_output=True, text=True, timeout=timeout)
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout
