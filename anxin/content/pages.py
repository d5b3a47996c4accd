"""Library pages: browse by topic and author in the reader's language (newest, most bought), an item
page (preview for everyone, the full text for those entitled), "My library", the lesson player,
the live-event room and the author's studio. Thin: read the form, call the service, render.

Paying forms carry an idempotency key made when the form is shown, so a double submit pays once;
the attempt runs in a savepoint, so a refused payment leaves nothing behind.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from starlette.responses import HTMLResponse, RedirectResponse, Response

from anxin.accounts.deps import Actor, CurrentActor, csrf_protect
from anxin.accounts.models import ROLE_COUNSELLOR, User
from anxin.accounts.page_helpers import ShowAgain, form_page, gate, submit
from anxin.accounts.pages import sign_in_first
from anxin.content import access, buying, comments, events, lessons, questions, reports, service, views
from anxin.content.errors import NotEntitled
from anxin.content.models import COURSE, LIVE_EVENT, Answerer, ContentItem
from anxin.content.routes import read_upload, record_reading
from anxin.content.schemas import BuyIn, ItemIn, QuestionIn
from anxin.core import hooks
from anxin.core.deps import DbSession
from anxin.core.errors import AppError, ValidationFailed
from anxin.core.money import Money, MoneyError
from anxin.counselors import service as counselors

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]
COUNSELLOR = (ROLE_COUNSELLOR,)


def _locale(request: Request) -> str:
    return str(getattr(request.state, "locale", "zh-CN"))


def _language(request: Request) -> str:
    return "zh" if _locale(request).startswith("zh") else "en"


def _page(
    request: Request, template: str, context: dict[str, Any], *, error: AppError | None = None
) -> HTMLResponse:
    return form_page(request, template, {"topics": service.TOPICS, **context}, error=error)


def _user(actor: Actor | None) -> User | None:
    return actor.user if actor is not None else None


def _price(item: ContentItem) -> str:
    return Money(item.amount, item.currency).format() if item.amount else ""


def _author_name(names: dict[int, tuple[str, str]], author_id: int, language: str) -> str:
    en, zh = names.get(author_id, ("", ""))
    return (zh if language == "zh" else en) or en or zh


# ---------------------------------------------------------------- browsing


@router.get("/library", response_class=HTMLResponse)
async def library_page(
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    topic: Annotated[str, Query(max_length=32)] = "",
    sort: Annotated[str, Query(pattern="^(newest|most_bought)$")] = "newest",
    author: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
    language: Annotated[str, Query(max_length=8)] = "",
) -> Response:
    language = language if language in service.LANGUAGES else _language(request)
    shelf = await service.browse(
        db,
        language=language,
        topic=topic if topic in service.TOPICS else None,
        author_id=author or None,
        sort=sort,
    )
    rows = [
        {
            "item": item,
            "price": _price(item),
            "author": _author_name(shelf.authors, item.author_id, language),
        }
        for item in shelf.items
    ]
    found = await hooks.page_slot.fill(db, "recommendations", "library", actor, _locale(request))
    return _page(
        request,
        "content/library.html",
        {"rows": rows, "topic": topic, "sort": sort, "language": language, "author": author}
        | {"recommendations": found},
    )


@router.get("/library/mine", response_class=HTMLResponse)
async def my_library(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if (blocked := gate(request, actor)) is not None:
        return blocked
    assert actor is not None
    items = await service.library(db, actor.user)
    return _page(request, "content/mine.html", {"items": items})


@router.get("/library/{content_id}", response_class=HTMLResponse)
async def item_page(content_id: RowId, request: Request, db: DbSession, actor: CurrentActor) -> Response:
    return await _item_page(request, db, actor, content_id=content_id)


async def _item_page(
    request: Request,
    db: DbSession,
    actor: Actor | None,
    *,
    content_id: int,
    error: AppError | None = None,
    notice: str = "",
) -> Response:
    user = _user(actor)
    item = await access.access_item(db, user, content_id)
    out, unread_order = await views.item_read(db, user, item)
    await record_reading(request, db, unread_order if error is None else None)
    lesson_rows = []
    if item.kind == COURSE:
        lesson_rows = await views.lessons_out(db, user, item, await service.lessons_of(db, item.id))
    names = await counselors.names_of(db, [item.author_id])
    item_comments, rating, ratings = await comments.comments_and_rating(db, item)
    return _page(
        request,
        "content/item.html",
        {
            "item": item,
            "out": out,
            "price": _price(item),
            "author": _author_name(names, item.author_id, _language(request)),
            "lessons": lesson_rows,
            "comments": item_comments,
            "rating": rating,
            "ratings": ratings,
            "is_client": actor is not None and actor.role == "client",
            "signed_in": actor is not None,
            "notice": notice,
            "seats_left": None if item.capacity is None else item.capacity - item.seats_taken,
        },
        error=error,
    )


@router.post("/library/{content_id}/buy", response_class=HTMLResponse)
async def buy_submit(
    content_id: RowId,
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    expected_amount: Annotated[int, Form(ge=0)] = 0,
    currency: Annotated[str, Form(max_length=3)] = "CNY",
    method: Annotated[str, Form(max_length=16)] = "wallet",
    card_number: Annotated[str, Form(max_length=32)] = "",
    idempotency_key: Annotated[str, Form(max_length=255)] = "",
) -> Response:

    async def buy(actor: Actor) -> str:
        body = BuyIn(
            currency=currency, expected_amount=expected_amount, method=method, card_number=card_number or None
        )
        await buying.buy_once(db, actor.user, content_id, idempotency_key, body)
        return f"/library/{content_id}?bought=1"

    return await submit(
        request, db, actor, buy, reshow=partial(_item_page, request, db, content_id=content_id)
    )


@router.post("/library/{content_id}/comments", response_class=HTMLResponse)
async def comment_submit(
    content_id: RowId,
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    text: Annotated[str, Form(max_length=2000)] = "",
    rating: Annotated[str, Form(max_length=1)] = "",
) -> Response:

    async def comment(actor: Actor) -> str | ShowAgain:
        if not text.strip():
            raise ValidationFailed("Please write a comment.")
        out = await comments.add_comment(
            db, actor.user, content_id, text, int(rating) if rating.isdigit() and rating != "0" else None
        )
        return ShowAgain("resources") if out.show_resources else f"/library/{content_id}#comments"

    return await submit(
        request, db, actor, comment, reshow=partial(_item_page, request, db, content_id=content_id)
    )


# ---------------------------------------------------------------- the player


@router.get("/library/lessons/{lesson_id}", response_class=HTMLResponse)
async def player_page(lesson_id: RowId, request: Request, db: DbSession, actor: CurrentActor) -> Response:
    user = _user(actor)
    try:
        lesson, course = await lessons.playable_lesson(db, user, lesson_id)
    except NotEntitled:
        if actor is None:
            return sign_in_first(request)
        raise
    out = (await views.lessons_out(db, user, course, [lesson]))[0]
    siblings = await views.lessons_out(db, user, course, await service.lessons_of(db, course.id))
    return _page(
        request,
        "content/player.html",
        {"lesson": out, "course": course, "lessons": siblings, "signed_in": user is not None},
    )


# ---------------------------------------------------------------- live-event room


@router.get("/library/{content_id}/room", response_class=HTMLResponse)
async def event_room(content_id: RowId, request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if (blocked := gate(request, actor)) is not None:
        return blocked
    assert actor is not None
    item = await events.access_event(db, actor.user, content_id)
    posts = await events.posts(db, actor.user, item.id)
    return _page(
        request, "content/room.html", {"item": item, "posts": posts, "is_host": actor.id == item.author_id}
    )


@router.post("/library/{content_id}/room", response_class=HTMLResponse)
async def event_room_post(
    content_id: RowId,
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    text: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    if (blocked := gate(request, actor)) is not None:
        return blocked
    assert actor is not None
    if text.strip():
        await events.post(db, actor.user, content_id, text)
    return RedirectResponse(f"/library/{content_id}/room", status_code=303)


# ---------------------------------------------------------------- the author's studio


def _minor(text: str) -> int:
    if not text.strip():
        return 0
    try:
        return Money.parse(text.strip(), "CNY").amount
    except MoneyError:
        raise ValidationFailed("Please enter an amount like 100.00.") from None


async def _studio(
    request: Request, db: DbSession, actor: Actor, *, error: AppError | None = None, notice: str = ""
) -> Response:
    stats = {row.content_id: row for row in await reports.item_stats(db, actor.user)}
    items = await service.authored(db, actor.user)
    return _page(
        request,
        "content/studio.html",
        {"items": items, "stats": stats, "money": lambda amount, cur: Money(amount, cur).format()},
        error=error,
    )


@router.get("/studio", response_class=HTMLResponse)
async def studio(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if (blocked := gate(request, actor, ROLE_COUNSELLOR)) is not None:
        return blocked
    assert actor is not None
    return await _studio(request, db, actor)


@router.post("/studio/items", response_class=HTMLResponse)
async def studio_create(
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    kind: Annotated[str, Form(max_length=16)] = "article",
    title: Annotated[str, Form(max_length=200)] = "",
    topic: Annotated[str, Form(max_length=32)] = "anxiety",
    language: Annotated[str, Form(max_length=8)] = "zh",
    summary: Annotated[str, Form(max_length=1000)] = "",
    preview_md: Annotated[str, Form(max_length=100_000)] = "",
    body_md: Annotated[str, Form(max_length=200_000)] = "",
    price: Annotated[str, Form(max_length=20)] = "",
    capacity: Annotated[str, Form(max_length=6)] = "",
    starts_at: Annotated[str, Form(max_length=40)] = "",
) -> Response:

    async def create(actor: Actor) -> str:
        try:
            data = ItemIn(
                kind=kind,
                title=title or "-",
                topic=topic,
                language=language,
                summary=summary,
                preview_md=preview_md,
                body_md=body_md,
                amount=_minor(price),
                capacity=int(capacity) if capacity.isdigit() else None,
                starts_at=datetime.fromisoformat(starts_at) if starts_at and kind == LIVE_EVENT else None,
            )
        except ValueError:
            raise ValidationFailed() from None
        if not title.strip():
            raise ValidationFailed("Please give it a title.")
        item = await service.create_item(db, actor.user, data)
        return f"/studio#item-{item.id}"

    return await submit(request, db, actor, create, reshow=partial(_studio, request, db), roles=COUNSELLOR)


@router.post("/studio/items/{content_id}/lessons", response_class=HTMLResponse)
async def studio_lesson(
    content_id: RowId,
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    audio: Annotated[UploadFile, File()],
    title: Annotated[str, Form(max_length=200)] = "",
    notes: Annotated[str, Form(max_length=100_000)] = "",
    free: Annotated[str, Form(max_length=5)] = "",
) -> Response:

    async def add_lesson(actor: Actor) -> str:
        data = await read_upload(audio)
        await lessons.add_lesson(
            db,
            actor.user,
            content_id,
            home=request.app.state.settings.home,
            title=title,
            notes_md=notes,
            free=bool(free),
            audio=data,
        )
        return f"/studio#item-{content_id}"

    return await submit(
        request, db, actor, add_lesson, reshow=partial(_studio, request, db), roles=COUNSELLOR
    )


@router.post("/studio/items/{content_id}/{action}", response_class=HTMLResponse)
async def studio_action(
    content_id: RowId,
    action: Annotated[str, Path(pattern="^(publish|unpublish|delete)$")],
    request: Request,
    db: DbSession,
    actor: CurrentActor,
) -> Response:
    operation = {"publish": service.publish, "unpublish": service.unpublish, "delete": service.delete}[action]

    async def act(actor: Actor) -> str:
        await operation(db, actor.user, content_id)
        return f"/studio#item-{content_id}"

    return await submit(request, db, actor, act, reshow=partial(_studio, request, db), roles=COUNSELLOR)


# ---------------------------------------------------------------- paid questions


async def _questions_page(
    request: Request, db: DbSession, actor: Actor, *, error: AppError | None = None, notice: str = ""
) -> Response:
    mine = [await questions.view(db, actor.user, q) for q in await questions.mine(db, actor.user)]
    terms = await db.get(Answerer, actor.id) if actor.role == ROLE_COUNSELLOR else None
    offers = []
    if actor.role == "client":
        for row, (en, zh) in await questions.answerers(db):
            name = (zh if _language(request) == "zh" else en) or en
            offers.append({"terms": row, "name": name, "price": Money(row.price, row.currency).format()})
    return _page(
        request,
        "content/questions.html",
        {
            "mine": mine,
            "offers": offers,
            "terms": terms,
            "is_counsellor": actor.role == ROLE_COUNSELLOR,
            "notice": notice,
            "money": lambda amount, cur: Money(amount, cur).format(),
        },
        error=error,
    )


@router.get("/questions", response_class=HTMLResponse)
async def questions_page(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if (blocked := gate(request, actor)) is not None:
        return blocked
    assert actor is not None
    return await _questions_page(request, db, actor)


@router.post("/questions/ask", response_class=HTMLResponse)
async def ask_submit(
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    counsellor_id: Annotated[int, Form(ge=1, le=2**63 - 1)],
    expected_amount: Annotated[int, Form(ge=1)],
    text: Annotated[str, Form(max_length=2000)] = "",
    public: Annotated[str, Form(max_length=5)] = "",
    currency: Annotated[str, Form(max_length=3)] = "CNY",
    idempotency_key: Annotated[str, Form(max_length=255)] = "",
) -> Response:

    async def ask(actor: Actor) -> str | ShowAgain:
        try:
            body = QuestionIn(
                counsellor_id=counsellor_id,
                text=text,
                public=bool(public),
                currency=currency,
                expected_amount=expected_amount,
            )
        except ValueError:
            raise ValidationFailed("Please write your question (at least a few words).") from None
        stored = await questions.ask_once(db, actor.user, idempotency_key, body)
        return ShowAgain("resources") if b'"show_resources":true' in stored.body else "/questions#mine"

    return await submit(request, db, actor, ask, reshow=partial(_questions_page, request, db))


@router.post("/questions/terms", response_class=HTMLResponse)
async def terms_submit(
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    price: Annotated[str, Form(max_length=20)] = "",
    unlock_price: Annotated[str, Form(max_length=20)] = "",
    deadline_hours: Annotated[int, Form(ge=1, le=336)] = 48,
) -> Response:

    async def set_terms(actor: Actor) -> str:
        await questions.set_terms(
            db,
            actor.user,
            currency="CNY",
            price=_minor(price),
            unlock_price=_minor(unlock_price),
            deadline_hours=deadline_hours,
        )
        return "/questions"

    return await submit(
        request, db, actor, set_terms, reshow=partial(_questions_page, request, db), roles=COUNSELLOR
    )


@router.post("/questions/{question_id}/answer", response_class=HTMLResponse)
async def answer_submit(
    question_id: RowId,
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    text: Annotated[str, Form(max_length=10_000)] = "",
    audio: Annotated[UploadFile | None, File()] = None,
) -> Response:

    async def answer(actor: Actor) -> str | ShowAgain:
        data = await read_upload(audio) if audio is not None and audio.filename else None
        _, show = await questions.answer(
            db, actor.user, question_id, text=text, audio=data, home=request.app.state.settings.home
        )
        return ShowAgain("resources") if show else "/questions"

    return await submit(
        request, db, actor, answer, reshow=partial(_questions_page, request, db), roles=COUNSELLOR
    )


async def _answers_page(
    request: Request, db: DbSession, actor: Actor | None, *, error: AppError | None = None, notice: str = ""
) -> Response:
    user = _user(actor)
    rows = [await questions.view(db, user, q) for q in await questions.public_answers(db)]
    return _page(
        request,
        "content/answers.html",
        {
            "rows": rows,
            "is_client": actor is not None and actor.role == "client",
            "money": lambda amount, cur: Money(amount, cur).format(),
        },
        error=error,
    )


@router.get("/answers", response_class=HTMLResponse)
async def answers_page(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    return await _answers_page(request, db, actor)


@router.post("/answers/{question_id}/unlock", response_class=HTMLResponse)
async def unlock_submit(
    question_id: RowId,
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    idempotency_key: Annotated[str, Form(max_length=255)] = "",
) -> Response:

    async def unlock(actor: Actor) -> str:
        await questions.unlock_once(
            db, actor.user, question_id, idempotency_key, method="wallet", card_number=None
        )
        return f"/answers#q-{question_id}"

    return await submit(request, db, actor, unlock, reshow=partial(_answers_page, request, db))
