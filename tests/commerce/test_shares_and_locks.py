"""Revenue shares and what a purchase locks: a purchase holds only the buyer's wallet row, and
pending earnings, which no lock guards, never go below zero because no order gives back more than
it put in (a share, a refund and the settlement of one order together)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from anxin.commerce import ledger, orders, settlement, shares
from anxin.commerce.models import LedgerAccount, LedgerBalance
from anxin.commerce.refunds import service as refunds
from anxin.commerce.settings import commerce_settings
from anxin.core import clock
from anxin.core.db import Database
from anxin.core.money import Money
from tests.commerce.conftest import CLIENT, OTHER_CLIENT, Shop
from tests.support import services

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
FRIEND = 103


async def shared_sale(shop: Shop, price: int = 100_00, share_bp: int = 5_000) -> int:
    article = await shop.item("question", price)
    await shop.top_up(CLIENT, price)
    order_id = await shop.buy(CLIENT, article)
    async with shop.database.transaction() as db:
        first = await shares.share_earnings(db, order_id, beneficiary_id=FRIEND, share_bp=share_bp)
    async with shop.database.transaction() as db:
        again = await shares.share_earnings(db, order_id, beneficiary_id=FRIEND, share_bp=share_bp)
    assert first == again  # shared once
    return order_id


async def test_pending_earnings_have_no_balance_row_to_lock(shop: Shop) -> None:
    article = await shop.item("article", 50_00)
    await shop.top_up(CLIENT, 50_00)
    await shop.buy(CLIENT, article)
    async with shop.database.transaction(write=False) as db:
        locked_kinds = (
            await db.scalars(
                select(LedgerAccount.kind).join(LedgerBalance, LedgerBalance.account_id == LedgerAccount.id)
            )
        ).all()
    assert sorted(locked_kinds) == [ledger.WALLET]
    assert await shop.earnings() == (35_00, 0)
    await shop.check_books()


async def test_settlement_after_a_share_moves_only_what_is_left(shop: Shop) -> None:
    clock.freeze(NOW)
    order_id = await shared_sale(shop)  # net 70.00, half of it to the friend
    assert await shop.wallet(FRIEND) == 35_00
    assert await shop.earnings() == (35_00, 0)
    clock.freeze(NOW + timedelta(hours=commerce_settings().settlement_delay_hours))
    async with shop.database.transaction() as db:
        assert await settlement.settle_due(db) == 1
    assert await shop.earnings() == (0, 35_00)
    assert (await shop.order(order_id)).shared_amount == 35_00
    await shop.check_books()


async def test_refunding_a_shared_order_never_overdraws_pending_earnings(shop: Shop) -> None:
    order_id = await shared_sale(shop, share_bp=10_000)  # the whole net went to the friend
    async with shop.database.transaction() as db:
        order = await orders.locked_order(db, order_id)
        await refunds.refund(db, order, Money(100_00, "CNY"), kind=refunds.KIND_ADMIN)
    assert await shop.wallet(CLIENT) == 100_00
    assert await shop.wallet(FRIEND) == 70_00  # the beneficiary keeps their share
    assert await shop.earnings() == (0, 0)  # the counsellor had nothing left of it: not below zero
    assert await shop.balance(ledger.commission("CNY")) == -70_00  # the platform absorbs it
    await shop.check_books()


async def test_a_share_after_settlement_comes_from_available_earnings(shop: Shop) -> None:
    clock.freeze(NOW)
    article = await shop.item("question", 100_00)
    await shop.top_up(CLIENT, 100_00)
    order_id = await shop.buy(CLIENT, article)
    clock.freeze(NOW + timedelta(days=30))
    async with shop.database.transaction() as db:
        await settlement.settle_due(db)
    async with shop.database.transaction() as db:
        await shares.share_earnings(db, order_id, beneficiary_id=FRIEND, share_bp=5_000)
    assert await shop.earnings() == (0, 35_00)
    assert await shop.wallet(FRIEND) == 35_00
    await shop.check_books()


async def test_reconcile_finds_an_order_that_gave_back_more_than_it_earned(shop: Shop) -> None:
    order_id = await shared_sale(shop)
    async with shop.database.transaction() as db:
        await db.execute(text(f"UPDATE commerce_orders SET shared_amount = 90000 WHERE id = {order_id}"))
    async with shop.database.transaction(write=False) as db:
        from anxin.commerce.reconcile import reconcile

        report = await reconcile(db)
    assert f"order {order_id}: took more out of pending earnings than it allocated" in report.violations


@pytest.fixture
def postgres_url(postgres_template: str) -> Iterator[str]:
    """PostgreSQL only: SQLite runs one writer at a time by design, so nothing can wait on a row."""
    name = services.create_postgres_database(template=postgres_template)
    try:
        yield services.postgres_async_url(name)
    finally:
        services.drop_postgres_database(name)


async def test_a_purchase_does_not_wait_for_another_buyer_of_the_same_counsellor(postgres_url: str) -> None:
    """Two clients buy from one counsellor at once: the second does not wait for the first to
    commit (it would, were the counsellor's earnings a locked row)."""
    first_db, second_db = Database(postgres_url), Database(postgres_url)
    shop = Shop(second_db)
    try:
        article = await shop.item("article", 10_00)
        for client in (CLIENT, OTHER_CLIENT):
            await shop.top_up(client, 20_00)
        await shop.buy(CLIENT, article)  # the platform's and the counsellor's accounts exist now
        async with first_db.transaction() as first:
            await orders.checkout(
                first,
                client_id=CLIENT,
                item_id=article,
                currency="CNY",
                expected_amount=10_00,
                method="wallet",
            )
            async with second_db.transaction() as second:
                await second.execute(text("SET LOCAL lock_timeout = '3s'"))
                await orders.checkout(
                    second,
                    client_id=OTHER_CLIENT,
                    item_id=article,
                    currency="CNY",
                    expected_amount=10_00,
                    method="wallet",
                )
        assert await shop.earnings() == (21_00, 0)
        await shop.check_books()
    finally:
        await first_db.dispose()
        await second_db.dispose()
