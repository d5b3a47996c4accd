"""Prices of the things for sale. Other modules (content, appointments) register their items here
through these functions; commerce never imports them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.commerce.errors import CurrencyNotOffered, InvalidAmount, ItemNotFound, UnknownCurrency
from anxin.commerce.models import CatalogItem, ItemPrice
from anxin.core import clock
from anxin.core.money import MINOR_UNIT_DIGITS, Money

ITEM_TYPES = frozenset({"session", "article", "course", "live_event", "question"})


def check_currency(currency: str) -> str:
    if currency not in MINOR_UNIT_DIGITS:
        raise UnknownCurrency()
    return currency


async def put_item(
    db: AsyncSession,
    *,
    item_type: str,
    ref: str,
    seller_id: int,
    title: str,
    prices: Mapping[str, int],
    starts_at: datetime | None = None,
) -> CatalogItem:
    """Create or update an item and its prices (one per currency); every price must be positive."""
    _check_item(item_type, prices)
    item = await db.scalar(
        select(CatalogItem).where(CatalogItem.item_type == item_type, CatalogItem.ref == ref)
    )
    if item is None:
        item = await _add_item(db, item_type, ref, seller_id, title, starts_at)
    else:
        item.title, item.seller_id, item.starts_at, item.active = title, seller_id, starts_at, True
    existing = {
        price.currency: price
        for price in (await db.scalars(select(ItemPrice).where(ItemPrice.item_id == item.id))).all()
    }
    for currency, amount in prices.items():
        if currency in existing:
            existing[currency].amount = amount
        else:
            db.add(ItemPrice(item_id=item.id, currency=currency, amount=amount))
    for currency, price in existing.items():
        if currency not in prices:
            await db.delete(price)
    await db.flush()
    return item


async def new_item(
    db: AsyncSession,
    *,
    item_type: str,
    ref: str,
    seller_id: int,
    title: str,
    price: Money,
    starts_at: datetime | None = None,
) -> CatalogItem:
    """Create an item that cannot exist yet (``ref`` is new, e.g. random) with its one price: two
    INSERTs, none of ``put_item``'s look-ups. A ``ref`` that exists after all fails on the unique
    index (IntegrityError)."""
    _check_item(item_type, {price.currency: price.amount})
    item = await _add_item(db, item_type, ref, seller_id, title, starts_at)
    db.add(ItemPrice(item_id=item.id, currency=price.currency, amount=price.amount))
    return item


def _check_item(item_type: str, prices: Mapping[str, int]) -> None:
    if item_type not in ITEM_TYPES:
        raise ValueError(f"unknown item type {item_type!r}")
    for currency, amount in prices.items():
        check_currency(currency)
        if amount <= 0:
            raise InvalidAmount()


async def _add_item(
    db: AsyncSession, item_type: str, ref: str, seller_id: int, title: str, starts_at: datetime | None
) -> CatalogItem:
    item = CatalogItem(
        item_type=item_type,
        ref=ref,
        seller_id=seller_id,
        title=title,
        active=True,
        starts_at=starts_at,
        created_at=clock.utcnow(),
    )
    db.add(item)
    await db.flush()  # the price rows need the item's id
    return item


async def get_item(db: AsyncSession, item_id: int) -> CatalogItem:
    item = await db.get(CatalogItem, item_id)
    if item is None or not item.active:
        raise ItemNotFound()
    return item


async def item_for_sale(db: AsyncSession, item_id: int, currency: str) -> tuple[CatalogItem, Money]:
    """An active item and its price in ``currency``, read in one query."""
    check_currency(currency)
    row = (
        await db.execute(
            select(CatalogItem, ItemPrice.amount)
            .outerjoin(ItemPrice, and_(ItemPrice.item_id == CatalogItem.id, ItemPrice.currency == currency))
            .where(CatalogItem.id == item_id)
        )
    ).first()
    if row is None or not row[0].active:
        raise ItemNotFound()
    if row[1] is None:
        raise CurrencyNotOffered()
    return row[0], Money(int(row[1]), currency)


async def prices_of(db: AsyncSession, item_id: int) -> dict[str, Money]:
    rows = (await db.scalars(select(ItemPrice).where(ItemPrice.item_id == item_id))).all()
    return {row.currency: Money(row.amount, row.currency) for row in rows}


async def price_of(db: AsyncSession, item_id: int, currency: str) -> Money:
    check_currency(currency)
    price = await db.scalar(
        select(ItemPrice).where(ItemPrice.item_id == item_id, ItemPrice.currency == currency)
    )
    if price is None:
        raise CurrencyNotOffered()
    return Money(price.amount, currency)


async def list_items(db: AsyncSession, *, limit: int = 100) -> list[CatalogItem]:
    rows = await db.scalars(
        select(CatalogItem).where(CatalogItem.active.is_(True)).order_by(CatalogItem.id).limit(limit)
    )
    return list(rows.all())
