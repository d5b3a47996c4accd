"""In real Chromium: a client who bought an article sees, on the library page, a similar article
recommended with its reason line, also with JavaScript turned off (the server renders it); there is
no such section for a visitor who is not signed in."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, expect
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts import sessions
from anxin.accounts.models import User
from anxin.content import buying, service
from anxin.content.schemas import BuyIn, ItemIn
from tests.browser.signin import (
    PHONE,
    client_and_verified_counsellor,
    in_database,
    money_in_the_wallet,
    signed_in,
)

pytestmark = pytest.mark.browser


def _shelf(app: FastAPI, author_token: str, client_token: str) -> tuple[int, int]:
    """Two similar articles and an unrelated one; the client buys the first. Their ids."""

    async def make(db: AsyncSession) -> tuple[int, int]:
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

    return in_database(app, make)


def test_a_buyer_sees_a_recommendation_with_its_reason(
    browser: Browser, live_app: FastAPI, live_url: str
) -> None:
    cast = client_and_verified_counsellor(live_app, also=money_in_the_wallet)
    author_token, client_token = cast.counsellor_token, cast.client_token
    bought, similar = _shelf(live_app, author_token, client_token)
    outside: list[str] = []
    reader = signed_in(browser, live_url, client_token, **PHONE)
    visitor = browser.new_context(locale="en")
    try:
        page = reader.new_page()
        page.on("request", lambda r: None if r.url.startswith(live_url) else outside.append(r.url))
        page.goto(f"{live_url}/library?language=en")
        slot = page.locator('section[data-recommendations="library"]')
        expect(slot).to_be_visible()
        expect(slot.get_by_role("heading", name="Recommended for you")).to_be_visible()
        first = slot.locator("li").first
        expect(first).to_have_attribute("data-recommended", str(similar))
        expect(first.locator("a")).to_have_attribute("href", f"/library/{similar}")
        expect(first.locator("[data-reason]")).to_have_text("Because you read “Breathing through a hard day”")
        expect(slot.locator(f'li[data-recommended="{bought}"]')).to_have_count(0)
        first.locator("a").click()
        expect(page).to_have_url(f"{live_url}/library/{similar}")
        assert outside == []

        no_script = browser.new_context(locale="en", java_script_enabled=False)
        no_script.add_cookies(reader.cookies())
        try:
            plain = no_script.new_page()
            plain.goto(f"{live_url}/library?language=en")
            item = plain.locator(f'section[data-recommendations="library"] li[data-recommended="{similar}"]')
            expect(item.locator("[data-reason]")).to_have_text(
                "Because you read “Breathing through a hard day”"
            )
        finally:
            no_script.close()

        anonymous = visitor.new_page()
        asked: list[str] = []
        anonymous.on("request", lambda r: asked.append(r.url) if "recommendations?" in r.url else None)
        anonymous.goto(f"{live_url}/library?language=en")
        expect(anonymous.locator('section[data-recommendations="library"]')).to_be_hidden()
        assert asked == []
    finally:
        reader.close()
        visitor.close()
