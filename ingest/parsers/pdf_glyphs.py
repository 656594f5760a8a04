"""Text back from glyph names where a PDF font maps its glyphs to nothing readable.

Some PDFs map accented glyphs to Private Use Area code points (U+E000–U+F8FF) in their ToUnicode map, or name
glyphs in ways pypdf does not resolve ("eogonek.alt", "f_i": pypdf then returns the name itself, "/eogonek.alt").
The glyph's name usually still says what it is: the font's /Differences encoding, or the encoding inside an
embedded Type 1 or CFF font program. Names become Unicode by the Adobe Glyph List rules (pdfminer.six's
`name2unicode`: "aogonek", "uni0173", "u1F600", suffixes such as ".sc" dropped, "f_i" as "fi").

What cannot be recovered stays as it is here; the PDF parser leaves it out of the text and counts it."""

from __future__ import annotations

import io
import logging
import re

log = logging.getLogger(__name__)

# what a glyph without a usable Unicode mapping comes out as: private use, the replacement character, controls
_BAD = re.compile("[\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd\ufffd\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_NAME = re.compile(r"/[A-Za-z][A-Za-z0-9._]*")  # an unresolved glyph name as pypdf returns it


def has_unmapped(text: str) -> bool:
    """Whether the text holds characters a glyph without a Unicode mapping becomes."""
    return bool(_BAD.search(text)) or "/" in text and bool(_NAME.search(text))


def glyph_to_unicode(name: str) -> str | None:
    """"aogonek" -> "ą", "uni0173" -> "ų", "f_i" -> "fi"; None for names without a meaning ("g12", "cid34") or
    names that map to private use or control characters."""
    from pdfminer.encodingdb import name2unicode

    try:
        text = name2unicode(name.lstrip("/"))
    except Exception:  # noqa: BLE001 - pdfminer raises its own KeyError subclass, or ValueError on odd names
        return None
    if not text or _BAD.search(text) or not any(c.isprintable() and not c.isspace() for c in text):
        return None
    return text


class GlyphRepair:
    """Per font, what pypdf returned for a glyph -> the text its glyph name gives. Built lazily, once per font."""

    def __init__(self) -> None:
        self._fonts: dict[int, tuple[object, list[tuple[str, str]], dict[int, str]]] = {}

    def repair(self, text: str, font) -> str:
        """The text of one run drawn in `font` (a pypdf font dictionary), with glyphs recovered where it can be."""
        if font is None or not has_unmapped(text):
            return text
        key = id(font)
        if key not in self._fonts:
            try:
                fixes = _font_fixes(font)
            except Exception as e:  # noqa: BLE001 - a broken font must not lose the page
                log.debug("glyph names of a font could not be read: %s", e)
                fixes = {}
            names = sorted(((b, g) for b, g in fixes.items() if len(b) > 1), key=lambda bg: -len(bg[0]))
            table = {ord(bad): good for bad, good in fixes.items() if len(bad) == 1}
            self._fonts[key] = (font, names, table)  # the font is kept so that its id stays unique
        _, names, table = self._fonts[key]
        for bad, good in names:
            text = text.replace(bad, good)
        return text.translate(table) if table else text


def _font_fixes(font) -> dict[str, str]:
    """{what pypdf yields for a code: the code's glyph name as text} for codes whose pypdf text is unreadable.
    Simple (one-byte) fonts only: a composite font's glyph names live in its font program, which is not read."""
    from pypdf._cmap import get_encoding  # pypdf's own decoding, so the keys are exactly what it yields

    font = font.get_object()
    if str(font.get("/Subtype")) == "/Type0":
        return {}
    encoding, to_unicode = get_encoding(font)
    if not isinstance(encoding, dict):
        return {}
    names = _glyph_names(font)
    found: dict[str, set[str | None]] = {}
    for code in range(256):
        raw = encoding.get(code, chr(code))
        out = to_unicode.get(raw, raw)
        if not isinstance(out, str) or not (_BAD.search(out) or (len(out) > 1 and out.startswith("/"))):
            continue
        good = glyph_to_unicode(names[code]) if code in names else None
        if good is None and len(out) > 1 and out.startswith("/"):
            good = glyph_to_unicode(out)
        found.setdefault(out, set()).add(good)
    # one unreadable code point drawn by glyphs of different names is ambiguous: left as it is
    fixes = {out: goods.pop() for out, goods in found.items() if len(goods) == 1 and None not in goods}
    for out in found:
        if out not in fixes and len(out) > 1 and out.startswith("/"):
            fixes[out] = "\ufffd"  # a glyph name pypdf passed on as text: left out and counted, never shown
    return fixes


def _glyph_names(font) -> dict[int, str]:
    """code -> glyph name, from the font's /Differences, else from its embedded Type 1 or CFF program."""
    names: dict[int, str] = {}
    names.update(_program_names(font))
    enc = font.get("/Encoding")
    enc = enc.get_object() if enc is not None else None
    if hasattr(enc, "get") and enc.get("/Differences") is not None:
        code = 0
        for item in enc["/Differences"].get_object():
            item = item.get_object() if hasattr(item, "get_object") else item
            if isinstance(item, int):
                code = int(item)
            else:
                names[code] = str(item)
                code += 1
    return names


def _program_names(font) -> dict[int, str]:
    """The encoding built into an embedded Type 1 (FontFile) or CFF (FontFile3 /Type1C) font program."""
    descriptor = font.get("/FontDescriptor")
    descriptor = descriptor.get_object() if descriptor is not None else None
    if not hasattr(descriptor, "get"):
        return {}
    out: dict[int, str] = {}
    try:
        if descriptor.get("/FontFile") is not None:
            from pdfminer.pdffont import Type1FontHeaderParser

            data = descriptor["/FontFile"].get_object().get_data()
            # the parser already resolves names to text; keep them as uniXXXX names for one code path
            for code, text in Type1FontHeaderParser(io.BytesIO(data)).get_encoding().items():
                if text and len(text) == 1:
                    out[int(code)] = f"uni{ord(text):04X}"
        elif descriptor.get("/FontFile3") is not None:
            from pdfminer.pdffont import CFFFont

            stream = descriptor["/FontFile3"].get_object()
            if str(stream.get("/Subtype")) == "/Type1C":
                cff = CFFFont(str(font.get("/BaseFont", "")), io.BytesIO(stream.get_data()))
                for code, gid in cff.code2gid.items():
                    name = cff.gid2name.get(gid)
                    if name:
                        out[int(code)] = name.decode("latin-1") if isinstance(name, bytes) else str(name)
    except Exception as e:  # noqa: BLE001 - font programs are often damaged or unusual; the names are a bonus
        log.debug("embedded font program not read: %s", e)
    return out
