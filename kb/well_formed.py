"""Text from outside made safe for every later step.

Python strings can hold lone surrogates that no encoder accepts: a command line's undecodable bytes arrive as
them (`kb ask $'\\xff'`), and JSON may spell them (`"\\ud800"`). The tokenizer, the store and any UTF-8 output
would then fail with a TypeError or UnicodeEncodeError far from the cause. They become U+FFFD, which the model
reads as a space.

A question is also bounded: a planner's question is a few lines, and one of megabytes would cost seconds of
every later step; the library refuses it with the reason, and the API's contract applies the same bound."""

from __future__ import annotations

import re

from kb.errors import ConfigError

MAX_QUESTION_CHARS = 4000

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def well_formed(text: str) -> str:
    """`text` with every lone surrogate replaced by U+FFFD (unchanged, and not copied, when it has none)."""
    return _LONE_SURROGATE.sub("\ufffd", text) if _LONE_SURROGATE.search(text) else text


def question_text(text: str) -> str:
    """A question or query as the library reads it: well formed, at most MAX_QUESTION_CHARS characters (else a
    ConfigError that says so)."""
    if len(text) > MAX_QUESTION_CHARS:
        raise ConfigError(f"the question has {len(text):,} characters; at most {MAX_QUESTION_CHARS:,} are read. "
                          "Ask it in a few lines")
    return well_formed(text)
