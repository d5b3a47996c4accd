"""JSON API under /api/v1/content: items, purchases, lessons and their audio, positions, comments,
live-event rooms and paid questions. Thin: parse, call one service function, answer.

Every answer carrying paid text or audio has been through ``content.access``.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Header, Path, Query, Request, UploadFile
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from anxin.accounts.deps import Actor, CurrentActor, UserActor, csrf_protect, require_role
from anxin.accounts.models import ROLE_ADMIN, ROLE_COUNSELLOR, User
from anxin.commerce.idempotency import REPLAYED_HEADER, StoredResponse
from anxin.content import access as content_access
from anxin.content import buying, comments, events, lessons, media, questions, reports, service, views
from anxin.content.errors import LessonNotFound, NotEntitled, RangeNotSatisfiable, UploadTooLarge
from anxin.content.schemas import (
    AnswerIn,
    BuyIn,
    CommentIn,
    CommentOut,
    EventPostIn,
    EventPostOut,
    ItemIn,
    ItemOut,
    LessonOut,
    PositionIn,
    QuestionIn,
    QuestionOut,
    StatsOut,
)
from anxin.content.storage import storage_for
from anxin.core.db import Database
from anxin.core.deps import DbSession
from anxin.counselors.deps import AuditedDb

router = APIRouter(prefix="/content", tags=["content"], dependencies=[Depends(csrf_protect)])
CounsellorActor = Annotated[Actor, Depends(require_role(ROLE_COUNSELLOR))]
AdminActor = Annotated[Actor, Depends(require_role(ROLE_ADMIN))]
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]
IdempotencyKeyHeader = Annotated[str | None, Header(alias="Idempotency-Key")]
ERRORS: dict[int | str, dict[str, str]] = {
    404: {"description": "Not found, not published, or not yours"},
    409: {"description": "Already owned, sold out, not for sale, or closed"},
    413: {"description": "The upload is too large"},
    416: {"description": "The byte range is not satisfiable"},
    422: {"description": "Invalid input"},
}


def _stored(response: StoredResponse) -> Response:
    headers = dict(response.headers)
    headers[REPLAYED_HEADER] = "true" if response.replayed else "false"
    media_type = headers.pop("content-type", "application/json")
    return Response(
        content=response.body, status_code=response.status, headers=headers, media_type=media_type
    )


def _user(actor: Actor | None) -> User | None:
    return actor.user if actor is not None else None


async def read_upload(upload: UploadFile, limit: int | None = None) -> bytes:
    limit = limit if limit is not None else media.MAX_AUDIO_BYTES
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise UploadTooLarge(params={"limit": limit // (1024 * 1024)})
    return data


# ---------------------------------------------------------------- items


@router.get("/items", response_model=list[ItemOut], summary="Published items (by language, topic, author)")
async def browse(
    actor: CurrentActor,
    db: DbSession,
    language: Annotated[str | None, Query(max_length=8)] = None,
    topic: Annotated[str | None, Query(max_length=32)] = None,
    author_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    kind: Annotated[str | None, Query(pattern="^(article|course|live_event)$")] = None,
    sort: Annotated[str, Query(pattern="^(newest|most_bought)$")] = "newest",
) -> list[ItemOut]:
    shelf = await service.browse(
        db, language=language, topic=topic, author_id=author_id, kind=kind, sort=sort
    )
    return [await views.item_out(db, _user(actor), item) for item in shelf.items]


@router.post("/items", status_code=201, response_model=ItemOut, responses=ERRORS, summary="Write a new item")
async def create(body: ItemIn, actor: CounsellorActor, db: DbSession) -> ItemOut:
    item = await service.create_item(db, actor.user, body)
    return await views.item_out(db, actor.user, item)


@router.put("/items/{content_id}", response_model=ItemOut, responses=ERRORS, summary="Edit an item")
async def edit(content_id: RowId, body: ItemIn, actor: CounsellorActor, db: DbSession) -> ItemOut:
    item = await service.update_item(db, actor.user, content_id, body)
    return await views.item_out(db, actor.user, item)


@router.post("/items/{content_id}/publish", response_model=ItemOut, responses=ERRORS, summary="Publish")
async def publish(content_id: RowId, actor: CounsellorActor, db: DbSession) -> ItemOut:
    return await views.item_out(db, actor.user, await service.publish(db, actor.user, content_id))


@router.post("/items/{content_id}/unpublish", response_model=ItemOut, responses=ERRORS, summary="Unpublish")
async def unpublish(content_id: RowId, actor: CounsellorActor, db: DbSession) -> ItemOut:
    return await views.item_out(db, actor.user, await service.unpublish(db, actor.user, content_id))


@router.delete("/items/{content_id}", status_code=204, responses=ERRORS, summary="Delete an unsold item")
async def delete(content_id: RowId, actor: CounsellorActor, db: DbSession) -> Response:
    await service.delete(db, actor.user, content_id)
    return Response(status_code=204)


@router.post(
    "/admin/items/{content_id}/suspend", response_model=ItemOut, responses=ERRORS, summary="Withdraw"
)
async def suspend(content_id: RowId, actor: AdminActor, db: DbSession) -> ItemOut:
    return await views.item_out(db, actor.user, await service.suspend(db, actor.user, content_id))


@router.get("/items/{content_id}", response_model=ItemOut, responses=ERRORS, summary="One item")
async def one(content_id: RowId, request: Request, actor: CurrentActor, db: DbSession) -> ItemOut:
    item = await content_access.access_item(db, _user(actor), content_id)
    out, unread_order = await views.item_read(db, _user(actor), item)
    await record_reading(request, db, unread_order)
    return out


async def record_reading(request: Request, db: AsyncSession, order_id: int | None) -> None:
    """The paid text of order ``order_id`` was just sent to its buyer for the first time: tell
    commerce (refund policy). A read-only request records it in a short unit of work of its own,
    as a session touch does."""
    if order_id is None:
        return
    if request.method not in ("GET", "HEAD"):
        await buying.mark_read(db, order_id)  # already a writer: same unit of work
        return
    database: Database = request.app.state.database
    async with database.transaction() as writer:
        await buying.mark_read(writer, order_id)


@router.post(
    "/items/{content_id}/purchase", status_code=201, responses=ERRORS, summary="Buy (Idempotency-Key)"
)
async def purchase(
    content_id: RowId, body: BuyIn, actor: UserActor, db: DbSession, key: IdempotencyKeyHeader = None
) -> Response:
    return _stored(await buying.buy_once(db, actor.user, content_id, key, body))


@router.get("/library", response_model=list[ItemOut], summary="My library")
async def library(actor: UserActor, db: DbSession) -> list[ItemOut]:
    return [await views.item_out(db, actor.user, item) for item in await service.library(db, actor.user)]


@router.get("/mine", response_model=list[StatsOut], summary="My items: sales, listens and earnings")
async def mine(actor: CounsellorActor, db: DbSession) -> list[StatsOut]:
    return await reports.item_stats(db, actor.user)


# ---------------------------------------------------------------- lessons and audio


@router.get(
    "/items/{content_id}/lessons", response_model=list[LessonOut], responses=ERRORS, summary="Lessons"
)
async def course_lessons(content_id: RowId, actor: CurrentActor, db: DbSession) -> list[LessonOut]:
    course = await content_access.access_item(db, _user(actor), content_id)
    return await views.lessons_out(db, _user(actor), course, await service.lessons_of(db, course.id))


@router.post(
    "/items/{content_id}/lessons", status_code=201, response_model=LessonOut, responses=ERRORS, summary="Add"
)
async def add_lesson(
    content_id: RowId,
    request: Request,
    actor: CounsellorActor,
    db: DbSession,
    title: Annotated[str, Form(max_length=200)],
    audio: Annotated[UploadFile, File()],
    notes: Annotated[str, Form(max_length=100_000)] = "",
    free: Annotated[bool, Form()] = False,
) -> LessonOut:
    data = await read_upload(audio)
    lesson = await lessons.add_lesson(
        db,
        actor.user,
        content_id,
        home=request.app.state.settings.home,
        title=title,
        notes_md=notes,
        free=free,
        audio=data,
    )
    course = await content_access.access_item(db, actor.user, content_id)
    return (await views.lessons_out(db, actor.user, course, [lesson]))[0]


@router.put(
    "/lessons/{lesson_id}/position", response_model=PositionIn, responses=ERRORS, summary="Save position"
)
async def save_position(lesson_id: RowId, body: PositionIn, actor: UserActor, db: DbSession) -> PositionIn:
    return PositionIn(seconds=await lessons.save_position(db, actor.user, lesson_id, body.seconds))


async def _media_response(request: Request, key: str, size: int, media_type: str) -> Response:
    try:
        wanted = media.parse_range(request.headers.get("range"), size)
    except RangeNotSatisfiable:
        return Response(status_code=416, headers={"Content-Range": f"bytes */{size}"})
    try:
        store = storage_for(request.app.state.settings.home)
        body = await asyncio.to_thread(store.read, key, wanted.start, wanted.end)
    except FileNotFoundError:
        raise LessonNotFound() from None  # the file went missing from storage: say so, never a 500
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Length": str(len(body)),
        "X-Content-Type-Options": "nosniff",
    }
    if wanted.partial:
        headers["Content-Range"] = f"bytes {wanted.start}-{wanted.end}/{size}"
    return Response(body, status_code=206 if wanted.partial else 200, headers=headers, media_type=media_type)


@router.get("/media/{lesson_id}", responses=ERRORS, summary="A lesson's audio (signed link, byte ranges)")
async def lesson_audio(
    lesson_id: RowId, request: Request, db: DbSession, t: Annotated[str, Query(max_length=200)]
) -> Response:
    lesson = await lessons.media_of(db, lesson_id, t)
    assert lesson.storage_key is not None
    return await _media_response(request, lesson.storage_key, lesson.size, lesson.media_type or "audio/mpeg")


@router.get("/answers/{question_id}/audio", responses=ERRORS, summary="A recorded answer (signed link)")
async def answer_audio(
    question_id: RowId, request: Request, db: DbSession, t: Annotated[str, Query(max_length=200)]
) -> Response:
    listener_id = media.verify("answer", question_id, t)
    listener = await db.get(User, listener_id) if listener_id else None
    question = await content_access.access_question(db, listener, question_id)
    if not await content_access.can_read_answer(db, listener, question) or not question.answer_storage_key:
        raise NotEntitled()
    size = await asyncio.to_thread(
        storage_for(request.app.state.settings.home).size, question.answer_storage_key
    )
    return await _media_response(
        request, question.answer_storage_key, size, question.answer_media_type or "audio/mpeg"
    )


# ---------------------------------------------------------------- comments and ratings


@router.get(
    "/items/{content_id}/comments", response_model=list[CommentOut], responses=ERRORS, summary="Comments"
)
async def list_comments(content_id: RowId, actor: CurrentActor, db: DbSession) -> list[CommentOut]:
    return await comments.comments_of(db, _user(actor), content_id)


@router.post(
    "/items/{content_id}/comments",
    status_code=201,
    response_model=CommentOut,
    responses=ERRORS,
    summary="Comment",
)
async def add_comment(content_id: RowId, body: CommentIn, actor: UserActor, db: DbSession) -> CommentOut:
    return await comments.add_comment(db, actor.user, content_id, body.text, body.rating)


# ---------------------------------------------------------------- live events


@router.get(
    "/events/{event_id}/posts", response_model=list[EventPostOut], responses=ERRORS, summary="Room posts"
)
async def event_posts(
    event_id: RowId, actor: UserActor, db: DbSession, after: Annotated[int, Query(ge=0)] = 0
) -> list[EventPostOut]:
    return await events.posts(db, actor.user, event_id, after=after)


@router.post(
    "/events/{event_id}/posts", status_code=201, response_model=EventPostOut, responses=ERRORS, summary="Post"
)
async def event_post(event_id: RowId, body: EventPostIn, actor: UserActor, db: DbSession) -> EventPostOut:
    return await events.post(db, actor.user, event_id, body.text)


# ---------------------------------------------------------------- paid questions


@router.put("/answerer", responses=ERRORS, summary="My terms for paid questions")
async def set_terms(
    actor: CounsellorActor,
    db: DbSession,
    price: Annotated[int, Query(ge=1)],
    unlock_price: Annotated[int, Query(ge=1)],
    deadline_hours: Annotated[int, Query(ge=1, le=336)] = 48,
    currency: Annotated[str, Query(min_length=3, max_length=3)] = "CNY",
) -> dict[str, int | str]:
    row = await questions.set_terms(
        db,
        actor.user,
        currency=currency,
        price=price,
        unlock_price=unlock_price,
        deadline_hours=deadline_hours,
    )
    return {
        "currency": row.currency,
        "price": row.price,
        "unlock_price": row.unlock_price,
        "deadline_hours": row.deadline_hours,
    }


@router.post("/questions", status_code=201, responses=ERRORS, summary="Ask a paid question (Idempotency-Key)")
async def ask(
    body: QuestionIn, actor: UserActor, db: DbSession, key: IdempotencyKeyHeader = None
) -> Response:
    return _stored(await questions.ask_once(db, actor.user, key, body))


@router.get("/questions", response_model=list[QuestionOut], summary="My questions (asked or to answer)")
async def my_questions(actor: UserActor, db: DbSession) -> list[QuestionOut]:
    return [await questions.view(db, actor.user, q) for q in await questions.mine(db, actor.user)]


@router.get("/answers", response_model=list[QuestionOut], summary="Public answered questions")
async def public_answers(
    actor: CurrentActor, db: DbSession, counsellor_id: Annotated[int | None, Query(ge=1)] = None
) -> list[QuestionOut]:
    return [
        await questions.view(db, _user(actor), q) for q in await questions.public_answers(db, counsellor_id)
    ]


@router.get("/questions/{question_id}", response_model=QuestionOut, responses=ERRORS, summary="One question")
async def one_question(question_id: RowId, actor: CurrentActor, db: AuditedDb) -> QuestionOut:
    # A writer: an administrator's read of a private question is audited in the same transaction.
    question = await content_access.access_question(db, _user(actor), question_id)
    return await questions.view(db, _user(actor), question)


@router.post(
    "/questions/{question_id}/answer", response_model=QuestionOut, responses=ERRORS, summary="Answer"
)
async def answer(
    question_id: RowId,
    request: Request,
    actor: CounsellorActor,
    db: DbSession,
    text: Annotated[str, Form(max_length=10_000)] = "",
    audio: Annotated[UploadFile | None, File()] = None,
) -> QuestionOut:
    data = await read_upload(audio) if audio is not None and audio.filename else None
    question, show = await questions.answer(
        db,
        actor.user,
        question_id,
        text=AnswerIn(text=text).text if text else "",
        audio=data,
        home=request.app.state.settings.home,
    )
    out = await questions.view(db, actor.user, question)
    out.show_resources = show
    return out


@router.post("/questions/{question_id}/unlock", status_code=201, responses=ERRORS, summary="Unlock an answer")
async def unlock(
    question_id: RowId, body: BuyIn, actor: UserActor, db: DbSession, key: IdempotencyKeyHeader = None
) -> Response:
    return _stored(
        await questions.unlock_once(
            db, actor.user, question_id, key, method=body.method, card_number=body.card_number
        )
    )
