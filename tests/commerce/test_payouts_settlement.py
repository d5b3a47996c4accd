"""Earnings become available after the settlement delay; payouts move only available money and
are reversed when rejected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from anxin.commerce import ledger, payouts, reports, settlement
from anxin.commerce.errors import AvailableBalanceTooLow, IllegalTransition, InvalidAmount
from anxin.commerce.settings import commerce_settings
from anxin.core import clock
from anxin.core.errors import ValidationFailed
from anxin.core.money import Money
from tests.commerce.conftest import ADMIN, CLIENT, COUNSELLOR, Shop

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


async def settle(shop: Shop) -> int:
    async with shop.database.transaction() as db:
        return await settlement.settle_due(db)


async def earn(shop: Shop, price: int = 100_00) -> None:
    article = await shop.item("article", price)
    await shop.top_up(CLIENT, price)
    await shop.buy(CLIENT, article)


async def test_earnings_settle_after_the_delay_once(shop: Shop) -> None:
    clock.freeze(NOW)
    await earn(shop)
    delay = timedelta(hours=commerce_settings().settlement_delay_hours)
    clock.freeze(NOW + delay - timedelta(minutes=1))
    assert await settle(shop) == 0
    assert await shop.earnings() == (70_00, 0)
    clock.freeze(NOW + delay)
    assert await settle(shop) == 1
    assert await settle(shop) == 0
    assert await shop.earnings() == (0, 70_00)
    await shop.check_books()


async def request(shop: Shop, amount: int) -> int:
    async with shop.database.transaction() as db:
        return (await payouts.request_payout(db, counsellor_id=COUNSELLOR, amount=Money(amount, "CNY"))).id


async def test_a_payout_is_requested_approved_and_paid(shop: Shop) -> None:
    clock.freeze(NOW)
    await earn(shop)
    clock.freeze(NOW + timedelta(days=30))
    await settle(shop)
    payout_id = await request(shop, 50_00)
    assert await shop.earnings() == (0, 20_00)
    assert await shop.balance(ledger.payouts_in_transit(COUNSELLOR, "CNY")) == 50_00
    async with shop.database.transaction() as db:
        with pytest.raises(IllegalTransition):
            await payouts.mark_paid(db, payout_id=payout_id, admin_id=ADMIN, bank_reference="B-1")
    async with shop.database.transaction() as db:
        await payouts.approve(db, payout_id=payout_id, admin_id=ADMIN)
    async with shop.database.transaction() as db:
        with pytest.raises(ValidationFailed):
            await payouts.mark_paid(db, payout_id=payout_id, admin_id=ADMIN, bank_reference="  ")
    async with shop.database.transaction() as db:
        paid = await payouts.mark_paid(
            db, payout_id=payout_id, admin_id=ADMIN, bank_reference="ICBC-2026-001"
        )
        assert paid.status == payouts.PAID
    assert await shop.balance(ledger.payouts_in_transit(COUNSELLOR, "CNY")) == 0
    assert await shop.balance(ledger.payout_clearing("bank_transfer", "CNY")) == 50_00
    await shop.check_books()


async def test_a_rejected_payout_returns_to_available(shop: Shop) -> None:
    clock.freeze(NOW)
    await earn(shop)
    clock.freeze(NOW + timedelta(days=30))
    await settle(shop)
    payout_id = await request(shop, 70_00)
    async with shop.database.transaction() as db:
        await payouts.reject(db, payout_id=payout_id, admin_id=ADMIN, note="account name differs")
    assert await shop.earnings() == (0, 70_00)
    async with shop.database.transaction() as db:
        with pytest.raises(IllegalTransition):
            await payouts.approve(db, payout_id=payout_id, admin_id=ADMIN)
    await shop.check_books()


@pytest.mark.parametrize(
    ("amount", "error"), [(0, InvalidAmount), (-1, InvalidAmount), (70_01, AvailableBalanceTooLow)]
)
async def test_bad_payout_requests_change_nothing(shop: Shop, amount: int, error: type) -> None:
    clock.freeze(NOW)
    await earn(shop)
    clock.freeze(NOW + timedelta(days=30))
    await settle(shop)
    with pytest.raises(error):
        await request(shop, amount)
    assert await shop.earnings() == (0, 70_00)
    async with shop.database.transaction(write=False) as db:
        assert await payouts.list_payouts(db) == []


async def test_pending_earnings_cannot_be_paid_out(shop: Shop) -> None:
    await earn(shop)
    with pytest.raises(AvailableBalanceTooLow):
        await request(shop, 1)


async def test_earnings_report_per_item_and_month(shop: Shop) -> None:
    clock.freeze(NOW)
    article = await shop.item("article", 100_00)
    session = await shop.item("session", 200_00, starts_at=NOW + timedelta(days=2))
    await shop.top_up(CLIENT, 400_00)
    await shop.buy(CLIENT, article)
    await shop.buy(CLIENT, article)
    session_order = await shop.buy(CLIENT, session)
    from anxin.commerce import orders

    async with shop.database.transaction() as db:
        await orders.mark_fulfilled(db, session_order)
    async with shop.database.transaction(write=False) as db:
        earnings = await reports.counsellor_earnings(db, COUNSELLOR)
    by_item = {line.label: line for line in earnings.by_item}
    assert by_item["article for test"].orders == 2
    assert by_item["article for test"].gross.amount == 200_00
    assert by_item["article for test"].commission.amount == 60_00
    assert by_item["session for test"].net.amount == 160_00
    assert [line.label for line in earnings.by_month] == ["2026-11"]
    assert earnings.pending.amount == 140_00 + 160_00
    assert earnings.available.amount == 0
