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
_MONEY = re.compile(r"(€|\beur(?:o|os|ai|ų|us|as|a|u)?\b|\beir(?:o|ai|u|as)\b|\bcents?\b|\bcent[ųai]\b)", re.IGNORECASE)
_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|twelve|vienas|du|trys|keturi|penki|"
                     r"šeši|septyni|aštuoni|devyni|dešimt|viens|divi|trīs|četri|pieci|seši|septiņi|astoņi|deviņi|"
                     r"desmit)\b", re.IGNORECASE)
_DATE = re.compile(r"\b(1[89]|20)\d\d\b|\b(january|february|march|april|may|june|july|august|september|october|"
                   r"november|december|sausio|vasario|kovo|balandžio|gegužės|birželio|liepos|rugpjūčio|rugsėjo|"
                   r"spalio|lapkričio|gruodžio|janvār\w*|februār\w*|mart\w*|aprīl\w*|maij\w*|jūnij\w*|jūlij\w*|"
                   r"august\w*|septembr\w*|oktobr\w*|novembr\w*|decembr\w*)\b", re.IGNORECASE)


_YEAR = re.compile(r"(?<![\w.,])(?:19|20)\d\d(?![\d.,]\d)")


def question_years(question: str) -> set[str]:
    """Years the question is about ("in 2024", "2022 metais", "2023. gada"): a time constraint on the evidence."""
    return set(_YEAR.findall(question))


def mentions_years(years: set[str], text: str, date: str | None = None) -> bool:
    """Does a passage (its text, or its document's date) speak of every one of these years? Ranges such as
    2023–2027 count for the years inside them."""
    if not years:
        return True
    found = set(_YEAR.findall(text)) | ({date[:4]} if date else set())
    for a, b in re.findall(r"((?:19|20)\d\d)\s*[-–—]\s*((?:19|20)\d\d)", text):
        found |= {str(y) for y in range(int(a), int(b) + 1)}
    return years <= found


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
