"""Buying an item through commerce, once.

A purchase runs under the request's Idempotency-Key (commerce's ``idempotency.run``): the same key
replays the first answer, so a double submit pays once. A second purchase with a new key finds the
buyer's purchase row (unique per buyer and item) and is refused with ``already_owned`` before any
money moves. A live event takes a seat with one conditional UPDATE
(``seats_taken = seats_taken + 1 WHERE seats_taken < capacity``); the CHECK constraint behind it
makes overselling impossible even for code that forgets the condition. The seat, the purchase row,
the order and the ledger postings commit together or not at all, so a refused or failed payment
neither holds a seat nor charges anything.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts.models import ROLE_CLIENT, User
from anxin.commerce import idempotency, orders
from anxin.commerce.idempotency import StoredResponse
from anxin.commerce.models import Order
from anxin.commerce.refunds import service as refunds
from anxin.content import access
from anxin.content.errors import AlreadyOwned, ContentNotFound, NotForSale, SoldOut
from anxin.content.models import ARTICLE, LIVE_EVENT, PUBLISHED, ContentItem, Purchase
from anxin.content.schemas import BuyIn, PurchaseOut
from anxin.core import clock
from anxin.core.errors import Forbidden
from anxin.core.money import Money
from anxin.counselors import service as counselors
from anxin.counselors.errors import CounselorNotFound

CONTENT_ITEM_TYPES = frozenset({"article", "course", "live_event"})
FULLY_USED = 10_000  # basis points: an opened article counts as used in full
LIVE = (orders.CREATED, orders.PAID, orders.FULFILLED)


def buy_path(content_id: int) -> str:
    return f"/api/v1/content/items/{content_id}/purchase"


async def _take_seat(db: AsyncSession, item: ContentItem) -> None:
    result = await db.execute(
        update(ContentItem)
        .where(ContentItem.id == item.id, ContentItem.seats_taken < ContentItem.capacity)
        .values(seats_taken=ContentItem.seats_taken + 1)
    )
    if not getattr(result, "rowcount", 0):
        raise SoldOut()


async def _purchase_row(db: AsyncSession, client_id: int, content_id: int) -> Purchase:
    """The buyer's row, new or (after a refund or failed payment) reused, locked for this purchase."""
    row = await db.scalar(
        select(Purchase)
        .where(Purchase.client_id == client_id, Purchase.content_id == content_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:
        row = Purchase(client_id=client_id, content_id=content_id, seat_held=False, created_at=clock.utcnow())
        try:
            async with db.begin_nested():
                db.add(row)
                await db.flush()
        except IntegrityError:
            raise AlreadyOwned() from None  # a concurrent purchase by the same buyer won
        return row
    if row.order_id is not None:
        status = await db.scalar(select(Order.status).where(Order.id == row.order_id))
        if status in LIVE:
            raise AlreadyOwned()
    return row


async def buy(db: AsyncSession, user: User, content_id: int, body: BuyIn) -> PurchaseOut:
    if user.role != ROLE_CLIENT:
        raise Forbidden("Only client accounts can buy content.")
    item = await db.get(ContentItem, content_id)
    if item is None or item.status != PUBLISHED:
        raise ContentNotFound()
    if item.amount == 0 or item.catalog_item_id is None:
        raise NotForSale("This item is free: there is nothing to buy.")
    try:
        await counselors.public_profile(db, item.author_id)
    except CounselorNotFound:
        raise NotForSale() from None
    if item.kind == LIVE_EVENT and item.starts_at and clock.as_utc(item.starts_at) <= clock.utcnow():
        raise NotForSale("This event has already started.")
    if await access.can_read(db, user, item):
        raise AlreadyOwned()
    row = await _purchase_row(db, user.id, item.id)
    if item.kind == LIVE_EVENT and not row.seat_held:
        await _take_seat(db, item)
        row.seat_held = True
    result = await orders.checkout(
        db,
        client_id=user.id,
        item_id=item.catalog_item_id,
        currency=body.currency,
        expected_amount=body.expected_amount,
        method=body.method,
        details={"card_number": body.card_number or ""},
    )
    row.order_id = result.order.id
    await db.execute(update(ContentItem).where(ContentItem.id == item.id).values(sales=ContentItem.sales + 1))
    return PurchaseOut(
        content_id=item.id,
        order_id=result.order.id,
        order_status=result.order.status,
        amount=result.order.amount,
        currency=result.order.currency,
    )


async def buy_once(
    db: AsyncSession, user: User, content_id: int, key: str | None, body: BuyIn
) -> StoredResponse:
    """:func:`buy` under an Idempotency-Key (the answer is replayed byte for byte for the same key)."""
    scope = f"user:{user.id}"

    async def operation() -> StoredResponse:
        out = await buy(db, user, content_id, body)
        return idempotency.json_response(201, out.model_dump(mode="json"))

    return await idempotency.run(
        db,
        scope=scope,
        key=key,
        fingerprint=idempotency.fingerprint(
            method="POST", path=buy_path(content_id), body=body.model_dump(mode="json"), actor=scope
        ),
        operation=operation,
    )


# ---------------------------------------------------------------- reactions to commerce events


async def on_order_paid(db: AsyncSession, order_id: int) -> None:
    """An order for a content item that no purchase row knows (bought around the library, e.g.
    through the generic checkout, which checks no seats) is refunded in full: nothing is kept that
    was not sold through the entitlement rules."""
    order = await db.get(Order, order_id)
    if order is None or order.item_type not in CONTENT_ITEM_TYPES or order.item_id is None:
        return
    # Only the library's own catalog items: other sellers' articles and courses in the catalog
    # are not content's to refund.
    ours = await db.scalar(select(ContentItem.id).where(ContentItem.catalog_item_id == order.item_id))
    if ours is None:
        return
    known = await db.scalar(select(Purchase.id).where(Purchase.order_id == order.id))
    if known is not None:
        return
    locked = await orders.locked_order(db, order.id)
    remaining = locked.captured_amount - locked.refunded_amount
    if locked.status in orders.CAPTURED_STATES and remaining > 0:
        await refunds.refund(
            db,
            locked,
            Money(remaining, locked.currency),
            kind=refunds.KIND_CANCELLATION,
            reason="bought outside the library",
        )


async def on_order_refunded(db: AsyncSession, order_id: int) -> None:
    """A refunded live-event purchase gives its seat back (access already ended with the refund)."""
    order = await db.get(Order, order_id)
    if order is None or order.status not in (orders.REFUNDED, orders.CANCELLED):
        return
    row = await db.scalar(select(Purchase).where(Purchase.order_id == order.id).with_for_update())
    if row is None or not row.seat_held:
        return
    row.seat_held = False
    await db.execute(
        update(ContentItem)
        .where(ContentItem.id == row.content_id, ContentItem.seats_taken > 0)
        .values(seats_taken=ContentItem.seats_taken - 1)
    )


async def unread_order(db: AsyncSession, user: User | None, item: ContentItem) -> int | None:
    """The buyer's order for an article whose paid part they have not opened yet (else ``None``)."""
    if user is None or item.kind != ARTICLE:
        return None
    found = await access.entitling_order(db, user.id, item.id)
    return found[0] if found is not None and found[1] < FULLY_USED else None


async def read_state(db: AsyncSession, user: User | None, item: ContentItem) -> tuple[bool, int | None]:
    """:func:`access.can_read`, and :func:`unread_order` when it is entitled: one query where the
    reader is a buyer (the item page asks both on every view)."""
    if user is None or access.is_staff_for(user, item) or (item.amount == 0 and item.status == PUBLISHED):
        entitled = await access.can_read(db, user, item)
        return entitled, await unread_order(db, user, item) if entitled else None
    found = await access.entitling_order(db, user.id, item.id)
    if found is None:
        return False, None
    order_id, consumed = found
    return True, order_id if item.kind == ARTICLE and consumed < FULLY_USED else None


async def mark_read(db: AsyncSession, order_id: int) -> None:
    """The buyer opened the article's paid part: it counts as used in full (refund policy)."""
    await orders.record_consumption(db, order_id, FULLY_USED)
