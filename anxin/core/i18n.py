"""Languages: 简体中文 (zh-CN) and English (en).

Catalogs are gettext ``.po`` files under ``anxin/web/locales`` read with Babel at start-up (no
compile step). The reader's language comes from the ``anxin_lang`` cookie, else ``Accept-Language``,
else the configured default.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

SUPPORTED_LOCALES: tuple[str, ...] = ("zh-CN", "en")
LOCALE_COOKIE = "anxin_lang"
CATALOG_DIR = Path(__file__).resolve().parent.parent / "web" / "locales"
_CATALOG_FOLDERS = {"zh-CN": "zh_CN", "en": "en"}


@lru_cache(maxsize=len(SUPPORTED_LOCALES))
def translations(locale: str) -> Translations:
    """Translations for ``locale``; a missing entry falls back to the msgid (English)."""
    folder = _CATALOG_FOLDERS.get(locale)
    po_path = CATALOG_DIR / (folder or "") / "LC_MESSAGES" / "messages.po"
    if not folder or not po_path.is_file():
        return Translations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=folder)
    # Compile in memory: fuzzy entries are left out, as gettext would.
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer)


def gettext(locale: str, message: str, **params: Any) -> str:
    text = translations(locale).ugettext(message)
    return text.format(**params) if params else text


def ngettext(locale: str, singular: str, plural: str, n: int, **params: Any) -> str:
    text = translations(locale).ungettext(singular, plural, n)
    return text.format(n=n, **params)


def normalise(tag: str | None) -> str | None:
    """Map a language tag to a supported locale ("zh", "zh-Hans-CN", "zh_CN" → "zh-CN")."""
    if not tag:
        return None
    lowered = tag.strip().replace("_", "-").lower()
    if lowered.startswith("zh"):
        # Traditional-script readers still get 简体 until a zh-TW catalog exists.
        return "zh-CN"
    if lowered.startswith("en"):
        return "en"
    return None


def parse_accept_language(header: str | None) -> list[str]:
    """Supported locales from an Accept-Language header, best first."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        pieces = part.strip().split(";")
        quality = 1.0
        for extra in pieces[1:]:
            key, _, value = extra.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        locale = normalise(pieces[0])
        if locale and quality > 0:
            weighted.append((-quality, position, locale))
    seen: list[str] = []
    for _, _, locale in sorted(weighted):
        if locale not in seen:
            seen.append(locale)
    return seen


def negotiate(cookie: str | None, accept_language: str | None, default: str) -> str:
    chosen = normalise(cookie)
    if chosen:
        return chosen
    preferred = parse_accept_language(accept_language)
    return preferred[0] if preferred else default
