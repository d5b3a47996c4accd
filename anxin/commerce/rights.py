"""What commerce holds about a person, for their export, and how it is erased.

Export: orders (with refunds), the wallet statement and, for counsellors, items for sale and
payouts. Erase: the law keeps financial records, so ledger rows stay (they are append-only and hold
only account ids and amounts) and orders and payouts are de-identified: their person ids become 0,
the accounts lose their owner, free-text reasons and notes are dropped, items are withdrawn, and the
stored idempotent responses of the person are deleted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, cast, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.commerce import ledger, paying
from anxin.commerce.models import (
    CatalogItem,
    IdempotencyKey,
    LedgerAccount,
    Order,
    Payout,
    Refund,
)
from anxin.core import clock

TABLES = (
    "ledger_accounts",
    "commerce_items",
    "commerce_orders",
    "commerce_refunds",
    "commerce_payouts",
    "commerce_idempotency_keys",
)
ERASED = 0  # the person id left on records the law keeps


async def export_commerce(db: AsyncSession, subject_id: int) -> dict[str, Any]:
    orders = (await db.scalars(select(Order).where(Order.client_id == subject_id).order_by(Order.id))).all()
    refunds = (
        await db.scalars(
            select(Refund).where(Refund.order_id.in_([o.id for o in orders])).order_by(Refund.id)
        )
    ).all()
    accounts = (await db.scalars(select(LedgerAccount).where(LedgerAccount.owner_id == subject_id))).all()
    statements = {}
    for account in accounts:
        spec = ledger.AccountSpec(account.code, account.kind, account.currency, account.owner_id)
        statements[account.code] = {
            "balance_minor_units": (await ledger.balance(db, spec)).amount,
            "movements": [
                {
                    "transaction": m.transaction_id,
                    "kind": m.kind,
                    "order": m.order_id,
                    "amount": m.amount.amount,
                    "at": m.at_iso,
                }
                for m in await ledger.movements(db, spec, limit=10_000)
            ],
        }
    items = (await db.scalars(select(CatalogItem).where(CatalogItem.seller_id == subject_id))).all()
    payouts = (await db.scalars(select(Payout).where(Payout.counsellor_id == subject_id))).all()
    return {
        "orders": [
            {
                "id": o.id,
                "kind": o.kind,
                "item_type": o.item_type,
                "status": o.status,
                "amount": o.amount,
                "currency": o.currency,
                "refunded": o.refunded_amount,
                "created_at": clock.as_utc(o.created_at).isoformat(),
            }
            for o in orders
        ],
        "refunds": [
            {"id": r.id, "order": r.order_id, "amount": r.amount, "currency": r.currency, "status": r.status}
            for r in refunds
        ],
        "accounts": statements,
        "items_for_sale": [{"id": i.id, "type": i.item_type, "title": i.title} for i in items],
        "payouts": [
            {
                "id": p.id,
                "amount": p.amount,
                "currency": p.currency,
                "status": p.status,
                "bank_reference": p.bank_reference,
            }
            for p in payouts
        ],
    }


async def erase_commerce(db: AsyncSession, subject_id: int) -> None:
    order_ids = select(Order.id).where(Order.client_id == subject_id).scalar_subquery()
    await db.execute(update(Refund).where(Refund.order_id.in_(order_ids)).values(reason=None))
    await db.execute(update(Order).where(Order.client_id == subject_id).values(client_id=ERASED))
    await db.execute(update(Order).where(Order.seller_id == subject_id).values(seller_id=ERASED))
    await db.execute(
        update(Payout).where(Payout.counsellor_id == subject_id).values(counsellor_id=ERASED, note=None)
    )
    await db.execute(
        update(CatalogItem)
        .where(CatalogItem.seller_id == subject_id)
        .values(seller_id=ERASED, active=False, title="withdrawn item")
    )
    # Account codes name the owner ("wallet:client:42:CNY"): rename them after the row id instead.
    await db.execute(
        update(LedgerAccount)
        .where(LedgerAccount.owner_id == subject_id)
        .values(
            owner_id=None,
            code=LedgerAccount.kind
            + ":erased:"
            + cast(LedgerAccount.id, String)
            + ":"
            + LedgerAccount.currency,
        )
    )
    await db.execute(delete(IdempotencyKey).where(IdempotencyKey.scope == paying.scope_of(subject_id)))
