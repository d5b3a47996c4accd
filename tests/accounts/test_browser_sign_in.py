"""In real Chromium: sign up → confirm with the code sent → turn on two-step sign-in (secret read
from the page) → sign out → sign in with password and a TOTP code."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, ConsoleMessage, expect

from anxin.accounts import tasks
from anxin.core import realtime
from anxin.main import create_app
from tests.accounts.support import capture_messages, new_email, new_password, wait_for_code
from tests.conftest import make_settings
from tests.support.live_server import live_server

pytestmark = pytest.mark.browser


@pytest.fixture
def live_url(tmp_path: Path, sqlite_url: str) -> Iterator[str]:
    realtime.set_websocket_authenticator(tasks.authenticate_websocket)
    with live_server(create_app(make_settings(tmp_path, sqlite_url))) as url:
        capture_messages()
        yield url


def test_register_confirm_enable_totp_sign_out_and_sign_in_with_totp(browser: Browser, live_url: str) -> None:
    context = browser.new_context(locale="en-GB", base_url=live_url)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: _collect(problems, m))
    page.on("pageerror", lambda error: problems.append(str(error)))
    email, password = new_email(), new_password()

    page.goto("/signup")
    page.get_by_label("E-mail address or mobile number").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Date of birth").fill("1992-04-05")
    page.get_by_role("button", name="Send me a code").click()

    expect(page.get_by_role("heading", name="Confirm your account")).to_be_visible()
    page.get_by_label("Code", exact=True).fill(wait_for_code(email))
    page.get_by_role("button", name="Confirm", exact=True).click()
    expect(page.get_by_role("link", name="My account")).to_be_visible()

    page.get_by_role("link", name="My account").click()
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    secret = page.locator("#totp-secret").inner_text().strip()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    page.get_by_label("Code from your app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on", exact=True).click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    assert page.locator(".recovery-codes li").count() == 10
    page.get_by_role("link", name="Done").click()
    expect(page.get_by_text("Signing in needs a code from your authenticator app.")).to_be_visible()

    page.get_by_role("link", name="Sign out").click()
    page.get_by_role("main").get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()

    page.goto("/login")
    page.get_by_label("E-mail address or mobile number").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Two-step sign-in")).to_be_visible()
    # The code used to turn it on may not be used again; the next time step's code is accepted.
    page.get_by_label("Code").fill(pyotp.TOTP(secret).at(time.time() + 30))
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name="My account")).to_be_visible()
    page.get_by_role("link", name="My account").click()
    expect(page.get_by_role("heading", name="Security settings")).to_be_visible()

    assert problems == []
    context.close()


def _collect(problems: list[str], message: ConsoleMessage) -> None:
    if message.type in ("error", "warning"):
        problems.append(message.text)
