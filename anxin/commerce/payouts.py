"""Payouts of a counsellor's available earnings, by manual bank transfer recorded by an admin:
requested (available → in transit) → approved → paid (in transit → bank transfers clearing), or
rejected (in transit → back to available). Each money move is a ledger posting."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.commerce import catalog, ledger
from anxin.commerce.errors import IllegalTransition, InvalidAmount, PayoutNotFound
from anxin.commerce.models import Payout
from anxin.core import clock
from anxin.core.errors import ValidationFailed
from anxin.core.money import Money

METHOD_BANK_TRANSFER = "bank_transfer"
REQUESTED = "requested"
APPROVED = "approved"
REJECTED = "rejected"
PAID = "paid"
LEGAL = {REQUESTED: {APPROVED, REJECTED}, APPROVED: {PAID, REJECTED}}


async def request_payout(db: AsyncSession, *, counsellor_id: int, amount: Money) -> Payout:
    catalog.check_currency(amount.currency)
    if amount.amount <= 0:
        raise InvalidAmount()
    payout = Payout(
        counsellor_id=counsellor_id,
        amount=amount.amount,
        currency=amount.currency,
        method=METHOD_BANK_TRANSFER,
        status=REQUESTED,
        created_at=clock.utcnow(),
    )
    db.add(payout)
    await db.flush()
    await ledger.post(
        db,
        kind="payout_requested",
        reference=f"payout_requested:{payout.id}",
        postings=[
            ledger.Posting(ledger.earnings_available(counsellor_id, amount.currency), -amount),
            ledger.Posting(ledger.payouts_in_transit(counsellor_id, amount.currency), amount),
        ],
        payout_id=payout.id,
    )
    return payout


async def _locked(db: AsyncSession, payout_id: int) -> Payout:
    payout = await db.scalar(
        select(Payout)
        .where(Payout.id == payout_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if payout is None:
        raise PayoutNotFound()
    return payout


def _move(payout: Payout, to_status: str) -> None:
    if to_status not in LEGAL.get(payout.status, set()):
        raise IllegalTransition("This payout cannot do that in its current state.")
    payout.status = to_status


async def approve(db: AsyncSession, *, payout_id: int, admin_id: int) -> Payout:
    payout = await _locked(db, payout_id)
    _move(payout, APPROVED)
    payout.decided_by, payout.decided_at = admin_id, clock.utcnow()
    return payout


async def reject(db: AsyncSession, *, payout_id: int, admin_id: int, note: str | None = None) -> Payout:
    payout = await _locked(db, payout_id)
    _move(payout, REJECTED)
    payout.decided_by, payout.decided_at = admin_id, clock.utcnow()
    payout.note = (note or "").strip()[:500] or None
    amount = Money(payout.amount, payout.currency)
    await ledger.post(
        db,
        kind="payout_rejected",
        reference=f"payout_rejected:{payout.id}",
        postings=[
            ledger.Posting(ledger.payouts_in_transit(payout.counsellor_id, payout.currency), -amount),
            ledger.Posting(ledger.earnings_available(payout.counsellor_id, payout.currency), amount),
        ],
        payout_id=payout.id,
    )
    return payout


async def mark_paid(db: AsyncSession, *, payout_id: int, admin_id: int, bank_reference: str) -> Payout:
    reference = bank_reference.strip()
    if not reference or len(reference) > 120:
        raise ValidationFailed("Please enter the bank transfer's reference (up to 120 characters).")
    payout = await _locked(db, payout_id)
    _move(payout, PAID)
    payout.bank_reference, payout.paid_at = reference, clock.utcnow()
    if payout.decided_by is None:
        payout.decided_by, payout.decided_at = admin_id, clock.utcnow()
    amount = Money(payout.amount, payout.currency)
    await ledger.post(
        db,
        kind="payout_paid",
        reference=f"payout_paid:{payout.id}",
        postings=[
            ledger.Posting(ledger.payouts_in_transit(payout.counsellor_id, payout.currency), -amount),
            ledger.Posting(ledger.payout_clearing(payout.method, payout.currency), amount),
        ],
        payout_id=payout.id,
    )
    return payout


async def list_payouts(
    db: AsyncSession, *, counsellor_id: int | None = None, status: str | None = None, limit: int = 100
) -> list[Payout]:
    query = select(Payout).order_by(Payout.id.desc()).limit(limit)
    if counsellor_id is not None:
        query = query.where(Payout.counsellor_id == counsellor_id)
    if status is not None:
        query = query.where(Payout.status == status)
    return list((await db.scalars(query)).all())
