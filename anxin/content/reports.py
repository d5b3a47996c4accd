"""Sales, listens and earnings per item for its author, from commerce's orders (gross, commission and
net as commerce books them) and the content tables (listens)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts.models import User
from anxin.commerce import orders
from anxin.commerce.models import Order
from anxin.content import service
from anxin.content.models import Lesson
from anxin.content.schemas import StatsOut

COUNTED = (orders.PAID, orders.FULFILLED, orders.PARTIALLY_REFUNDED, orders.REFUNDED)


def _net(order: Order) -> tuple[int, int]:
    gross = order.captured_amount - order.refunded_amount
    if order.allocated_at is not None:
        fee = order.allocated_fee - order.fee_refunded
    else:
        fee = gross * order.commission_bp // 10_000
    return gross, gross - fee


async def item_stats(db: AsyncSession, user: User) -> list[StatsOut]:
    items = await service.authored(db, user)
    by_catalog = {item.catalog_item_id: item for item in items if item.catalog_item_id}
    totals: dict[int, list[int]] = {item.id: [0, 0, 0] for item in items}
    if by_catalog:
        rows = await db.scalars(
            select(Order).where(Order.item_id.in_(list(by_catalog)), Order.status.in_(COUNTED))
        )
        for order in rows.all():
            item = by_catalog[order.item_id or 0]
            gross, net = _net(order)
            bucket = totals[item.id]
            bucket[0] += 1 if order.status != orders.REFUNDED else 0
            bucket[1] += gross
            bucket[2] += net
    listens = (
        dict(
            (
                await db.execute(
                    select(Lesson.course_id, func.coalesce(func.sum(Lesson.listens), 0))
                    .where(Lesson.course_id.in_([item.id for item in items]))
                    .group_by(Lesson.course_id)
                )
            ).all()
        )
        if items
        else {}
    )
    return [
        StatsOut(
            content_id=item.id,
            title=item.title,
            kind=item.kind,
            sales=totals[item.id][0],
            listens=int(listens.get(item.id, 0)),
            gross=totals[item.id][1],
            net=totals[item.id][2],
            currency=item.currency,
        )
        for item in items
    ]
