"""Text normalisation shared by all parsers: NFC, one newline style, invisible characters removed."""

from __future__ import annotations

import re
import unicodedata

_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
_TRAILING_SPACE = re.compile(r"[ \t]+\n")


def normalize_text(text: str) -> str:
    """NFC, \\n line ends, no soft hyphens or zero-width characters, no trailing spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_INVISIBLE)
    text = unicodedata.normalize("NFC", text)
    return _TRAILING_SPACE.sub("\n", text)
