"""In real Chromium: a client answers PHQ-9 with item 9 above 0 and sees the crisis box with
tappable lines at once; the history chart renders; nothing is loaded from another origin."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, expect

from tests.browser.signin import client_token, signed_in

pytestmark = pytest.mark.browser


def test_item9_shows_the_crisis_box_at_once(browser: Browser, live_app: FastAPI, live_url: str) -> None:
    context = signed_in(browser, live_url, client_token(live_app))
    outside: list[str] = []
    try:
        page = context.new_page()
        page.on("request", lambda r: None if r.url.startswith(live_url) else outside.append(r.url))
        page.goto(f"{live_url}/checkins/phq9")
        for number in range(1, 10):
            value = "1" if number == 9 else "0"
            page.locator(f'input[name="item{number}"][value="{value}"]').check()
        page.get_by_role("button", name="See my result").click()
        box = page.locator("[data-crisis-box]")
        expect(box).to_be_visible()
        expect(box).to_contain_text("emergency number")
        assert box.locator('a[href^="tel:"]').count() >= 1
        expect(page.locator("#result")).to_contain_text("not a diagnosis")
        page.goto(f"{live_url}/checkins")
        expect(page.locator("svg.chart").first).to_be_visible()
    finally:
        context.close()
    assert outside == []


def test_a_spoken_note_is_recorded_in_the_browser_and_saved_with_the_entry(
    browser: Browser, live_app: FastAPI, live_url: str
) -> None:
    """Chromium's fake microphone: record, stop, the recording sits in the file field, saving the
    entry uploads it (diary-voice.js, no inline script)."""
    context = signed_in(browser, live_url, client_token(live_app))
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{live_url}/diary")
        record = page.locator("#diary-record")
        record.click()
        expect(record).to_have_attribute("aria-pressed", "true")
        page.wait_for_timeout(1500)
        record.click()
        expect(record).to_have_attribute("aria-pressed", "false")
        page.wait_for_function("document.getElementById('diary-audio').files.length === 1")
        assert page.evaluate("document.getElementById('diary-audio').files[0].size") > 0
        page.locator("form", has=page.locator("#diary-audio")).locator('button[type="submit"]').click()
        expect(page.locator(".alert-success")).to_be_visible()
        spoken = page.locator(".diary-spoken").first
        expect(spoken.locator("audio")).to_have_count(1)
        expect(spoken.locator(".diary-transcript")).to_have_count(1)
    finally:
        context.close()
    assert errors == []
