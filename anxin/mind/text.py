"""Language detection, normalisation and tokenisation shared by every backend.

Detection is a character count, not a model: the platform's texts are Chinese or English, and a
ratio of Han characters decides which per-language model reads them in a few microseconds.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_EN_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_SPACE = re.compile(r"\s+")

LANGUAGES = ("en", "zh")


def detect_language(text: str) -> str:
    """'zh' when Han characters make up a fair share of the letters, else 'en'."""
    han = len(_HAN.findall(text))
    if han == 0:
        return "en"
    letters = sum(1 for ch in text if ch.isalpha())
    return "zh" if han >= 2 or han / max(letters, 1) >= 0.2 else "en"


def normalise(text: str) -> str:
    """NFKC (full-width → half-width), lower case, collapsed white space."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip().lower()


@lru_cache(maxsize=1)
def _jieba():  # type: ignore[no-untyped-def]
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def words(text: str) -> list[str]:
    """Word tokens: jieba for text with Han characters, a regex for the rest."""
    if _HAN.search(text):
        return [w for w in _jieba().lcut(text) if w.strip()]
    return _EN_WORD.findall(text)


def warm_up() -> None:
    """Load jieba's dictionary now rather than on the first screened message."""
    _jieba()
