"""Settlement: once the settlement delay has passed since fulfilment, a counsellor's pending
earnings for an order become available for payout (a scheduled job, safe to run twice)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.commerce import ledger
from anxin.commerce.models import Order
from anxin.commerce.settings import commerce_settings
from anxin.core import clock
from anxin.core.money import Money


async def settle_due(db: AsyncSession, *, now: datetime | None = None, limit: int = 500) -> int:
    """Move pending → available for every order whose delay has passed; returns how many."""
    now = now or clock.utcnow()
    cutoff = now - timedelta(hours=commerce_settings().settlement_delay_hours)
    due = (
        await db.scalars(
            select(Order)
            .where(Order.allocated_at.is_not(None), Order.allocated_at <= cutoff, Order.settled_at.is_(None))
            .order_by(Order.id)
            .limit(limit)
            # Orders being refunded right now are skipped (they settle on the next run); the rest are
            # locked before any balance row, in the same order as every other unit of work.
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
    ).all()
    specs = []
    for order in due:
        if order.seller_id is not None:
            specs.append(ledger.earnings_available(order.seller_id, order.currency))
    await ledger.lock(db, specs)
    for order in due:
        await settle(db, order, now=now)
    return len(due)


def pending_part(order: Order) -> int:
    """What ``order`` still holds in its seller's pending earnings (before it settles)."""
    if order.settled_at is not None:
        return 0
    return order.allocated_gross - order.allocated_fee - order.net_refunded_from_pending - order.shared_amount


async def settle(db: AsyncSession, order: Order, *, now: datetime | None = None) -> None:
    net = pending_part(order)
    order.settled_at = now or clock.utcnow()
    if net <= 0 or order.seller_id is None:
        return
    amount = Money(net, order.currency)
    await ledger.post(
        db,
        kind="settle",
        reference=f"settle:order:{order.id}",
        postings=[
            ledger.Posting(ledger.earnings_pending(order.seller_id, order.currency), -amount),
            ledger.Posting(ledger.earnings_available(order.seller_id, order.currency), amount),
        ],
        order_id=order.id,
    )
