"""In real headless Chromium: a client and a counsellor exchange messages in their room's pages
(with delivery and read marks), then hold a video call between two browser contexts with
Chromium's fake camera and microphone until WebRTC reports ``connected``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from anxin.core.db import Database
from anxin.main import create_app
from anxin.rooms import service
from tests.browser.signin import in_other_thread, signed_in
from tests.conftest import make_settings
from tests.rooms.support import Pair, make_pair
from tests.support.live_server import live_server

pytestmark = pytest.mark.browser

# Only loopback candidates leave the page: the call must not try the machine's other addresses.
LOOPBACK_ONLY = (
    "() => { window.anxinIceFilter = (c) => ['127.0.0.1', '::1'].includes(c.candidate.split(' ')[4]); }"
)


async def prepare(database_url: str) -> Pair:
    database = Database(database_url)
    try:
        pair = await make_pair(database)
        async with database.transaction() as db:
            await service.open_call_window(db, pair.counselor.user_id, pair.room_id, 30)
        return pair
    finally:
        await database.dispose()


@pytest.fixture
def room_pages(browser: Browser, sqlite_url: str, tmp_path: Path) -> Iterator[tuple[Page, Page, Pair]]:
    pair = in_other_thread(prepare(sqlite_url))
    app = create_app(make_settings(tmp_path, sqlite_url))
    with live_server(app) as url:
        pages = []
        contexts = []
        for person in (pair.client, pair.counselor):
            context = signed_in(browser, url, person.token, language=None, base_url=url)
            page = context.new_page()
            page.goto(f"/rooms/{pair.room_id}")
            page.wait_for_function("() => window.anxinRoom && window.anxinRoom.isReady()", timeout=15000)
            contexts.append(context)
            pages.append(page)
        try:
            yield pages[0], pages[1], pair
        finally:
            for context in contexts:
                context.close()


def send(page: Page, text: str) -> None:
    page.fill("#field-text", text)
    page.press("#field-text", "Enter")


def test_messages_both_ways_then_a_video_call_connects(room_pages: tuple[Page, Page, Pair]) -> None:
    client, counselor, _pair = room_pages
    send(client, "I would like to talk about this week")
    expect(counselor.locator("li.room-theirs .room-text")).to_have_text(
        ["I would like to talk about this week"]
    )
    send(counselor, "Of course. What happened?")
    expect(client.locator("li.room-theirs .room-text")).to_have_text(["Of course. What happened?"])
    # Both messages in the same order on both sides, each with its seq.
    for page in (client, counselor):
        expect(page.locator("#room-messages li")).to_have_count(2)
        assert page.eval_on_selector_all(
            "#room-messages li", "els => els.map(e => Number(e.dataset.seq))"
        ) == [1, 2]
    # The counsellor's page was visible when the message arrived: the client sees it read.
    read = client.get_attribute("#room", "data-t-read")
    expect(client.locator("li.room-mine")).to_have_attribute("data-mark", read or "")

    for page in (client, counselor):
        page.evaluate(LOOPBACK_ONLY)
    client.click("#room-call-video")
    expect(counselor.locator("#room-call")).to_have_attribute("data-call-state", "ringing", timeout=15000)
    expect(counselor.locator("#room-call-answer")).to_be_visible()
    counselor.click("#room-call-answer")
    for page in (client, counselor):
        page.wait_for_function(
            "() => window.anxinCall && window.anxinCall.pc.connectionState === 'connected'", timeout=20000
        )
        assert page.evaluate("window.anxinCall.pc.connectionState") == "connected"
        expect(page.locator("#room-call")).to_have_attribute("data-call-state", "connected")
    client.click("#room-call-mute")
    assert (
        client.evaluate("window.anxinCall.pc.getSenders().find(s => s.track.kind === 'audio').track.enabled")
        is False
    )
    client.click("#room-call-hangup")
    expect(counselor.locator("#room-call")).to_have_attribute("data-call-state", "idle", timeout=15000)
