"""The commerce pages over HTTP with a cookie session and CSRF-protected forms: top up, pay
(a double submit pays once), the receipt and its PDF, cancel, earnings, payouts and the admin's books."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI

from anxin.accounts.deps import SESSION_COOKIE_NAME
from anxin.accounts.models import SESSION_COOKIE
from anxin.commerce import catalog
from tests.commerce.people import Person, cast_of_three


def browser(app: FastAPI, person: Person | None) -> httpx.AsyncClient:
    cookies = {SESSION_COOKIE_NAME: person.token} if person else {}
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(
        transport=transport, base_url="http://testserver", cookies=cookies, headers={"Accept-Language": "en"}
    )


def form_values(html: str, action: str) -> dict[str, str]:
    """The hidden fields of the form posting to ``action``."""
    start = html.index(f'action="{action}"')
    form = html[start : html.index("</form>", start)]
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


@pytest.fixture
async def cast(app: FastAPI) -> tuple[Person, Person, Person]:
    return await cast_of_three(app, kind=SESSION_COOKIE)


async def test_top_up_pay_twice_and_read_the_receipt(app: FastAPI, cast) -> None:
    buyer, counsellor, _ = cast
    async with app.state.database.transaction() as db:
        item = await catalog.put_item(
            db,
            item_type="article",
            ref="p1",
            seller_id=counsellor.id,
            title="Calm breathing",
            prices={"CNY": 30_00},
        )
    async with browser(app, buyer) as http:
        wallet = await http.get("/wallet")
        assert wallet.status_code == 200 and "0.00 CNY" in wallet.text
        fields = form_values(wallet.text, "/wallet/top-up")
        topped = await http.post(
            "/wallet/top-up", data={**fields, "amount": "50.00", "card_number": "4242 4242 4242 4242"}
        )
        assert topped.status_code == 303
        assert "50.00 CNY" in (await http.get("/wallet")).text

        checkout = await http.get(f"/pay/{item.id}")
        assert "Calm breathing" in checkout.text and "30.00 CNY" in checkout.text
        assert "7" in checkout.text  # the refund policy is shown before paying
        fields = form_values(checkout.text, f"/pay/{item.id}")
        first = await http.post(f"/pay/{item.id}", data={**fields, "method": "wallet"})
        second = await http.post(f"/pay/{item.id}", data={**fields, "method": "wallet"})  # double submit
        assert first.status_code == second.status_code == 303
        assert first.headers["location"] == second.headers["location"]
        receipt = await http.get(first.headers["location"])
        assert receipt.status_code == 200 and "30.00 CNY" in receipt.text
        assert "20.00 CNY" in (await http.get("/wallet")).text  # charged once
        pdf = await http.get(first.headers["location"] + "/receipt.pdf")
        assert pdf.content.startswith(b"%PDF")

        poor = await http.post(
            f"/pay/{item.id}", data={**fields, "idempotency_key": "another", "method": "wallet"}
        )
        assert poor.status_code == 409 and "top up" in poor.text
        assert "20.00 CNY" in (await http.get("/wallet")).text

        forged = await http.post("/wallet/top-up", data={"amount": "5.00", "card_number": "4242424242424242"})
        assert forged.status_code == 403  # no CSRF token


async def test_pages_by_role(app: FastAPI, cast) -> None:
    buyer, counsellor, admin = cast
    async with browser(app, None) as http:
        anonymous = await http.get("/wallet")
        assert anonymous.status_code == 200 and 'action="/login"' in anonymous.text
    async with browser(app, buyer) as http:
        assert (await http.get("/earnings")).status_code == 404
        assert (await http.get("/admin/commerce")).status_code == 404
    async with browser(app, counsellor) as http:
        assert (await http.get("/earnings")).status_code == 200
        assert (await http.get("/admin/commerce")).status_code == 404
        page = await http.get("/earnings")
        refused = await http.post(
            "/earnings/payouts", data={**form_values(page.text, "/earnings/payouts"), "amount": "1.00"}
        )
        assert refused.status_code == 409
    async with browser(app, admin) as http:
        books = await http.get("/admin/commerce")
        assert books.status_code == 200 and 'id="reconcile-result"' in books.text
        refused = await http.post(
            "/admin/commerce/refunds",
            data={
                **form_values(books.text, "/admin/commerce/refunds"),
                "order_id": "999",
                "amount": "1.00",
                "reason": "x",
            },
        )
        assert refused.status_code == 404
