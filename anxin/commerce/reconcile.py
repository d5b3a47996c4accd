"""Reconcile: prove the books balance, or say exactly where they do not.

Checks, each by SQL over the whole ledger (read-only):
1. every transaction has ≥ 2 entries and sums to zero per currency; so does the whole ledger;
2. every entry's currency is its account's currency;
3. every guarded account's cached balance equals the sum of its entries, and none is below zero;
4. the platform's escrow and refunds-payable accounts and every counsellor's pending earnings are
   not below zero, and no order took more out of pending earnings than it put in;
5. per order: refunds never exceed what was captured; the order's captured and refunded amounts
   match its payments and refunds; every recorded state change was a legal move, ending in the
   order's current state.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.commerce import ledger, orders
from anxin.commerce.models import (
    LedgerAccount,
    LedgerBalance,
    LedgerEntry,
    LedgerTransaction,
    Order,
    OrderEvent,
    Refund,
)
from anxin.commerce.refunds.service import KIND_LATE_PAYMENT


@dataclass
class Report:
    violations: list[str] = field(default_factory=list)
    transactions: int = 0
    entries: int = 0
    accounts: int = 0
    orders: int = 0

    @property
    def ok(self) -> bool:
        return not self.violations


async def reconcile(db: AsyncSession, *, max_listed: int = 100) -> Report:
    report = Report()
    add = report.violations.append

    report.transactions = int(await db.scalar(select(func.count()).select_from(LedgerTransaction)) or 0)
    report.entries = int(await db.scalar(select(func.count()).select_from(LedgerEntry)) or 0)
    report.accounts = int(await db.scalar(select(func.count()).select_from(LedgerAccount)) or 0)
    report.orders = int(await db.scalar(select(func.count()).select_from(Order)) or 0)

    unbalanced = await db.execute(
        select(LedgerEntry.transaction_id, LedgerEntry.currency, func.sum(LedgerEntry.amount))
        .group_by(LedgerEntry.transaction_id, LedgerEntry.currency)
        .having(func.sum(LedgerEntry.amount) != 0)
        .limit(max_listed)
    )
    for txn_id, currency, total in unbalanced:
        add(f"transaction {txn_id}: {currency} entries sum to {total}, not 0")
    short = await db.execute(
        select(LedgerTransaction.id, func.count(LedgerEntry.id))
        .outerjoin(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .group_by(LedgerTransaction.id)
        .having(func.count(LedgerEntry.id) < 2)
        .limit(max_listed)
    )
    for txn_id, count in short:
        add(f"transaction {txn_id}: {count} entries (a transaction needs at least 2)")
    overall = await db.execute(
        select(LedgerEntry.currency, func.sum(LedgerEntry.amount))
        .group_by(LedgerEntry.currency)
        .having(func.sum(LedgerEntry.amount) != 0)
    )
    for currency, total in overall:
        add(f"the whole ledger: {currency} entries sum to {total}, not 0")

    wrong_currency = await db.execute(
        select(LedgerEntry.id, LedgerEntry.currency, LedgerAccount.code)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerEntry.currency != LedgerAccount.currency)
        .limit(max_listed)
    )
    for entry_id, currency, code in wrong_currency:
        add(f"entry {entry_id}: {currency} on account {code}")

    sums = (
        select(LedgerEntry.account_id, func.sum(LedgerEntry.amount).label("total"))
        .group_by(LedgerEntry.account_id)
        .subquery()
    )
    rows = await db.execute(
        select(
            LedgerAccount.code, LedgerAccount.kind, LedgerAccount.guarded, LedgerBalance.balance, sums.c.total
        )
        .outerjoin(LedgerBalance, LedgerBalance.account_id == LedgerAccount.id)
        .outerjoin(sums, sums.c.account_id == LedgerAccount.id)
    )
    for code, kind, guarded, cached, total in rows:
        derived = int(total or 0)
        if guarded:
            if cached is None:
                add(f"account {code}: no cached balance row")
            elif int(cached) != derived:
                add(f"account {code}: cached balance {cached} but entries sum to {derived}")
            if derived < 0:
                add(f"account {code}: balance {derived} is below zero")
        elif kind in ledger.NON_NEGATIVE_KINDS and derived < 0:
            add(f"account {code}: balance {derived} is below zero")

    # What keeps pending earnings above zero without a lock: no order gives back more than it put in.
    taken = Order.allocated_fee + Order.net_refunded_from_pending + Order.shared_amount
    overdrawn = await db.execute(select(Order.id).where(Order.allocated_gross < taken).limit(max_listed))
    for (order_id,) in overdrawn:
        add(f"order {order_id}: took more out of pending earnings than it allocated")

    over_refunded = await db.execute(
        select(Order.id, Order.captured_amount, Order.refunded_amount)
        .where(Order.refunded_amount > Order.captured_amount)
        .limit(max_listed)
    )
    for order_id, captured, refunded in over_refunded:
        add(f"order {order_id}: refunded {refunded} but captured only {captured}")
    refund_sums = (
        select(Refund.order_id, func.sum(Refund.amount).label("total"))
        .where(Refund.kind != KIND_LATE_PAYMENT)
        .group_by(Refund.order_id)
        .subquery()
    )
    mismatched = await db.execute(
        select(Order.id, Order.refunded_amount, refund_sums.c.total)
        .outerjoin(refund_sums, refund_sums.c.order_id == Order.id)
        .where(Order.refunded_amount != func.coalesce(refund_sums.c.total, 0))
        .limit(max_listed)
    )
    for order_id, recorded, total in mismatched:
        add(f"order {order_id}: refunded amount {recorded} but its refunds add up to {int(total or 0)}")
    # What a capture brought in: its credit to escrow (a purchase) or to the wallet (a top-up). A
    # wallet purchase of content also passes the money on from escrow in the same transaction.
    capture_sums = (
        select(LedgerTransaction.order_id, func.sum(LedgerEntry.amount).label("total"))
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(
            LedgerTransaction.kind.in_(("capture", "topup")),
            LedgerEntry.amount > 0,
            LedgerAccount.kind.in_((ledger.ESCROW, ledger.WALLET)),
        )
        .group_by(LedgerTransaction.order_id)
        .subquery()
    )
    uncaptured = await db.execute(
        select(Order.id, Order.captured_amount, capture_sums.c.total)
        .outerjoin(capture_sums, capture_sums.c.order_id == Order.id)
        .where(Order.captured_amount != func.coalesce(capture_sums.c.total, 0))
        .limit(max_listed)
    )
    for order_id, captured, posted in uncaptured:
        add(f"order {order_id}: captured {captured} but the ledger holds {int(posted or 0)} for it")

    await _check_state_machine(db, report, max_listed)
    return report


async def _check_state_machine(db: AsyncSession, report: Report, max_listed: int) -> None:
    last: dict[int, str] = {}
    problems = 0
    events = await db.stream(select(OrderEvent).order_by(OrderEvent.order_id, OrderEvent.id))
    async for event in events.scalars():
        previous = last.get(event.order_id)
        if event.from_status != previous or event.to_status not in orders.LEGAL_TRANSITIONS.get(
            previous, frozenset()
        ):
            if problems < max_listed:
                report.violations.append(
                    f"order {event.order_id}: illegal move {previous} → {event.to_status}"
                    + (f" (recorded from {event.from_status})" if event.from_status != previous else "")
                )
            problems += 1
        last[event.order_id] = event.to_status
    statuses = await db.execute(select(Order.id, Order.status))
    for order_id, status in statuses:
        if last.get(order_id) != status:
            report.violations.append(
                f"order {order_id}: state {status} but its history ends at {last.get(order_id)}"
            )
