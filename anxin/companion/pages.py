"""HTML pages of the companion (/companion) and the help assistant (/help, /admin/support).
Thin: read the form, call the service, render. Everything works without JavaScript;
``/static/js/companion.js`` adds the breathing timer's animation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from anxin.accounts import service as accounts
from anxin.accounts.deps import Actor, CurrentActor, csrf_protect
from anxin.accounts.models import ROLE_ADMIN, ROLE_CLIENT, ROLE_COUNSELLOR
from anxin.accounts.page_helpers import gate
from anxin.accounts.pages import page, sign_in_first
from anxin.companion import diary, feedback, service
from anxin.companion import help as help_assistant
from anxin.companion.content import lang_of, load
from anxin.companion.errors import LabelsNotFound
from anxin.companion.settings import companion_settings
from anxin.core.deps import DbSession
from anxin.core.errors import AppError, NotFound
from anxin.counselors.deps import AuditedDb

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])


def _locale(request: Request) -> str:
    return str(getattr(request.state, "locale", request.app.state.settings.default_locale))


def _back(conversation_id: int) -> RedirectResponse:
    return RedirectResponse(f"/companion/{conversation_id}#companion-composer", status_code=303)


async def _companion_page(
    request: Request, db: DbSession, user_id: int, conversation_id: int | None, error: AppError | None = None
) -> Response:
    lang = lang_of(_locale(request))
    conversation = (
        await service.access_conversation(db, user_id, conversation_id)
        if conversation_id is not None
        else await service.latest_conversation(db, user_id)
    )
    context: dict[str, Any] = {
        "conversation": conversation,
        "messages": await service.history(db, user_id, conversation.id) if conversation else [],
        "exercises": [(key, item.title(lang), item.summary(lang)) for key, item in load().exercises.items()],
        "timer": load().exercises["breathing"].steps[0].timer,
        "pending_record": await service.pending_record(db, conversation) if conversation else False,
        "show_crisis": await service.last_risk(db, conversation.id) if conversation else False,
        "safety_plan_url": companion_settings().safety_plan_url,
        "max_chars": companion_settings().companion_max_message_chars,
        "saved": request.query_params.get("saved") == "1",
    }
    return page(request, "companion/chat.html", context, error=error)


@router.get("/companion", response_class=HTMLResponse)
async def companion_home(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if actor is None:
        return sign_in_first(request)
    if actor.role != ROLE_CLIENT:
        raise NotFound()
    return await _companion_page(request, db, actor.id, None)


@router.get("/companion/{conversation_id}", response_class=HTMLResponse)
async def conversation_page(
    conversation_id: int, request: Request, db: DbSession, actor: CurrentActor
) -> Response:
    if actor is None:
        return sign_in_first(request)
    return await _companion_page(request, db, actor.id, conversation_id)


@router.post("/companion/new", response_class=HTMLResponse)
async def new_conversation(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if actor is None:
        return sign_in_first(request)
    conversation = await service.start_conversation(db, actor.id, _locale(request))
    return _back(conversation.id)


@router.post("/companion/{conversation_id}/send", response_class=HTMLResponse)
async def send(
    conversation_id: int,
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    text: Annotated[str, Form()] = "",
) -> Response:
    if actor is None:
        return sign_in_first(request)
    try:
        await service.post_message(db, actor.id, conversation_id, text)
    except AppError as error:
        if error.status_code == 404:
            raise
        return await _companion_page(request, db, actor.id, conversation_id, error)
    return _back(conversation_id)


@router.post("/companion/{conversation_id}/exercise", response_class=HTMLResponse)
async def start_exercise(
    conversation_id: int,
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    exercise: Annotated[str, Form()] = "",
) -> Response:
    if actor is None:
        return sign_in_first(request)
    await service.start_exercise(db, actor.id, conversation_id, exercise)
    return _back(conversation_id)


@router.post("/companion/{conversation_id}/save-record", response_class=HTMLResponse)
async def save_record(conversation_id: int, request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if actor is None:
        return sign_in_first(request)
    await service.save_thought_record(db, actor.id, conversation_id)
    return RedirectResponse(f"/companion/{conversation_id}?saved=1", status_code=303)


async def _records_page(
    request: Request, db: DbSession, user_id: int, error: AppError | None = None
) -> Response:
    fields = load().exercises["thought_record"].steps
    lang = lang_of(_locale(request))
    labels = [(step.field, step.say(lang)) for step in fields if step.field]
    context = {
        "records": await service.thought_records(db, user_id),
        "labels": labels,
        "moods": list(range(1, 11)),
        "copied": request.query_params.get("diary") == "1",
    }
    return page(request, "companion/records.html", context, error=error, field="mood")


@router.get("/companion-records", response_class=HTMLResponse)
async def records_page(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if actor is None:
        return sign_in_first(request)
    return await _records_page(request, db, actor.id)


@router.post("/companion-records/{record_id}/diary", response_class=HTMLResponse)
async def record_to_diary(
    record_id: int,
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    mood: Annotated[str, Form()] = "",
) -> Response:
    if actor is None:
        return sign_in_first(request)
    chosen = int(mood) if mood.strip().isdigit() else None
    try:
        await diary.copy_to_diary(db, actor.id, record_id, mood=chosen, locale=_locale(request))
    except AppError as error:
        if error.status_code == 404:
            raise
        return await _records_page(request, db, actor.id, error=error)
    return RedirectResponse("/companion-records?diary=1", status_code=303)


@router.get("/companion/clients/{client_id}", response_class=HTMLResponse)
async def client_summary(client_id: int, request: Request, db: AuditedDb, actor: CurrentActor) -> Response:
    """For the client's counsellor, with the client's consent: counts, exercises, flags."""
    if (blocked := gate(request, actor)) is not None:
        return blocked
    assert actor is not None
    summary = await service.counsellor_summary(db, actor.id, client_id)
    done = request.query_params.get("corrected") == "1"
    return page(request, "companion/summary.html", {"summary": summary, "corrected": done})


@router.post("/companion/clients/{client_id}/corrections", response_class=HTMLResponse)
async def correct_flag(
    client_id: int,
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    message_id: Annotated[str, Form()] = "",
    label: Annotated[str, Form()] = "",
) -> Response:
    if (blocked := gate(request, actor)) is not None:
        return blocked
    assert actor is not None
    await feedback.correct(db, actor.user, surface="companion", ref=message_id, task="risk", label=label)
    return RedirectResponse(f"/companion/clients/{client_id}?corrected=1", status_code=303)


async def _names(db: DbSession, user_ids: list[int]) -> dict[int, str]:
    return {user_id: (await accounts.get_user(db, user_id)).nickname or "" for user_id in user_ids}


async def _labels_page(
    request: Request,
    db: DbSession,
    actor: Actor,
    client_id: int | None,
    *,
    error: AppError | None = None,
    field: str = "form",
) -> Response:
    items = await feedback.labelled_items(db, actor.user, client_id)
    clients = await feedback.counsellor_clients(db, actor.user)
    context = {
        "items": items,
        "clients": await _names(db, clients),
        "client_id": client_id,
        "emotions": [(key, feedback.EMOTION_LABELS[key]) for key in feedback.EMOTIONS],
        "emotion_names": feedback.EMOTION_LABELS,
        "corrected": request.query_params.get("corrected") == "1",
        "max_note": feedback.MAX_NOTE_CHARS,
    }
    return page(request, "companion/labels.html", context, error=error, field=field)


@router.get("/counsellor/ai-labels", response_class=HTMLResponse)
async def labels_page(
    request: Request,
    db: AuditedDb,
    actor: CurrentActor,
    client: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
) -> Response:
    """A counsellor's own clients' texts with their AI labels (risk flags, emotions), to correct."""
    if (blocked := gate(request, actor, ROLE_COUNSELLOR)) is not None:
        return blocked
    assert actor is not None
    try:
        return await _labels_page(request, db, actor, client or None)
    except LabelsNotFound as error:
        # Another counsellor's client: the same page with nothing of theirs, answered 404.
        return await _labels_page(request, db, actor, None, error=error)


@router.post("/counsellor/ai-labels/corrections", response_class=HTMLResponse)
async def correct_label(
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    surface: Annotated[str, Form(max_length=32)] = "",
    ref: Annotated[str, Form(max_length=64)] = "",
    correction: Annotated[str, Form(max_length=64)] = "",
    original_risk: Annotated[str, Form(max_length=32)] = "",
    original_emotion: Annotated[str, Form(max_length=32)] = "",
    note: Annotated[str, Form(max_length=4000)] = "",
    client: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    if (blocked := gate(request, actor, ROLE_COUNSELLOR)) is not None:
        return blocked
    assert actor is not None
    client_id = int(client) if client.isdigit() else None
    task, _, label = correction.partition(":")
    try:
        await feedback.correct(
            db,
            actor.user,
            surface=surface,
            ref=ref,
            task=task,
            label=label,
            original_label=(original_risk if task == "risk" else original_emotion) or None,
            note=note,
        )
    except AppError as error:
        # Nothing was written before the check failed; a text this counsellor may not correct
        # answers 404 with their own page, not a hint of what exists.
        field = "form" if error.status_code == 404 else f"{surface}-{ref}"
        return await _labels_page(
            request, db, actor, None if field == "form" else client_id, error=error, field=field
        )
    back = f"/counsellor/ai-labels?corrected=1{f'&client={client_id}' if client_id else ''}"
    return RedirectResponse(f"{back}#item-{surface}-{ref}", status_code=303)


@router.get("/companion-summary", response_class=HTMLResponse)
async def own_summary_page(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """The client's own view of what their counsellor sees of their companion use."""
    if actor is None:
        return sign_in_first(request)
    if actor.role != ROLE_CLIENT:
        raise NotFound()
    own = await service.own_summary(db, actor.id)
    context = {
        "own": own,
        "summary": own.summary,
        "counsellors": await _names(db, own.counsellor_ids),
        "saved": request.query_params.get("saved") == "1",
    }
    return page(request, "companion/own_summary.html", context)


@router.post("/companion-summary/sharing", response_class=HTMLResponse)
async def own_summary_sharing(
    request: Request, db: DbSession, actor: CurrentActor, share: Annotated[str, Form()] = ""
) -> Response:
    if actor is None:
        return sign_in_first(request)
    if actor.role != ROLE_CLIENT:
        raise NotFound()
    await service.set_summary_sharing(db, actor.id, share == "on")
    return RedirectResponse("/companion-summary?saved=1", status_code=303)


# ---------------------------------------------------------------- help assistant


def _help_context(request: Request) -> dict[str, Any]:
    lang = lang_of(_locale(request))
    return {"articles": [(a.slug, a.title(lang)) for a in help_assistant.articles()], "lang": lang}


@router.get("/help", response_class=HTMLResponse)
async def help_home(request: Request) -> Response:
    return page(request, "companion/help.html", _help_context(request))


@router.post("/help/ask", response_class=HTMLResponse)
async def help_ask(request: Request, question: Annotated[str, Form()] = "") -> Response:
    context = _help_context(request)
    context["question"] = question.strip()[: help_assistant.MAX_QUESTION_CHARS]
    if context["question"]:
        found = help_assistant.answer(context["question"], _locale(request))
        context["found"] = found
    return page(request, "companion/help.html", context)


@router.post("/help/support", response_class=HTMLResponse)
async def help_support(
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    question: Annotated[str, Form()] = "",
    contact: Annotated[str, Form()] = "",
) -> Response:
    context = _help_context(request)
    try:
        await help_assistant.create_support_request(
            db, actor.id if actor else None, question, _locale(request), contact or None
        )
    except AppError as error:
        context["question"] = question
        return page(request, "companion/help.html", context, error=error, field="question")
    context["handed_over"] = True
    return page(request, "companion/help.html", context)


@router.get("/help/{slug}", response_class=HTMLResponse)
async def help_article(slug: str, request: Request) -> Response:
    article = help_assistant.article(slug)
    if article is None:
        raise NotFound()
    context = _help_context(request)
    context["article"] = article
    return page(request, "companion/article.html", context)


@router.get("/admin/support", response_class=HTMLResponse)
async def support_queue(request: Request, db: AuditedDb, actor: CurrentActor) -> Response:
    if (blocked := gate(request, actor, ROLE_ADMIN)) is not None:
        return blocked
    assert actor is not None
    return page(
        request, "companion/support.html", {"requests": await help_assistant.support_requests(db, actor.user)}
    )


@router.post("/admin/support/{request_id}/close", response_class=HTMLResponse)
async def close_support(request_id: int, request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if (blocked := gate(request, actor)) is not None:
        return blocked
    assert actor is not None
    await help_assistant.close_support_request(db, actor.user, request_id)
    return RedirectResponse("/admin/support", status_code=303)
