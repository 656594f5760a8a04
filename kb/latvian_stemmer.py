"""A light Latvian stemmer of our own: strips the longest inflectional ending, keeping a stem of 3+ letters.

Snowball has no Latvian stemmer. Latvian nouns and adjectives inflect by ending (e.g. reģions, reģiona,
reģionā, reģioniem, reģionu), so removing one ending conflates the case forms that matter for search.
"""

from __future__ import annotations

# longest first; definite adjective endings, plural/dative endings, then single letters
_ENDINGS = sorted({
    "ajiem", "ajām", "ajos", "ajās", "ajai", "ajam", "ajā", "ajo", "ais", "ajs", "ie", "ības", "ību", "ībai",
    "ībā", "ība", "iem", "ām", "ēm", "īm", "ūm", "os", "ās", "ēs", "īs", "us", "as", "es", "is", "ai", "ei", "am",
    "ēt", "īt", "āt", "ot", "ti", "ties", "šana", "šanas", "šanu", "šanā", "šanai", "šanām",
    "a", "e", "i", "u", "s", "š", "ā", "ē", "ī", "o", "ū",
}, key=len, reverse=True)
_MIN_STEM = 3


def stem_latvian(word: str) -> str:
    """Stem one lowercase Latvian word."""
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= _MIN_STEM:
            return word[: -len(ending)]
    return word
