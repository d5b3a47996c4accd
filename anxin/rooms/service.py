"""Rooms: the only writer of rooms' tables.

Every read or write goes through ``access_room(db, actor_id, room_id)``, which loads and authorises
in one step: only the two participants see a room; for everyone else (admins included) it does not
exist. Message bodies are sealed with the room's own data key (owner ``room:<id>``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts import service as accounts
from anxin.appointments import booking as appointments
from anxin.appointments import complaints
from anxin.appointments.errors import ComplaintNotFound
from anxin.appointments.models import CONFIRMED as BOOKING_CONFIRMED
from anxin.core import clock, hooks, outbox
from anxin.core.errors import Conflict, NotFound, ValidationFailed
from anxin.privacy import crypto
from anxin.rooms.models import (
    KIND_TEXT,
    KIND_VOICE,
    MEMBER_CLIENT,
    MEMBER_COUNSELOR,
    STATUS_OPEN,
    STATUS_READ_ONLY,
    Room,
    RoomMember,
    RoomMessage,
    RoomReport,
    SessionNote,
)
from anxin.rooms.settings import room_settings

EVENT_MESSAGE_STORED = "rooms.message_stored"
# Only voice messages get this job (its name is the one it had as a subscriber of every message).
TRANSCRIBE_JOB = "rooms.message_stored->rooms.transcribe_voice"
SURFACE = "room_message"
MAX_CLIENT_MSG_ID = 64


def channel_of(room_id: int) -> str:
    return f"room:{room_id}"


def message_event(room_id: int, seq: int, sender_id: int) -> dict[str, int | str]:
    # The sender: its own socket has the message already once "room.stored" comes, no fetch needed.
    return {"type": "message", "room": room_id, "seq": seq, "sender": sender_id}


def body_context(room_id: int, seq: int) -> str:
    # Bound to the row: a body copied to another message or room does not open.
    return f"rooms.message.body:{room_id}:{seq}"


class RoomReadOnly(Conflict):
    code = "room_read_only"
    default_message = "This room is read-only now; you can still read its history."


# ---------------------------------------------------------------- rooms


async def open_room(db: AsyncSession, *, client_id: int, counselor_id: int) -> Room:
    """The pair's room, created on first use and reopened if it was read-only (safe to run twice)."""
    room = await _pair_room(db, client_id, counselor_id)
    if room is None:
        now = clock.utcnow()
        candidate = Room(
            client_id=client_id, counselor_id=counselor_id, status=STATUS_OPEN, last_seq=0, created_at=now
        )
        try:
            async with db.begin_nested():
                db.add(candidate)
                await db.flush()
                db.add_all(
                    [
                        RoomMember(
                            room_id=candidate.id,
                            user_id=client_id,
                            role=MEMBER_CLIENT,
                            delivered_seq=0,
                            read_seq=0,
                        ),
                        RoomMember(
                            room_id=candidate.id,
                            user_id=counselor_id,
                            role=MEMBER_COUNSELOR,
                            delivered_seq=0,
                            read_seq=0,
                        ),
                    ]
                )
            return candidate
        except IntegrityError:
            room = await _pair_room(db, client_id, counselor_id)
            if room is None:
                raise
    if room.status != STATUS_OPEN:
        room.status = STATUS_OPEN
        room.closed_at = None
        await db.flush()
    return room


async def end_relationship(db: AsyncSession, *, client_id: int, counselor_id: int) -> Room | None:
    """The care relationship ended: the room turns read-only (history stays)."""
    room = await _pair_room(db, client_id, counselor_id)
    if room is not None and room.status == STATUS_OPEN:
        room.status = STATUS_READ_ONLY
        room.closed_at = clock.utcnow()
        await db.flush()
        await outbox.publish(
            db, channel_of(room.id), {"type": "room", "room": room.id, "status": room.status}
        )
    return room


async def _pair_room(db: AsyncSession, client_id: int, counselor_id: int) -> Room | None:
    return await db.scalar(select(Room).where(Room.client_id == client_id, Room.counselor_id == counselor_id))


async def access_room(db: AsyncSession, actor_id: int | None, room_id: int, *, lock: bool = False) -> Room:
    """The room, if ``actor_id`` is one of its two participants; otherwise NotFound."""
    if actor_id is None:
        raise NotFound()
    query = select(Room).where(Room.id == room_id)
    if lock:
        query = query.with_for_update()
    room = await db.scalar(query)
    if room is None or actor_id not in (room.client_id, room.counselor_id):
        raise NotFound()
    return room


async def is_member(db: AsyncSession, actor_id: int | None, room_id: int) -> bool:
    try:
        await access_room(db, actor_id, room_id)
    except NotFound:
        return False
    return True


async def rooms_of(db: AsyncSession, actor_id: int) -> list[Room]:
    rows = await db.scalars(
        select(Room)
        .where((Room.client_id == actor_id) | (Room.counselor_id == actor_id))
        .order_by(Room.id.desc())
    )
    return list(rows)


async def member_of(db: AsyncSession, room_id: int, user_id: int) -> RoomMember:
    member = await db.get(RoomMember, (room_id, user_id))
    if member is None:
        raise NotFound()
    return member


def other_participant(room: Room, actor_id: int) -> int:
    return room.counselor_id if actor_id == room.client_id else room.client_id


async def is_blocked(db: AsyncSession, room: Room) -> bool:
    blocked = await db.scalar(
        select(RoomMember.user_id).where(RoomMember.room_id == room.id, RoomMember.blocked_at.is_not(None))
    )
    return blocked is not None


async def ensure_writable(db: AsyncSession, room: Room) -> None:
    if room.status != STATUS_OPEN or await is_blocked(db, room):
        raise RoomReadOnly()


# ---------------------------------------------------------------- messages


@dataclass(frozen=True)
class MessageView:
    seq: int
    sender_id: int
    client_msg_id: str
    kind: str
    text: str | None
    attachment_id: int | None
    created_at: datetime

    def as_frame(self) -> dict[str, object]:
        return {
            "seq": self.seq,
            "sender": self.sender_id,
            "client_msg_id": self.client_msg_id,
            "kind": self.kind,
            "text": self.text,
            "attachment": self.attachment_id,
            "at": clock.as_utc(self.created_at).isoformat(),
        }


@dataclass(frozen=True)
class Posted:
    message: RoomMessage
    created: bool  # False: a resend of a message already stored
    # A screen of the text found risk: show the sender crisis resources now (core.hooks).
    show_resources: bool = False


def check_client_msg_id(client_msg_id: object) -> str:
    if (
        not isinstance(client_msg_id, str)
        or not 1 <= len(client_msg_id) <= MAX_CLIENT_MSG_ID
        or not client_msg_id.isascii()
        or not client_msg_id.isprintable()
    ):
        raise ValidationFailed("Each message needs an id of 1 to 64 letters, digits or dashes.")
    return client_msg_id


async def post_message(
    db: AsyncSession,
    actor_id: int,
    room_id: int,
    text: str | None,
    client_msg_id: str,
    *,
    kind: str = KIND_TEXT,
    attachment_id: int | None = None,
) -> Posted:
    """Store a message once per (room, client_msg_id); a resend returns the original unchanged.

    The room row is locked first (``FOR UPDATE`` on PostgreSQL; SQLite writers are serialised by
    ``BEGIN IMMEDIATE``), then the resend check runs, then the seq is taken: so two concurrent
    sends never share a seq, a resend never burns one, and a rollback leaves no gap.
    """
    check_client_msg_id(client_msg_id)
    if kind == KIND_TEXT:
        if not isinstance(text, str) or not text.strip():
            raise ValidationFailed("Please write a message first.")
        if len(text) > room_settings().rooms_max_message_chars:
            raise ValidationFailed("This message is too long.")
    room = await access_room(db, actor_id, room_id, lock=True)
    existing = await db.scalar(
        select(RoomMessage).where(RoomMessage.room_id == room.id, RoomMessage.client_msg_id == client_msg_id)
    )
    if existing is not None:
        return Posted(existing, created=False)
    await ensure_writable(db, room)
    seq = room.last_seq + 1
    room.last_seq = seq
    body = None
    if text is not None:
        body = await crypto.seal(db, crypto.room_owner(room.id), text, context=body_context(room.id, seq))
    message = RoomMessage(
        room_id=room.id,
        seq=seq,
        sender_id=actor_id,
        client_msg_id=client_msg_id,
        kind=kind,
        body_sealed=body,
        attachment_id=attachment_id,
        created_at=clock.utcnow(),
    )
    db.add(message)
    await db.flush()
    outcomes: list[hooks.ScreenOutcome] = []
    if text:
        outcomes = await hooks.text_written(
            db, hooks.TextWritten(author_id=actor_id, surface=SURFACE, ref=str(message.id), text=text)
        )
    await outbox.emit(db, EVENT_MESSAGE_STORED, {"message_id": message.id, "room_id": room.id})
    if kind == KIND_VOICE:
        await outbox.enqueue(db, TRANSCRIBE_JOB, {"message_id": message.id, "room_id": room.id})
    await outbox.publish(db, channel_of(room.id), message_event(room.id, seq, actor_id))
    return Posted(message, created=True, show_resources=hooks.needs_resources(outcomes))


async def text_sender(db: AsyncSession, message_id: int) -> int | None:
    """Who sent a stored text message (None: no text, or gone), without unsealing it: jobs of modules
    to the right check the sender's consent before they read the text."""
    message = await db.get(RoomMessage, message_id)
    if message is None or message.body_sealed is None:
        return None
    return message.sender_id


async def stored_text(db: AsyncSession, message_id: int) -> tuple[int, str] | None:
    """(sender, text) of a stored text message, for background jobs of modules to the right (the
    deep analysis); None for a message without text or one that is gone."""
    message = await db.get(RoomMessage, message_id)
    if message is None or message.body_sealed is None:
        return None
    view = await view_of(db, message)
    return (message.sender_id, view.text) if view.text is not None else None


async def view_of(db: AsyncSession, message: RoomMessage) -> MessageView:
    text = None
    if message.body_sealed is not None:
        text = await crypto.unseal(
            db,
            message.body_sealed,
            context=body_context(message.room_id, message.seq),
            owner=crypto.room_owner(message.room_id),
        )
    return MessageView(
        seq=message.seq,
        sender_id=message.sender_id,
        client_msg_id=message.client_msg_id,
        kind=message.kind,
        text=text,
        attachment_id=message.attachment_id,
        created_at=message.created_at,
    )


async def messages_since(
    db: AsyncSession, actor_id: int, room_id: int, since: int = 0, *, limit: int = 200
) -> list[MessageView]:
    """Messages with seq > ``since``, oldest first (a client resumes with its last seq)."""
    room = await access_room(db, actor_id, room_id)
    rows = await db.scalars(
        select(RoomMessage)
        .where(RoomMessage.room_id == room.id, RoomMessage.seq > max(0, since))
        .order_by(RoomMessage.seq)
        .limit(max(1, min(limit, 500)))
    )
    return [await view_of(db, row) for row in rows]


async def latest_messages(
    db: AsyncSession, actor_id: int, room_id: int, *, limit: int = 50
) -> list[MessageView]:
    room = await access_room(db, actor_id, room_id)
    return await messages_since(db, actor_id, room_id, max(0, room.last_seq - limit), limit=limit)


async def mark(
    db: AsyncSession, actor_id: int, room_id: int, *, delivered: int | None = None, read: int | None = None
) -> RoomMember:
    """Move the actor's delivered/read marks forward (never back) and tell the other side."""
    room = await access_room(db, actor_id, room_id)
    member = await member_of(db, room.id, actor_id)
    changed = False
    if read is not None:
        read = min(int(read), room.last_seq)
        delivered = max(delivered or 0, read)
        if read > member.read_seq:
            member.read_seq = read
            changed = True
    if delivered is not None:
        delivered = min(int(delivered), room.last_seq)
        if delivered > member.delivered_seq:
            member.delivered_seq = delivered
            changed = True
    if changed:
        await db.flush()
        await outbox.publish(
            db,
            channel_of(room.id),
            {
                "type": "marks",
                "room": room.id,
                "user": actor_id,
                "delivered": member.delivered_seq,
                "read": member.read_seq,
            },
        )
    return member


async def search(
    db: AsyncSession, actor_id: int, room_id: int, query: str, *, limit: int = 50
) -> list[MessageView]:
    """Decrypt-and-scan one room's newest messages on the server: no plaintext index exists anywhere."""
    needle = query.strip().casefold()
    if not needle:
        raise ValidationFailed("Please type something to search for.")
    room = await access_room(db, actor_id, room_id)
    scan = room_settings().rooms_search_max_messages
    rows = await db.scalars(
        select(RoomMessage)
        .where(RoomMessage.room_id == room.id, RoomMessage.body_sealed.is_not(None))
        .order_by(RoomMessage.seq.desc())
        .limit(scan)
    )
    found: list[MessageView] = []
    for row in rows:
        view = await view_of(db, row)
        if view.text is not None and needle in view.text.casefold():
            found.append(view)
            if len(found) >= limit:
                break
    return found


# ---------------------------------------------------------------- block, report


async def set_blocked(db: AsyncSession, actor_id: int, room_id: int, blocked: bool) -> RoomMember:
    """Blocking makes the room read-only for both sides until the blocker unblocks."""
    room = await access_room(db, actor_id, room_id)
    member = await member_of(db, room.id, actor_id)
    member.blocked_at = clock.utcnow() if blocked else None
    await db.flush()
    await outbox.publish(db, channel_of(room.id), {"type": "room", "room": room.id, "blocked": blocked})
    return member


async def report(db: AsyncSession, actor_id: int, room_id: int, reason: str) -> int:
    """Report the other participant; returns the report's id.

    A client's report goes to appointments' complaint queue (the admins' one place for complaints
    about counsellors). A counsellor's report about a client, or one without any booking of the pair,
    is kept in ``room_reports``.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("Please tell us briefly what happened.")
    if len(reason) > 2000:
        raise ValidationFailed("This message is too long.")
    room = await access_room(db, actor_id, room_id)
    if actor_id == room.client_id:
        client = await accounts.get_user(db, actor_id)
        try:
            complaint = await complaints.file_complaint(
                db, client, counsellor_id=room.counselor_id, kind="complaint", details=reason
            )
            return complaint.id
        except ComplaintNotFound:
            pass  # no booking of this pair (yet): keep it with the room
    row = RoomReport(
        room_id=room.id,
        reporter_id=actor_id,
        reported_id=other_participant(room, actor_id),
        reason_sealed=await crypto.seal(
            db, crypto.room_owner(room.id), reason, context=f"rooms.report.reason:{room.id}"
        ),
        status="open",
        created_at=clock.utcnow(),
    )
    db.add(row)
    await db.flush()
    return row.id


async def open_reports(db: AsyncSession) -> list[RoomReport]:
    """The admins' queue (ids and times; reading a reason is a separate, audited step)."""
    rows = await db.scalars(select(RoomReport).where(RoomReport.status == "open").order_by(RoomReport.id))
    return list(rows)


# ---------------------------------------------------------------- counsellors' private notes


async def _counselor_room(db: AsyncSession, actor_id: int, room_id: int) -> Room:
    room = await access_room(db, actor_id, room_id)
    if room.counselor_id != actor_id:
        raise NotFound()
    return room


async def add_note(db: AsyncSession, actor_id: int, room_id: int, text: str) -> SessionNote:
    text = text.strip()
    if not text:
        raise ValidationFailed("Please write a note first.")
    if len(text) > 20_000:
        raise ValidationFailed("This note is too long.")
    room = await _counselor_room(db, actor_id, room_id)
    note = SessionNote(room_id=room.id, counselor_id=actor_id, body_sealed=b"", created_at=clock.utcnow())
    note.body_sealed = await crypto.seal(
        db, crypto.user_owner(actor_id), text, context=f"rooms.note.body:{room.id}"
    )
    db.add(note)
    await db.flush()
    return note


async def notes(db: AsyncSession, actor_id: int, room_id: int) -> list[tuple[SessionNote, str]]:
    room = await _counselor_room(db, actor_id, room_id)
    rows = await db.scalars(
        select(SessionNote)
        .where(SessionNote.room_id == room.id, SessionNote.counselor_id == actor_id)
        .order_by(SessionNote.id.desc())
    )
    return [
        (
            row,
            await crypto.unseal(
                db, row.body_sealed, context=f"rooms.note.body:{room.id}", owner=crypto.user_owner(actor_id)
            ),
        )
        for row in rows
    ]


# ---------------------------------------------------------------- calls


async def open_call_window(db: AsyncSession, actor_id: int, room_id: int, minutes: int) -> Room:
    """The counsellor opens the session window for calls (until appointments provides booked times)."""
    settings = room_settings()
    if not 1 <= minutes <= settings.rooms_max_call_window_minutes:
        raise ValidationFailed(
            "Choose a session length of 1 to {minutes} minutes.",
            params={"minutes": settings.rooms_max_call_window_minutes},
        )
    room = await _counselor_room(db, actor_id, room_id)
    await ensure_writable(db, room)
    room.call_open_until = clock.utcnow() + timedelta(minutes=minutes + settings.rooms_call_grace_minutes)
    await db.flush()
    await outbox.publish(db, channel_of(room.id), {"type": "call_window", "room": room.id})
    return room


async def booked_session_now(db: AsyncSession, room: Room) -> bool:
    """A confirmed booking of this pair is under way (from a little before its start to its end
    plus the grace period). Appointments is left of rooms, so its service is read directly."""
    settings = room_settings()
    now = clock.utcnow()
    counsellor = await accounts.get_user(db, room.counselor_id)
    grace = timedelta(minutes=settings.rooms_call_grace_minutes)
    early = timedelta(minutes=settings.rooms_call_early_minutes)
    for booking in await appointments.calendar_for_counsellor(db, counsellor, since=now - grace):
        if (
            booking.client_id == room.client_id
            and booking.status == BOOKING_CONFIRMED
            and clock.as_utc(booking.starts_at) - early <= now <= clock.as_utc(booking.ends_at) + grace
        ):
            return True
    return False


async def call_allowed(db: AsyncSession, room: Room) -> bool:
    """During a booked session (plus grace), or a session window the counsellor opened in the room."""
    if room.status != STATUS_OPEN or await is_blocked(db, room):
        return False
    if room.call_open_until is not None and clock.as_utc(room.call_open_until) > clock.utcnow():
        return True
    return await booked_session_now(db, room)


async def access_call(db: AsyncSession, actor_id: int | None, room_id: int) -> Room:
    room = await access_room(db, actor_id, room_id)
    if not await call_allowed(db, room):
        raise CallNotAllowed()
    return room


class CallNotAllowed(Conflict):
    code = "call_not_allowed"
    default_message = "Calls are possible only during the booked session."
