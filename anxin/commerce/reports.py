"""Read models: a counsellor's earnings, a client's money movements, the platform's books."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.commerce import ledger
from anxin.commerce.models import CatalogItem, LedgerAccount, LedgerEntry, Order
from anxin.core import clock
from anxin.core.money import Money


@dataclass
class EarningsLine:
    label: str
    orders: int
    gross: Money
    commission: Money
    net: Money


@dataclass
class Earnings:
    currency: str
    pending: Money
    available: Money
    in_transit: Money
    by_item: list[EarningsLine] = field(default_factory=list)
    by_month: list[EarningsLine] = field(default_factory=list)


async def counsellor_earnings(db: AsyncSession, counsellor_id: int, currency: str = "CNY") -> Earnings:
    """Gross, commission and net per item and per month (of fulfilment), pending vs. available."""
    rows = (
        await db.execute(
            select(Order, CatalogItem.title)
            .outerjoin(CatalogItem, CatalogItem.id == Order.item_id)
            .where(
                Order.seller_id == counsellor_id, Order.currency == currency, Order.allocated_at.is_not(None)
            )
            .order_by(Order.allocated_at)
        )
    ).all()
    by_item: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    by_month: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for order, title in rows:
        gross = order.allocated_gross - order.refunded_after_allocation
        fee = order.allocated_fee - order.fee_refunded
        assert order.allocated_at is not None
        for bucket, key in (
            (by_item, title or order.item_type),
            (by_month, clock.as_utc(order.allocated_at).strftime("%Y-%m")),
        ):
            bucket[key][0] += 1
            bucket[key][1] += gross
            bucket[key][2] += fee

    def lines(source: dict[str, list[int]]) -> list[EarningsLine]:
        return [
            EarningsLine(label, n, Money(g, currency), Money(f, currency), Money(g - f, currency))
            for label, (n, g, f) in source.items()
        ]

    return Earnings(
        currency=currency,
        pending=await ledger.balance(db, ledger.earnings_pending(counsellor_id, currency)),
        available=await ledger.balance(db, ledger.earnings_available(counsellor_id, currency)),
        in_transit=await ledger.balance(db, ledger.payouts_in_transit(counsellor_id, currency)),
        by_item=lines(by_item),
        by_month=sorted(lines(by_month), key=lambda line: line.label, reverse=True),
    )


@dataclass
class BookLine:
    kind: str
    currency: str
    accounts: int
    balance: Money


async def platform_books(db: AsyncSession) -> list[BookLine]:
    """Every kind of account with its total balance per currency (sums over the entries)."""
    rows = await db.execute(
        select(
            LedgerAccount.kind,
            LedgerAccount.currency,
            func.count(func.distinct(LedgerAccount.id)),
            func.coalesce(func.sum(LedgerEntry.amount), 0),
        )
        .outerjoin(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
        .group_by(LedgerAccount.kind, LedgerAccount.currency)
        .order_by(LedgerAccount.currency, LedgerAccount.kind)
    )
    return [
        BookLine(kind, currency, int(n), Money(int(total), currency)) for kind, currency, n, total in rows
    ]
