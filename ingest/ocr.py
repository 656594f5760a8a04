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
            out = subprocess.run(["tesseract", str(images[0]), "stdout", "-l", "+".join(langs), "tsv"],
                                 check=True, capture_output=True, text=True, timeout=timeout)
        except (OSError, subprocess.SubprocessError):
            return None
        return text_from_tsv(out.stdout)


def text_from_tsv(tsv: str, min_confidence: float = 60.0, min_words: int = 3) -> str | None:
    """Lines of recognised words, or None when the recognition is not trustworthy (few words or a low mean
    confidence: a drawing or unmappable glyphs read as letters)."""
    lines: dict[tuple, list[str]] = {}
    confidences = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        try:
            conf = float(cols[10])
        except ValueError:
            continue
        confidences.append(conf)
        lines.setdefault((int(cols[2]), int(cols[3]), int(cols[4])), []).append(cols[11])
    if len(confidences) < min_words or sum(confidences) / len(confidences) < min_confidence:
        return None
    return "\n".join(" ".join(words) for _, words in sorted(lines.items()))
