"""Stripe: a checkout creates one PaymentIntent; the signed webhook captures the order exactly
once however often it is delivered; a wrongly signed or stale delivery is refused and stored nowhere;
refunds go back through Stripe and complete on its notification."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from anxin.commerce import ledger, orders, webhooks
from anxin.commerce.errors import WebhookSignatureInvalid
from anxin.commerce.models import LedgerTransaction, Payment, WebhookEvent
from anxin.commerce.payments import registry
from anxin.commerce.payments.stripe_gateway import StripeGateway
from anxin.commerce.refunds import service as refunds
from anxin.core.db import Database
from anxin.core.money import Money
from anxin.core.outbox import OutboxMessage
from tests.commerce.conftest import ADMIN, CLIENT, Shop
from tests.commerce.fake_stripe import FakeStripeApi, event, signed, webhook_secret


@pytest.fixture
def stripe_api() -> tuple[FakeStripeApi, str]:
    api = FakeStripeApi()
    secret = webhook_secret()
    registry.install(StripeGateway(api_key="sk_test_" + "x" * 24, webhook_secret=secret, http_client=api))
    return api, secret


async def pay_with_stripe(shop: Shop, price: int = 80_00) -> tuple[int, Payment]:
    article = await shop.item("article", price)
    async with shop.database.transaction() as db:
        result = await orders.checkout(
            db, client_id=CLIENT, item_id=article, currency="CNY", expected_amount=price, method="stripe"
        )
        assert result.client_secret and result.client_secret.startswith(result.payment.provider_ref or "?")
        return result.order.id, result.payment


async def deliver(database: Database, body: bytes, headers: dict[str, str]) -> bool:
    async with database.transaction() as db:
        _, new = await webhooks.receive(db, provider="stripe", headers=headers, body=body)
        return new


def succeeded(payment: Payment, event_id: str | None = None) -> dict:
    return event(
        "payment_intent.succeeded",
        {
            "id": payment.provider_ref,
            "object": "payment_intent",
            "amount_received": payment.amount,
            "currency": "cny",
        },
        event_id,
    )


async def stored_events(shop: Shop) -> int:
    async with shop.database.transaction(write=False) as db:
        return int(await db.scalar(select(func.count()).select_from(WebhookEvent)) or 0)


async def captures(shop: Shop) -> int:
    async with shop.database.transaction(write=False) as db:
        return int(
            await db.scalar(
                select(func.count()).select_from(LedgerTransaction).where(LedgerTransaction.kind == "capture")
            )
            or 0
        )


async def test_the_payment_is_final_only_when_the_signed_webhook_arrives(shop: Shop, stripe_api) -> None:
    api, secret = stripe_api
    order_id, payment = await pay_with_stripe(shop)
    assert (await shop.order(order_id)).status == orders.CREATED
    (call,) = api.calls
    assert call[2]["amount"] == ["8000"] and call[2]["currency"] == ["cny"]
    assert call[2]["metadata[anxin_order_id]"] == [str(order_id)]

    body, headers = signed(succeeded(payment), secret)
    assert await deliver(shop.database, body, headers) is True
    assert (await shop.order(order_id)).status == orders.CREATED  # handled in a job, after commit
    await shop.drain()
    order = await shop.order(order_id)
    assert (order.status, order.captured_amount) == (orders.FULFILLED, 80_00)
    assert await shop.balance(ledger.provider_clearing("stripe", "CNY")) == -80_00
    await shop.check_books()


async def test_a_duplicated_webhook_is_processed_once(shop: Shop, stripe_api, database_url: str) -> None:
    _, secret = stripe_api
    order_id, payment = await pay_with_stripe(shop)
    body, headers = signed(succeeded(payment, "evt_once"), secret)
    assert await deliver(shop.database, body, headers) is True
    assert await deliver(shop.database, body, headers) is False
    # The same event, delivered concurrently many times (Stripe retries, several web processes).
    concurrency = 20 if shop.database.is_sqlite else 50
    database = Database(database_url)
    try:
        again = await asyncio.gather(*(deliver(database, body, headers) for _ in range(concurrency)))
    finally:
        await database.dispose()
    assert not any(again)
    await shop.drain()
    await shop.drain()
    # A different event id about the same payment (Stripe may send one again) changes nothing either.
    body2, headers2 = signed(succeeded(payment, "evt_twice"), secret)
    assert await deliver(shop.database, body2, headers2) is True
    await shop.drain()
    assert await stored_events(shop) == 2
    assert await captures(shop) == 1
    assert (await shop.order(order_id)).captured_amount == 80_00
    await shop.check_books()


@pytest.mark.parametrize("tamper", ["wrong-secret", "edited-body", "no-signature", "stale"])
async def test_a_wrongly_signed_webhook_is_refused_and_stored_nowhere(
    shop: Shop, stripe_api, tamper: str
) -> None:
    _, secret = stripe_api
    _, payment = await pay_with_stripe(shop)
    payload = succeeded(payment)
    if tamper == "wrong-secret":
        body, headers = signed(payload, webhook_secret())
    elif tamper == "stale":
        import time

        body, headers = signed(payload, secret, at=int(time.time()) - 3600)
    else:
        body, headers = signed(payload, secret)
        if tamper == "edited-body":
            body = body.replace(b"8000", b"1")
        else:
            headers = {"Content-Type": "application/json"}
    async with shop.database.transaction(write=False) as db:
        outbox_before = await db.scalar(select(func.count()).select_from(OutboxMessage))
    with pytest.raises(WebhookSignatureInvalid):
        await deliver(shop.database, body, headers)
    assert await stored_events(shop) == 0
    async with shop.database.transaction(write=False) as db:
        assert await db.scalar(select(func.count()).select_from(OutboxMessage)) == outbox_before
    await shop.drain()
    assert await captures(shop) == 0


async def test_a_failed_payment_fails_the_order(shop: Shop, stripe_api) -> None:
    _, secret = stripe_api
    order_id, payment = await pay_with_stripe(shop)
    failed = event(
        "payment_intent.payment_failed", {"id": payment.provider_ref, "amount": 80_00, "currency": "cny"}
    )
    await deliver(shop.database, *signed(failed, secret))
    await shop.drain()
    assert (await shop.order(order_id)).status == orders.FAILED
    await shop.check_books()


async def test_money_arriving_for_a_cancelled_order_goes_straight_back(shop: Shop, stripe_api) -> None:
    api, secret = stripe_api
    order_id, payment = await pay_with_stripe(shop)
    async with shop.database.transaction() as db:
        await refunds.cancel(db, client_id=CLIENT, order_id=order_id)
    await deliver(shop.database, *signed(succeeded(payment), secret))
    await shop.drain()
    assert (await shop.order(order_id)).status == orders.CANCELLED
    assert await shop.balance(ledger.refunds_payable("CNY")) == 80_00
    assert api.calls[-1][1].endswith("/v1/refunds")
    await shop.check_books()


async def test_a_refund_goes_through_stripe_and_completes_on_its_notification(shop: Shop, stripe_api) -> None:
    api, secret = stripe_api
    order_id, payment = await pay_with_stripe(shop)
    await deliver(shop.database, *signed(succeeded(payment), secret))
    await shop.drain()
    async with shop.database.transaction() as db:
        order = await orders.locked_order(db, order_id)
        await refunds.refund(db, order, Money(30_00, "CNY"), kind=refunds.KIND_ADMIN, requested_by=ADMIN)
    await shop.drain()
    refund_call = api.calls[-1]
    assert refund_call[1].endswith("/v1/refunds") and refund_call[2]["amount"] == ["3000"]
    assert await shop.balance(ledger.refunds_payable("CNY")) == 30_00  # Stripe said "pending"
    async with shop.database.transaction(write=False) as db:
        (refund,) = await refunds.refunds_of(db, order_id)
    done = event(
        "refund.updated",
        {
            "id": refund.provider_ref,
            "object": "refund",
            "status": "succeeded",
            "amount": 30_00,
            "currency": "cny",
            "payment_intent": payment.provider_ref,
            "metadata": {"anxin_refund_id": str(refund.id)},
        },
    )
    for _ in range(2):
        await deliver(shop.database, *signed(done, secret))
        await shop.drain()
    assert await shop.balance(ledger.refunds_payable("CNY")) == 0
    assert await shop.balance(ledger.provider_clearing("stripe", "CNY")) == -80_00 + 30_00
    await shop.check_books()
