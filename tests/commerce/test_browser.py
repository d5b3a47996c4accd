"""In real Chromium: a client tops up, buys an item and sees the receipt; an administrator refunds
part of it; the counsellor's earnings change accordingly. Nothing leaves our origin."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, expect

from anxin.accounts.models import SESSION_COOKIE
from anxin.commerce import catalog
from tests.browser.signin import in_other_thread, signed_in
from tests.commerce.people import Person, cast_of_three

pytestmark = pytest.mark.browser


def stock(app: FastAPI) -> tuple[Person, Person, Person, int]:
    async def make() -> tuple[Person, Person, Person, int]:
        from anxin.core.db import Database

        database = Database(app.state.settings.resolved_database_url)
        try:
            client, counsellor, admin = await cast_of_three(app, kind=SESSION_COOKIE, database=database)
            async with database.transaction() as db:
                item = await catalog.put_item(
                    db,
                    item_type="article",
                    ref="browser-1",
                    seller_id=counsellor.id,
                    title="Sleeping well again",
                    prices={"CNY": 100_00},
                )
            return client, counsellor, admin, item.id
        finally:
            await database.dispose()

    return in_other_thread(make())


def test_top_up_buy_refund_and_earnings(browser: Browser, live_app: FastAPI, live_url: str) -> None:
    client, counsellor, admin, item_id = stock(live_app)
    foreign: list[str] = []
    contexts = [signed_in(browser, live_url, person.token) for person in (client, counsellor, admin)]
    for context in contexts:
        context.on(
            "request",
            lambda request: foreign.append(request.url) if not request.url.startswith(live_url) else None,
        )
    client_page, counsellor_page, admin_page = (context.new_page() for context in contexts)
    try:
        # The client tops up their wallet.
        client_page.goto(f"{live_url}/wallet")
        client_page.fill("#field-amount", "150.00")
        client_page.fill("#field-card_number", "4242 4242 4242 4242")
        client_page.click("#topup-button")
        expect(client_page.locator("#wallet-balance")).to_contain_text("150.00 CNY")

        # …sees the price and the refund policy, and pays from the wallet.
        client_page.goto(f"{live_url}/pay/{item_id}")
        expect(client_page.locator("#checkout-price")).to_contain_text("100.00 CNY")
        expect(client_page.locator("#refund-policy")).to_contain_text("7 days")
        client_page.check("#method-wallet")
        client_page.click("#pay-button")
        expect(client_page.locator("#receipt-amount")).to_have_text("100.00 CNY")
        expect(client_page.locator("#receipt-status")).to_contain_text("Completed")
        order_id = re.search(r"/orders/(\d+)$", client_page.url).group(1)  # type: ignore[union-attr]
        with client_page.expect_download() as download:
            client_page.click("#receipt-pdf")
        assert download.value.suggested_filename == f"anxin-receipt-{order_id}.pdf"

        # The counsellor earns 70 % of it, pending until settlement.
        counsellor_page.goto(f"{live_url}/earnings")
        expect(counsellor_page.locator("#earnings-pending")).to_have_text("70.00 CNY")

        # An administrator refunds 30.00 with a reason.
        admin_page.goto(f"{live_url}/admin/commerce")
        admin_page.fill("#field-order_id", order_id)
        admin_page.fill("#field-amount", "30.00")
        admin_page.fill("#field-reason", "Part of the course was missing")
        admin_page.click("#refund-button")
        expect(admin_page.locator(".alert-success")).to_be_visible()
        expect(admin_page.locator("#reconcile-result")).to_contain_text("The books balance")

        # The counsellor's earnings shrink by their 70 % of the refund; the client sees it.
        counsellor_page.reload()
        expect(counsellor_page.locator("#earnings-pending")).to_have_text("49.00 CNY")
        client_page.goto(f"{live_url}/orders/{order_id}")
        expect(client_page.locator("#receipt-refunded")).to_have_text("30.00 CNY")
        client_page.goto(f"{live_url}/wallet")
        expect(client_page.locator("#wallet-balance")).to_contain_text("80.00 CNY")
    finally:
        for context in contexts:
            context.close()
    assert foreign == []
