"""Choosing the reader's language: cookie, then Accept-Language, then the default."""

from __future__ import annotations

import pytest

from anxin.core.i18n import gettext, negotiate, ngettext, normalise, parse_accept_language


@pytest.mark.parametrize(
    ("tag", "locale"),
    [
        ("zh", "zh-CN"),
        ("zh-Hans-CN", "zh-CN"),
        ("zh_CN", "zh-CN"),
        ("ZH-tw", "zh-CN"),
        ("en", "en"),
        ("en-GB", "en"),
        ("fr", None),
        ("", None),
        (None, None),
    ],
)
def test_normalise(tag: str | None, locale: str | None) -> None:
    assert normalise(tag) == locale


def test_accept_language_is_ordered_by_quality_then_position() -> None:
    assert parse_accept_language("fr;q=1, en;q=0.5, zh-CN;q=0.8") == ["zh-CN", "en"]
    assert parse_accept_language("en-US,en;q=0.9,zh;q=0.9") == ["en", "zh-CN"]
    assert parse_accept_language("zh;q=0, en") == ["en"]
    assert parse_accept_language("en;q=abc, zh") == ["zh-CN"]
    assert parse_accept_language(None) == []


def test_cookie_beats_header_beats_default() -> None:
    assert negotiate("en", "zh-CN", "zh-CN") == "en"
    assert negotiate("nonsense", "en", "zh-CN") == "en"
    assert negotiate(None, "fr, de", "zh-CN") == "zh-CN"
    assert negotiate(None, None, "en") == "en"


def test_missing_translation_falls_back_to_the_english_msgid() -> None:
    message = "A sentence nobody has translated yet, {name}."
    assert gettext("zh-CN", message, name="Li") == "A sentence nobody has translated yet, Li."
    assert gettext("xx", "Need help now?") == "Need help now?"


def test_plural_forms_format_n() -> None:
    assert ngettext("en", "{n} session", "{n} sessions", 1) == "1 session"
    assert ngettext("en", "{n} session", "{n} sessions", 3) == "3 sessions"
