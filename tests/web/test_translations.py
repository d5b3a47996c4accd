"""Every user-facing string has a Simplified Chinese translation.

The msgids come from the same extraction `pybabel extract -F babel.cfg` runs: templates, gettext calls,
raised error types and error-code tables in anxin/**.py. A string added without a zh_CN msgstr fails
here with its place in the code; add it to anxin/web/locales/zh_CN/LC_MESSAGES/messages.po.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

import anxin
from anxin.core.errors import NotFound, ServiceUnavailable
from anxin.core.i18n import CATALOG_DIR, extract_python

ROOT = Path(anxin.__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def extracted_messages() -> dict[str | tuple[str, ...], list[str]]:
    """msgid -> the places ("file:line") it is used."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    places: dict[str | tuple[str, ...], list[str]] = defaultdict(list)
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=DEFAULT_KEYWORDS
    ):
        key = message if isinstance(message, str) else tuple(part for part in message if part)
        places[key].append(f"{filename}:{lineno}")
    return places


def read_catalog(folder: str) -> Catalog:
    path = CATALOG_DIR / folder / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return read_po(handle, locale=folder, abort_invalid=True)


@pytest.fixture(scope="module")
def messages() -> dict[str | tuple[str, ...], list[str]]:
    return extracted_messages()


@pytest.fixture(scope="module")
def zh_catalog() -> Catalog:
    return read_catalog("zh_CN")


def test_extraction_finds_every_kind_of_user_facing_string(messages: dict) -> None:
    expected = {
        NotFound.default_message: "error class default",
        ServiceUnavailable.default_message: "error class default",
        "This action is not available here.": "error-code table in core.error_handlers",
        "Please check {field}: {problem}.": "core gettext(locale, ...) call",
        "This language is not available.": "raised error in web.pages",
        "Need help now?": "template",
        "Please check the following": "form macro",
    }
    for msgid, kind in expected.items():
        assert msgid in messages, f"extraction missed a {kind}: {msgid!r}"


def test_every_msgid_has_a_chinese_translation(messages: dict, zh_catalog: Catalog) -> None:
    problems = []
    for msgid, places in sorted(messages.items(), key=lambda item: str(item[0])):
        lookup = msgid if isinstance(msgid, str) else msgid[0]
        entry = zh_catalog.get(lookup)
        where = ", ".join(places[:3]) + (" …" if len(places) > 3 else "")
        if entry is None:
            problems.append(f"missing from zh_CN: {msgid!r} (used at {where})")
        elif entry.fuzzy:
            problems.append(f"fuzzy (not used) in zh_CN: {msgid!r} (used at {where})")
        elif not entry.string or (isinstance(entry.string, tuple) and not all(entry.string)):
            problems.append(f"empty msgstr in zh_CN: {msgid!r} (used at {where})")
    assert not problems, (
        f"{len(problems)} user-facing string(s) lack a Simplified Chinese translation; add them to "
        "anxin/web/locales/zh_CN/LC_MESSAGES/messages.po:\n  " + "\n  ".join(problems)
    )


@pytest.mark.parametrize("folder", ["zh_CN", "en"])
def test_translations_keep_the_placeholders(folder: str) -> None:
    problems = []
    for entry in read_catalog(folder):
        if not entry.id or not entry.string:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        wanted = set(PLACEHOLDER.findall(ids[0]))
        for text in strings:
            if set(PLACEHOLDER.findall(text)) != wanted:
                problems.append(f"{entry.id!r} -> {text!r}")
    assert not problems, f"{folder}: placeholders differ between msgid and msgstr:\n  " + "\n  ".join(
        problems
    )


def test_catalogs_have_no_duplicate_msgids() -> None:
    for folder in ("zh_CN", "en"):
        text = (CATALOG_DIR / folder / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
        ids = re.findall(r'^msgid "(.+)"$', text, flags=re.MULTILINE)
        duplicates = {msgid for msgid in ids if ids.count(msgid) > 1}
        assert not duplicates, f"{folder}: msgid listed twice: {sorted(duplicates)}"


def extract_source(source: str) -> list[str | tuple[str, ...]]:
    return [
        message
        for _line, _keyword, message, _comments in extract_python(
            io.BytesIO(source.encode()), DEFAULT_KEYWORDS, [], {}
        )
    ]


def test_extractor_tells_messages_for_people_from_messages_for_developers() -> None:
    source = """
class DatasetMissing(FileNotFoundError):
    pass

class PartialData(DatasetMissing):
    pass

class SlotTaken(Conflict):
    default_message = "Someone has just booked this time."

CODES = {409: ("slot_taken", "Please pick another time."), 1: ("x", "y")}

def book():
    _("Your booking is confirmed.")
    gettext(locale, "See you soon.")
    ngettext(locale, "{n} session", "{n} sessions", 2)
    if wrong:
        raise NotFound("We could not find this counsellor.")
    raise ValidationFailed(message="Choose a time in the future.")
    raise MoneyError("amount must be an integer")
    raise DatasetMissing("no data directory")
    raise PartialData("half a file")
    raise ValueError("internal detail")
    raise RuntimeError(f"state {x}")
    log.info("not for people")
"""
    assert extract_source(source) == [
        "Someone has just booked this time.",
        "Please pick another time.",
        "Your booking is confirmed.",
        "See you soon.",
        ("{n} session", "{n} sessions"),
        "We could not find this counsellor.",
        "Choose a time in the future.",
    ]
