"""HTML pages of rooms: my rooms, and a room (history, composer, calls, search, block/report, the
counsellor's private notes). Thin: read the form, call the service, render. The page works without
JavaScript for reading and sending; ``/static/js/rooms.js`` adds live delivery on top.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from anxin.accounts import service as accounts
from anxin.accounts.deps import CurrentActor, csrf_protect
from anxin.accounts.pages import page, sign_in_first
from anxin.core.deps import DbSession
from anxin.core.errors import AppError
from anxin.rooms import service, transcripts
from anxin.rooms.models import STATUS_OPEN, Room
from anxin.rooms.settings import room_settings

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])


def _back(room_id: int, note: str | None = None) -> RedirectResponse:
    return RedirectResponse(f"/rooms/{room_id}" + (f"?done={note}" if note else ""), status_code=303)


async def _name_of(db: DbSession, user_id: int) -> str | None:
    user = await accounts.get_user(db, user_id)
    return user.nickname


@router.get("/rooms", response_class=HTMLResponse)
async def my_rooms(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if actor is None:
        return sign_in_first(request)
    rooms = await service.rooms_of(db, actor.id)
    items = [
        {"room": room, "other": await _name_of(db, service.other_participant(room, actor.id))}
        for room in rooms
    ]
    return page(request, "rooms/list.html", {"items": items})


async def _room_page(
    request: Request, db: DbSession, actor_id: int, room_id: int, *, error: AppError | None = None
) -> Response:
    room: Room = await service.access_room(db, actor_id, room_id)
    query = request.query_params.get("q", "").strip()
    context: dict[str, Any] = {
        "room": room,
        "me": actor_id,
        "is_counselor": room.counselor_id == actor_id,
        "other_name": await _name_of(db, service.other_participant(room, actor_id)),
        "messages": await service.latest_messages(db, actor_id, room.id),
        "read_only": room.status != STATUS_OPEN or await service.is_blocked(db, room),
        "blocked_by_me": (await service.member_of(db, room.id, actor_id)).blocked_at is not None,
        "call_allowed": await service.call_allowed(db, room),
        "query": query,
        "results": await transcripts.search_with_transcripts(db, actor_id, room.id, query) if query else None,
        "notes": await service.notes(db, actor_id, room.id) if room.counselor_id == actor_id else [],
        "transcripts": {
            t.seq: t for t in await transcripts.transcripts_since(db, actor_id, room.id, 0, limit=500)
        },
        "voice_points": (
            await transcripts.voice_indicators(db, actor_id, room.id) if room.counselor_id == actor_id else []
        ),
        "done": request.query_params.get("done"),
        "max_chars": room_settings().rooms_max_message_chars,
        "new_client_msg_id": secrets.token_hex(16),
        "max_call_minutes": room_settings().rooms_max_call_window_minutes,
    }
    return page(request, "rooms/room.html", context, error=error)


@router.get("/rooms/{room_id}", response_class=HTMLResponse)
async def room_page(room_id: int, request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if actor is None:
        return sign_in_first(request)
    return await _room_page(request, db, actor.id, room_id)


@router.post("/rooms/{room_id}/send", response_class=HTMLResponse)
async def send(
    room_id: int,
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    text: Annotated[str, Form()] = "",
    client_msg_id: Annotated[str, Form()] = "",
) -> Response:
    """The composer without JavaScript (the page's script sends over the WebSocket instead)."""
    if actor is None:
        return sign_in_first(request)
    try:
        posted = await service.post_message(db, actor.id, room_id, text, client_msg_id)
    except AppError as error:
        if error.status_code == 404:
            raise
        return await _room_page(request, db, actor.id, room_id, error=error)
    return _back(room_id, "crisis" if posted.show_resources else None)


@router.post("/rooms/{room_id}/notes", response_class=HTMLResponse)
async def add_note(
    room_id: int, request: Request, db: DbSession, actor: CurrentActor, note: Annotated[str, Form()] = ""
) -> Response:
    if actor is None:
        return sign_in_first(request)
    await service.add_note(db, actor.id, room_id, note)
    return _back(room_id, "note")


@router.post("/rooms/{room_id}/report", response_class=HTMLResponse)
async def report(
    room_id: int, request: Request, db: DbSession, actor: CurrentActor, reason: Annotated[str, Form()] = ""
) -> Response:
    if actor is None:
        return sign_in_first(request)
    await service.report(db, actor.id, room_id, reason)
    return _back(room_id, "report")


@router.post("/rooms/{room_id}/block", response_class=HTMLResponse)
async def block(
    room_id: int, request: Request, db: DbSession, actor: CurrentActor, blocked: Annotated[str, Form()] = "1"
) -> Response:
    if actor is None:
        return sign_in_first(request)
    await service.set_blocked(db, actor.id, room_id, blocked == "1")
    return _back(room_id)


@router.post("/rooms/{room_id}/call-window", response_class=HTMLResponse)
async def call_window(
    room_id: int, request: Request, db: DbSession, actor: CurrentActor, minutes: Annotated[int, Form()] = 50
) -> Response:
    if actor is None:
        return sign_in_first(request)
    await service.open_call_window(db, actor.id, room_id, minutes)
    return _back(room_id, "window")
