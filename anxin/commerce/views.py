"""Read models and admin decisions shaped for the API and the pages (one call per handler)."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.commerce import catalog, ledger, payouts
from anxin.commerce.models import CatalogItem, Order, Payout
from anxin.commerce.receipts import receipt_pdf as build_pdf
from anxin.commerce.refunds import policy
from anxin.commerce.refunds.service import refunds_of
from anxin.commerce.reports import Earnings, EarningsLine
from anxin.commerce.schemas import (
    EarningsLineOut,
    EarningsOut,
    ItemOut,
    MoneyOut,
    MovementOut,
    OrderOut,
    PayoutDecisionIn,
    ReceiptOut,
    RefundOut,
    WalletOut,
)
from anxin.core import clock
from anxin.core.errors import ValidationFailed
from anxin.privacy import audit


def locale_of(request: Request) -> str:
    return str(getattr(request.state, "locale", "en"))


async def item(db: AsyncSession, found: CatalogItem, *, locale: str) -> ItemOut:
    prices = await catalog.prices_of(db, found.id)
    return ItemOut(
        id=found.id,
        item_type=found.item_type,
        title=found.title,
        seller_id=found.seller_id,
        starts_at=clock.as_utc(found.starts_at) if found.starts_at else None,
        prices=[MoneyOut.of(price) for _, price in sorted(prices.items())],
        refund_policy=policy.describe(policy.policy_for(found.item_type), locale),
    )


async def items(db: AsyncSession, *, locale: str) -> list[ItemOut]:
    return [await item(db, found, locale=locale) for found in await catalog.list_items(db)]


async def wallet(db: AsyncSession, client_id: int, currency: str) -> WalletOut:
    spec = ledger.wallet(client_id, catalog.check_currency(currency))
    return WalletOut(
        balance=MoneyOut.of(await ledger.balance(db, spec)),
        movements=[
            MovementOut(
                transaction_id=m.transaction_id,
                kind=m.kind,
                order_id=m.order_id,
                amount=MoneyOut.of(m.amount),
                at=m.at_iso,
            )
            for m in await ledger.movements(db, spec)
        ],
    )


async def receipt(db: AsyncSession, order: Order) -> ReceiptOut:
    return ReceiptOut(
        order=OrderOut.of(order), refunds=[RefundOut.of(r) for r in await refunds_of(db, order.id)]
    )


async def receipt_pdf(db: AsyncSession, order: Order) -> bytes:
    return build_pdf(order, await refunds_of(db, order.id))


def _line(line: EarningsLine) -> EarningsLineOut:
    return EarningsLineOut(
        label=line.label,
        orders=line.orders,
        gross=MoneyOut.of(line.gross),
        commission=MoneyOut.of(line.commission),
        net=MoneyOut.of(line.net),
    )


def earnings_out(earnings: Earnings) -> EarningsOut:
    return EarningsOut(
        currency=earnings.currency,
        pending=MoneyOut.of(earnings.pending),
        available=MoneyOut.of(earnings.available),
        in_transit=MoneyOut.of(earnings.in_transit),
        by_item=[_line(line) for line in earnings.by_item],
        by_month=[_line(line) for line in earnings.by_month],
    )


async def decide_payout(db: AsyncSession, admin_id: int, payout_id: int, body: PayoutDecisionIn) -> Payout:
    """An administrator approves, rejects or records the transfer of a payout (audited)."""
    if body.decision == "approve":
        payout = await payouts.approve(db, payout_id=payout_id, admin_id=admin_id)
    elif body.decision == "reject":
        payout = await payouts.reject(db, payout_id=payout_id, admin_id=admin_id, note=body.note)
    elif body.decision == "paid":
        payout = await payouts.mark_paid(
            db, payout_id=payout_id, admin_id=admin_id, bank_reference=body.bank_reference or ""
        )
    else:  # pragma: no cover - the schema allows only the three
        raise ValidationFailed()
    await audit.record(
        db,
        action=f"commerce.payout_{payout.status}",
        actor_id=admin_id,
        actor_role="admin",
        object_type="payout",
        object_id=payout.id,
        subject_id=payout.counsellor_id,
    )
    return payout
