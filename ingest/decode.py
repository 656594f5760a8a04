"""Bytes -> text for plain-text formats: BOMs, UTF-8, UTF-16, then the Baltic code pages."""

from __future__ import annotations

import codecs
import unicodedata

from kb.errors import IngestError

_BALTIC = ("cp1257", "iso-8859-13")


def _plausibility(text: str) -> float:
    """Share of characters that ordinary prose uses (letters, digits, spaces, punctuation)."""
    if not text:
        return 0.0
    good = 0
    for c in text:
        cat = unicodedata.category(c)
        if c in "\n\t" or cat[0] in "LNPZS" or cat == "Mn":
            good += 1
    return good / len(text)


def looks_binary(data: bytes) -> bool:
    """NUL bytes (outside UTF-16) or many control bytes mean this is not a text file."""
    head = data[:8192]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if b"\x00" in head:
        # UTF-16 without a BOM has a NUL in every other byte of ASCII text
        even, odd = head[0::2].count(0), head[1::2].count(0)
        return not (max(even, odd) > len(head) / 4 and min(even, odd) < len(head) / 50)
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return controls > len(head) * 0.05


def decode_text(data: bytes, path: str) -> tuple[str, str]:
    """Decode `data`; returns (text, encoding). Raises IngestError naming the file when it is not text."""
    if looks_binary(data):
        raise IngestError(path, "binary content, not text (is the extension right?)")
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as e:
            raise IngestError(path, f"broken UTF-16 text ({e.reason} at byte {e.start})") from e
    if b"\x00" in data[:8192]:
        enc = "utf-16-le" if data[1:8192:2].count(0) > data[0:8192:2].count(0) else "utf-16-be"
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError as e:
            raise IngestError(path, f"broken UTF-16 text ({e.reason} at byte {e.start})") from e
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best: tuple[float, str, str] | None = None
    for enc in _BALTIC:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        score = _plausibility(text)
        if best is None or score > best[0]:
            best = (score, text, enc)
    if best is None or best[0] < 0.97:
        raise IngestError(path, "cannot decode the text (not UTF-8, UTF-16, windows-1257 or ISO-8859-13); "
                                "save it as UTF-8 and add it again")
    return best[1], best[2]
