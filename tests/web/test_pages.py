"""Pages in the reader's language, the language and region switches, and safe redirects."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI

from anxin.core.i18n import LOCALE_COOKIE, gettext
from anxin.safety.resources import CRISIS_RESOURCES, REGION_COOKIE
from tests.web.page_routes import page_paths

NEED_HELP = "Need help now?"


def html_lang(page: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', page)
    assert match, "every page declares its language"
    return match.group(1)


def test_the_catalog_really_translates_what_these_tests_look_for() -> None:
    assert gettext("zh-CN", NEED_HELP) != NEED_HELP
    assert gettext("en", NEED_HELP) == NEED_HELP


async def test_home_is_in_chinese_by_default(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert html_lang(response.text) == "zh-Hans"
    assert gettext("zh-CN", NEED_HELP) in response.text
    assert NEED_HELP not in response.text


async def test_home_follows_accept_language(client: httpx.AsyncClient) -> None:
    response = await client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9,zh;q=0.5"})
    assert html_lang(response.text) == "en"
    assert NEED_HELP in response.text


async def test_home_explains_the_service_and_shows_the_regions_crisis_lines(
    client: httpx.AsyncClient,
) -> None:
    page = (await client.get("/", headers={"Accept-Language": "en-US"})).text
    for line in CRISIS_RESOURCES["US"].lines:
        assert line.phone in page
    assert CRISIS_RESOURCES["US"].emergency_number in page
    for message in ("Not for emergencies", "Verified counsellors", "Sessions by text, voice or video"):
        assert message in page
    assert 'class="badge badge-ai"' in page, "the AI companion is introduced with the AI badge"


async def test_every_page_opens_in_both_languages(app: FastAPI, client: httpx.AsyncClient) -> None:
    paths = page_paths(app)
    assert "/" in paths and "/crisis" in paths
    for path in paths:
        for accept, lang in (("zh-CN", "zh-Hans"), ("en", "en")):
            response = await client.get(path, headers={"Accept-Language": accept})
            assert response.status_code == 200, path
            assert html_lang(response.text) == lang, path


async def test_language_choice_is_remembered_and_beats_accept_language(client: httpx.AsyncClient) -> None:
    chosen = await client.post("/preferences/language", data={"locale": "en", "next": "/crisis"})
    assert chosen.status_code == 303
    assert chosen.headers["location"] == "/crisis"
    cookie = chosen.headers["set-cookie"]
    assert f"{LOCALE_COOKIE}=en" in cookie
    assert "httponly" in cookie.lower() and "max-age=" in cookie.lower()

    page = await client.get("/crisis", headers={"Accept-Language": "zh-CN"})
    assert html_lang(page.text) == "en"

    await client.post("/preferences/language", data={"locale": "zh-CN", "next": "/"})
    page = await client.get("/", headers={"Accept-Language": "en"})
    assert html_lang(page.text) == "zh-Hans"


async def test_unknown_language_gets_a_clear_not_found_page(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/preferences/language", data={"locale": "fr", "next": "/"}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "This language is not available." in response.text
    assert LOCALE_COOKIE not in response.headers.get("set-cookie", "")

    in_chinese = await client.post("/preferences/language", data={"locale": "fr"})
    assert gettext("zh-CN", "This language is not available.") in in_chinese.text


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "/\\evil.example/phish",
        "\\\\evil.example",
        "http:evil.example",
        "javascript:alert(1)",
        " //evil.example",
        "/\t/evil.example",
        "",
    ],
)
async def test_next_never_leaves_the_site(client: httpx.AsyncClient, target: str) -> None:
    for url, form in (
        ("/preferences/language", {"locale": "en", "next": target}),
        ("/preferences/region", {"region": "US", "next": target}),
    ):
        response = await client.post(url, data=form)
        assert response.status_code == 303
        assert response.headers["location"] == "/", (url, target)


async def test_next_keeps_a_same_site_path(client: httpx.AsyncClient) -> None:
    response = await client.post("/preferences/language", data={"locale": "en", "next": "/crisis?from=home"})
    assert response.headers["location"] == "/crisis?from=home"


async def test_region_choice_changes_the_crisis_lines(client: httpx.AsyncClient) -> None:
    chosen = await client.post("/preferences/region", data={"region": "gb", "next": "/crisis"})
    assert chosen.status_code == 303
    assert f"{REGION_COOKIE}=GB" in chosen.headers["set-cookie"]
    page = (await client.get("/crisis")).text
    assert CRISIS_RESOURCES["GB"].lines[0].phone in page
    assert CRISIS_RESOURCES["CN"].lines[0].phone not in page

    unknown = await client.post(
        "/preferences/region", data={"region": "XX"}, headers={"Accept-Language": "en"}
    )
    assert unknown.status_code == 404
    assert "We have no crisis resources for this region yet." in unknown.text


async def test_every_page_has_one_heading_unique_ids_and_labelled_controls(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    for path in [*page_paths(app), "/no-such-page"]:
        for accept in ("zh-CN", "en"):
            page = (await client.get(path, headers={"Accept-Language": accept})).text
            assert len(re.findall(r"<h1[\s>]", page)) == 1, f"{path}: exactly one <h1>"
            ids = re.findall(r'\sid="([^"]+)"', page)
            duplicates = {value for value in ids if ids.count(value) > 1}
            assert not duplicates, f"{path}: duplicate ids {duplicates}"
            for control_id in re.findall(r'<(?:select|input|textarea)[^>]*\sid="([^"]+)"', page):
                assert f'for="{control_id}"' in page, f"{path}: #{control_id} has no <label>"
            assert 'href="#main"' in page and 'id="main"' in page, "skip link and its target"
