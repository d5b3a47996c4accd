"""Messages: stored once per client id, in seq order without gaps under concurrency, sealed at rest,
hooked and published in the sender's transaction, and invisible to anyone outside the room."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from anxin.accounts.models import ROLE_COUNSELLOR
from anxin.appointments.models import CONFIRMED, Booking, Complaint
from anxin.core import clock, hooks, outbox
from anxin.core.db import Database
from anxin.core.errors import NotFound, ValidationFailed
from anxin.core.outbox import OutboxMessage
from anxin.core.relay import OutboxRelay
from anxin.rooms import service
from anxin.rooms.models import RoomMessage, RoomReport
from tests.rooms.support import make_pair, make_person


async def test_a_resend_returns_the_original_and_stores_nothing_new(database: Database) -> None:
    pair = await make_pair(database)
    async with database.transaction() as db:
        first = await service.post_message(db, pair.client.user_id, pair.room_id, "hello", "c-1")
    async with database.transaction() as db:
        again = await service.post_message(db, pair.client.user_id, pair.room_id, "changed on resend", "c-1")
    assert first.created and not again.created
    assert again.message.seq == first.message.seq
    async with database.transaction(write=False) as db:
        views = await service.messages_since(db, pair.counselor.user_id, pair.room_id, 0)
        room = await service.access_room(db, pair.client.user_id, pair.room_id)
    assert [(v.seq, v.text) for v in views] == [(1, "hello")]
    assert room.last_seq == 1


async def test_concurrent_sends_get_distinct_gapless_seqs(database: Database) -> None:
    pair = await make_pair(database)
    senders = [pair.client.user_id, pair.counselor.user_id]

    async def send(n: int) -> int:
        async with database.transaction() as db:
            posted = await service.post_message(db, senders[n % 2], pair.room_id, f"m{n}", f"id-{n}")
            return posted.message.seq

    # Some client ids twice at once: exactly one row each, both callers get the same seq.
    seqs = await asyncio.gather(*(send(n) for n in range(30)), *(send(n) for n in range(0, 30, 5)))
    async with database.transaction(write=False) as db:
        views = await service.messages_since(db, pair.client.user_id, pair.room_id, 0)
    assert [v.seq for v in views] == list(range(1, 31))
    by_id = {v.client_msg_id: v.seq for v in views}
    assert all(by_id[f"id-{n}"] == seqs[n] for n in range(30))
    assert [seqs[30 + i] for i in range(6)] == [by_id[f"id-{n}"] for n in range(0, 30, 5)]


async def test_strangers_and_admins_get_not_found(database: Database) -> None:
    pair = await make_pair(database)
    stranger = await make_person(database)
    admin = await make_person(database, "admin")
    async with database.transaction() as db:
        await service.post_message(db, pair.client.user_id, pair.room_id, "private", "x")
    for outsider in (stranger.user_id, admin.user_id, None):
        async with database.transaction() as db:
            with pytest.raises(NotFound):
                await service.messages_since(db, outsider, pair.room_id, 0)  # type: ignore[arg-type]
            with pytest.raises(NotFound):
                await service.post_message(db, outsider, pair.room_id, "hi", "y")  # type: ignore[arg-type]
            with pytest.raises(NotFound):
                await service.search(db, outsider, pair.room_id, "private")  # type: ignore[arg-type]
    async with database.transaction() as db:
        with pytest.raises(NotFound):
            await service.messages_since(db, pair.client.user_id, pair.room_id + 1000, 0)


@outbox.subscribe(service.EVENT_MESSAGE_STORED, name="test.rooms_listener")
async def stored_listener(_db: object, _payload: dict[str, object]) -> None:
    """A stand-in for the analysis that will subscribe later."""


async def test_hook_event_and_publish_are_written_in_the_same_transaction(database: Database) -> None:
    pair = await make_pair(database)
    seen: list[hooks.TextWritten] = []

    async def screen(_db: object, event: hooks.TextWritten) -> None:
        seen.append(event)

    hooks.text_written.register(screen)  # type: ignore[arg-type]
    try:
        with pytest.raises(RuntimeError):
            async with database.transaction() as db:
                await service.post_message(db, pair.client.user_id, pair.room_id, "rolled back", "r-1")
                raise RuntimeError("the request failed after posting")
        async with database.transaction() as db:
            posted = await service.post_message(db, pair.client.user_id, pair.room_id, "kept", "r-2")
    finally:
        hooks.text_written.unregister(screen)  # type: ignore[arg-type]
    assert [(e.surface, e.text, e.ref) for e in seen] == [
        ("room_message", "rolled back", seen[0].ref),
        ("room_message", "kept", str(posted.message.id)),
    ]
    async with database.transaction(write=False) as db:
        rows = list(await db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        count = await db.scalar(select(func.count()).select_from(RoomMessage))
    assert count == 1 and posted.message.seq == 1  # the rollback left no row and no gap
    published = [
        r.payload for r in rows if r.kind == outbox.KIND_PUBLISH and r.name == f"room:{pair.room_id}"
    ]
    assert published == [{"type": "message", "room": pair.room_id, "seq": 1, "sender": pair.client.user_id}]
    jobs = [r.payload for r in rows if r.name.startswith(service.EVENT_MESSAGE_STORED)]
    # One job per subscriber of the event (e.g. safety's deep analysis), all for the kept message.
    assert jobs and all(job == {"message_id": posted.message.id, "room_id": pair.room_id} for job in jobs)
    # A text message needs no transcription: only voice messages get that job.
    assert service.TRANSCRIBE_JOB not in {r.name for r in rows}


async def test_read_only_room_refuses_new_messages_but_shows_history(database: Database) -> None:
    pair = await make_pair(database)
    async with database.transaction() as db:
        await service.post_message(db, pair.client.user_id, pair.room_id, "before", "a")
        await service.end_relationship(db, client_id=pair.client.user_id, counselor_id=pair.counselor.user_id)
    async with database.transaction() as db:
        with pytest.raises(service.RoomReadOnly):
            await service.post_message(db, pair.client.user_id, pair.room_id, "after", "b")
        assert [v.text for v in await service.messages_since(db, pair.counselor.user_id, pair.room_id)] == [
            "before"
        ]
    async with database.transaction() as db:
        again = await service.open_room(
            db, client_id=pair.client.user_id, counselor_id=pair.counselor.user_id
        )
    assert again.id == pair.room_id and again.status == "open"


async def test_bad_messages_are_refused(database: Database) -> None:
    pair = await make_pair(database)
    async with database.transaction() as db:
        for text, client_msg_id in (("", "a"), ("   ", "b"), ("x" * 4001, "c"), ("ok", ""), ("ok", "é" * 3)):
            with pytest.raises(ValidationFailed):
                await service.post_message(db, pair.client.user_id, pair.room_id, text, client_msg_id)


async def test_search_finds_own_history_and_nothing_is_stored_in_plaintext(
    database: Database, database_url: str
) -> None:
    pair = await make_pair(database)
    canary = f"CANARY-{uuid.uuid4()}"
    async with database.transaction() as db:
        await service.post_message(db, pair.client.user_id, pair.room_id, f"I felt {canary} today", "s1")
        await service.post_message(db, pair.counselor.user_id, pair.room_id, "Thank you for telling me", "s2")
        await service.add_note(db, pair.counselor.user_id, pair.room_id, f"note {canary}")
        await service.report(db, pair.client.user_id, pair.room_id, f"report {canary}")
    async with database.transaction(write=False) as db:
        found = await service.search(db, pair.counselor.user_id, pair.room_id, canary.lower())
        assert [v.client_msg_id for v in found] == ["s1"]
        with pytest.raises(NotFound):
            await service.notes(db, pair.client.user_id, pair.room_id)
        assert [text for _, text in await service.notes(db, pair.counselor.user_id, pair.room_id)] == [
            f"note {canary}"
        ]
    await database.dispose()
    from tests.rooms.at_rest import raw_database_contains

    assert not raw_database_contains(database_url, canary.encode())


async def test_a_confirmed_booking_opens_the_pairs_room_once(database: Database) -> None:
    client = await make_person(database)
    counselor = await make_person(database, ROLE_COUNSELLOR)
    published: list[str] = []

    async def publisher(channel: str, _event: dict[str, object]) -> None:
        published.append(channel)

    relay = OutboxRelay(database, publisher=publisher, run_schedules=False)
    for booking_id in (1, 2):
        async with database.transaction() as db:
            ids = {"booking_id": booking_id, "client_id": client.user_id, "counselor_id": counselor.user_id}
            # One job per subscriber (other test modules may subscribe too); rooms is one of them.
            assert await outbox.emit(db, "appointments.booking_confirmed", ids) >= 1
        await relay.drain()
    async with database.transaction(write=False) as db:
        rooms = await service.rooms_of(db, client.user_id)
        assert [(r.client_id, r.counselor_id, r.status) for r in rooms] == [
            (client.user_id, counselor.user_id, "open")
        ]
        assert await service.rooms_of(db, counselor.user_id) == rooms


async def test_calls_follow_the_booked_session_of_the_pair(database: Database) -> None:
    pair = await make_pair(database)
    now = clock.utcnow()

    async def book(starts_in: timedelta, minutes: int = 50) -> None:
        async with database.transaction() as db:  # test set-up: a confirmed booking of the pair
            db.add(
                Booking(
                    client_id=pair.client.user_id, counsellor_id=pair.counselor.user_id,
                    starts_at=now + starts_in, ends_at=now + starts_in + timedelta(minutes=minutes),
                    modality="video", status=CONFIRMED, currency="CNY", amount=30000, created_at=now,
                    refunded_amount=0,
                )
            )  # fmt: skip

    async def allowed() -> bool:
        async with database.transaction(write=False) as db:
            return await service.call_allowed(
                db, await service.access_room(db, pair.client.user_id, pair.room_id)
            )

    await book(timedelta(days=2))
    assert not await allowed()
    await book(timedelta(minutes=5))  # starts soon: the room opens a little early
    assert await allowed()
    clock.freeze(now + timedelta(minutes=5 + 50 + 14))  # within the grace period after the end
    assert await allowed()
    clock.freeze(now + timedelta(minutes=5 + 50 + 16))
    assert not await allowed()


async def test_a_clients_report_reaches_the_complaints_queue(database: Database) -> None:
    pair = await make_pair(database)
    now = clock.utcnow()
    async with database.transaction() as db:
        db.add(
            Booking(
                client_id=pair.client.user_id, counsellor_id=pair.counselor.user_id, starts_at=now,
                ends_at=now + timedelta(minutes=50), modality="video", status=CONFIRMED, currency="CNY",
                amount=30000, created_at=now, refunded_amount=0,
            )
        )  # fmt: skip
    async with database.transaction() as db:
        complaint_id = await service.report(
            db, pair.client.user_id, pair.room_id, "Rude and dismissive today."
        )
        report_id = await service.report(db, pair.counselor.user_id, pair.room_id, "Threatening messages.")
    async with database.transaction(write=False) as db:
        complaints = list(await db.scalars(select(Complaint)))
        reports = list(await db.scalars(select(RoomReport)))
    assert [(c.id, c.client_id, c.counsellor_id, c.status) for c in complaints] == [
        (complaint_id, pair.client.user_id, pair.counselor.user_id, "open")
    ]
    assert [(r.id, r.reporter_id, r.reported_id) for r in reports] == [
        (report_id, pair.counselor.user_id, pair.client.user_id)
    ]
