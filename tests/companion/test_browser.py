"""In real Chromium: a client starts a conversation (labelled AI), runs the breathing exercise with
its visual timer, and a crisis sentence shows the crisis panel with tappable lines; nothing is
loaded from another origin and no script error occurs."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, expect

from tests.browser.signin import client_token, signed_in

pytestmark = pytest.mark.browser


def test_breathing_timer_and_crisis_panel(browser: Browser, live_app: FastAPI, live_url: str) -> None:
    context = signed_in(browser, live_url, client_token(live_app))
    outside: list[str] = []
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("request", lambda r: None if r.url.startswith(live_url) else outside.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{live_url}/companion")
        page.get_by_role("button", name="Start a new conversation").click()
        expect(page.locator(".companion-kind-intro")).to_contain_text("AI companion")
        expect(page.locator(".companion-kind-intro .badge-ai")).to_be_visible()
        page.locator("form:has(input[value='breathing']) button").click()
        timer = page.locator("#companion-timer")
        expect(timer).to_be_visible()
        page.locator("#companion-timer-start").click()
        expect(page.locator("#companion-timer-label")).to_contain_text("Breathe in")
        expect(page.locator("#companion-circle")).to_have_class("companion-circle companion-phase-in")
        page.locator("#field-text").fill("I want to kill myself")
        page.locator("#companion-composer button[type=submit]").click()
        panel = page.locator(".companion-crisis")
        expect(panel).to_be_visible()
        assert panel.locator('a[href^="tel:"]').count() >= 1
        expect(page.locator("#companion-timer")).to_have_count(0)  # the exercise stopped
    finally:
        context.close()
    assert outside == [] and errors == []
