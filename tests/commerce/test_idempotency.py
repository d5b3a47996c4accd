"""Idempotency-Key: one charge per key however often and however concurrently it is sent, replies
byte-identical to the first, a changed request under a used key refused, keys kept at least 24 h."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from anxin.commerce import idempotency, paying
from anxin.commerce.errors import IdempotencyKeyMissing, IdempotencyKeyReused, InsufficientFunds
from anxin.commerce.models import IdempotencyKey, LedgerTransaction, Order
from anxin.commerce.schemas import CheckoutIn
from anxin.commerce.settings import commerce_settings
from anxin.core import clock
from anxin.core.db import Database
from tests.commerce.conftest import CLIENT, OTHER_CLIENT, Shop


async def checkout(database: Database, body: CheckoutIn, key: str | None, client: int = CLIENT):  # type: ignore[no-untyped-def]
    async with database.transaction() as db:
        return await paying.checkout(db, client_id=client, key=key, body=body)


async def counts(shop: Shop) -> dict[str, int]:
    async with shop.database.transaction(write=False) as db:
        return {
            "orders": int(
                await db.scalar(select(func.count()).select_from(Order).where(Order.kind == "purchase")) or 0
            ),
            "captures": int(
                await db.scalar(
                    select(func.count())
                    .select_from(LedgerTransaction)
                    .where(LedgerTransaction.kind == "capture")
                )
                or 0
            ),
        }


async def prepared(shop: Shop, balance: int = 500_00) -> CheckoutIn:
    article = await shop.item("article", 100_00)
    await shop.top_up(CLIENT, balance)
    return CheckoutIn(item_id=article, currency="CNY", expected_amount=100_00, method="wallet")


async def test_the_same_key_replays_the_first_response_byte_for_byte(shop: Shop) -> None:
    body = await prepared(shop)
    first = await checkout(shop.database, body, "key-1")
    assert (first.status, first.replayed) == (201, False)
    for _ in range(100):
        again = await checkout(shop.database, body, "key-1")
        assert (again.status, again.body, dict(again.headers), again.replayed) == (
            first.status,
            first.body,
            dict(first.headers),
            True,
        )
    assert await counts(shop) == {"orders": 1, "captures": 1}
    assert await shop.wallet(CLIENT) == 400_00
    await shop.check_books()


async def test_the_same_key_with_other_parameters_is_refused(shop: Shop) -> None:
    body = await prepared(shop)
    await checkout(shop.database, body, "key-1")
    with pytest.raises(IdempotencyKeyReused):
        await checkout(shop.database, body.model_copy(update={"expected_amount": 90_00}), "key-1")
    with pytest.raises(IdempotencyKeyReused):
        await checkout(shop.database, body.model_copy(update={"method": "sandbox"}), "key-1")
    assert await counts(shop) == {"orders": 1, "captures": 1}
    # The key belongs to its sender: someone else may use the same string.
    await shop.top_up(OTHER_CLIENT, 100_00)
    other = await checkout(shop.database, body, "key-1", client=OTHER_CLIENT)
    assert other.replayed is False
    assert await counts(shop) == {"orders": 2, "captures": 2}


@pytest.mark.parametrize("key", [None, "", "x" * 256, "has space", "中文"])
async def test_a_paying_request_needs_a_usable_key(shop: Shop, key: str | None) -> None:
    body = await prepared(shop)
    with pytest.raises(IdempotencyKeyMissing):
        await checkout(shop.database, body, key)
    assert await counts(shop) == {"orders": 0, "captures": 0}


async def test_a_refused_request_stores_nothing_so_a_retry_can_succeed(shop: Shop) -> None:
    body = await prepared(shop, balance=50_00)
    with pytest.raises(InsufficientFunds):
        await checkout(shop.database, body, "key-1")
    await shop.top_up(CLIENT, 50_00)
    retried = await checkout(shop.database, body, "key-1")
    assert (retried.status, retried.replayed) == (201, False)
    assert await counts(shop) == {"orders": 1, "captures": 1}


async def test_keys_are_kept_at_least_a_day(shop: Shop) -> None:
    body = await prepared(shop)
    start = clock.utcnow()
    clock.freeze(start)
    first = await checkout(shop.database, body, "key-1")
    retention = timedelta(hours=commerce_settings().idempotency_retention_hours)
    assert retention >= timedelta(hours=24)
    clock.freeze(start + retention - timedelta(minutes=1))
    async with shop.database.transaction() as db:
        assert await idempotency.purge_expired(db) == 0
    assert (await checkout(shop.database, body, "key-1")).body == first.body
    clock.freeze(start + retention + timedelta(minutes=1))
    async with shop.database.transaction() as db:
        assert await idempotency.purge_expired(db) == 1
        assert await db.scalar(select(func.count()).select_from(IdempotencyKey)) == 0


async def test_concurrent_requests_with_one_key_charge_once(shop: Shop, database_url: str) -> None:
    # SQLite runs writers one at a time; the test plan caps its concurrency at 50.
    concurrency = 50 if shop.database.is_sqlite else 100
    body = await prepared(shop)
    # Each request has its own connection, as in production.
    database = Database(database_url)
    try:
        results = await asyncio.gather(
            *(checkout(database, body, "same-key") for _ in range(concurrency)), return_exceptions=True
        )
    finally:
        await database.dispose()
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    bodies = {r.body for r in results}  # type: ignore[union-attr]
    assert len(bodies) == 1
    assert {r.status for r in results} == {201}  # type: ignore[union-attr]
    assert sum(not r.replayed for r in results) == 1  # type: ignore[union-attr]
    assert await counts(shop) == {"orders": 1, "captures": 1}
    assert await shop.wallet(CLIENT) == 400_00
    await shop.check_books()


async def test_concurrent_purchases_never_overdraw_a_wallet(shop: Shop, database_url: str) -> None:
    article = await shop.item("article", 30_00)
    await shop.top_up(CLIENT, 100_00)  # room for 3 purchases, not 4
    body = CheckoutIn(item_id=article, currency="CNY", expected_amount=30_00, method="wallet")
    database = Database(database_url)
    try:
        results = await asyncio.gather(
            *(checkout(database, body, f"key-{n}") for n in range(20)), return_exceptions=True
        )
    finally:
        await database.dispose()
    succeeded = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, InsufficientFunds)]
    assert len(succeeded) == 3
    assert len(refused) == 17
    assert await shop.wallet(CLIENT) == 10_00
    await shop.check_books()


async def test_purchases_refunds_settlement_and_payouts_at_once_never_deadlock(
    shop: Shop, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every unit of work locks balance rows in one global order, so a mix of purchases (wallet,
    then pending earnings), refunds (wallet, pending, available), settlement (pending, available)
    and payouts (available, in transit) for the same people all finish."""
    from anxin.commerce import orders, payouts, settlement
    from anxin.commerce.refunds import service as refunds
    from anxin.commerce.settings import reset_commerce_settings
    from anxin.core.money import Money
    from tests.commerce.conftest import ADMIN, COUNSELLOR

    monkeypatch.setenv("ANXIN_SETTLEMENT_DELAY_HOURS", "0")
    reset_commerce_settings()
    article = await shop.item("article", 10_00)
    await shop.top_up(CLIENT, 1_000_00)
    first = [await shop.buy(CLIENT, article) for _ in range(10)]
    database = Database(database_url)

    async def buy() -> None:
        async with database.transaction() as db:
            await orders.checkout(
                db, client_id=CLIENT, item_id=article, currency="CNY", expected_amount=10_00, method="wallet"
            )

    async def refund(order_id: int) -> None:
        async with database.transaction() as db:
            order = await orders.locked_order(db, order_id)
            await refunds.refund(db, order, Money(5_00, "CNY"), kind=refunds.KIND_ADMIN, requested_by=ADMIN)

    async def settle() -> None:
        async with database.transaction() as db:
            await settlement.settle_due(db)

    async def pay_out() -> None:
        async with database.transaction() as db:
            await payouts.request_payout(db, counsellor_id=COUNSELLOR, amount=Money(1_00, "CNY"))

    work = (
        [buy() for _ in range(10)] + [refund(order_id) for order_id in first] + [settle() for _ in range(3)]
    )
    work += [pay_out() for _ in range(5)]
    try:
        results = await asyncio.gather(*work, return_exceptions=True)
    finally:
        await database.dispose()
    from anxin.commerce.errors import AvailableBalanceTooLow

    unexpected = [
        r for r in results if isinstance(r, BaseException) and not isinstance(r, AvailableBalanceTooLow)
    ]
    assert unexpected == []
    await shop.check_books()
