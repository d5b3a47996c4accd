"""In real Chromium: an author writes a course in the studio, uploads a lesson and publishes it; a
client buys the course, plays the lesson, seeks, leaves, and on coming back resumes at the same
place. No request leaves the site."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, expect
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts import sessions
from tests.browser.signin import (
    PHONE,
    client_and_verified_counsellor,
    in_database,
    money_in_the_wallet,
    signed_in,
)
from tests.content.support import tone_wav

pytestmark = pytest.mark.browser


def _cast(app: FastAPI) -> tuple[str, str]:
    """A verified author and a client with money in the wallet; their session tokens."""
    cast = client_and_verified_counsellor(app, also=money_in_the_wallet)
    return cast.counsellor_token, cast.client_token


def test_author_publishes_client_buys_listens_and_resumes(
    browser: Browser, live_app: FastAPI, live_url: str, tmp_path: Path
) -> None:
    author_token, client_token = _cast(live_app)
    audio_file = tmp_path / "lesson-one.wav"
    audio_file.write_bytes(tone_wav(seconds=12.0))
    outside: list[str] = []
    author = signed_in(browser, live_url, author_token, **PHONE)
    client = signed_in(browser, live_url, client_token, **PHONE)
    try:
        studio = author.new_page()
        studio.on("request", lambda r: None if r.url.startswith(live_url) else outside.append(r.url))
        studio.goto(f"{live_url}/studio")
        studio.select_option("#kind", "course")
        studio.fill("#title", "Calm evenings")
        studio.select_option("#language-new", "en")
        studio.select_option("#topic-new", "sleep")
        studio.fill("#preview_md", "A short course for quieter nights.")
        studio.fill("#price", "19.90")
        studio.click("#create-item")
        card = studio.locator("#studio-items li").first
        expect(card).to_have_attribute("data-status", "draft")
        course_id = card.get_attribute("data-item")
        card.locator('input[name="title"]').fill("Lesson one: winding down")
        card.locator('textarea[name="notes"]').fill("Dim the lights **an hour** before bed.")
        card.locator('input[type="file"]').set_input_files(str(audio_file))
        card.get_by_role("button", name="Add the lesson").click()
        studio.locator(f"#item-{course_id}").get_by_role("button", name="Publish").click()
        expect(studio.locator(f"#item-{course_id}")).to_have_attribute("data-status", "published")

        page = client.new_page()
        page.on("request", lambda r: None if r.url.startswith(live_url) else outside.append(r.url))
        page.goto(f"{live_url}/library?language=en")
        page.locator("#library-items").locator(f'a[href="/library/{course_id}"]').click()
        expect(page.locator("#lessons a")).to_have_count(0)  # not playable before buying
        page.click("#buy-button")
        expect(page).to_have_url(re.compile(rf"/library/{course_id}\?bought=1$"))
        page.locator("#lessons a").first.click()
        expect(page.locator("#show-notes strong")).to_have_text("an hour")
        audio = page.locator("#lesson-audio")
        expect(audio).to_have_attribute("data-ready", "1")
        page.evaluate(
            "() => { const a = document.getElementById('lesson-audio'); a.muted = true; return a.play(); }"
        )
        page.wait_for_function("() => document.getElementById('lesson-audio').currentTime > 0.2")
        page.evaluate("() => { document.getElementById('lesson-audio').currentTime = 7; }")
        expect(audio).to_have_attribute("data-saved", re.compile(r"^7$"))
        lesson_url = page.url
        page.goto(f"{live_url}/library/mine")
        expect(page.locator(f'a[href="/library/{course_id}"]')).to_have_count(1)
        page.goto(lesson_url)
        expect(page.locator("#lesson-audio")).to_have_attribute("data-ready", "1")
        position = page.evaluate("() => document.getElementById('lesson-audio').currentTime")
        assert 6.5 <= position <= 8.5
        assert outside == []
    finally:
        author.close()
        client.close()


def _event_for(app: FastAPI, author_token: str, client_token: str) -> int:
    """A published live event by the author, with a seat bought by the client."""

    from datetime import timedelta

    from anxin.accounts.models import User
    from anxin.content import buying, service
    from anxin.content.schemas import BuyIn, ItemIn
    from anxin.core import clock

    async def make(db: AsyncSession) -> int:
        author_row = await sessions.resolve(db, author_token)
        client_row = await sessions.resolve(db, client_token)
        assert author_row is not None and client_row is not None
        author, client = author_row[1], client_row[1]
        event = await service.create_item(
            db,
            author,
            ItemIn(
                kind="live_event",
                topic="work",
                language="en",
                title="Evening Q&A",
                preview_md="Come along",
                amount=5_00,
                capacity=5,
                starts_at=clock.utcnow() + timedelta(days=1),
            ),
        )
        await service.publish(db, author, event.id)
        buyer = await db.get(User, client.id)
        assert buyer is not None
        await buying.buy(db, buyer, event.id, BuyIn(expected_amount=5_00))
        return event.id

    return in_database(app, make)


def test_live_room_shows_the_hosts_post_without_reloading(
    browser: Browser, live_app: FastAPI, live_url: str
) -> None:
    author_token, client_token = _cast(live_app)
    event_id = _event_for(live_app, author_token, client_token)
    host = signed_in(browser, live_url, author_token, **PHONE)
    attendee = signed_in(browser, live_url, client_token, **PHONE)
    try:
        watching = attendee.new_page()
        watching.goto(f"{live_url}/library/{event_id}/room")
        expect(watching.locator("#event-posts li")).to_have_count(0)
        watching.wait_for_timeout(500)  # the socket subscribes
        speaking = host.new_page()
        speaking.goto(f"{live_url}/library/{event_id}/room")
        speaking.fill("#room-text", "Welcome, everyone: we start now.")
        speaking.get_by_role("button", name="Send").click()
        expect(watching.locator("#event-posts li")).to_have_count(1, timeout=10_000)
        expect(watching.locator("#event-posts li")).to_contain_text("Welcome, everyone")
    finally:
        host.close()
        attendee.close()
