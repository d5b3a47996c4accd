"""In real headless Chromium: a client writes a high-risk message in their room and at once sees the
crisis panel with their region's lines on the same page; the counsellor's alert list, open in another
browser, shows the new alert live, and the header's alert link lights up on the counsellor's room
page."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from anxin.core.db import Database
from anxin.main import create_app
from tests.browser.signin import in_other_thread, signed_in
from tests.conftest import make_settings
from tests.safety.support import HIGH_RISK, Care, make_care
from tests.support.live_server import live_server

pytestmark = pytest.mark.browser


async def prepare(database_url: str) -> Care:
    database = Database(database_url)
    try:
        return await make_care(database)
    finally:
        await database.dispose()


def test_sender_sees_resources_and_counsellor_gets_the_alert_live(
    browser: Browser, sqlite_url: str, tmp_path: Path
) -> None:
    care = in_other_thread(prepare(sqlite_url))
    app = create_app(make_settings(tmp_path, sqlite_url))
    with live_server(app) as url:
        contexts = []
        try:
            counsellor_context = signed_in(
                browser, url, care.counsellor.token, language=None, base_url=url, locale="en-US"
            )
            contexts.append(counsellor_context)
            alerts = counsellor_context.new_page()
            alerts.goto("/safety/alerts")
            alerts.wait_for_function(
                "() => document.getElementById('safety-alerts').dataset.live === 'true'", timeout=15000
            )
            expect(alerts.locator("#safety-alert-list li[data-flag]")).to_have_count(0)

            in_room = counsellor_context.new_page()
            in_room.goto(f"/rooms/{care.room_id}")
            in_room.wait_for_function("() => window.anxinRoom && window.anxinRoom.isReady()", timeout=15000)
            expect(in_room.locator("#safety-live")).to_be_hidden()

            client_context = signed_in(
                browser, url, care.client.token, language=None, base_url=url, locale="en-US"
            )
            # The footer's region switch.
            client_context.add_cookies([{"name": "anxin_region", "value": "US", "url": url}])
            contexts.append(client_context)
            room = client_context.new_page()
            room.goto(f"/rooms/{care.room_id}")
            room.wait_for_function("() => window.anxinRoom && window.anxinRoom.isReady()", timeout=15000)
            expect(room.locator("#safety-crisis-panel")).to_be_hidden()
            room.fill("#field-text", HIGH_RISK)
            room.press("#field-text", "Enter")

            panel = room.locator("#safety-crisis-panel")
            expect(panel).to_be_visible(timeout=5000)
            expect(panel.locator("a.phone").first).to_have_text(
                "988"
            )  # the chosen region's lines, from the API
            assert room.url.endswith(f"/rooms/{care.room_id}")  # never left the page

            expect(alerts.locator("#safety-alert-list li[data-flag]")).to_have_count(1, timeout=5000)
            expect(alerts.locator("#safety-alerts-live")).to_be_visible()
            # Wherever the counsellor is (here: the room), the header's alert link lights up.
            expect(in_room.locator("#safety-live")).to_be_visible(timeout=5000)
            expect(in_room.locator("#safety-live")).to_have_attribute("data-waiting", "1")
        finally:
            for context in contexts:
                context.close()
