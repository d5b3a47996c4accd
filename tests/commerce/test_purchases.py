"""Checkout: money goes client → escrow → counsellor (pending) + platform commission, exactly
once; bad input is a clear 4xx with nothing changed; orders follow the state machine."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from anxin.commerce import ledger, orders
from anxin.commerce.errors import (
    CurrencyNotOffered,
    IllegalTransition,
    InsufficientFunds,
    InvalidAmount,
    PaymentDeclined,
    PriceChanged,
    UnknownCurrency,
)
from anxin.commerce.models import LedgerTransaction, Order, OrderEvent
from anxin.core import clock, outbox
from anxin.core.errors import ValidationFailed
from anxin.core.money import Money
from anxin.core.outbox import OutboxMessage
from tests.commerce.conftest import CARD, CLIENT, COUNSELLOR, Shop


async def row_counts(shop: Shop) -> tuple[int, int, int]:
    async with shop.database.transaction(write=False) as db:
        return (
            int(await db.scalar(select(func.count()).select_from(Order)) or 0),
            int(await db.scalar(select(func.count()).select_from(LedgerTransaction)) or 0),
            int(await db.scalar(select(func.count()).select_from(OutboxMessage)) or 0),
        )


async def test_a_wallet_purchase_splits_the_price_between_counsellor_and_platform(shop: Shop) -> None:
    article = await shop.item("article", 99_99)
    await shop.top_up(CLIENT, 200_00)
    order_id = await shop.buy(CLIENT, article)

    order = await shop.order(order_id)
    assert order.status == orders.FULFILLED  # content is delivered by paying for it
    assert order.captured_amount == 99_99
    fee, net = Money(99_99, "CNY").split(3000)  # 30 % on content by default
    assert (order.allocated_fee, order.allocated_gross) == (fee.amount, 99_99)
    assert await shop.wallet(CLIENT) == 200_00 - 99_99
    assert await shop.earnings() == (net.amount, 0)
    assert await shop.balance(ledger.commission("CNY")) == fee.amount
    assert await shop.balance(ledger.escrow("CNY")) == 0
    await shop.check_books()


async def test_a_session_waits_in_escrow_until_it_has_taken_place(shop: Shop) -> None:
    session = await shop.item("session", 300_00, starts_at=clock.utcnow() + timedelta(days=3))
    await shop.top_up(CLIENT, 300_00)
    order_id = await shop.buy(CLIENT, session)
    assert (await shop.order(order_id)).status == orders.PAID
    assert await shop.balance(ledger.escrow("CNY")) == 300_00
    assert await shop.earnings() == (0, 0)

    async with shop.database.transaction() as db:
        await orders.mark_fulfilled(db, order_id)
    async with shop.database.transaction() as db:
        await orders.mark_fulfilled(db, order_id)  # reported twice: no second allocation
    fee, net = Money(300_00, "CNY").split(2000)  # 20 % on sessions
    assert await shop.earnings() == (net.amount, 0)
    assert await shop.balance(ledger.commission("CNY")) == fee.amount
    assert await shop.balance(ledger.escrow("CNY")) == 0
    await shop.check_books()


async def test_paying_by_sandbox_card_and_the_paid_event(shop: Shop) -> None:
    seen: list[int] = []

    @outbox.subscribe(orders.ORDER_PAID, name="test_listener")
    async def listener(db, payload) -> None:  # type: ignore[no-untyped-def]
        seen.append(payload["order_id"])

    try:
        course = await shop.item("course", 59_00)
        order_id = await shop.buy(CLIENT, course, method="sandbox")
        await shop.drain()
    finally:
        outbox.registry.subscribers[orders.ORDER_PAID].remove(f"{orders.ORDER_PAID}->test_listener")
        outbox.registry.jobs.pop(f"{orders.ORDER_PAID}->test_listener")
    assert seen == [order_id]
    assert await shop.balance(ledger.provider_clearing("sandbox", "CNY")) == -59_00
    assert await shop.wallet(CLIENT) == 0
    await shop.check_books()


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"expected_amount": 90_00}, PriceChanged),
        ({"currency": "XYZ"}, UnknownCurrency),
        ({"currency": "USD"}, CurrencyNotOffered),
        ({"method": "bitcoin"}, ValidationFailed),
        ({"client_id": COUNSELLOR}, ValidationFailed),
        ({}, InsufficientFunds),
    ],
)
async def test_bad_checkouts_are_refused_and_change_nothing(shop: Shop, change: dict, error: type) -> None:
    article = await shop.item("article", 100_00)
    await shop.top_up(CLIENT, 50_00)
    before = await row_counts(shop)
    arguments = {
        "client_id": CLIENT,
        "item_id": article,
        "currency": "CNY",
        "expected_amount": 100_00,
        "method": "wallet",
        **change,
    }
    with pytest.raises(error):
        async with shop.database.transaction() as db:
            await orders.checkout(db, **arguments)
    assert await row_counts(shop) == before
    assert await shop.wallet(CLIENT) == 50_00
    await shop.check_books()


async def test_a_declined_card_charges_nothing(shop: Shop) -> None:
    article = await shop.item("article", 10_00)
    before = await row_counts(shop)
    with pytest.raises(PaymentDeclined):
        async with shop.database.transaction() as db:
            await orders.checkout(
                db,
                client_id=CLIENT,
                item_id=article,
                currency="CNY",
                expected_amount=10_00,
                method="sandbox",
                details={"card_number": "4000 0000 0000 0002"},
            )
    assert await row_counts(shop) == before


@pytest.mark.parametrize("amount", [0, -5_00, 5_000_01])
async def test_top_ups_must_be_positive_and_within_the_limit(shop: Shop, amount: int) -> None:
    with pytest.raises((InvalidAmount, ValidationFailed)):
        async with shop.database.transaction() as db:
            await orders.top_up(
                db, client_id=CLIENT, amount=Money(amount, "CNY"), method="sandbox", details=CARD
            )
    assert await row_counts(shop) == (0, 0, 0)


async def test_prices_per_currency(shop: Shop) -> None:
    article = await shop.item("article", prices={"CNY": 70_00, "USD": 10_00})
    await shop.top_up(CLIENT, 20_00, "USD")
    order_id = await shop.buy(CLIENT, article, currency="USD")
    order = await shop.order(order_id)
    assert (order.currency, order.amount) == ("USD", 10_00)
    assert await shop.wallet(CLIENT, "USD") == 10_00
    assert await shop.wallet(CLIENT, "CNY") == 0
    await shop.check_books()


async def test_only_legal_moves_and_every_move_is_recorded(shop: Shop) -> None:
    article = await shop.item("article", 10_00)
    await shop.top_up(CLIENT, 10_00)
    order_id = await shop.buy(CLIENT, article)
    async with shop.database.transaction() as db:
        order = await orders.locked_order(db, order_id)
        for illegal in (orders.CREATED, orders.PAID, orders.CANCELLED, orders.FAILED):
            with pytest.raises(IllegalTransition):
                orders.transition(db, order, illegal)
    async with shop.database.transaction(write=False) as db:
        moves = (
            await db.execute(
                select(OrderEvent.from_status, OrderEvent.to_status)
                .where(OrderEvent.order_id == order_id)
                .order_by(OrderEvent.id)
            )
        ).all()
    assert [tuple(move) for move in moves] == [
        (None, orders.CREATED),
        (orders.CREATED, orders.PAID),
        (orders.PAID, orders.FULFILLED),
    ]
    for source, targets in orders.LEGAL_TRANSITIONS.items():
        for target in targets:
            assert target in orders.LEGAL_TRANSITIONS  # no move into an unknown state
        if source in (orders.REFUNDED, orders.CANCELLED, orders.FAILED):
            assert not targets  # end states are final


async def test_a_new_item_is_created_with_its_price_and_never_twice(shop: Shop) -> None:
    from sqlalchemy.exc import IntegrityError

    from anxin.commerce import catalog

    async with shop.database.transaction() as db:
        item = await catalog.new_item(
            db,
            item_type="session",
            ref="booking:abc",
            seller_id=COUNSELLOR,
            title="t",
            price=Money(12_00, "CNY"),
        )
        item_id = item.id
    async with shop.database.transaction(write=False) as db:
        assert await catalog.prices_of(db, item_id) == {"CNY": Money(12_00, "CNY")}
    with pytest.raises(IntegrityError):
        async with shop.database.transaction() as db:
            await catalog.new_item(
                db,
                item_type="session",
                ref="booking:abc",
                seller_id=COUNSELLOR,
                title="t",
                price=Money(1, "CNY"),
            )
    with pytest.raises(InvalidAmount):
        async with shop.database.transaction() as db:
            await catalog.new_item(
                db,
                item_type="session",
                ref="booking:def",
                seller_id=COUNSELLOR,
                title="t",
                price=Money(0, "CNY"),
            )


async def test_a_wallet_purchase_of_content_is_one_ledger_transaction(shop: Shop) -> None:
    """Paying from the wallet and splitting the price are one posting: escrow passes it on at once."""
    from anxin.commerce.models import LedgerAccount, LedgerEntry

    article = await shop.item("article", 10_00)
    await shop.top_up(CLIENT, 10_00)
    order_id = await shop.buy(CLIENT, article)
    async with shop.database.transaction(write=False) as db:
        transactions = (
            await db.scalars(select(LedgerTransaction).where(LedgerTransaction.order_id == order_id))
        ).all()
        assert [(t.kind, t.reference) for t in transactions] == [("capture", f"capture:order:{order_id}")]
        entries = (
            await db.execute(
                select(LedgerAccount.kind, LedgerEntry.amount)
                .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
                .where(LedgerEntry.transaction_id == transactions[0].id)
                .order_by(LedgerEntry.id)
            )
        ).all()
    assert [tuple(e) for e in entries] == [
        (ledger.WALLET, -10_00),
        (ledger.ESCROW, 10_00),
        (ledger.ESCROW, -10_00),
        (ledger.COMMISSION, 3_00),
        (ledger.EARNINGS_PENDING, 7_00),
    ]
    await shop.check_books()
