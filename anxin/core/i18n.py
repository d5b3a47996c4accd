"""Languages: 简体中文 (zh-CN) and English (en).

Catalogs are gettext ``.po`` files under ``anxin/web/locales`` read with Babel at start-up (no
compile step). The reader's language comes from the ``anxin_lang`` cookie, else ``Accept-Language``,
else the configured default.
"""

from __future__ import annotations

import ast
import builtins
import io
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

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


# ---------------------------------------------------------------- message extraction (pybabel, tests)

# Builtin exceptions, and by convention every type named "...Error"/"...Exception" (MoneyError),
# carry messages for developers and logs. The error types people read are named for what happened
# (NotFound, SlotTaken) and derive from anxin.core.errors.AppError.
_BUILTIN_NAMES = frozenset(dir(builtins))
_DEVELOPER_SUFFIXES = ("Error", "Exception", "Warning")
_CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
_SINGULAR_KEYWORDS = frozenset({"_", "N_", "gettext", "ugettext", "lazy_gettext"})
_PLURAL_KEYWORDS = frozenset({"ngettext", "ungettext"})

# (line, keyword for babel's spec lookup or None for a single msgid, msgid(s), comments)
ExtractedMessage = tuple[int, str | None, str | tuple[str, ...], list[str]]


def _string(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _callee_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _is_developer_error(name: str, developer_classes: set[str]) -> bool:
    return (
        name in _BUILTIN_NAMES
        or name in developer_classes
        or (name != "AppError" and name.endswith(_DEVELOPER_SUFFIXES))
    )


def _developer_classes(tree: ast.AST) -> set[str]:
    """Classes of this file that derive from a developer exception, like
    ``class DatasetMissing(FileNotFoundError)``: their messages are for developers too."""
    found: set[str] = set()
    classes = [node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    changed = True
    while changed:  # a class may derive from another one of this file
        changed = False
        for node in classes:
            bases = {name for name in (_callee_name(base) for base in node.bases) if name}
            if node.name not in found and any(_is_developer_error(base, found) for base in bases):
                found.add(node.name)
                changed = True
    return found


def _messages_in(tree: ast.AST) -> Iterator[ExtractedMessage]:
    developer_classes = _developer_classes(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _callee_name(node.func)
            strings = [text for text in (_string(arg) for arg in node.args) if text is not None]
            if name in _SINGULAR_KEYWORDS and strings:
                # Both ``_("msg")`` and core's ``gettext(locale, "msg")``: the first literal string.
                yield node.lineno, None, strings[0], []
            elif name in _PLURAL_KEYWORDS and len(strings) >= 2:
                yield node.lineno, "ngettext", (strings[0], strings[1]), []
        elif isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            # ``raise NotFound("...")``: an error type of ours whose message a person reads.
            name = _callee_name(node.exc.func)
            if name and name[:1].isupper() and not _is_developer_error(name, developer_classes):
                message = _string(node.exc.args[0]) if node.exc.args else None
                for keyword in node.exc.keywords:
                    if keyword.arg == "message":
                        message = _string(keyword.value)
                if message:
                    yield node.lineno, None, message, []
        elif isinstance(node, ast.ClassDef):
            # ``default_message = "..."`` on an error type.
            for statement in node.body:
                target: ast.expr | None = None
                value: ast.expr | None = None
                if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
                    target, value = statement.targets[0], statement.value
                elif isinstance(statement, ast.AnnAssign):
                    target, value = statement.target, statement.value
                message = _string(value)
                if isinstance(target, ast.Name) and target.id == "default_message" and message:
                    yield statement.lineno, None, message, []
        elif isinstance(node, ast.Dict):
            # Tables of ``("error_code", "Message a person reads")`` pairs.
            for item in node.values:
                if isinstance(item, ast.Tuple) and len(item.elts) == 2:
                    code, message = _string(item.elts[0]), _string(item.elts[1])
                    if code and message and _CODE_PATTERN.match(code) and " " in message:
                        yield item.lineno, None, message, []


def extract_python(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[ExtractedMessage]:
    """Babel extraction method for Anxin's Python files (``babel.cfg``).

    Finds gettext-style calls (``_``, ``N_``, ``gettext(locale, ...)``, ``ngettext``), the messages of
    raised error types (``raise NotFound("...")``), ``default_message`` on error classes, and tables of
    ``("code", "message")`` pairs — every English text that ``core.i18n`` translates for a reader.
    """
    source = fileobj.read().decode(options.get("encoding", "utf-8"))
    tree = ast.parse(source)
    yield from sorted(_messages_in(tree), key=lambda message: message[0])
