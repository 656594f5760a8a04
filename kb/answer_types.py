"""What kind of answer a question asks for (an amount of money, a count, a date), and whether a sentence can
give it. A "how much did X cost" question answered by a sentence without any amount is a near miss, not an
answer: this check catches the plausible questions the knowledge base cannot answer."""

from __future__ import annotations

import re

_MONEY_Q = re.compile(r"\b(kain\w*|biudžet\w*|lėš\w*|išlaid\w*|cost\w*|price\w*|budget\w*|how much|fund\w*|"
                      r"maks\w*|izmaks\w*|budžet\w*|līdzekļ\w*|finansējum\w*|finansavim\w*)\b", re.IGNORECASE)
_COUNT_Q = re.compile(r"\b(kiek|how many|cik|skaič\w*|number of|skaits|skaitu)\b", re.IGNORECASE)
_DATE_Q = re.compile(r"\b(kada|kuri\w* dien\w*|when|what date|on what date|kad|kurā datumā|kurā dienā|"
                     r"which year|kuriais metais|kurā gadā)\b", re.IGNORECASE)
_MONEY = re.compile(r"(€|\beur\b|\beuro\w*|\beur[ųo]\b|\beiro\b|\beuros?\b)", re.IGNORECASE)
_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|twelve|vienas|du|trys|keturi|penki|"
                     r"šeši|septyni|aštuoni|devyni|dešimt|viens|divi|trīs|četri|pieci|seši|septiņi|astoņi|deviņi|"
                     r"desmit)\b", re.IGNORECASE)
_DATE = re.compile(r"\b(1[89]|20)\d\d\b|\b(january|february|march|april|may|june|july|august|september|october|"
                   r"november|december|sausio|vasario|kovo|balandžio|gegužės|birželio|liepos|rugpjūčio|rugsėjo|"
                   r"spalio|lapkričio|gruodžio|janvār\w*|februār\w*|mart\w*|aprīl\w*|maij\w*|jūnij\w*|jūlij\w*|"
                   r"august\w*|septembr\w*|oktobr\w*|novembr\w*|decembr\w*)\b", re.IGNORECASE)


def answer_type(question: str) -> str | None:
    """money, count, date, or None when the question asks for something else (a description, a reason)."""
    if _MONEY_Q.search(question):
        return "money"
    if _DATE_Q.search(question):
        return "date"
    if _COUNT_Q.search(question):
        return "count"
    return None


def satisfies(kind: str | None, sentence: str) -> bool:
    """Can the sentence give an answer of that kind?"""
    if kind is None:
        return True
    if kind == "money":
        return bool(_MONEY.search(sentence))
    if kind == "date":
        return bool(_DATE.search(sentence))
    return bool(_NUMBER.search(sentence))
