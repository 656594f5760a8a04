"""Text from outside made safe for every later step.

Python strings can hold lone surrogates that no encoder accepts: a command line's undecodable bytes arrive as
them (`kb ask $'\\xff'`), and JSON may spell them (`"\\ud800"`). The tokenizer, the store and any UTF-8 output
would then fail with a TypeError or UnicodeEncodeError far from the cause. They become U+FFFD, which the model
reads as a space."""

from __future__ import annotations

import re

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def well_formed(text: str) -> str:
    """`text` with every lone surrogate replaced by U+FFFD (unchanged, and not copied, when it has none)."""
    return _LONE_SURROGATE.sub("\ufffd", text) if _LONE_SURROGATE.search(text) else text
