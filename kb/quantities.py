"""Numbers, amounts, dates, percentages and durations as Lithuanian, Latvian and English documents write them.

"363 237,51 Eur", "1,2 mln. eurų", "EUR 7,800", "€14,200", "308 751,88 EUR", "1,4 milj. eiro";
"2020.06.01–2022.05.31", "2022 m. gegužės 31 d.", "2023. gada 1. martā", "31 May 2022", "Q2 2023",
"2023 m. II ketvirtis"; "12,5 proc.", "12,5 %"; "nuo 9.00 iki 17.30 val.", "plkst. 10.00", "10:00".

Used to tell what kind of answer a question asks for and whether a sentence can give it, and to match numbers
between a question and a sentence in another language (where words cannot be shared but numbers can)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# -- numbers --------------------------------------------------------------------------------------------------
_SPACE_CHARS = " \u00a0\u202f\u2009"
_SPACE = f"[{_SPACE_CHARS}]"
# 363 237,51 | 7,800 | 14.200 | 1,2 | 2022 | 12.5 ; a group separator is a space, a comma or a dot before 3 digits
_NUM = re.compile(rf"(?<![\w.,])\d{{1,3}}(?:(?:{_SPACE}|[.,])\d{{3}})+(?:[.,]\d+)?(?![\d])"
                  r"|(?<![\w.,])\d+(?:[.,]\d+)?(?!\d)")
_NUMBER_WORDS = re.compile(
    r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|"
    r"hundred|thousand|dozen|"
    r"vien[ao]s?|vieneri\w*|vienerius|dvi|du|dviej\w*|dvej\w*|trys|trij\w*|trej\w*|ketver\w*|penker\w*|ketur\w*|penk\w*|šeš\w*|septyn\w*|aštuon\w*|devyn\w*|dešimt\w*|"
    r"vienuolik\w*|dvylik\w*|penkiolik\w*|dvidešimt\w*|trisdešimt\w*|šimt\w*|tūkstan\w*|"
    r"viens|viena|vienu|div\w*|trīs|trim|četr\w*|piec\w*|seš\w*|septiņ\w*|astoņ\w*|deviņ\w*|desmit\w*|"
    r"vienpadsmit|divpadsmit|piecpadsmit|divdesmit|trīsdesmit|simt\w*|tūkstoš\w*)\b", re.IGNORECASE)


def number_mentions(text: str) -> list[set[float]]:
    """Each number written in `text` with every value it can stand for: "7,800" is 7800 in English and 7.8 in
    Lithuanian or Latvian, so both; "363 237,51" is 363237.51; scale words apply ("1,2 mln." is also
    1200000)."""
    out = []
    for m in _NUM.finditer(text):
        raw = re.sub(_SPACE, " ", m.group())
        values = set()
        for v in _readings(raw):
            values.add(v)
            scale = _scale_after(text, m.end())
            if scale:
                values.add(round(v * scale, 6))
        out.append(values)
    return out


def number_values(text: str) -> set[float]:
    """Every value the numbers in `text` can stand for (see number_mentions)."""
    return set().union(*number_mentions(text)) if _NUM.search(text) else set()


def _readings(raw: str) -> set[float]:
    if " " in raw:  # spaces only ever group thousands; the last separator may be a decimal mark
        head, _, tail = raw.rpartition(" ")
        head = head.replace(" ", "")
        return {_to_float(head + tail.replace(",", "."))} if "," in tail or "." in tail else {_to_float(head + tail)}
    seps = re.findall(r"[.,]", raw)
    if not seps:
        return {_to_float(raw)}
    readings = set()
    groups = re.split(r"[.,]", raw)
    if len(set(seps)) == 2:  # 1,234.56 or 1.234,56: the last one is the decimal mark
        last = seps[-1]
        other = "," if last == "." else "."
        readings.add(_to_float(raw.replace(other, "").replace(last, ".")))
        return readings
    if all(len(g) == 3 for g in groups[1:]):  # 7,800 / 14.200 / 1,234,567: thousands...
        readings.add(_to_float("".join(groups)))
    if len(seps) == 1:  # ...or a decimal mark (12,5 / 7,800 in lt/lv)
        readings.add(_to_float(raw.replace(",", ".")))
    return {r for r in readings if r is not None}


def _to_float(s: str) -> float:
    try:
        return float(s)
    except ValueError:
        return float("nan")


_SCALES = (("mlrd", 1e9), ("milj", 1e6), ("mln", 1e6), ("million", 1e6), ("billion", 1e9), ("tūkst", 1e3),
           ("thousand", 1e3), ("tūkstoš", 1e3), ("k ", 1e3))


def _scale_after(text: str, end: int) -> float | None:
    after = text[end:end + 12].lstrip().lower()
    for word, scale in _SCALES:
        if after.startswith(word):
            return scale
    return None


def has_number(text: str) -> bool:
    """Digits or a number word in any of the three languages."""
    return bool(_NUM.search(text) or _NUMBER_WORDS.search(text))


# -- kinds of answer in a sentence ----------------------------------------------------------------------------
_CURRENCY = r"(?:€|EUR\b|Eur\b|eur(?:o|ai|ų|us|as|a|u)?\b|eiro\b|euro(?:s)?\b|cent(?:s|ų|ai|i)?\b|centim\w*|santīm\w*)"
_SCALE = r"(?:(?:mln|milj|mlrd|tūkst)\.?|million|billion|thousand|tūkstoš\w*)"
_AMOUNT = re.compile(rf"{_CURRENCY}{_SPACE}?\d|\d[\d{_SPACE_CHARS}.,]*{_SPACE}?(?:{_SCALE}{_SPACE}?)?{_CURRENCY}",
                     re.IGNORECASE)
_PERCENT = re.compile(rf"\d{_SPACE}?(?:%|proc\.?|procent\w*|percent\b|per cent\b)|\b(?:half|a third|a quarter|"
                      rf"a fifth|a tenth|two thirds|three quarters|pus(?:ė|ę)|trečdal\w*|ketvirtadal\w*|"
                      rf"penktadal\w*|dešimtadal\w*|puse|pusi|trešdaļ\w*|ceturtdaļ\w*|piektdaļ\w*|desmitdaļ\w*)\b",
                      re.IGNORECASE)
_MONTHS = (r"january|february|march|april|may|june|july|august|september|october|november|december|"
           r"jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|"
           r"sausio|vasario|kovo|balandžio|gegužės|birželio|liepos|rugpjūčio|rugsėjo|spalio|lapkričio|gruodžio|"
           r"sausis|vasaris|kovas|balandis|gegužė|birželis|liepa|rugpjūtis|rugsėjis|spalis|lapkritis|gruodis|"
           r"janvār\w*|februār\w*|mart\w*|aprīl\w*|maij\w*|jūnij\w*|jūlij\w*|august\w*|septembr\w*|oktobr\w*|"
           r"novembr\w*|decembr\w*")
_WEEKDAYS = (r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|pirmadien\w*|antradien\w*|trečiadien\w*|"
             r"ketvirtadien\w*|penktadien\w*|šeštadien\w*|sekmadien\w*|pirmdien\w*|otrdien\w*|trešdien\w*|"
             r"ceturtdien\w*|piektdien\w*|sestdien\w*|svētdien\w*")
_DATE = re.compile(
    r"(?<!\d)(?:1[89]|20)\d\d(?!\d)"                            # a year
    rf"|\b(?:{_MONTHS})\b"                                      # a month name
    rf"|\b(?:{_WEEKDAYS})\b"
    r"|\b\d{1,2}[./]\d{1,2}[./](?:19|20)\d\d\b"                 # 31.05.2022
    r"|\bQ[1-4]\b|\b[IV]{1,3}\s+(?:ketvirt\w*|ceturksn\w*|pusmet\w*)|\b(?:quarter|ketvirt\w*|ceturksn\w*)\b",
    re.IGNORECASE)
_CLOCK = re.compile(r"(?<![\d.,])(?:[01]?\d|2[0-3])[:.][0-5]\d(?![\d.,]\d)(?:\s*(?:val\.?|h\b|a\.m\.|p\.m\.))?"
                    r"|\bplkst\.|\b\d{1,2}\s*(?:a\.m\.|p\.m\.|am\b|pm\b|val\.)", re.IGNORECASE)
_DURATION_UNIT = (r"(?:val\.?|valand\w*|stund\w*|hours?|hrs?\b|min\.?|minut\w*|minūt\w*|dien\w*|days?|savait\w*|"
                  r"nedēļ\w*|weeks?|mėnes\w*|mėn\.|mēneš\w*|mēnes\w*|months?|met\w*|gad\w*|years?|parų|paros)")
_DURATION = re.compile(rf"(?:(?<![\d.,])(?!(?:19|20)\d\d\b)\d[\d.,\s–-]*"
                       rf"|\b(?:{_NUMBER_WORDS.pattern[2:-2]}|an?|half an?|pus)\s+)"
                       rf"(?:\w+\s+)?{_DURATION_UNIT}", re.IGNORECASE)


def has_amount(text: str) -> bool:
    return bool(_AMOUNT.search(text))


def has_percent(text: str) -> bool:
    return bool(_PERCENT.search(text))


def has_date(text: str) -> bool:
    return bool(_DATE.search(text))


def has_clock_time(text: str) -> bool:
    return bool(_CLOCK.search(text))


def has_duration(text: str) -> bool:
    return bool(_DURATION.search(text) or _CLOCK.search(text))


# -- what a question asks for ---------------------------------------------------------------------------------
# Anchored on the interrogative phrase: "What does the cost include?" and "How is it funded?" ask for a
# description, "Kiek kainavo…?" and "What was the budget…?" for an amount; "EuroVelo" is not money.
_W = r"(?:[\w„“”\"'’.–-]+ )"  # one word and its space, for "Koks preliminarus … biudžetas"
_Q_KINDS: tuple[tuple[str, re.Pattern], ...] = (
    ("percent", re.compile(
        r"\bwhat (?:share|percentage|proportion|fraction|part)\b|\b(?:how many|what) per ?cent\b|"
        r"\bkiek procent\w*|\bkok(?:ia|ią|ios) (?:yra |buvo )?" + _W + r"{0,6}dal\w*|\bkuri\w* dal\w*|"
        r"\bcik procent\w*|\bkād(?:a|u|as) (?:ir |bija )?" + _W + r"{0,5}daļ\w*|\bcik liel\w* daļ\w*", re.IGNORECASE)),
    ("money", re.compile(
        r"\bhow much (?:money|funding|did|does|do|will|would|was|is|were|are|has|had)\b|\bhow expensive\b|"
        r"\bwhat (?:(?:is|was|were|are|will be) )?(?:the )?(?:(?:total|estimated|approximate|rough|overall|indicative|"
        r"planned|preliminary|annual|yearly) )*(?:cost|price|price tag|budget|amount|sum|fee|funding|grant)s?\b"
        r"(?! (?:include|cover|consist))|\bwhat did\b.*\bcost\b|\bat what cost\b|"
        r"\bkiek (?:kain\w*|kaštav\w*|kaštuo\w*|atsiėj\w*|lėšų|eurų|pinigų|sumokė\w*|skyrė|skirta|gavo|investav\w*|"
        r"išleido|išleis\w*)|\bkok(?:ia|s|io dydžio|ią|į) (?:yra |buvo |bus )?" + _W + r"{0,8}(?:kain\w*|biudžet\w*|"
        r"sum(?:a|ą|os)\b|vert(?:ė|ę)\b|finansavim\w*)|"
        r"\bcik (?:maks\w*|izmaks\w*|naudas|eiro|eur\w*|līdzekļ\w*|iztērē\w*|samaksā\w*|piešķīr\w*|ieguld\w*)|"
        r"\bkād(?:s|a|u) (?:ir |bija |būs )?" + _W + r"{0,8}(?:budžet\w*|cen(?:a|u)\b|summ\w*|izmaks\w*|"
        r"vērtīb\w*|finansējum\w*)|"
        # "how big is the budget": the size of a sum of money, not a count
        r"\bhow (?:big|large|high) (?:is|was|were|are|will be) (?:the )?" + _W + r"{0,4}(?:budget|cost|grant|"
        r"funding|sum|amount|price)s?\b|\bkoks (?:didelis |dydžio )(?:yra |buvo |bus )?" + _W + r"{0,6}(?:biudžet\w*|"
        r"finansavim\w*)|\bkokio dydžio (?:yra |buvo |bus )?" + _W + r"{0,6}(?:sum\w*|kain\w*|dotacij\w*)|"
        r"\bcik liel\w* (?:ir |bija |būs )?" + _W + r"{0,6}(?:budžet\w*|summ\w*|izmaks\w*|finansējum\w*|"
        r"ieguldījum\w*|dotācij\w*|cen(?:a|u)\b)", re.IGNORECASE)),
    ("time", re.compile(r"\b(?:at )?what time\b|\bkelint\w* valand\w*|\bkuriuo laiku\b|\bcikos\b|\bkurā laikā\b",
                        re.IGNORECASE)),
    ("count", re.compile(  # a length or distance: a number, not a duration
        r"\bhow long is (?:the|this|that|it)\b|\bhow many (?:kilomet|km|metres|meters)\w*|\bwhat (?:is the )?"
        r"(?:total )?(?:length|distance)\b|\bkok(?:s|io) (?:yra )?" + _W + r"{0,6}(?:ilgis|atstumas)\b|"
        r"\bkiek kilometr\w*|\bkād(?:s|a) (?:ir )?" + _W + r"{0,6}(?:garums|attālums)\b|\bcik kilometr\w*",
        re.IGNORECASE)),
    ("duration", re.compile(
        r"\bhow long\b|\bhow many (?:hours|days|weeks|months|years|minutes|nights)\b|"
        r"\bkiek (?:laiko|ilgai|valand\w*|dien\w*|savaič\w*|mėnes\w*|met\w*|minuč\w*|parų)\b|\bkaip ilgai\b|"
        r"\bcik (?:ilg\w*|stund\w*|dien\w*|nedēļ\w*|mēneš\w*|mēnes\w*|gad\w*|minūt\w*)\b", re.IGNORECASE)),
    ("date", re.compile(
        r"^\W*when\b|\bwhen (?:did|does|do|is|was|were|will|are|has|had|should|must|can|could|would)\b|"
        r"\b(?:what|which|by what|on what) (?:date|day)\b|\bby when\b|\buntil when\b|\bfor when\b|"
        r"\b(?:what|which|in which|in what) (?:year|month|quarter)\b|"
        r"\bkada\b|\bkuri(?:ą|os|oje) dien\w*|\bkoki(?:ą|os) dien\w*|\bkuri\w* dat\w*|\bkoki\w* dat\w*|"
        r"\b(?:iki|nuo) kada\b|\bkuri(?:ais|uose) met\w*|\bkoki(?:ais|uose) met\w*|\bkuriame ketvirt\w*|"
        r"\bkuri(?:ais|uose) mėnes\w*|\bkurį mėnes\w*|"
        r"(?:^|[:;]\s*)kad\b|\bkurā (?:datumā|dienā|gadā|mēnes\w*|ceturksn\w*)|\bkurš datums\b|"
        r"\blīdz (?:kuram|kurai|kad)\b|\bno kura\w*|\bkuros mēneš\w*", re.IGNORECASE)),
    ("count", re.compile(r"\bhow many\b|\bhow much\b|\bwhat (?:is|was) the number of\b|\bkiek\b|\bcik\b",
                         re.IGNORECASE)),
)

ANSWER_KINDS = tuple(k for k, _ in _Q_KINDS)


def answer_kind(question: str) -> str | None:
    """percent, money, time, duration, date, count — or None when the question asks for something else (a
    name, a description, a reason). "Cik stundas…?" asks for a duration, "Kiek kainavo…?" for money,
    "How many…?" for a count."""
    for kind, pattern in _Q_KINDS:
        if pattern.search(question):
            return kind
    return None


_HEADER_UNITS = (("money", re.compile(_CURRENCY, re.IGNORECASE)),
                 ("percent", re.compile(r"%|\bproc\.?|procent\w*|per ?cent\b", re.IGNORECASE)))


def gives_kind_under(kind: str | None, header: str, row: str) -> bool:
    """Can a table row give that kind of answer when its column header names the unit ("Summa, EUR" over
    "Kopējais projekta budžets; 498 760")? The row needs a number and the header the kind's unit."""
    return has_number(row) and any(k == kind and p.search(header) for k, p in _HEADER_UNITS)


def gives_kind(kind: str | None, sentence: str) -> bool:
    """Can the sentence give an answer of that kind?"""
    if kind is None:
        return True
    return {"percent": has_percent, "money": has_amount, "time": has_clock_time, "duration": has_duration,
            "date": has_date, "count": has_number}[kind](sentence)


# -- years -----------------------------------------------------------------------------------------------------
_YEAR = re.compile(r"(?<![\w.,])(?:19|20)\d\d(?![\d.,]\d)")
_YEAR_RANGE = re.compile(r"((?:19|20)\d\d)\.?\s*[-–—]\s*((?:19|20)\d\d)")


def question_years(question: str) -> set[str]:
    """Years the question is about ("in 2024", "2022 metais", "2023. gada"): a time constraint on the evidence."""
    return set(_YEAR.findall(question))


def mentions_years(years: set[str], text: str, date: str | None = None) -> bool:
    """Does a passage (its text, or its document's date) speak of every one of these years? Ranges such as
    2023–2027 or "2021.–2027." count for the years inside them."""
    if not years:
        return True
    found = set(_YEAR.findall(text)) | ({date[:4]} if date else set())
    for a, b in _YEAR_RANGE.findall(text):
        if int(a) <= int(b) <= int(a) + 30:
            found |= {str(y) for y in range(int(a), int(b) + 1)}
    return years <= found


# -- anchors: what a question and a sentence in different languages can share ----------------------------------
_WORD = re.compile(r"[^\W\d_][^\W_]*", re.UNICODE)


def _fold(word: str) -> str:
    """Lowercase ASCII skeleton; Lithuanian y (a long i) meets Latvian ī: Anykščiai / Anīkšči -> anikšči."""
    plain = unicodedata.normalize("NFKD", word.lower()).encode("ascii", "ignore").decode("ascii")
    return plain.replace("y", "i")


NAME_PREFIX = 4
_NOT_NAMES = {"eur", "eir", "usd", "proc"}  # currency codes and units written in capitals


def name_keys(text: str) -> set[str]:
    """Names (capitalised words that do not open a sentence, and acronyms), folded and cut to 4 letters so that
    inflected and differently spelled forms meet: Klaipėdos / Klaipēdas / Klaipeda -> "klai", Liepāja /
    Liepoja -> "liep"."""
    out = set()
    for m in _WORD.finditer(text):
        w = m.group()
        if len(w) < 3 or not w[0].isupper():
            continue
        start = text[:m.start()].rstrip()
        opens = not start or start[-1] in ".!?:;\n„\"“«(" or start.endswith("–")
        if opens and not w.isupper():
            continue
        key = _fold(w)[:NAME_PREFIX]
        if key not in _NOT_NAMES:
            out.add(key)
    return out


def anchor_match(question: str, sentence: str) -> tuple[int, int]:
    """(anchors of the question found in the sentence, anchors of the question): names and numbers, the words
    a question and its evidence share even when they are written in different languages. Years are left out
    (they are checked on their own)."""
    q_names, q_numbers = _question_anchors(question)
    if not q_names and not q_numbers:
        return 0, 0
    folded = _fold(sentence)
    found = sum(1 for key in q_names if re.search(r"(?<![^\W\d_])" + re.escape(key), folded))
    if q_numbers:
        s_numbers = number_values(sentence)
        found += sum(1 for m in q_numbers if m & s_numbers)
    return found, len(q_names) + len(q_numbers)


@lru_cache(maxsize=4096)
def _question_anchors(question: str) -> tuple[frozenset[str], tuple[frozenset[float], ...]]:
    years = {float(y) for y in question_years(question)}
    numbers = tuple(frozenset(m) for m in number_mentions(question) if not m & years)
    return frozenset(name_keys(question)), numbers
