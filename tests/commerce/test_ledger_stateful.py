"""Property-based (hypothesis, stateful) test of random sequences of top-ups, purchases, session
fulfilments, cancellations, full and partial refunds, settlement and payouts. After every step:
every transaction sums to zero, balances equal the sum of entries, no wallet or earnings balance is
below zero, refunds never exceed what was captured, orders only ever move along the state machine,
escrow holds exactly what undelivered orders paid, and wallets hold what the model says.

The fast tier runs a few examples per backend; ``-m soak`` runs many more, longer ones."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from anxin.commerce import catalog, ledger, orders, payouts, reconcile, settlement
from anxin.commerce.errors import (
    AvailableBalanceTooLow,
    IllegalTransition,
    InsufficientFunds,
    NothingToRefund,
    RefundTooLarge,
    TopUpNotRefundable,
)
from anxin.commerce.models import Order, Payout
from anxin.commerce.payments import registry
from anxin.commerce.refunds import service as refunds
from anxin.commerce.settings import reset_commerce_settings
from anxin.core import clock
from anxin.core.db import Database
from anxin.core.money import Money
from anxin.core.relay import OutboxRelay

CLIENTS = (1, 2, 3)  # offset per example, so every example has people of its own
COUNSELLORS = (4, 5)
ADMIN = 9
START = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
CARD = {"card_number": "4242424242424242"}


def reachable(source: str | None) -> set[str]:
    """Every state the machine can reach from ``source`` in one or more legal moves."""
    seen: set[str] = set()
    todo = list(orders.LEGAL_TRANSITIONS.get(source, frozenset()))
    while todo:
        state = todo.pop()
        if state not in seen:
            seen.add(state)
            todo.extend(orders.LEGAL_TRANSITIONS.get(state, frozenset()))
    return seen


class CommerceMachine(RuleBasedStateMachine):
    def __init__(self, database_url: str, offset: int) -> None:
        super().__init__()
        self.offset = offset
        self.loop = asyncio.new_event_loop()
        self.database = Database(database_url)
        self.wallets: dict[int, int] = {offset + c: 0 for c in CLIENTS}
        self.order_ids: list[int] = []
        self.statuses: dict[int, str] = {}  # every order's status at the last check
        self.payout_ids: list[int] = []
        self.items: list[tuple[int, int]] = []  # (item id, price)
        self.now = START
        clock.freeze(self.now)

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    def teardown(self) -> None:
        self.run(self.database.dispose())
        self.loop.close()
        clock.freeze(None)

    @initialize()
    def stock_the_shop(self) -> None:
        async def stock() -> None:
            async with self.database.transaction() as db:
                specs = [
                    ("article", 49_99, self.offset + COUNSELLORS[0], None),
                    ("course", 120_00, self.offset + COUNSELLORS[1], None),
                    ("session", 300_00, self.offset + COUNSELLORS[0], START + timedelta(hours=30)),
                    ("session", 199_99, self.offset + COUNSELLORS[1], START + timedelta(hours=10)),
                ]
                for n, (kind, price, seller, starts) in enumerate(specs):
                    item = await catalog.put_item(
                        db,
                        item_type=kind,
                        ref=f"i{self.offset}-{n}",
                        seller_id=seller,
                        title=kind,
                        prices={"CNY": price},
                        starts_at=starts,
                    )
                    self.items.append((item.id, price))

        self.run(stock())

    # ------------------------------------------------------------ rules

    @rule(client=st.sampled_from(CLIENTS), amount=st.integers(1, 400_00))
    def top_up(self, client: int, amount: int) -> None:
        client += self.offset

        async def go() -> int:
            async with self.database.transaction() as db:
                result = await orders.top_up(
                    db, client_id=client, amount=Money(amount, "CNY"), method="sandbox", details=CARD
                )
                return result.order.id

        self.order_ids.append(self.run(go()))
        self.wallets[client] += amount

    @rule(
        client=st.sampled_from(CLIENTS),
        pick=st.integers(0, 3),
        method=st.sampled_from(["wallet", "wallet", "sandbox"]),
    )
    def buy(self, client: int, pick: int, method: str) -> None:
        client += self.offset
        item_id, price = self.items[pick]

        async def go() -> int:
            async with self.database.transaction() as db:
                result = await orders.checkout(
                    db,
                    client_id=client,
                    item_id=item_id,
                    currency="CNY",
                    expected_amount=price,
                    method=method,
                    details=CARD,
                )
                return result.order.id

        if method == "wallet" and self.wallets[client] < price:
            with pytest.raises(InsufficientFunds):
                self.run(go())
            return
        self.order_ids.append(self.run(go()))
        if method == "wallet":
            self.wallets[client] -= price

    async def _order(self, order_id: int) -> Order:
        async with self.database.transaction(write=False) as db:
            found = await db.scalar(select(Order).where(Order.id == order_id))
            assert found is not None
            return found

    def _pick(self, pick: int) -> int:
        return self.order_ids[pick % len(self.order_ids)]

    @precondition(lambda self: self.order_ids)
    @rule(pick=st.integers(0, 10_000))
    def deliver_a_session(self, pick: int) -> None:
        order_id = self._pick(pick)

        async def go() -> None:
            async with self.database.transaction() as db:
                await orders.mark_fulfilled(db, order_id)

        order = self.run(self._order(order_id))
        if order.fulfilled_at is None and order.status not in (orders.PAID, orders.PARTIALLY_REFUNDED):
            with pytest.raises(IllegalTransition):
                self.run(go())
        else:
            self.run(go())

    @precondition(lambda self: self.order_ids)
    @rule(pick=st.integers(0, 10_000))
    def cancel(self, pick: int) -> None:
        order_id = self._pick(pick)
        before = self.run(self._order(order_id))

        async def go() -> None:
            async with self.database.transaction() as db:
                await refunds.cancel(db, client_id=before.client_id, order_id=order_id)

        try:
            self.run(go())
        except (NothingToRefund, IllegalTransition, TopUpNotRefundable):
            after = self.run(self._order(order_id))
            assert (after.status, after.refunded_amount) == (before.status, before.refunded_amount)
            return
        after = self.run(self._order(order_id))
        assert after.status in (orders.CANCELLED, orders.REFUNDED, orders.PARTIALLY_REFUNDED)
        if after.payment_method == "wallet":
            self.wallets[after.client_id] += after.refunded_amount - before.refunded_amount

    @precondition(lambda self: self.order_ids)
    @rule(pick=st.integers(0, 10_000), share=st.integers(1, 12_000))
    def admin_refund(self, pick: int, share: int) -> None:
        order_id = self._pick(pick)
        before = self.run(self._order(order_id))
        remaining = before.captured_amount - before.refunded_amount
        amount = max(1, before.amount * share // 10_000)

        async def go() -> None:
            async with self.database.transaction() as db:
                order = await orders.locked_order(db, order_id)
                await refunds.refund(
                    db, order, Money(amount, "CNY"), kind=refunds.KIND_ADMIN, requested_by=ADMIN
                )

        if before.kind == orders.KIND_TOPUP:
            expected: type[Exception] | None = TopUpNotRefundable
        elif before.status not in orders.CAPTURED_STATES:
            expected = IllegalTransition
        elif amount > remaining:
            expected = RefundTooLarge
        else:
            expected = None
        if expected is not None:
            with pytest.raises(expected):
                self.run(go())
            return
        self.run(go())
        if before.payment_method == "wallet":
            self.wallets[before.client_id] += amount

    @rule(hours=st.integers(1, 200))
    def time_passes_and_earnings_settle(self, hours: int) -> None:
        self.now += timedelta(hours=hours)
        clock.freeze(self.now)

        async def go() -> None:
            async with self.database.transaction() as db:
                await settlement.settle_due(db)

        self.run(go())

    @rule()
    def provider_jobs_run(self) -> None:
        async def publisher(channel: str, event: dict[str, Any]) -> None:
            return None

        self.run(OutboxRelay(self.database, publisher=publisher, run_schedules=False).drain())

    @rule(counsellor=st.sampled_from(COUNSELLORS), share=st.integers(1, 12_000))
    def request_payout(self, counsellor: int, share: int) -> None:
        counsellor += self.offset

        async def available() -> int:
            async with self.database.transaction(write=False) as db:
                return (await ledger.balance(db, ledger.earnings_available(counsellor, "CNY"))).amount

        balance = self.run(available())
        amount = max(1, balance * share // 10_000)

        async def go() -> int:
            async with self.database.transaction() as db:
                return (
                    await payouts.request_payout(db, counsellor_id=counsellor, amount=Money(amount, "CNY"))
                ).id

        if amount > balance:
            with pytest.raises(AvailableBalanceTooLow):
                self.run(go())
            return
        self.payout_ids.append(self.run(go()))

    @precondition(lambda self: self.payout_ids)
    @rule(pick=st.integers(0, 10_000), decision=st.sampled_from(["approve", "reject", "paid"]))
    def decide_payout(self, pick: int, decision: str) -> None:
        payout_id = self.payout_ids[pick % len(self.payout_ids)]

        async def status() -> str:
            async with self.database.transaction(write=False) as db:
                found = await db.get(Payout, payout_id)
                assert found is not None
                return found.status

        async def go() -> None:
            async with self.database.transaction() as db:
                if decision == "approve":
                    await payouts.approve(db, payout_id=payout_id, admin_id=ADMIN)
                elif decision == "reject":
                    await payouts.reject(db, payout_id=payout_id, admin_id=ADMIN)
                else:
                    await payouts.mark_paid(db, payout_id=payout_id, admin_id=ADMIN, bank_reference="B-1")

        target = {"approve": payouts.APPROVED, "reject": payouts.REJECTED, "paid": payouts.PAID}[decision]
        if target in payouts.LEGAL.get(self.run(status()), set()):
            self.run(go())
        else:
            with pytest.raises(IllegalTransition):
                self.run(go())

    # ------------------------------------------------------------ invariants

    @invariant()
    def the_books_balance(self) -> None:
        async def check() -> tuple[list[str], dict[int, int], list[Order], int]:
            async with self.database.transaction(write=False) as db:
                report = await reconcile.reconcile(db)
                wallets = {
                    c: (await ledger.balance(db, ledger.wallet(c, "CNY"))).amount for c in self.wallets
                }
                all_orders = list((await db.scalars(select(Order))).all())
                escrow = (await ledger.balance(db, ledger.escrow("CNY"))).amount
                return report.violations, wallets, all_orders, escrow

        violations, wallets, all_orders, escrow = self.run(check())
        assert violations == []
        assert wallets == self.wallets
        assert all(balance >= 0 for balance in wallets.values())
        held = 0
        for order in all_orders:
            assert 0 <= order.refunded_amount <= order.captured_amount
            previous = self.statuses.get(order.id)
            if previous is not None and previous != order.status:
                assert order.status in reachable(previous), f"order {order.id}: {previous} → {order.status}"
            self.statuses[order.id] = order.status
            if order.kind == orders.KIND_PURCHASE and order.allocated_at is None:
                held += order.captured_amount - order.refunded_amount
        assert escrow == held


def run_machine(database_url: str, *, examples: int, steps: int) -> None:
    """All examples share one database (creating one per example costs more than the test):
    each example has its own people and items, and the invariants hold for the whole ledger."""
    reset_commerce_settings()
    registry.reset()
    examples_run = iter(range(1, 1_000_000))
    run_state_machine_as_test(
        lambda: CommerceMachine(database_url, next(examples_run) * 10_000),
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            derandomize=False,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


def test_random_money_movements_keep_every_invariant(database_url: str) -> None:
    run_machine(database_url, examples=15, steps=25)


@pytest.mark.soak
def test_random_money_movements_keep_every_invariant_soak(database_url: str) -> None:
    run_machine(database_url, examples=300, steps=60)
