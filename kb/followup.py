"""Follow-up questions: a short question that leans on the previous one ("o Latvijoje?", "and in 2022?",
"un Liepājā?") is searched together with it."""

from __future__ import annotations

import re

from kb.analysis import tokens

_LEADS = re.compile(r"^\s*(o|o kaip|ir|bet|and|and what about|what about|how about|un|bet kā|un kā|a|kā ar|kaip su)\b",
                    re.IGNORECASE)
MAX_FOLLOWUP_WORDS = 4


def is_followup(question: str) -> bool:
    """Short, or opening with a connective that points back."""
    return bool(_LEADS.match(question)) or len(tokens(question)) <= 2


def retrieval_query(question: str, history: list[str] | None) -> str:
    """The text to search for: the question itself, or the previous question plus a follow-up."""
    if not history:
        return question
    previous = history[-1].strip()
    if previous and is_followup(question) and len(tokens(question)) <= MAX_FOLLOWUP_WORDS:
        return f"{previous} {question.strip()}"
    return question
