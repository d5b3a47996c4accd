"""In real Chromium: a client answers PHQ-9 with item 9 above 0 and sees the crisis box with
tappable lines at once; the history chart renders; nothing is loaded from another origin."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, expect

from anxin.accounts import keys, sessions
from anxin.accounts import service as accounts
from anxin.accounts.models import SESSION_COOKIE
from anxin.core.db import Database
from anxin.main import create_app
from tests.appointments.test_browser import in_other_thread, signed_in
from tests.conftest import make_settings
from tests.support.live_server import live_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def checkin_app(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    home = tmp_path_factory.mktemp("assessments-browser")
    database = home / "anxin.db"
    shutil.copyfile(sqlite_template, database)
    return create_app(make_settings(home, f"sqlite+aiosqlite:///{database}"))


@pytest.fixture(scope="module")
def checkin_url(checkin_app: FastAPI) -> Iterator[str]:
    with live_server(checkin_app) as url:
        yield url


def client_token(app: FastAPI) -> str:
    async def make() -> str:
        settings = app.state.settings
        keys.use_settings(settings)
        database = Database(settings.resolved_database_url)
        try:
            async with database.transaction() as db:
                user = await accounts.create_confirmed_user(
                    db,
                    email=f"c{secrets.token_hex(3)}@example.com",
                    password=f"calm river {secrets.token_hex(4)}",
                    role="client",
                )
                token, _ = await sessions.start(db, user, kind=SESSION_COOKIE, user_agent="browser")
                return token
        finally:
            await database.dispose()

    return in_other_thread(make)  # type: ignore[no-any-return]


def test_item9_shows_the_crisis_box_at_once(browser: Browser, checkin_app: FastAPI, checkin_url: str) -> None:
    context = signed_in(browser, checkin_url, client_token(checkin_app))
    outside: list[str] = []
    try:
        page = context.new_page()
        page.on("request", lambda r: None if r.url.startswith(checkin_url) else outside.append(r.url))
        page.goto(f"{checkin_url}/checkins/phq9")
        for number in range(1, 10):
            value = "1" if number == 9 else "0"
            page.locator(f'input[name="item{number}"][value="{value}"]').check()
        page.get_by_role("button", name="See my result").click()
        box = page.locator("[data-crisis-box]")
        expect(box).to_be_visible()
        expect(box).to_contain_text("emergency number")
        assert box.locator('a[href^="tel:"]').count() >= 1
        expect(page.locator("#result")).to_contain_text("not a diagnosis")
        page.goto(f"{checkin_url}/checkins")
        expect(page.locator("svg.chart").first).to_be_visible()
    finally:
        context.close()
    assert outside == []


def test_a_spoken_note_is_recorded_in_the_browser_and_saved_with_the_entry(
    browser: Browser, checkin_app: FastAPI, checkin_url: str
) -> None:
    """Chromium's fake microphone: record, stop, the recording sits in the file field, saving the
    entry uploads it (diary-voice.js, no inline script)."""
    context = signed_in(browser, checkin_url, client_token(checkin_app))
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{checkin_url}/diary")
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
