"""The HTTP API end to end: sign-in by bearer token, roles, Idempotency-Key on every paying
request (byte-identical replays), errors in the house shape, receipts, earnings, refunds, payouts."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI

from anxin.commerce import catalog, settlement
from anxin.commerce.settings import reset_commerce_settings
from anxin.core.db import Database
from tests.commerce.people import Person, cast_of_three

API = "/api/v1/commerce"


@pytest.fixture
async def cast(app: FastAPI) -> tuple[Person, Person, Person]:
    return await cast_of_three(app)


async def put_article(app: FastAPI, seller: Person, price: int = 100_00) -> int:
    database: Database = app.state.database
    async with database.transaction() as db:
        item = await catalog.put_item(
            db,
            item_type="article",
            ref="a1",
            seller_id=seller.id,
            title="Sleep better",
            prices={"CNY": price},
        )
        return item.id


async def top_up(client: httpx.AsyncClient, person: Person, amount: int, key: str) -> httpx.Response:
    return await client.post(
        f"{API}/wallet/top-ups",
        json={"amount": amount, "currency": "CNY", "method": "sandbox", "card_number": "4242424242424242"},
        headers={**person.auth, "Idempotency-Key": key},
    )


async def test_buy_with_the_wallet_and_see_the_receipt(client: httpx.AsyncClient, app: FastAPI, cast) -> None:
    buyer, counsellor, _ = cast
    article = await put_article(app, counsellor)
    item = (await client.get(f"{API}/items/{article}", headers={"Accept-Language": "zh-CN"})).json()
    assert item["prices"] == [{"amount": 100_00, "currency": "CNY", "display": "100.00 CNY"}]
    assert item["refund_policy"] and "7" in item["refund_policy"][0]

    assert (await top_up(client, buyer, 150_00, "t-1")).status_code == 201
    body = {"item_id": article, "currency": "CNY", "expected_amount": 100_00, "method": "wallet"}
    paid = await client.post(f"{API}/checkout", json=body, headers={**buyer.auth, "Idempotency-Key": "c-1"})
    assert paid.status_code == 201, paid.text
    assert paid.headers["idempotent-replayed"] == "false"
    order = paid.json()
    assert order["status"] == "fulfilled" and paid.headers["location"] == f"{API}/orders/{order['id']}"

    again = await client.post(f"{API}/checkout", json=body, headers={**buyer.auth, "Idempotency-Key": "c-1"})
    assert (again.status_code, again.content, again.headers["location"]) == (
        201,
        paid.content,
        paid.headers["location"],
    )
    assert again.headers["idempotent-replayed"] == "true"

    wallet = (await client.get(f"{API}/wallet", headers=buyer.auth)).json()
    assert wallet["balance"]["amount"] == 50_00
    assert [m["kind"] for m in wallet["movements"]] == ["capture", "topup"]
    receipt = await client.get(f"{API}/orders/{order['id']}", headers=buyer.auth)
    assert receipt.json()["order"]["price"]["amount"] == 100_00
    pdf = await client.get(f"{API}/orders/{order['id']}/receipt.pdf", headers=buyer.auth)
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-1.4") and f"Order number: {order['id']}".encode() in pdf.content

    earnings = (await client.get(f"{API}/earnings", headers=counsellor.auth)).json()
    assert (earnings["pending"]["amount"], earnings["available"]["amount"]) == (70_00, 0)


async def test_paying_requests_need_a_key_and_a_used_key_cannot_change(
    client: httpx.AsyncClient, app: FastAPI, cast
) -> None:
    buyer, counsellor, _ = cast
    article = await put_article(app, counsellor)
    body = {"item_id": article, "currency": "CNY", "expected_amount": 100_00, "method": "wallet"}
    missing = await client.post(f"{API}/checkout", json=body, headers=buyer.auth)
    assert missing.status_code == 422
    assert missing.json()["error"]["code"] == "idempotency_key_missing"
    await top_up(client, buyer, 10_00, "k")
    changed = await top_up(client, buyer, 20_00, "k")
    assert changed.status_code == 422
    assert changed.json()["error"]["code"] == "idempotency_key_reused"
    poor = await client.post(f"{API}/checkout", json=body, headers={**buyer.auth, "Idempotency-Key": "c"})
    assert poor.status_code == 409 and poor.json()["error"]["code"] == "insufficient_funds"
    stale = await client.post(
        f"{API}/checkout", json={**body, "expected_amount": 1}, headers={**buyer.auth, "Idempotency-Key": "d"}
    )
    assert stale.status_code == 409 and "100.00 CNY" in stale.json()["error"]["message"]
    zh = await client.post(
        f"{API}/checkout",
        json={**body, "currency": "USD"},
        headers={**buyer.auth, "Idempotency-Key": "e", "Accept-Language": "zh-CN"},
    )
    assert zh.status_code == 422 and zh.json()["error"]["message"] == "该商品不支持用这种货币支付。"
    negative = await top_up(client, buyer, -5, "f")
    assert negative.status_code == 422 and negative.json()["error"]["code"] == "invalid_amount"
    wallet = (await client.get(f"{API}/wallet", headers=buyer.auth)).json()
    assert wallet["balance"]["amount"] == 10_00


async def test_roles_and_ownership(client: httpx.AsyncClient, app: FastAPI, cast) -> None:
    buyer, counsellor, admin = cast
    article = await put_article(app, counsellor)
    await top_up(client, buyer, 100_00, "t")
    body = {"item_id": article, "currency": "CNY", "expected_amount": 100_00, "method": "wallet"}
    order_id = (
        await client.post(f"{API}/checkout", json=body, headers={**buyer.auth, "Idempotency-Key": "c"})
    ).json()["id"]
    assert (await client.get(f"{API}/wallet")).status_code == 401
    assert (await client.get(f"{API}/orders/{order_id}", headers=counsellor.auth)).status_code == 404
    assert (await client.get(f"{API}/orders/{order_id}/receipt.pdf", headers=admin.auth)).status_code == 404
    assert (await client.get(f"{API}/earnings", headers=buyer.auth)).status_code == 403
    refund = {"amount": 10_00, "currency": "CNY", "reason": "goodwill"}
    assert (
        await client.post(
            f"{API}/admin/orders/{order_id}/refunds",
            json=refund,
            headers={**buyer.auth, "Idempotency-Key": "r"},
        )
    ).status_code == 403
    assert (await client.get(f"{API}/admin/books", headers=counsellor.auth)).status_code == 403


async def test_admin_refund_changes_the_counsellors_earnings_and_payouts_flow(
    client: httpx.AsyncClient, app: FastAPI, cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    buyer, counsellor, admin = cast
    monkeypatch.setenv("ANXIN_SETTLEMENT_DELAY_HOURS", "0")
    reset_commerce_settings()
    article = await put_article(app, counsellor)
    await top_up(client, buyer, 100_00, "t")
    body = {"item_id": article, "currency": "CNY", "expected_amount": 100_00, "method": "wallet"}
    order_id = (
        await client.post(f"{API}/checkout", json=body, headers={**buyer.auth, "Idempotency-Key": "c"})
    ).json()["id"]
    refund = {"amount": 40_00, "currency": "CNY", "reason": "late delivery"}
    headers = {**admin.auth, "Idempotency-Key": "r-1"}
    made = await client.post(f"{API}/admin/orders/{order_id}/refunds", json=refund, headers=headers)
    assert made.status_code == 201, made.text
    too_much = await client.post(
        f"{API}/admin/orders/{order_id}/refunds",
        json={**refund, "amount": 60_01},
        headers={**headers, "Idempotency-Key": "r-2"},
    )
    assert too_much.status_code == 422 and "60.00 CNY" in too_much.json()["error"]["message"]
    earnings = (await client.get(f"{API}/earnings", headers=counsellor.auth)).json()
    assert earnings["pending"]["amount"] == 70_00 - 28_00
    assert (await client.get(f"{API}/wallet", headers=buyer.auth)).json()["balance"]["amount"] == 40_00

    async with app.state.database.transaction() as db:
        await settlement.settle_due(db)
    ask = await client.post(
        f"{API}/payouts",
        json={"amount": 42_01, "currency": "CNY"},
        headers={**counsellor.auth, "Idempotency-Key": "p"},
    )
    assert ask.status_code == 409 and ask.json()["error"]["code"] == "available_balance_too_low"
    ask = await client.post(
        f"{API}/payouts",
        json={"amount": 42_00, "currency": "CNY"},
        headers={**counsellor.auth, "Idempotency-Key": "p2"},
    )
    payout_id = ask.json()["id"]
    queue = (await client.get(f"{API}/admin/payouts?status=requested", headers=admin.auth)).json()
    assert [p["id"] for p in queue] == [payout_id]
    for decision in ({"decision": "approve"}, {"decision": "paid", "bank_reference": "ICBC-0001"}):
        answer = await client.post(
            f"{API}/admin/payouts/{payout_id}/decision", json=decision, headers=admin.auth
        )
        assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "paid"
    books = (await client.get(f"{API}/admin/reconcile", headers=admin.auth)).json()
    assert books == {**books, "ok": True, "violations": []}


async def test_concurrent_same_key_requests_over_http(client: httpx.AsyncClient, app: FastAPI, cast) -> None:
    buyer, counsellor, _ = cast
    article = await put_article(app, counsellor, 10_00)
    await top_up(client, buyer, 100_00, "t")
    body = {"item_id": article, "currency": "CNY", "expected_amount": 10_00, "method": "wallet"}
    concurrency = 50 if app.state.database.is_sqlite else 100
    replies = await asyncio.gather(
        *(
            client.post(f"{API}/checkout", json=body, headers={**buyer.auth, "Idempotency-Key": "same"})
            for _ in range(concurrency)
        )
    )
    assert {reply.status_code for reply in replies} == {201}
    assert len({reply.content for reply in replies}) == 1
    assert sum(reply.headers["idempotent-replayed"] == "false" for reply in replies) == 1
    orders = (await client.get(f"{API}/orders", headers=buyer.auth)).json()
    assert [o["kind"] for o in orders] == ["purchase", "topup"]
    assert (await client.get(f"{API}/wallet", headers=buyer.auth)).json()["balance"]["amount"] == 90_00
