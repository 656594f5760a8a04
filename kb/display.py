"""Names and titles as they can be shown safely: a file name from the inbox may hold line breaks, other control
characters or a right-to-left override (U+202E) that reverses what follows and can disguise "report‮fdp.exe".
Shown, those characters become a visible mark; the file itself is never renamed and the stored source stays the
path it is."""

from __future__ import annotations

import re

_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u061c\u180e]")


def visible(text: str | None) -> str:
    """`text` with control, bidirectional-override and zero-width characters shown as ⟨U+XXXX⟩."""
    if not text:
        return text or ""
    return _HIDDEN.sub(lambda m: f"⟨U+{ord(m.group()):04X}⟩", text)
