"""In real Chromium: a client who bought an article sees, on the library page, a similar article
recommended with its reason line, also with JavaScript turned off (the server renders it); there is
no such section for a visitor who is not signed in."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, expect

from anxin.accounts import keys, sessions
from anxin.accounts.models import User
from anxin.content import buying, service
from anxin.content.schemas import BuyIn, ItemIn
from anxin.core.db import Database
from anxin.main import create_app
from tests.conftest import make_settings
from tests.content.test_browser import _cast, _in_other_thread, _signed_in
from tests.support.live_server import live_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def shelf_app(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    home = tmp_path_factory.mktemp("recommend-browser")
    database = home / "anxin.db"
    shutil.copyfile(sqlite_template, database)
    return create_app(make_settings(home, f"sqlite+aiosqlite:///{database}"))


@pytest.fixture(scope="module")
def shelf_url(shelf_app: FastAPI) -> Iterator[str]:
    with live_server(shelf_app) as url:
        yield url


def _shelf(app: FastAPI, author_token: str, client_token: str) -> tuple[int, int]:
    """Two similar articles and an unrelated one; the client buys the first. Their ids."""

    async def make() -> tuple[int, int]:
        settings = app.state.settings
        keys.use_settings(settings)
        database = Database(settings.resolved_database_url)
        try:
            async with database.transaction() as db:
                author_row = await sessions.resolve(db, author_token)
                client_row = await sessions.resolve(db, client_token)
                assert author_row is not None and client_row is not None
                ids = []
                for title, topic in (
                    ("Breathing through a hard day", "anxiety"),
                    ("Breathing for a calmer day", "anxiety"),
                    ("Budgeting for students", "work"),
                ):
                    item = await service.create_item(
                        db,
                        author_row[1],
                        ItemIn(
                            kind="article",
                            topic=topic,
                            language="en",
                            title=title,
                            preview_md="A short read.",
                            body_md="The rest.",
                            amount=3_00,
                        ),
                    )
                    await service.publish(db, author_row[1], item.id)
                    ids.append(item.id)
                buyer = await db.get(User, client_row[1].id)
                assert buyer is not None
                await buying.buy(db, buyer, ids[0], BuyIn(expected_amount=3_00))
                return ids[0], ids[1]
        finally:
            await database.dispose()

    return _in_other_thread(make)  # type: ignore[no-any-return]


def test_a_buyer_sees_a_recommendation_with_its_reason(
    browser: Browser, shelf_app: FastAPI, shelf_url: str
) -> None:
    author_token, client_token = _cast(shelf_app)
    bought, similar = _shelf(shelf_app, author_token, client_token)
    outside: list[str] = []
    reader = _signed_in(browser, shelf_url, client_token)
    visitor = browser.new_context(locale="en")
    try:
        page = reader.new_page()
        page.on("request", lambda r: None if r.url.startswith(shelf_url) else outside.append(r.url))
        page.goto(f"{shelf_url}/library?language=en")
        slot = page.locator('section[data-recommendations="library"]')
        expect(slot).to_be_visible()
        expect(slot.get_by_role("heading", name="Recommended for you")).to_be_visible()
        first = slot.locator("li").first
        expect(first).to_have_attribute("data-recommended", str(similar))
        expect(first.locator("a")).to_have_attribute("href", f"/library/{similar}")
        expect(first.locator("[data-reason]")).to_have_text("Because you read “Breathing through a hard day”")
        expect(slot.locator(f'li[data-recommended="{bought}"]')).to_have_count(0)
        first.locator("a").click()
        expect(page).to_have_url(f"{shelf_url}/library/{similar}")
        assert outside == []

        no_script = browser.new_context(locale="en", java_script_enabled=False)
        no_script.add_cookies(reader.cookies())
        try:
            plain = no_script.new_page()
            plain.goto(f"{shelf_url}/library?language=en")
            item = plain.locator(f'section[data-recommendations="library"] li[data-recommended="{similar}"]')
            expect(item.locator("[data-reason]")).to_have_text("Because you read “Breathing through a hard day”")
        finally:
            no_script.close()

        anonymous = visitor.new_page()
        asked: list[str] = []
        anonymous.on("request", lambda r: asked.append(r.url) if "recommendations?" in r.url else None)
        anonymous.goto(f"{shelf_url}/library?language=en")
        expect(anonymous.locator('section[data-recommendations="library"]')).to_be_hidden()
        assert asked == []
    finally:
        reader.close()
        visitor.close()
