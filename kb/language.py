"""Language detection restricted to the languages we expect (langdetect, seeded for repeatable results)."""

from __future__ import annotations

import re
import threading
from functools import lru_cache

_lock = threading.Lock()
_ready = False
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
# letters that only one of the two Baltic languages uses: a strong hint on short strings
_LT_ONLY = set("ąęėįųų")
_LV_ONLY = set("āēīūķļņģ")


def _factory():
    global _ready
    from langdetect import DetectorFactory
    from langdetect.detector_factory import init_factory

    with _lock:
        if not _ready:
            DetectorFactory.seed = 0
            init_factory()
            _ready = True
    from langdetect import detector_factory

    return detector_factory._factory


def detect_language(text: str, allowed: list[str], default: str = "und", min_prob: float = 0.0) -> str:
    """The most likely language of `text` among `allowed` (ISO 639-1); `default` when there is too little text
    or no allowed language reaches `min_prob` (text in another language, such as lorem ipsum). Short texts
    (questions, asked again and again while paging or reranking) are remembered."""
    if len(text) <= 500:
        return _detect_short(text, tuple(allowed), default, min_prob)
    return _detect(text, allowed, default, min_prob)


@lru_cache(maxsize=8192)
def _detect_short(text: str, allowed: tuple[str, ...], default: str, min_prob: float) -> str:
    return _detect(text, list(allowed), default, min_prob)


def _detect(text: str, allowed: list[str], default: str, min_prob: float) -> str:
    letters = _LETTERS.findall(text)
    if len(letters) < 3:
        return default
    lower = {c.lower() for c in letters}
    lt, lv = bool(lower & _LT_ONLY), bool(lower & _LV_ONLY)
    if len(letters) < 40 and lt != lv and {"lt", "lv"} <= set(allowed):
        return "lt" if lt else "lv"
    from langdetect.lang_detect_exception import LangDetectException

    try:
        detector = _factory().create()
        detector.append(text[:5000])
        probs = detector.get_probabilities()
    except LangDetectException:
        return default
    for p in probs:
        if p.lang in allowed and p.prob >= min_prob:
            return p.lang
    return default
