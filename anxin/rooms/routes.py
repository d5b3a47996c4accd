"""JSON API under /api/v1/rooms. Thin: parse, call one service function, answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from starlette.responses import Response

from anxin.accounts.deps import UserActor, csrf_protect
from anxin.core.deps import DbSession
from anxin.rooms import attachments, calls, service, transcripts
from anxin.rooms.schemas import (
    CallWindowIn,
    IceOut,
    MarksIn,
    MarksOut,
    MessageIn,
    MessageOut,
    NoteIn,
    NoteOut,
    ReportIn,
    RoomOut,
    StoredOut,
    TranscriptOut,
    VoiceIndicatorsOut,
)
from anxin.rooms.settings import room_settings

router = APIRouter(prefix="/rooms", tags=["rooms"], dependencies=[Depends(csrf_protect)])


def _room_out(room: object) -> RoomOut:
    return RoomOut.model_validate(room, from_attributes=True)


@router.get("")
async def my_rooms(db: DbSession, actor: UserActor) -> list[RoomOut]:
    return [_room_out(room) for room in await service.rooms_of(db, actor.id)]


@router.get("/{room_id}")
async def room(room_id: int, db: DbSession, actor: UserActor) -> RoomOut:
    return _room_out(await service.access_room(db, actor.id, room_id))


@router.get("/{room_id}/messages")
async def messages(
    room_id: int, db: DbSession, actor: UserActor, since: int = 0, limit: int = 200
) -> list[MessageOut]:
    """Messages after ``since`` (a seq), oldest first: how a client catches up after any reconnect."""
    return [
        MessageOut.of(view)
        for view in await service.messages_since(db, actor.id, room_id, since, limit=limit)
    ]


@router.post("/{room_id}/messages", response_model_exclude_none=True)
async def send(
    room_id: int, body: MessageIn, db: DbSession, actor: UserActor, response: Response
) -> StoredOut:
    """Store a message; the same ``client_msg_id`` again returns the first one (200 instead of 201)."""
    posted = await service.post_message(db, actor.id, room_id, body.text, body.client_msg_id)
    response.status_code = 201 if posted.created else 200
    return StoredOut(
        seq=posted.message.seq,
        client_msg_id=posted.message.client_msg_id,
        duplicate=not posted.created,
        show_resources=True if posted.show_resources else None,
    )


@router.post("/{room_id}/marks")
async def marks(room_id: int, body: MarksIn, db: DbSession, actor: UserActor) -> MarksOut:
    member = await service.mark(db, actor.id, room_id, delivered=body.delivered, read=body.read)
    return MarksOut(delivered=member.delivered_seq, read=member.read_seq)


@router.get("/{room_id}/search")
async def search(room_id: int, q: str, db: DbSession, actor: UserActor) -> list[MessageOut]:
    found = await transcripts.search_with_transcripts(db, actor.id, room_id, q)
    return [MessageOut.of(view) for view in found]


@router.delete("/{room_id}/messages/{seq}", status_code=204)
async def delete_message(room_id: int, seq: int, request: Request, db: DbSession, actor: UserActor) -> None:
    """Delete one of your own messages, with its file or voice recording and transcript."""
    await attachments.delete_message(db, request.app.state.settings.home, actor.id, room_id, seq)


@router.get("/{room_id}/transcripts")
async def room_transcripts(
    room_id: int, db: DbSession, actor: UserActor, since: int = 0, limit: int = 200
) -> list[TranscriptOut]:
    """What was said in the room's voice messages (written by the worker shortly after each upload)."""
    views = await transcripts.transcripts_since(db, actor.id, room_id, since, limit=limit)
    return [TranscriptOut.model_validate(view.as_frame()) for view in views]


@router.get("/{room_id}/voice-indicators")
async def voice_indicators(room_id: int, db: DbSession, actor: UserActor) -> VoiceIndicatorsOut:
    """The client's voice indicators over time, for the counsellor, with the client's consent."""
    points = await transcripts.voice_indicators(db, actor.id, room_id)
    return VoiceIndicatorsOut.of(points)


@router.post("/{room_id}/attachments", status_code=201)
async def upload(
    room_id: int,
    request: Request,
    db: DbSession,
    actor: UserActor,
    file: Annotated[UploadFile, File()],
    client_msg_id: Annotated[str, Form(min_length=1, max_length=64)],
    response: Response,
) -> StoredOut:
    """An image, PDF or voice message (checked by its first bytes, not by its declared type)."""
    data = await file.read(room_settings().rooms_max_upload_bytes + 1)
    posted = await attachments.store(
        db,
        request.app.state.settings.home,
        actor.id,
        room_id,
        data,
        file_name=file.filename,
        client_msg_id=client_msg_id,
    )
    response.status_code = 201 if posted.created else 200
    return StoredOut(
        seq=posted.message.seq, client_msg_id=posted.message.client_msg_id, duplicate=not posted.created
    )


@router.get("/attachments/{attachment_id}")
async def download(attachment_id: int, request: Request, db: DbSession, actor: UserActor) -> Response:
    attachment, data = await attachments.read(db, request.app.state.settings.home, actor.id, attachment_id)
    disposition = "inline" if attachment.kind != "file" else "attachment"
    return Response(
        data,
        media_type=attachment.media_type,
        headers={
            "Content-Disposition": f'{disposition}; filename="anxin-{attachment.id}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.put("/{room_id}/block", status_code=204)
async def block(room_id: int, db: DbSession, actor: UserActor) -> None:
    await service.set_blocked(db, actor.id, room_id, True)


@router.delete("/{room_id}/block", status_code=204)
async def unblock(room_id: int, db: DbSession, actor: UserActor) -> None:
    await service.set_blocked(db, actor.id, room_id, False)


@router.post("/{room_id}/reports", status_code=201)
async def report(room_id: int, body: ReportIn, db: DbSession, actor: UserActor) -> dict[str, int]:
    return {"id": await service.report(db, actor.id, room_id, body.reason)}


@router.get("/{room_id}/notes")
async def notes(room_id: int, db: DbSession, actor: UserActor) -> list[NoteOut]:
    return [
        NoteOut(id=note.id, at=note.created_at, text=text)
        for note, text in await service.notes(db, actor.id, room_id)
    ]


@router.post("/{room_id}/notes", status_code=201)
async def add_note(room_id: int, body: NoteIn, db: DbSession, actor: UserActor) -> dict[str, int]:
    note = await service.add_note(db, actor.id, room_id, body.text)
    return {"id": note.id}


@router.post("/{room_id}/call-window")
async def call_window(room_id: int, body: CallWindowIn, db: DbSession, actor: UserActor) -> RoomOut:
    """The counsellor opens the session window in which calls are possible."""
    return _room_out(await service.open_call_window(db, actor.id, room_id, body.minutes))


@router.get("/{room_id}/ice")
async def ice(room_id: int, db: DbSession, actor: UserActor) -> IceOut:
    """ICE servers with TURN credentials for this user (only while a call is possible)."""
    await service.access_call(db, actor.id, room_id)
    return IceOut.model_validate(calls.ice_servers(room_settings(), actor.id))
