"""Text normalisation shared by all parsers: NFC, one newline style, invisible characters and ligatures removed,
words broken at line ends (by a hyphen or a soft hyphen) joined again; in text taken from a page layout, glyphs
without a Unicode mapping left out."""

from __future__ import annotations

import re
import unicodedata

_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
_LIGATURES = {chr(c): unicodedata.normalize("NFKC", chr(c)) for c in range(0xFB00, 0xFB07)}
_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_SOFT_BREAK = re.compile(r"\u00ad[ \t]*\n[ \t]*")
# a soft hyphen a page layout shows inside a line is a drawn hyphen ("2015\u00ad02\u00ad01": TeX fonts do that)
_DRAWN_SOFT_HYPHEN = re.compile(r"(?<=\S)\u00ad(?=[ \t]*[^\s\u00ad])")
# "pla-\nnavimas" -> "planavimas": a letter, a hyphen at the line end, a lower-case letter on the next line
_HYPHEN_BREAK = re.compile(r"(?<=[^\W\d_])-\n[ \t]*(?=[^\W\d_A-ZĄČĘĖĮŠŲŪŽĀĒĢĪĶĻŅŌŖ])")
# private-use code points, replacement characters and control codes: what glyphs without a Unicode map become
_PRIVATE_USE = re.compile("[\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd\ufffd"
                          "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def normalize_text(text: str) -> str:
    """NFC, \\n line ends, no soft hyphens or zero-width characters, no trailing spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SOFT_BREAK.sub("", text).translate(_INVISIBLE)
    text = unicodedata.normalize("NFC", text)
    return _TRAILING_SPACE.sub("\n", text)


def normalize_extracted(text: str) -> str:
    """normalize_text plus what text extracted from a page layout needs: ligatures split (ﬁ -> fi), words
    hyphenated at a line end joined, a soft hyphen inside a line read as the hyphen it shows, and glyphs without
    a Unicode mapping (private-use code points, U+FFFD, control codes) left out: never indexed or shown."""
    text = "".join(_LIGATURES.get(c, c) for c in text) if any("\ufb00" <= c <= "\ufb06" for c in text) else text
    if "\u00ad" in text:
        text = _DRAWN_SOFT_HYPHEN.sub("-", text)
    text = _PRIVATE_USE.sub("", text)
    return _HYPHEN_BREAK.sub("", normalize_text(text)).strip()


def count_unmappable(text: str) -> int:
    """How many private-use code points, replacement characters and control codes the text holds."""
    return len(_PRIVATE_USE.findall(text))


def unmappable_share(text: str) -> float:
    """Share of non-space characters that are private-use code points, replacement characters or control
    codes: glyphs the PDF does not map to real characters."""
    visible = [c for c in text if not c.isspace()]
    if not visible:
        return 0.0
    return len(_PRIVATE_USE.findall(text)) / len(visible)


_GENERATOR_PREFIX = re.compile(r"^(microsoft (word|powerpoint|excel) - |untitled|document\d*$)", re.IGNORECASE)


def clean_title(title: str) -> str:
    """A title from file properties, or "" when it is generator noise ("Microsoft Word - x.docx", "Untitled")."""
    title = " ".join(title.split())
    title = re.sub(r"^microsoft (word|powerpoint|excel) - ", "", title, flags=re.IGNORECASE)
    if not title or _GENERATOR_PREFIX.match(title) or re.search(r"\.(docx?|pdf|odt|rtf|txt)$", title, re.I):
        return ""
    return title
