"""In real Chromium: an author writes a course in the studio, uploads a lesson and publishes it; a
client buys the course, plays the lesson, seeks, leaves, and on coming back resumes at the same
place. No request leaves the site."""

from __future__ import annotations

import asyncio
import concurrent.futures
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, BrowserContext, expect

from anxin.accounts import keys, mfa, sessions
from anxin.accounts import service as accounts
from anxin.accounts.deps import SESSION_COOKIE_NAME
from anxin.accounts.models import SESSION_COOKIE
from anxin.commerce import orders
from anxin.core.db import Database
from anxin.core.i18n import LOCALE_COOKIE
from anxin.core.money import Money
from anxin.counselors import service as counselors
from anxin.counselors.schemas import CredentialIn
from anxin.main import create_app
from tests.appointments.support import PDF, profile_in
from tests.conftest import make_settings
from tests.content.support import tone_wav
from tests.support.live_server import live_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def library_app(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    home = tmp_path_factory.mktemp("library-browser")
    database = home / "anxin.db"
    shutil.copyfile(sqlite_template, database)
    return create_app(make_settings(home, f"sqlite+aiosqlite:///{database}"))


@pytest.fixture(scope="module")
def library_url(library_app: FastAPI) -> Iterator[str]:
    with live_server(library_app) as url:
        yield url


def _in_other_thread(factory):  # type: ignore[no-untyped-def]
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(factory())).result()


def _cast(app: FastAPI) -> tuple[str, str]:
    """A verified author and a client with money in the wallet; their session tokens."""

    async def make() -> tuple[str, str]:
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
                author, admin = made["counsellor"], made["admin"]
                await counselors.save_profile(db, author, profile_in())
                await counselors.add_credential(
                    db,
                    author,
                    CredentialIn(
                        qualification="licensed_psychologist",
                        licence_number="PSY-2020-2",
                        issuing_body="Board",
                        years_of_practice=4,
                        supervised_hours=150,
                    ),
                )
                await counselors.add_document(db, author, home=settings.home, file_name="c.pdf", data=PDF)
                await counselors.submit_application(db, author)
                await counselors.decide(db, admin, author.id, approve=True, reason="")
                await orders.top_up(
                    db,
                    client_id=made["client"].id,
                    amount=Money(200_00, "CNY"),
                    method="sandbox",
                    details={"card_number": "4242 4242 4242 4242"},
                )
                author_token, _ = await sessions.start(db, author, kind=SESSION_COOKIE, user_agent="browser")
                client_token, _ = await sessions.start(
                    db, made["client"], kind=SESSION_COOKIE, user_agent="browser"
                )
                return author_token, client_token
        finally:
            await database.dispose()

    return _in_other_thread(make)  # type: ignore[no-any-return]


def _signed_in(browser: Browser, url: str, token: str) -> BrowserContext:
    context = browser.new_context(
        locale="en", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    context.add_cookies(
        [
            {"name": SESSION_COOKIE_NAME, "value": token, "url": url},
            {"name": LOCALE_COOKIE, "value": "en", "url": url},
        ]
    )
    return context


def test_author_publishes_client_buys_listens_and_resumes(
    browser: Browser, library_app: FastAPI, library_url: str, tmp_path: Path
) -> None:
    author_token, client_token = _cast(library_app)
    audio_file = tmp_path / "lesson-one.wav"
    audio_file.write_bytes(tone_wav(seconds=12.0))
    outside: list[str] = []
    author = _signed_in(browser, library_url, author_token)
    client = _signed_in(browser, library_url, client_token)
    try:
        studio = author.new_page()
        studio.on("request", lambda r: None if r.url.startswith(library_url) else outside.append(r.url))
        studio.goto(f"{library_url}/studio")
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
        page.on("request", lambda r: None if r.url.startswith(library_url) else outside.append(r.url))
        page.goto(f"{library_url}/library?language=en")
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
        page.goto(f"{library_url}/library/mine")
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

    async def make() -> int:
        from datetime import timedelta

        from anxin.accounts.models import User
        from anxin.content import buying, service
        from anxin.content.schemas import BuyIn, ItemIn
        from anxin.core import clock

        settings = app.state.settings
        keys.use_settings(settings)
        database = Database(settings.resolved_database_url)
        try:
            async with database.transaction() as db:
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
        finally:
            await database.dispose()

    return _in_other_thread(make)  # type: ignore[no-any-return]


def test_live_room_shows_the_hosts_post_without_reloading(
    browser: Browser, library_app: FastAPI, library_url: str
) -> None:
    author_token, client_token = _cast(library_app)
    event_id = _event_for(library_app, author_token, client_token)
    host = _signed_in(browser, library_url, author_token)
    attendee = _signed_in(browser, library_url, client_token)
    try:
        watching = attendee.new_page()
        watching.goto(f"{library_url}/library/{event_id}/room")
        expect(watching.locator("#event-posts li")).to_have_count(0)
        watching.wait_for_timeout(500)  # the socket subscribes
        speaking = host.new_page()
        speaking.goto(f"{library_url}/library/{event_id}/room")
        speaking.fill("#room-text", "Welcome, everyone: we start now.")
        speaking.get_by_role("button", name="Send").click()
        expect(watching.locator("#event-posts li")).to_have_count(1, timeout=10_000)
        expect(watching.locator("#event-posts li")).to_contain_text("Welcome, everyone")
    finally:
        host.close()
        attendee.close()
