"""In real Chromium: a client filters the directory, opens a profile, books and pays, sees the
session in "My sessions" and cancels it; the counsellor sees it appear in and leave their calendar."""

from __future__ import annotations

import time

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts.models import User
from anxin.counselors import service as counselors
from anxin.counselors.schemas import RuleIn
from tests.browser.signin import client_and_verified_counsellor, signed_in

pytestmark = pytest.mark.browser


async def free_around_the_clock(db: AsyncSession, client: User, counsellor: User) -> None:
    await counselors.set_weekly_rules(
        db, counsellor, [RuleIn(weekday=d, start="00:00", end="24:00") for d in range(7)]
    )


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
    browser: Browser, live_app: FastAPI, live_url: str
) -> None:
    cast = client_and_verified_counsellor(live_app, also=free_around_the_clock)
    counsellor_id = cast.counsellor_id
    outside: list[str] = []
    client = signed_in(browser, live_url, cast.client_token)
    counsellor = signed_in(browser, live_url, cast.counsellor_token)
    try:
        page = client.new_page()
        page.on("request", lambda r: None if r.url.startswith(live_url) else outside.append(r.url))
        page.goto(f"{live_url}/counselors")
        page.select_option("#field-specialty", "anxiety")
        page.select_option("#field-modality", "video")
        page.get_by_role("button", name="Show counsellors").click()
        expect(page).to_have_url(f"{live_url}/counselors?" + page.url.split("?", 1)[1])
        assert "specialty=anxiety" in page.url
        page.locator(f'a[href="/counselors/{counsellor_id}"]').click()
        expect(page.locator("h1")).to_have_text("Lin Wei")
        page.locator("#slots a.button").first.click()
        expect(page.locator("#refund-policy")).to_contain_text("24 hours")
        page.check("#field-accept_terms")
        page.fill("#field-card_number", "4242 4242 4242 4242")
        page.get_by_role("button", name="and book").click()
        expect(page).to_have_url(f"{live_url}/sessions?booked=1")

        reload_until(page, f"{live_url}/sessions", 'tr[data-status="confirmed"]')
        session_id = page.locator('tr[data-status="confirmed"]').get_attribute("data-session")
        calendar = counsellor.new_page()
        calendar.goto(f"{live_url}/calendar")
        expect(calendar.locator(f'tr[data-session="{session_id}"]')).to_have_count(1)

        page.locator(f'tr[data-session="{session_id}"] form[action$="/cancel"] button').click()
        expect(page.locator(f'tr[data-session="{session_id}"]')).to_have_attribute("data-status", "cancelled")
        reload_until(calendar, f"{live_url}/calendar", f'tr[data-session="{session_id}"]', present=False)
        assert outside == []
    finally:
        client.close()
        counsellor.close()
