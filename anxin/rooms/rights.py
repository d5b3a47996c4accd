"""Export and erasure of rooms' personal data (registered with privacy's data-rights registry).

A room is a record two people share, sealed with the room's own key. Export gives a participant
the whole conversation of their rooms (they were part of it) and, for a counsellor, their notes.
Erasing either participant destroys the room's key (crypto-shredding) and deletes its rows and files.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.core.config import get_settings
from anxin.privacy import crypto
from anxin.privacy.rights import JsonData
from anxin.rooms import attachments, service, transcripts
from anxin.rooms.models import Room, RoomAttachment, RoomMessage, RoomReport, SessionNote


async def export_rooms(db: AsyncSession, subject_id: int) -> JsonData:
    rooms = await service.rooms_of(db, subject_id)
    exported = []
    for room in rooms:
        rows = await db.scalars(
            select(RoomMessage).where(RoomMessage.room_id == room.id).order_by(RoomMessage.seq)
        )
        messages = [(await service.view_of(db, row)).as_frame() for row in rows]
        notes = []
        if room.counselor_id == subject_id:
            notes = [
                {"at": note.created_at.isoformat(), "text": text}
                for note, text in await service.notes(db, subject_id, room.id)
            ]
        exported.append(
            {
                "room": room.id,
                "client": room.client_id,
                "counselor": room.counselor_id,
                "status": room.status,
                "messages": messages,
                "voice_transcripts": [
                    view.as_frame()
                    for view in await transcripts.transcripts_since(db, subject_id, room.id, 0, limit=500)
                ],
                "notes": notes,
            }
        )
    reports = await db.scalars(select(RoomReport.id).where(RoomReport.reporter_id == subject_id))
    return {"rooms": exported, "reports_made": list(reports)}


async def erase_rooms(db: AsyncSession, subject_id: int) -> None:
    rooms = await service.rooms_of(db, subject_id)
    names: list[str] = []
    for room in rooms:
        names += list(
            await db.scalars(select(RoomAttachment.storage_name).where(RoomAttachment.room_id == room.id))
        )
        await crypto.destroy_keys(db, crypto.room_owner(room.id))
        await db.execute(delete(Room).where(Room.id == room.id))
    await db.execute(delete(SessionNote).where(SessionNote.counselor_id == subject_id))
    await db.execute(delete(RoomReport).where(RoomReport.reporter_id == subject_id))
    await db.flush()
    attachments.remove_files(get_settings().home, names)
