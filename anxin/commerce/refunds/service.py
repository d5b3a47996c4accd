"""Refunds (full or partial, by an admin or by a client's cancellation under the policy) as
reversing ledger postings. The order row is locked first; the guarded accounts next, together.

Where the money comes back from depends on how far the order got:

* not yet fulfilled: from platform escrow;
* fulfilled, earnings still pending: from the counsellor's pending earnings and the platform's
  commission, in the proportion they were split (cumulative rounding, so many partial refunds add up
  exactly to the full split), the counsellor's part never more than the order still holds in
  pending earnings (a share may have passed some on; the commission absorbs the rest);
* already settled: from the counsellor's available earnings as far as they reach; the platform's
  commission absorbs the rest (no balance ever goes below zero).

It goes to the client's wallet at once (wallet orders) or through ``refunds payable`` to the
provider: an outbox job asks the provider after commit, and the provider's answer or signed
notification completes it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.commerce import ledger, orders, settlement
from anxin.commerce.errors import (
    CurrencyMismatch,
    IllegalTransition,
    InvalidAmount,
    NothingToRefund,
    RefundTooLarge,
    TopUpNotRefundable,
)
from anxin.commerce.models import Order, Payment, Refund
from anxin.commerce.payments import registry
from anxin.commerce.refunds import policy
from anxin.core import clock, outbox
from anxin.core.money import Money

SEND_REFUND_JOB = "commerce.send_refund"
KIND_ADMIN = "admin"
KIND_CANCELLATION = "cancellation"
KIND_LATE_PAYMENT = "late_payment"


def _proportional(total: int, part: int, whole: int) -> int:
    if whole == 0:
        return 0
    return int((Decimal(total) * part / whole).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


async def refund(
    db: AsyncSession,
    order: Order,
    amount: Money,
    *,
    kind: str,
    reason: str | None = None,
    requested_by: int | None = None,
    final_status: str | None = None,
) -> Refund:
    """Refund ``amount`` of a captured ``order`` (locked by the caller)."""
    if amount.amount <= 0:
        raise InvalidAmount()
    if amount.currency != order.currency:
        raise CurrencyMismatch()
    if order.kind == orders.KIND_TOPUP:
        raise TopUpNotRefundable()
    if order.status not in orders.CAPTURED_STATES:
        raise IllegalTransition()
    remaining = Money(order.captured_amount - order.refunded_amount, order.currency)
    if amount.amount > remaining.amount:
        raise RefundTooLarge(
            "You can refund at most {remaining} on this order.", params={"remaining": remaining.format()}
        )
    to_wallet = order.payment_method == registry.WALLET
    row = Refund(
        order_id=order.id,
        amount=amount.amount,
        currency=amount.currency,
        kind=kind,
        reason=(reason or "").strip()[:500] or None,
        destination=order.payment_method,
        status="succeeded" if to_wallet else "pending",
        requested_by=requested_by,
        created_at=clock.utcnow(),
        completed_at=clock.utcnow() if to_wallet else None,
    )
    db.add(row)
    await db.flush()
    destination = (
        ledger.wallet(order.client_id, order.currency)
        if to_wallet
        else ledger.refunds_payable(order.currency)
    )
    postings = await _source_postings(db, order, amount, destination)
    await ledger.post(
        db,
        kind="refund",
        reference=f"refund:{row.id}",
        postings=postings,
        order_id=order.id,
        refund_id=row.id,
    )
    order.refunded_amount += amount.amount
    if final_status is not None:
        orders.transition(db, order, final_status)
    else:
        fully = order.refunded_amount == order.captured_amount
        orders.transition(db, order, orders.REFUNDED if fully else orders.PARTIALLY_REFUNDED)
    await outbox.emit(db, orders.ORDER_REFUNDED, {"order_id": order.id, "refund_id": row.id})
    if not to_wallet:
        await outbox.enqueue(db, SEND_REFUND_JOB, {"refund_id": row.id}, dedupe_key=f"refund:{row.id}")
    return row


async def _source_postings(
    db: AsyncSession, order: Order, amount: Money, destination: ledger.AccountSpec
) -> list[ledger.Posting]:
    currency = order.currency
    credit = ledger.Posting(destination, amount)
    if order.allocated_at is None:
        await ledger.lock(db, [destination])
        return [ledger.Posting(ledger.escrow(currency), -amount), credit]
    assert order.seller_id is not None
    pending = ledger.earnings_pending(order.seller_id, currency)
    available = ledger.earnings_available(order.seller_id, currency)
    balances = await ledger.lock(db, [destination, available])
    after = order.refunded_after_allocation + amount.amount
    fee_after = _proportional(order.allocated_fee, after, order.allocated_gross)
    fee_part = fee_after - order.fee_refunded
    net_part = amount.amount - fee_part
    order.refunded_after_allocation, order.fee_refunded = after, fee_after
    # Rounding is monotone, so 0 <= fee_part <= amount and the counsellor's part is never negative.
    postings = [credit]
    from_platform = fee_part
    if net_part > 0:
        if order.settled_at is None:
            # Never more than this order still holds in pending earnings (a share took part of it).
            from_counsellor = min(settlement.pending_part(order), net_part)
            if from_counsellor > 0:
                postings.append(ledger.Posting(pending, Money(-from_counsellor, currency)))
                order.net_refunded_from_pending += from_counsellor
            from_platform += net_part - from_counsellor
        else:
            from_counsellor = min(balances.get(available.code, 0), net_part)
            if from_counsellor > 0:
                postings.append(ledger.Posting(available, Money(-from_counsellor, currency)))
            from_platform += net_part - from_counsellor
    if from_platform:
        postings.append(ledger.Posting(ledger.commission(currency), Money(-from_platform, currency)))
    return postings


async def cancel(db: AsyncSession, *, client_id: int, order_id: int) -> Order:
    """The client cancels: unpaid orders simply end; paid ones get what the policy promises."""
    order = await orders.access_order(db, client_id, order_id, lock=True)
    if order.status == orders.CREATED:
        orders.transition(db, order, orders.CANCELLED)
        order.cancelled_at = clock.utcnow()
        return order
    if order.status not in orders.CAPTURED_STATES:
        raise IllegalTransition()
    if order.kind == orders.KIND_TOPUP:
        raise TopUpNotRefundable()
    share = policy.refund_share_bp(
        order.refund_policy,
        now=clock.utcnow(),
        paid_at=order.paid_at,
        starts_at=order.service_starts_at,
        consumed_bp=order.consumed_bp,
    )
    captured = Money(order.captured_amount, order.currency)
    amount = policy.refund_amount(captured, Money(order.refunded_amount, order.currency), share)
    if amount.amount == 0:
        raise NothingToRefund()
    if order.fulfilled_at is None:
        # A service not yet delivered: the order ends here and what the policy keeps is earned.
        await refund(db, order, amount, kind=KIND_CANCELLATION, final_status=orders.CANCELLED)
        order.cancelled_at = clock.utcnow()
        await orders.allocate(db, order)
    else:
        await refund(db, order, amount, kind=KIND_CANCELLATION)
    return order


async def complete_provider_refund(db: AsyncSession, refund_row: Refund, provider_ref: str | None) -> None:
    """The provider has paid the refund back: refunds payable → provider clearing."""
    if refund_row.status == "succeeded":
        return
    amount = Money(refund_row.amount, refund_row.currency)
    await ledger.post(
        db,
        kind="refund_paid",
        reference=f"refund_paid:{refund_row.id}",
        postings=[
            ledger.Posting(ledger.refunds_payable(amount.currency), -amount),
            ledger.Posting(ledger.provider_clearing(refund_row.destination, amount.currency), amount),
        ],
        order_id=refund_row.order_id,
        refund_id=refund_row.id,
    )
    refund_row.status = "succeeded"
    refund_row.provider_ref = provider_ref or refund_row.provider_ref
    refund_row.completed_at = clock.utcnow()


async def send_to_provider(db: AsyncSession, refund_id: int) -> None:
    """Outbox job: ask the provider to pay the refund (idempotent on the provider's side too)."""
    refund_row = await db.scalar(
        select(Refund)
        .where(Refund.id == refund_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if refund_row is None or refund_row.status != "pending" or refund_row.destination == registry.WALLET:
        return
    payment = await db.scalar(
        select(Payment).where(
            Payment.order_id == refund_row.order_id,
            Payment.provider == refund_row.destination,
            Payment.status == "succeeded",
        )
    )
    if payment is None or payment.provider_ref is None:
        raise LookupError("refund without a captured provider payment")
    gateway = registry.gateway(refund_row.destination)
    result = await gateway.refund(
        refund_id=refund_row.id,
        payment_ref=payment.provider_ref,
        amount=Money(refund_row.amount, refund_row.currency),
    )
    refund_row.provider_ref = result.provider_ref
    if result.status == "succeeded":
        await complete_provider_refund(db, refund_row, result.provider_ref)


async def refund_late_payment(db: AsyncSession, order: Order, payment: Payment) -> None:
    """A provider took money for an order that had already ended (cancelled, failed): book the
    money in and send it straight back, so nothing is kept that was not owed."""
    amount = Money(payment.amount, payment.currency)
    payment.status = "succeeded"
    payment.captured_at = clock.utcnow()
    row = Refund(
        order_id=order.id,
        amount=amount.amount,
        currency=amount.currency,
        kind=KIND_LATE_PAYMENT,
        destination=payment.provider,
        status="pending",
        created_at=clock.utcnow(),
    )
    db.add(row)
    await db.flush()
    await ledger.post(
        db,
        kind="late_payment",
        reference=f"late_payment:{payment.id}",
        postings=[
            ledger.Posting(ledger.provider_clearing(payment.provider, amount.currency), -amount),
            ledger.Posting(ledger.refunds_payable(amount.currency), amount),
        ],
        order_id=order.id,
        refund_id=row.id,
    )
    await outbox.enqueue(db, SEND_REFUND_JOB, {"refund_id": row.id}, dedupe_key=f"refund:{row.id}")


async def refunds_of(db: AsyncSession, order_id: int) -> list[Refund]:
    return list(
        (await db.scalars(select(Refund).where(Refund.order_id == order_id).order_by(Refund.id))).all()
    )
