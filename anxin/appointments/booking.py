"""Booking a slot, paying through commerce, cancelling and rescheduling under the refund policy.

The slot is held (``held``) while the client pays; ``commerce.order_paid`` confirms it; an expired
hold is released by a scheduled sweep (and, lazily, by the next booking of the same slot). The
partial unique index on active bookings makes a double booking impossible even when two requests
pass the application's checks at the same moment: the loser's insert fails and answers 409.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts.models import ROLE_ADMIN, ROLE_CLIENT, User
from anxin.appointments import notices, terms
from anxin.appointments.errors import (
    AlreadyBooked,
    BookingNotFound,
    ConsentRequired,
    NotBookable,
    OutsideAvailability,
    SessionPriceChanged,
    SlotTaken,
    TooLateToBook,
    TooLateToChange,
)
from anxin.appointments.models import (
    ACTIVE,
    CANCELLED,
    CONFIRMED,
    HELD,
    RELEASED,
    Booking,
    CareRelationship,
    InformedConsent,
)
from anxin.commerce import catalog, orders
from anxin.commerce.models import Order
from anxin.commerce.refunds import policy as refund_policy
from anxin.commerce.refunds import service as refunds
from anxin.core import clock, outbox
from anxin.core.errors import Forbidden, ValidationFailed
from anxin.core.money import Money
from anxin.counselors import availability
from anxin.counselors import service as counselors
from anxin.counselors.availability import Interval
from anxin.counselors.models import CounselorProfile

HOLD_MINUTES = 10
MIN_NOTICE = timedelta(hours=1)
BOOKING_HORIZON = timedelta(days=60)
SESSION = timedelta(minutes=availability.SESSION_MINUTES)
BOOKING_CONFIRMED = "appointments.booking_confirmed"
SESSION_ITEM = "session"


# ---------------------------------------------------------------- reading


async def access_booking(db: AsyncSession, user: User, booking_id: int, *, lock: bool = False) -> Booking:
    """The booking if ``user`` is its client, its counsellor or an admin; otherwise 'not found'."""
    query = select(Booking).where(Booking.id == booking_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    booking = await db.scalar(query)
    if booking is None or (
        user.id not in (booking.client_id, booking.counsellor_id) and user.role != ROLE_ADMIN
    ):
        raise BookingNotFound()
    return booking


async def busy_intervals(
    db: AsyncSession, counsellor_id: int, start: datetime, end: datetime
) -> list[Interval]:
    now = clock.utcnow()
    rows = await db.execute(
        select(Booking.starts_at, Booking.ends_at, Booking.status, Booking.hold_expires_at).where(
            Booking.counsellor_id == counsellor_id,
            Booking.status.in_(ACTIVE),
            Booking.starts_at < end,
            Booking.ends_at > start,
        )
    )
    busy = []
    for starts_at, ends_at, status, hold_expires_at in rows.all():
        if status == HELD and hold_expires_at is not None and clock.as_utc(hold_expires_at) <= now:
            continue  # an expired hold frees its slot even before the sweep releases it
        busy.append(Interval(clock.as_utc(starts_at), clock.as_utc(ends_at)))
    return busy


async def busy_intervals_of(
    db: AsyncSession, counsellor_ids: list[int], start: datetime, end: datetime
) -> dict[int, list[Interval]]:
    """``busy_intervals`` of several counsellors in one query (matching checks its listed few)."""
    now = clock.utcnow()
    busy: dict[int, list[Interval]] = {counsellor_id: [] for counsellor_id in counsellor_ids}
    if not counsellor_ids:
        return busy
    rows = await db.execute(
        select(
            Booking.counsellor_id, Booking.starts_at, Booking.ends_at, Booking.status, Booking.hold_expires_at
        ).where(
            Booking.counsellor_id.in_(counsellor_ids),
            Booking.status.in_(ACTIVE),
            Booking.starts_at < end,
            Booking.ends_at > start,
        )
    )
    for counsellor_id, starts_at, ends_at, status, hold_expires_at in rows.all():
        if status == HELD and hold_expires_at is not None and clock.as_utc(hold_expires_at) <= now:
            continue
        busy[counsellor_id].append(Interval(clock.as_utc(starts_at), clock.as_utc(ends_at)))
    return busy


async def free_slots(db: AsyncSession, counsellor_id: int, start: datetime, end: datetime) -> list[Interval]:
    """A counsellor's bookable slots in [start, end), in UTC."""
    return await counselors.free_slots(db, counsellor_id, start, end, not_before=clock.utcnow() + MIN_NOTICE)


counselors.set_busy_provider(busy_intervals)


async def is_first_session(db: AsyncSession, client_id: int, counsellor_id: int) -> bool:
    earlier = await db.scalar(
        select(Booking.id)
        .where(
            Booking.client_id == client_id,
            Booking.counsellor_id == counsellor_id,
            Booking.status.notin_((RELEASED, CANCELLED)),
        )
        .limit(1)
    )
    return earlier is None


async def _price(db: AsyncSession, profile: CounselorProfile, client_id: int | None, modality: str) -> Money:
    price = counselors.price_of(profile, modality)
    if (
        client_id is not None
        and profile.first_session_discount_bp
        and await is_first_session(db, client_id, profile.counsellor_id)
    ):
        discount, _ = price.split(profile.first_session_discount_bp)
        price = price - discount
    return price


async def quote(db: AsyncSession, client_id: int | None, counsellor_id: int, modality: str) -> Money:
    """The price this client pays for one session: the first session carries the discount."""
    profile = await counselors.public_profile(db, counsellor_id)
    return await _price(db, profile, client_id, modality)


async def quotes(db: AsyncSession, client_id: int | None, counsellor_id: int) -> dict[str, Money]:
    """This client's price for every way of meeting the counsellor offers."""
    profile = await counselors.public_profile(db, counsellor_id)
    offered = [m for m in counselors.PRICE_MODALITIES if f"|{m}|" in profile.modalities]
    return {modality: await quote(db, client_id, counsellor_id, modality) for modality in offered}


async def needs_consent(db: AsyncSession, client_id: int, counsellor_id: int) -> bool:
    found = await db.scalar(
        select(InformedConsent.id)
        .where(
            InformedConsent.client_id == client_id,
            InformedConsent.counsellor_id == counsellor_id,
            InformedConsent.version == terms.CURRENT_VERSION,
        )
        .limit(1)
    )
    return found is None


# ---------------------------------------------------------------- holding and paying


async def hold_slot(
    db: AsyncSession,
    client: User,
    *,
    counsellor_id: int,
    starts_at: datetime,
    modality: str,
    currency: str,
    expected_amount: int,
    accept_terms_version: int | None = None,
) -> Booking:
    """Hold a free slot for ``client`` while they pay; 409 when it is taken, 4xx for bad input."""
    if client.role != ROLE_CLIENT:
        raise Forbidden("Only client accounts can book sessions.")
    if starts_at.tzinfo is None:
        raise ValidationFailed("Times need a time zone offset.")
    starts_at = clock.as_utc(starts_at)
    now = clock.utcnow()
    if starts_at < now + MIN_NOTICE or starts_at > now + BOOKING_HORIZON:
        raise TooLateToBook()
    profile = await counselors.public_profile(db, counsellor_id)  # 404 unless verified
    price = await _price(db, profile, client.id, modality)
    if currency != price.currency or expected_amount != price.amount:
        raise SessionPriceChanged(
            "The price is now {price}. Please review it and book again.", params={"price": price.format()}
        )
    calendar = await counselors.calendar_of(
        db, counsellor_id, starts_at - timedelta(days=1), starts_at + timedelta(days=1), profile=profile
    )
    slot = Interval(starts_at, starts_at + SESSION)
    offered = availability.free_slots(
        rules=calendar.rules,
        exceptions=calendar.exceptions,
        tz=calendar.timezone,
        window_start=starts_at,
        window_end=starts_at + timedelta(minutes=1),
        buffer_minutes=calendar.buffer_minutes,
    )
    if slot not in offered:
        raise OutsideAvailability()
    # One look at the counsellor's bookings around the slot: expired holds, mine, anyone's.
    padding = timedelta(minutes=calendar.buffer_minutes)
    nearby = await db.scalars(
        select(Booking).where(
            Booking.counsellor_id == counsellor_id,
            Booking.status.in_(ACTIVE),
            Booking.starts_at < slot.ends_at + padding,
            Booking.ends_at > slot.starts_at - padding,
        )
    )
    for other in nearby.all():
        if (
            other.status == HELD
            and other.hold_expires_at is not None
            and clock.as_utc(other.hold_expires_at) <= now
        ):
            await release(db, other)
        elif other.client_id == client.id and clock.as_utc(other.starts_at) == starts_at:
            raise AlreadyBooked()
        else:
            raise SlotTaken()
    if await needs_consent(db, client.id, counsellor_id):
        if accept_terms_version != terms.CURRENT_VERSION:
            raise ConsentRequired()
        db.add(
            InformedConsent(
                client_id=client.id,
                counsellor_id=counsellor_id,
                version=terms.CURRENT_VERSION,
                text_hash=terms.current_hash(),
                accepted_at=now,
            )
        )
    booking = Booking(
        client_id=client.id,
        counsellor_id=counsellor_id,
        starts_at=starts_at,
        ends_at=starts_at + SESSION,
        modality=modality,
        status=HELD,
        currency=price.currency,
        amount=price.amount,
        hold_expires_at=now + timedelta(minutes=HOLD_MINUTES),
        created_at=now,
        refunded_amount=0,
    )
    # The catalog item first (a new one: its ref is random), so the booking is inserted whole in
    # one statement, together with the item's price.
    item = await catalog.new_item(
        db,
        item_type=SESSION_ITEM,
        ref=f"booking:{secrets.token_hex(12)}",
        seller_id=counsellor_id,
        title="Counselling session",
        price=price,
        starts_at=starts_at,
    )
    booking.item_id = item.id
    db.add(booking)
    try:
        await db.flush()
    except IntegrityError:
        # The database's partial unique index: another request won this slot a moment ago. The
        # unit of work is rolled back with the error (a page runs this inside a savepoint).
        raise SlotTaken() from None
    return booking


async def pay(
    db: AsyncSession, client: User, booking_id: int, *, method: str, card_number: str | None = None
) -> Booking:
    """Hand the held booking to commerce's checkout; confirmation follows on ``commerce.order_paid``."""
    booking = await access_booking(db, client, booking_id, lock=True)
    if booking.client_id != client.id:
        raise BookingNotFound()
    if booking.status != HELD or booking.order_id is not None or booking.item_id is None:
        raise NotBookable()
    if booking.hold_expires_at is not None and clock.as_utc(booking.hold_expires_at) <= clock.utcnow():
        raise NotBookable("The time we held for you has run out. Please choose the time again.")
    result = await orders.checkout(
        db,
        client_id=client.id,
        item_id=booking.item_id,
        currency=booking.currency,
        expected_amount=booking.amount,
        method=method,
        details={"card_number": card_number or ""},
    )
    booking.order_id = result.order.id
    await db.flush()
    return booking


async def confirm_paid_order(db: AsyncSession, order_id: int) -> None:
    """On ``commerce.order_paid``: confirm the held booking, or refund in full if the hold is gone.

    Safe to run twice: a confirmed booking is left as it is.
    """
    order = await db.get(Order, order_id)
    if order is None or order.item_type != SESSION_ITEM or order.item_id is None:
        return
    booking = await db.scalar(
        select(Booking)
        .where(Booking.item_id == order.item_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if booking is None or (booking.status == CONFIRMED and booking.order_id == order.id):
        return
    if booking.status == HELD:
        now = clock.utcnow()
        booking.status, booking.order_id, booking.confirmed_at, booking.hold_expires_at = (
            CONFIRMED,
            order.id,
            now,
            None,
        )
        await _open_care(db, booking)
        await db.flush()
        await outbox.emit(
            db,
            BOOKING_CONFIRMED,
            {"booking_id": booking.id, "client_id": booking.client_id, "counselor_id": booking.counsellor_id},
        )
        await notices.booking_confirmed(db, booking)
        return
    # Paid after the hold was released (or the booking ended): nothing is kept that was not owed.
    locked = await orders.locked_order(db, order.id)
    remaining = locked.captured_amount - locked.refunded_amount
    if locked.status in orders.CAPTURED_STATES and remaining > 0:
        await refunds.refund(
            db,
            locked,
            Money(remaining, locked.currency),
            kind=refunds.KIND_CANCELLATION,
            reason="slot released before payment",
            final_status=orders.CANCELLED,
        )
    if booking.order_id is None:
        booking.order_id = order.id


async def _open_care(db: AsyncSession, booking: Booking) -> None:
    active = await db.scalar(
        select(CareRelationship.id).where(
            CareRelationship.client_id == booking.client_id,
            CareRelationship.counsellor_id == booking.counsellor_id,
            CareRelationship.status == "active",
        )
    )
    if active is None:
        db.add(
            CareRelationship(
                client_id=booking.client_id,
                counsellor_id=booking.counsellor_id,
                status="active",
                started_at=clock.utcnow(),
            )
        )


async def release(db: AsyncSession, booking: Booking) -> None:
    """Free a held slot (hold expired, payment failed, client changed their mind)."""
    if booking.status != HELD:
        return
    booking.status, booking.ended_at, booking.ended_by = RELEASED, clock.utcnow(), "system"
    if booking.item_id is not None:
        # An unpaid order for it ends too; a payment that still arrives is refunded by commerce.
        unpaid = await db.scalar(
            select(Order.id).where(Order.item_id == booking.item_id, Order.status == orders.CREATED)
        )
        if unpaid is not None:
            await refunds.cancel(db, client_id=booking.client_id, order_id=unpaid)
    await db.flush()


async def release_expired_holds(db: AsyncSession) -> int:
    rows = await db.scalars(
        select(Booking)
        .where(Booking.status == HELD, Booking.hold_expires_at <= clock.utcnow())
        .with_for_update()
        .limit(500)
    )
    count = 0
    for booking in rows.all():
        await release(db, booking)
        count += 1
    return count


# ---------------------------------------------------------------- cancelling and rescheduling


def _share_bp(order: Order, booking: Booking, now: datetime) -> int:
    # The booking's own start (a reschedule moves it; the order keeps the first one).
    return refund_policy.refund_share_bp(
        order.refund_policy, now=now, paid_at=order.paid_at, starts_at=booking.starts_at, consumed_bp=0
    )


async def refund_if_cancelled_now(db: AsyncSession, booking: Booking) -> Money:
    """What the client would get back by cancelling now (shown before they confirm)."""
    if booking.status == HELD or booking.order_id is None:
        return Money(0, booking.currency)
    order = await db.get(Order, booking.order_id)
    if order is None:
        return Money(0, booking.currency)
    share = _share_bp(order, booking, clock.utcnow())
    return refund_policy.refund_amount(
        Money(order.captured_amount, order.currency), Money(order.refunded_amount, order.currency), share
    )


async def _refund(db: AsyncSession, booking: Booking, amount: Money | None, *, reason: str) -> None:
    """Refund ``amount`` (None: everything left) and end the order; the rest is the counsellor's."""
    assert booking.order_id is not None
    order = await orders.locked_order(db, booking.order_id)
    remaining = Money(order.captured_amount - order.refunded_amount, order.currency)
    amount = remaining if amount is None else amount
    if amount.amount > 0:
        await refunds.refund(
            db, order, amount, kind=refunds.KIND_CANCELLATION, reason=reason, final_status=orders.CANCELLED
        )
        booking.refunded_amount += amount.amount
        await orders.allocate(db, order)
    else:
        await orders.mark_fulfilled(db, order.id)


async def cancel_by_client(db: AsyncSession, client: User, booking_id: int) -> Booking:
    booking = await access_booking(db, client, booking_id, lock=True)
    if booking.client_id != client.id:
        raise BookingNotFound()
    if booking.status == HELD:
        await release(db, booking)
        booking.status, booking.ended_by = CANCELLED, "client"
        return booking
    if booking.status != CONFIRMED:
        raise NotBookable()
    if clock.as_utc(booking.starts_at) <= clock.utcnow():
        raise TooLateToChange()
    amount = await refund_if_cancelled_now(db, booking)
    await _refund(db, booking, amount, reason="cancelled by the client")
    booking.status, booking.ended_at, booking.ended_by = CANCELLED, clock.utcnow(), "client"
    await db.flush()
    await notices.booking_cancelled(db, booking, notify_id=booking.counsellor_id)
    return booking


async def cancel_by_counsellor(db: AsyncSession, counsellor: User, booking_id: int) -> Booking:
    """The counsellor cancels: the client gets everything back, whatever the notice."""
    booking = await access_booking(db, counsellor, booking_id, lock=True)
    if booking.counsellor_id != counsellor.id:
        raise BookingNotFound()
    if booking.status == HELD:
        await release(db, booking)
        booking.status, booking.ended_by = CANCELLED, "counsellor"
        return booking
    if booking.status != CONFIRMED:
        raise NotBookable()
    await _refund(db, booking, None, reason="cancelled by the counsellor")
    booking.status, booking.ended_at, booking.ended_by = CANCELLED, clock.utcnow(), "counsellor"
    await db.flush()
    await notices.booking_cancelled(db, booking, notify_id=booking.client_id)
    return booking


RESCHEDULE_NOTICE = timedelta(hours=24)


async def reschedule(db: AsyncSession, client: User, booking_id: int, new_starts_at: datetime) -> Booking:
    """Move a confirmed session to another free time, free of charge with at least 24 hours' notice."""
    booking = await access_booking(db, client, booking_id, lock=True)
    if booking.client_id != client.id:
        raise BookingNotFound()
    if booking.status != CONFIRMED:
        raise NotBookable()
    if clock.as_utc(booking.starts_at) - clock.utcnow() < RESCHEDULE_NOTICE:
        raise TooLateToChange(
            "Sessions can be moved up to 24 hours before they start. Please cancel instead."
        )
    if new_starts_at.tzinfo is None:
        raise ValidationFailed("Times need a time zone offset.")
    new_start = clock.as_utc(new_starts_at)
    window = await free_slots(db, booking.counsellor_id, new_start, new_start + timedelta(minutes=1))
    if Interval(new_start, new_start + SESSION) not in window:
        raise OutsideAvailability()
    booking.starts_at, booking.ends_at = new_start, new_start + SESSION
    try:
        async with db.begin_nested():
            await db.flush()
    except IntegrityError:
        raise SlotTaken() from None
    await notices.schedule_reminders(db, booking)
    return booking


async def before_any_session(db: AsyncSession, client_id: int) -> bool:
    """No session paid for yet with anyone (the booking page then asks for the emergency contact)."""
    found = await db.scalar(
        select(Booking.id)
        .where(Booking.client_id == client_id, Booking.status.notin_((HELD, RELEASED, CANCELLED)))
        .limit(1)
    )
    return found is None


async def list_for_client(db: AsyncSession, client: User, *, limit: int = 100) -> list[Booking]:
    rows = await db.scalars(
        select(Booking)
        .where(Booking.client_id == client.id, Booking.status != RELEASED)
        .order_by(Booking.starts_at.desc())
        .limit(limit)
    )
    return list(rows.all())


async def calendar_for_counsellor(
    db: AsyncSession, counsellor: User, *, since: datetime | None = None
) -> list[Booking]:
    start = since or clock.utcnow() - timedelta(days=1)
    rows = await db.scalars(
        select(Booking)
        .where(Booking.counsellor_id == counsellor.id, Booking.status.in_(ACTIVE), Booking.ends_at > start)
        .order_by(Booking.starts_at)
        .limit(500)
    )
    return list(rows.all())
