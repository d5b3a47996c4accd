"""In real Chromium: a client filters the directory, opens a profile, books and pays, sees the
session in "My sessions" and cancels it; the counsellor sees it appear in and leave their calendar."""

from __future__ import annotations

import asyncio
import concurrent.futures
import secrets
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, BrowserContext, Page, expect

from anxin.accounts import keys, mfa, sessions
from anxin.accounts import service as accounts
from anxin.accounts.deps import SESSION_COOKIE_NAME
from anxin.accounts.models import SESSION_COOKIE
from anxin.core.db import Database
from anxin.core.i18n import LOCALE_COOKIE
from anxin.counselors import service as counselors
from anxin.counselors.schemas import CredentialIn, RuleIn
from anxin.main import create_app
from tests.appointments.support import PDF, profile_in
from tests.conftest import make_settings
from tests.support.live_server import live_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def market_app(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    home = tmp_path_factory.mktemp("marketplace-browser")
    database = home / "anxin.db"
    shutil.copyfile(sqlite_template, database)
    return create_app(make_settings(home, f"sqlite+aiosqlite:///{database}"))


@pytest.fixture(scope="module")
def market_url(market_app: FastAPI) -> Iterator[str]:
    with live_server(market_app) as url:
        yield url


def in_other_thread(coroutine_factory):  # type: ignore[no-untyped-def]
    """Playwright's sync API owns this thread's event loop; set data up on another thread's."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(coroutine_factory())).result()


def cast(app: FastAPI) -> tuple[str, str, int]:
    """A client and a verified counsellor (free around the clock); their session tokens."""

    async def make() -> tuple[str, str, int]:
        settings = app.state.settings
        keys.use_settings(settings)
        database = Database(settings.resolved_database_url)
        try:
            async with database.transaction() as db:
                made = {}
                for role in ("client", "counsellor", "admin"):
                    user = await accounts.create_confirmed_user(
                        db,
                        email=f"{role}{secrets.token_hex(3)}@example.com",
                        password=f"calm river {secrets.token_hex(4)}",
                        role=role,
                    )
                    if role != "client":
                        await accounts.enable_totp_with_secret(db, user, mfa.new_secret())
                    made[role] = user
                counsellor, admin = made["counsellor"], made["admin"]
                await counselors.save_profile(db, counsellor, profile_in())
                await counselors.add_credential(
                    db,
                    counsellor,
                    CredentialIn(
                        qualification="licensed_psychologist",
                        licence_number="PSY-2020-1",
                        issuing_body="Board",
                        years_of_practice=4,
                        supervised_hours=150,
                    ),
                )
                await counselors.add_document(db, counsellor, home=settings.home, file_name="c.pdf", data=PDF)
                await counselors.set_weekly_rules(
                    db, counsellor, [RuleIn(weekday=d, start="00:00", end="24:00") for d in range(7)]
                )
                await counselors.submit_application(db, counsellor)
                await counselors.decide(db, admin, counsellor.id, approve=True, reason="")
                client_token, _ = await sessions.start(
                    db, made["client"], kind=SESSION_COOKIE, user_agent="browser"
                )
                counsellor_token, _ = await sessions.start(
                    db, counsellor, kind=SESSION_COOKIE, user_agent="browser"
                )
                return client_token, counsellor_token, counsellor.id
        finally:
            await database.dispose()

    return in_other_thread(make)  # type: ignore[no-any-return]


def signed_in(browser: Browser, url: str, token: str) -> BrowserContext:
    context = browser.new_context(locale="en")
    context.add_cookies(
        [
            {"name": SESSION_COOKIE_NAME, "value": token, "url": url},
            {"name": LOCALE_COOKIE, "value": "en", "url": url},
        ]
    )
    return context


def reload_until(page: Page, url: str, selector: str, *, present: bool = True, timeout: float = 15.0) -> None:
    """Confirmation arrives through the outbox just after the payment commits: look again until it shows."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto(url)
        if (page.locator(selector).count() > 0) == present:
            return
        assert time.monotonic() < deadline, (
            f"{selector} {'never appeared' if present else 'never left'} on {url}"
        )
        page.wait_for_timeout(200)


def test_client_books_pays_and_cancels_while_the_counsellor_watches(
    browser: Browser, market_app: FastAPI, market_url: str
) -> None:
    client_token, counsellor_token, counsellor_id = cast(market_app)
    outside: list[str] = []
    client = signed_in(browser, market_url, client_token)
    counsellor = signed_in(browser, market_url, counsellor_token)
    try:
        page = client.new_page()
        page.on("request", lambda r: None if r.url.startswith(market_url) else outside.append(r.url))
        page.goto(f"{market_url}/counselors")
        page.select_option("#field-specialty", "anxiety")
        page.select_option("#field-modality", "video")
        page.get_by_role("button", name="Show counsellors").click()
        expect(page).to_have_url(f"{market_url}/counselors?" + page.url.split("?", 1)[1])
        assert "specialty=anxiety" in page.url
        page.locator(f'a[href="/counselors/{counsellor_id}"]').click()
        expect(page.locator("h1")).to_have_text("Lin Wei")
        page.locator("#slots a.button").first.click()
        expect(page.locator("#refund-policy")).to_contain_text("24 hours")
        page.check("#field-accept_terms")
        page.fill("#field-card_number", "4242 4242 4242 4242")
        page.get_by_role("button", name="and book").click()
        expect(page).to_have_url(f"{market_url}/sessions?booked=1")

        reload_until(page, f"{market_url}/sessions", 'tr[data-status="confirmed"]')
        session_id = page.locator('tr[data-status="confirmed"]').get_attribute("data-session")
        calendar = counsellor.new_page()
        calendar.goto(f"{market_url}/calendar")
        expect(calendar.locator(f'tr[data-session="{session_id}"]')).to_have_count(1)

        page.locator(f'tr[data-session="{session_id}"] form[action$="/cancel"] button').click()
        expect(page.locator(f'tr[data-session="{session_id}"]')).to_have_attribute("data-status", "cancelled")
        reload_until(calendar, f"{market_url}/calendar", f'tr[data-session="{session_id}"]', present=False)
        assert outside == []
    finally:
        client.close()
        counsellor.close()
