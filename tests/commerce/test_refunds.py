"""Refunds: the policy is data applied by code; refunds come back from wherever the money is,
never exceed what was captured, and partial refunds add up exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from anxin.commerce import ledger, orders, settlement
from anxin.commerce.errors import (
    CurrencyMismatch,
    IllegalTransition,
    InvalidAmount,
    NothingToRefund,
    RefundTooLarge,
    TopUpNotRefundable,
)
from anxin.commerce.refunds import policy, service
from anxin.commerce.settings import commerce_settings
from anxin.core import clock
from anxin.core.money import Money
from tests.commerce.conftest import ADMIN, CLIENT, COUNSELLOR, Shop

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("notice", "share"),
    [
        (timedelta(hours=48), 10_000),
        (timedelta(hours=24), 10_000),
        (timedelta(hours=23), 5_000),
        (timedelta(minutes=1), 5_000),
        (timedelta(0), 0),
        (timedelta(hours=-1), 0),
    ],
)
def test_session_policy_by_notice(notice: timedelta, share: int) -> None:
    assert (
        policy.refund_share_bp(
            policy.SESSION_POLICY,
            now=NOW,
            paid_at=NOW - timedelta(days=1),
            starts_at=NOW + notice,
            consumed_bp=0,
        )
        == share
    )


@pytest.mark.parametrize(
    ("age", "consumed", "share"),
    [
        (timedelta(days=1), 0, 10_000),
        (timedelta(days=7), 1_999, 10_000),
        (timedelta(days=7, seconds=1), 0, 0),
        (timedelta(days=1), 2_000, 0),
    ],
)
def test_content_policy_by_age_and_use(age: timedelta, consumed: int, share: int) -> None:
    assert (
        policy.refund_share_bp(
            policy.CONTENT_POLICY, now=NOW, paid_at=NOW - age, starts_at=None, consumed_bp=consumed
        )
        == share
    )


def test_the_policy_reads_in_both_languages() -> None:
    english = policy.describe(policy.SESSION_POLICY, "en")
    chinese = policy.describe(policy.SESSION_POLICY, "zh-CN")
    assert english[0] == "Cancel at least 24 hours before the start: 100% back."
    assert len(chinese) == len(english) and chinese[0] != english[0]


async def cancel(shop: Shop, order_id: int, client: int = CLIENT) -> None:
    async with shop.database.transaction() as db:
        await service.cancel(db, client_id=client, order_id=order_id)


async def admin_refund(shop: Shop, order_id: int, amount: int, currency: str = "CNY") -> None:
    async with shop.database.transaction() as db:
        order = await orders.locked_order(db, order_id)
        await service.refund(
            db, order, Money(amount, currency), kind=service.KIND_ADMIN, reason="test", requested_by=ADMIN
        )


async def test_cancelling_a_session_a_day_ahead_refunds_everything(shop: Shop) -> None:
    clock.freeze(NOW)
    session = await shop.item("session", 300_00, starts_at=NOW + timedelta(hours=30))
    await shop.top_up(CLIENT, 300_00)
    order_id = await shop.buy(CLIENT, session)
    await cancel(shop, order_id)
    order = await shop.order(order_id)
    assert (order.status, order.refunded_amount) == (orders.CANCELLED, 300_00)
    assert await shop.wallet(CLIENT) == 300_00
    assert await shop.earnings() == (0, 0)
    await shop.check_books()


async def test_cancelling_late_refunds_half_and_the_counsellor_earns_the_rest(shop: Shop) -> None:
    clock.freeze(NOW)
    session = await shop.item("session", 300_01, starts_at=NOW + timedelta(hours=3))
    await shop.top_up(CLIENT, 300_01)
    order_id = await shop.buy(CLIENT, session)
    await cancel(shop, order_id)
    refunded, _ = Money(300_01, "CNY").split(5_000)
    kept = 300_01 - refunded.amount
    fee, net = Money(kept, "CNY").split(2_000)
    assert await shop.wallet(CLIENT) == refunded.amount
    assert await shop.earnings() == (net.amount, 0)
    assert await shop.balance(ledger.commission("CNY")) == fee.amount
    assert (await shop.order(order_id)).status == orders.CANCELLED
    await shop.check_books()


async def test_nothing_back_after_the_start(shop: Shop) -> None:
    clock.freeze(NOW)
    session = await shop.item("session", 100_00, starts_at=NOW + timedelta(hours=1))
    await shop.top_up(CLIENT, 100_00)
    order_id = await shop.buy(CLIENT, session)
    clock.freeze(NOW + timedelta(hours=2))
    with pytest.raises(NothingToRefund):
        await cancel(shop, order_id)
    assert (await shop.order(order_id)).status == orders.PAID
    await shop.check_books()


async def test_content_can_be_cancelled_within_seven_days_if_barely_used(shop: Shop) -> None:
    clock.freeze(NOW)
    article = await shop.item("article", 20_00)
    course = await shop.item("course", 80_00)
    await shop.top_up(CLIENT, 100_00)
    read = await shop.buy(CLIENT, article)
    studied = await shop.buy(CLIENT, course)
    async with shop.database.transaction() as db:
        await orders.record_consumption(db, studied, 5_000)
    with pytest.raises(NothingToRefund):
        await cancel(shop, studied)
    clock.freeze(NOW + timedelta(days=2))
    await cancel(shop, read)
    assert (await shop.order(read)).status == orders.REFUNDED
    assert await shop.wallet(CLIENT) == 20_00
    await shop.check_books()


async def test_someone_elses_order_cannot_be_cancelled(shop: Shop) -> None:
    article = await shop.item("article", 20_00)
    await shop.top_up(CLIENT, 20_00)
    order_id = await shop.buy(CLIENT, article)
    with pytest.raises(orders.OrderNotFound):
        await cancel(shop, order_id, client=999)


async def test_partial_refunds_add_up_to_the_full_split(shop: Shop) -> None:
    article = await shop.item("article", 100_01)
    await shop.top_up(CLIENT, 100_01)
    order_id = await shop.buy(CLIENT, article)
    for amount in (33_33, 1, 33_33):
        await admin_refund(shop, order_id, amount)
        assert (await shop.order(order_id)).status == orders.PARTIALLY_REFUNDED
    await admin_refund(shop, order_id, 100_01 - 66_67)
    order = await shop.order(order_id)
    assert (order.status, order.refunded_amount) == (orders.REFUNDED, 100_01)
    assert await shop.wallet(CLIENT) == 100_01
    assert await shop.earnings() == (0, 0)
    assert await shop.balance(ledger.commission("CNY")) == 0
    await shop.check_books()


@pytest.mark.parametrize(
    ("amount", "currency", "error"),
    [
        (0, "CNY", InvalidAmount),
        (-1, "CNY", InvalidAmount),
        (50_01, "CNY", RefundTooLarge),
        (10, "USD", CurrencyMismatch),
    ],
)
async def test_bad_refunds_change_nothing(shop: Shop, amount: int, currency: str, error: type) -> None:
    article = await shop.item("article", 50_00)
    await shop.top_up(CLIENT, 50_00)
    order_id = await shop.buy(CLIENT, article)
    with pytest.raises(error):
        await admin_refund(shop, order_id, amount, currency)
    order = await shop.order(order_id)
    assert (order.status, order.refunded_amount) == (orders.FULFILLED, 0)
    assert await shop.wallet(CLIENT) == 0


async def test_a_refund_above_what_is_left_is_refused_with_the_amount(shop: Shop) -> None:
    article = await shop.item("article", 50_00)
    await shop.top_up(CLIENT, 50_00)
    order_id = await shop.buy(CLIENT, article)
    await admin_refund(shop, order_id, 40_00)
    with pytest.raises(RefundTooLarge) as caught:
        await admin_refund(shop, order_id, 10_01)
    assert caught.value.params == {"remaining": "10.00 CNY"}
    await admin_refund(shop, order_id, 10_00)
    with pytest.raises(IllegalTransition):
        await admin_refund(shop, order_id, 1)


async def test_top_ups_are_not_refunded_here(shop: Shop) -> None:
    order_id = await shop.top_up(CLIENT, 50_00)
    with pytest.raises(TopUpNotRefundable):
        await admin_refund(shop, order_id, 50_00)


async def test_after_settlement_the_counsellor_pays_back_what_is_available_and_the_platform_the_rest(
    shop: Shop,
) -> None:
    clock.freeze(NOW)
    article = await shop.item("article", 100_00)
    await shop.top_up(CLIENT, 100_00)
    order_id = await shop.buy(CLIENT, article)
    clock.freeze(NOW + timedelta(hours=commerce_settings().settlement_delay_hours + 1))
    async with shop.database.transaction() as db:
        assert await settlement.settle_due(db) == 1
    assert await shop.earnings() == (0, 70_00)
    # The counsellor moves most of it out before the refund.
    async with shop.database.transaction() as db:
        from anxin.commerce import payouts

        await payouts.request_payout(db, counsellor_id=COUNSELLOR, amount=Money(60_00, "CNY"))
    await admin_refund(shop, order_id, 100_00)
    assert await shop.earnings() == (0, 0)
    assert await shop.wallet(CLIENT) == 100_00
    assert await shop.balance(ledger.commission("CNY")) == 30_00 - 30_00 - 60_00
    await shop.check_books()


async def test_a_card_refund_goes_back_through_the_provider_after_commit(shop: Shop) -> None:
    article = await shop.item("article", 40_00)
    order_id = await shop.buy(CLIENT, article, method="sandbox")
    await admin_refund(shop, order_id, 15_00)
    assert await shop.balance(ledger.refunds_payable("CNY")) == 15_00
    await shop.drain()
    assert await shop.balance(ledger.refunds_payable("CNY")) == 0
    assert await shop.balance(ledger.provider_clearing("sandbox", "CNY")) == -40_00 + 15_00
    async with shop.database.transaction(write=False) as db:
        (refund,) = await service.refunds_of(db, order_id)
    assert (refund.status, refund.provider_ref) == ("succeeded", f"sbx_re_{refund.id}")
    await shop.check_books()
