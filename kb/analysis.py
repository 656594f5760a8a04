"""Text analysis for the sparse side: Unicode tokens, lowercasing, stopwords, stemming by language, folding.

Terms are folded to ASCII after stemming so that the same name or cognate written in Lithuanian, Latvian or
English (Klaipėdos / Klaipēdas / Klaipeda) meets on one term; this is what lets the sparse list help on
cross-lingual questions instead of only adding noise.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

import snowballstemmer

from kb.latvian_stemmer import stem_latvian

ANALYZER_VERSION = "analysis-v1"
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_SNOWBALL = {"lt": "lithuanian", "en": "english", "ru": "russian", "pl": "polish", "fi": "finnish",
             "de": "german"}

STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset("""a an the and or but if of to in on at by for with from into onto about as is are was were be
        been being am do does did done have has had having this that these those it its it's he she they them their
        his her we our you your i me my not no nor so than then there here which who whom whose what when where why
        how all any each both few more most other some such only own same very can will would shall should may might
        must could also just over under again further once up down out off per via within without between through
        during before after above below while because until s t""".split()),
    "lt": frozenset("""ir ar bei o bet tačiau nes kad jog kai kur kas ką kuris kuri kurie kurios kurio kurios kurių
        kuriam kuriuo kuriame kuriais tai tas ta tie tos to tą tuo toje tame šis ši šie šios šio šią šiuo šioje
        šiame jis ji jie jos jo jų jam jai jiems joms jį ją juos jas mes jūs aš tu mano tavo savo yra buvo bus būti
        būtų yra esą nėra ne nei taip pat iš į į per prie su be apie nuo iki už po virš tarp dėl pagal link ant
        kaip kiek koks kokia kokie kokios kodėl kada ten čia dar jau tik net gal turi turėjo turės galima gali
        reikia m""".split()),
    "lv": frozenset("""un vai bet jo ka kad kur kas ko kam kā kurš kura kuri kuras kuru kuram kurā kuros kurās tas
        tā tie tās to tam tai tajā tajos tajās šis šī šie šīs šo šim šai šajā viņš viņa viņi viņas viņu viņam
        viņai mēs jūs es tu mans tavs savs savu ir bija būs būt nav ne nedz arī gan tikai jau vēl no uz ar par pie
        pa pēc pirms līdz starp caur bez pret virs zem aiz priekš dēļ kāds kāda kādi kādas cik kāpēc kad tur šeit
        var varētu jābūt g""".split()),
}
_ALL_STOPWORDS = frozenset().union(*STOPWORDS.values())


def fold(term: str) -> str:
    """Strip diacritics (ė -> e, ā -> a, š -> s) so cognates across lt/lv/en meet."""
    return "".join(c for c in unicodedata.normalize("NFKD", term) if not unicodedata.combining(c))


@cache
def _snowball(lang: str):
    return snowballstemmer.stemmer(_SNOWBALL[lang])


@lru_cache(maxsize=200_000)
def stem(word: str, lang: str) -> str:
    """Stem one lowercase word with the stemmer for `lang` (unchanged when there is none)."""
    if word.isdigit():
        return word
    if lang == "lv":
        return stem_latvian(word)
    if lang in _SNOWBALL:
        return _snowball(lang).stemWord(word)
    return word


def tokens(text: str) -> list[str]:
    """Lowercase word tokens without stopwords (of any of the three main languages) and one-letter words."""
    out = []
    for t in _TOKEN.findall(text.lower()):
        if t in _ALL_STOPWORDS or (len(t) < 2 and not t.isdigit()):
            continue
        out.append(t)
    return out


def term_spans(text: str, lang: str) -> list[tuple[int, int, str]]:
    """(start, end, term) of each indexed word of `text` (same rules as `document_terms`)."""
    out = []
    for m in _TOKEN.finditer(text):
        t = m.group().lower()
        if t in _ALL_STOPWORDS or (len(t) < 2 and not t.isdigit()):
            continue
        out.append((m.start(), m.end(), fold(stem(t, lang))))
    return out


def document_terms(text: str, lang: str) -> list[str]:
    """Terms of a stored passage: stemmed with its own language's stemmer, then folded."""
    return [fold(stem(t, lang)) for t in tokens(text)]


def query_terms(text: str, languages: list[str]) -> list[str]:
    """Distinct terms of a question, stemmed with every candidate language's stemmer (the evidence may be
    in any of them), then folded."""
    seen: dict[str, None] = {}
    for t in tokens(text):
        for lang in languages:
            seen.setdefault(fold(stem(t, lang)), None)
    return list(seen)
