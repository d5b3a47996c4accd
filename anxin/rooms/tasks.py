"""Wiring of rooms into the platform (imported at start-up by ``modules.load_tasks``): rooms open on
confirmed bookings, the ``room:<id>`` channel for participants only, ``room.*`` socket frames, and
the export and erase handlers of rooms' personal data."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from anxin.core import outbox, realtime
from anxin.core.config import get_settings
from anxin.privacy import rights
from anxin.rooms import rights as room_rights
from anxin.rooms import service, socket, transcripts


@outbox.subscribe("appointments.booking_confirmed", name="rooms.open_room")
async def open_room_on_booking(db: AsyncSession, payload: outbox.Payload) -> None:
    await service.open_room(
        db, client_id=int(payload["client_id"]), counselor_id=int(payload["counselor_id"])
    )


@outbox.subscribe("appointments.relationship_ended", name="rooms.read_only")
async def read_only_when_care_ends(db: AsyncSession, payload: outbox.Payload) -> None:
    await service.end_relationship(
        db, client_id=int(payload["client_id"]), counselor_id=int(payload["counselor_id"])
    )


async def authorize_room_channel(db: AsyncSession, actor_id: int | None, channel: str) -> bool:
    _, _, room = channel.partition(":")
    return room.isdigit() and await service.is_member(db, actor_id, int(room))


realtime.channel_authorizers["room"] = authorize_room_channel
realtime.register_frame_handler("room", socket.handle)
rights.register_personal_data(
    "rooms",
    export=room_rights.export_rooms,
    erase=room_rights.erase_rooms,
    tables=(
        "rooms",
        "room_members",
        "room_messages",
        "room_attachments",
        "room_reports",
        "room_session_notes",
        "room_transcripts",
    ),
)


@outbox.job(service.TRANSCRIBE_JOB)
async def transcribe_voice_message(db: AsyncSession, payload: outbox.Payload) -> None:
    """Voice messages get their transcript in the worker, after this job commits (Whisper takes
    seconds of CPU: no transaction stays open meanwhile)."""
    await transcripts.schedule(db, get_settings().home, int(payload["message_id"]))


@outbox.scheduled("rooms.transcribe_missed", every=timedelta(minutes=5))
async def transcribe_missed_voice_messages(db: AsyncSession, _payload: outbox.Payload) -> None:
    """A worker that stopped mid-transcription leaves a voice message without text: try again."""
    for message_id in await transcripts.missed_voice_messages(db, older_than=timedelta(minutes=5)):
        await transcripts.schedule(db, get_settings().home, message_id)
