"""The page shell in real Chromium: nothing from other origins, no CSP violations, the language
switch, and crisis lines that fit a phone."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Request, WebSocket, expect

from anxin.core.i18n import LOCALE_COOKIE, gettext
from tests.web.page_routes import page_paths

LANGUAGES = {"zh-CN": "zh-Hans", "en": "en"}
PHONE = {"width": 390, "height": 844}
# Not network traffic: inline data the browser makes itself.
LOCAL_SCHEMES = {"data", "blob", "about"}


@dataclass
class Traffic:
    origin: str
    requests: list[str] = field(default_factory=list)
    websockets: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def watch(self, context: BrowserContext, page: Page) -> None:
        context.on("request", lambda request: self._request(request))
        page.on("websocket", lambda socket: self._websocket(socket))
        page.on("console", lambda message: self._console(message))
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def _request(self, request: Request) -> None:
        self.requests.append(request.url)

    def _websocket(self, socket: WebSocket) -> None:
        self.websockets.append(socket.url)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            self.console_errors.append(message.text)

    def foreign(self) -> list[str]:
        ours = urlsplit(self.origin)
        outside = []
        for url in self.requests:
            parts = urlsplit(url)
            if parts.scheme in LOCAL_SCHEMES:
                continue
            if (parts.scheme, parts.netloc) != (ours.scheme, ours.netloc):
                outside.append(url)
        for url in self.websockets:
            parts = urlsplit(url)
            if parts.netloc != ours.netloc or parts.scheme not in ("ws", "wss"):
                outside.append(url)
        return outside

    def csp_violations(self) -> list[str]:
        return [text for text in self.console_errors if "Content Security Policy" in text]


@pytest.fixture
def context_in(browser: Browser, live_url: str) -> Iterator:
    contexts: list[BrowserContext] = []

    def make(locale: str | None, **options: object) -> BrowserContext:
        context = browser.new_context(locale=locale or "zh-CN", **options)
        if locale:
            context.add_cookies([{"name": LOCALE_COOKIE, "value": locale, "url": live_url}])
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def html_lang(page: Page) -> str:
    return page.evaluate("document.documentElement.lang")


@pytest.mark.parametrize("locale", list(LANGUAGES))
def test_every_page_stays_on_our_origin_without_csp_violations(
    live_app: FastAPI, live_url: str, context_in, locale: str
) -> None:
    context = context_in(locale)
    page = context.new_page()
    traffic = Traffic(origin=live_url)
    traffic.watch(context, page)
    paths = [*page_paths(live_app), "/no-such-page"]
    assert "/" in paths and "/crisis" in paths

    for path in paths:
        # "load" covers everything the markup asks for; a later request could only come from our own
        # scripts, since the CSP refuses any other origin's (and reports it to the console).
        response = page.goto(live_url + path, wait_until="load")
        assert response is not None
        assert response.status == (404 if path == "/no-such-page" else 200), path
        assert html_lang(page) == LANGUAGES[locale], path
        # shell.js ran (it marks <html>): scripts from our origin are allowed by the CSP.
        assert page.evaluate("document.documentElement.classList.contains('js')"), path
        # The stylesheet applied (a rule only anxin.css sets).
        assert page.evaluate("getComputedStyle(document.querySelector('.skip-link')).position") == "absolute"

    assert len(traffic.requests) >= 3 * len(paths), "the recorder saw the page, CSS and JS requests"
    assert traffic.foreign() == [], f"requests to other origins: {traffic.foreign()}"
    assert traffic.csp_violations() == [], traffic.csp_violations()
    assert traffic.page_errors == [], traffic.page_errors


def test_the_checks_notice_another_origin(live_url: str, context_in) -> None:
    """Proves the checks above can fail. A script's fetch elsewhere is refused by our CSP (and
    reported); a request the CSP does not cover, like a navigation, is seen by the recorder."""
    context = context_in("en")
    context.route("http://tracker.invalid/**", lambda route: route.abort())
    page = context.new_page()
    traffic = Traffic(origin=live_url)
    traffic.watch(context, page)
    page.goto(live_url + "/")
    with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
        page.evaluate("fetch('http://tracker.invalid/pixel.gif').catch(() => null)")
    assert traffic.csp_violations(), "our CSP refuses the connection and says so"
    with pytest.raises(Exception, match="ERR_FAILED"):
        page.goto("http://tracker.invalid/page")
    assert traffic.foreign() == ["http://tracker.invalid/page"]


def test_language_switch_changes_the_page_and_is_remembered(live_url: str, context_in) -> None:
    context = context_in(None)  # no cookie: the browser asks for Chinese
    page = context.new_page()
    page.goto(live_url + "/")
    assert html_lang(page) == "zh-Hans"

    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    assert page.url == live_url + "/"
    assert html_lang(page) == "en"
    expect(page.locator(".nav-crisis")).to_have_text("Need help now?")
    assert {cookie["name"]: cookie["value"] for cookie in context.cookies()}[LOCALE_COOKIE] == "en"

    page.click(".nav-crisis")
    page.wait_for_url(live_url + "/crisis")
    assert html_lang(page) == "en", "the choice holds on the next page"

    with page.expect_navigation():
        page.select_option("#lang-select", "zh-CN")
    assert page.url == live_url + "/crisis", "switching keeps the reader on the same page"
    assert html_lang(page) == "zh-Hans"
    expect(page.locator(".nav-crisis")).to_have_text(gettext("zh-CN", "Need help now?"))
    page.goto(live_url + "/")
    assert html_lang(page) == "zh-Hans"


@pytest.mark.parametrize("locale", list(LANGUAGES))
def test_crisis_lines_fit_a_phone(live_url: str, context_in, locale: str) -> None:
    context = context_in(locale, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    for path in ("/", "/crisis"):
        page.goto(live_url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
        expect(page.locator(".nav-crisis")).to_be_in_viewport()
        phones = page.locator("main .phone")
        assert phones.count() >= 2, "crisis lines and emergency number are shown"
        for index in range(phones.count()):
            phone = phones.nth(index)
            phone.scroll_into_view_if_needed()
            expect(phone).to_be_visible()
            expect(phone).to_be_in_viewport()
            box = phone.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
            assert box["height"] >= 44, "a finger-sized target"
            assert (phone.get_attribute("href") or "").startswith("tel:")
    # On the crisis page the first line is on the first screen, no scrolling needed.
    page.goto(live_url + "/crisis")
    first = page.locator("main .phone").first.bounding_box()
    assert first is not None and first["y"] + first["height"] <= PHONE["height"]


def test_skip_link_is_the_first_stop_for_the_keyboard(live_url: str, context_in) -> None:
    page = context_in("en").new_page()
    page.goto(live_url + "/")
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_class("skip-link")
    expect(focused).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"

    page.keyboard.press("Tab")  # the next stop after the skip target shows a visible focus ring
    ring = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [document.activeElement.tagName, s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
    )
    assert ring[0] in ("A", "BUTTON", "SELECT", "INPUT") and ring[1] == "solid" and ring[2] >= 2, ring


def test_reduced_motion_turns_transitions_off(live_url: str, context_in) -> None:
    durations = {}
    for motion in ("no-preference", "reduce"):
        page = context_in("en", reduced_motion=motion).new_page()
        page.goto(live_url + "/")
        durations[motion] = page.evaluate(
            "parseFloat(getComputedStyle(document.querySelector('.button')).transitionDuration)"
        )
    assert durations["no-preference"] >= 0.1
    assert durations["reduce"] < 0.01


def test_dark_scheme_has_its_own_colours(live_url: str, context_in) -> None:
    backgrounds = {}
    for scheme in ("light", "dark"):
        page = context_in("en", color_scheme=scheme).new_page()
        page.goto(live_url + "/")
        backgrounds[scheme] = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert backgrounds["light"] != backgrounds["dark"]
