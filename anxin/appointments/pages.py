"""Marketplace pages for clients and counsellors: the directory, a counsellor's profile with free
times in the reader's zone, booking and paying, "My sessions", the counsellor's calendar and the
admins' complaints queue. Thin: read the form, call the service, render.

Booking from a page holds the slot and pays in one unit of work: a declined card rolls the hold
back with it, so a failed payment never keeps a slot.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from sqlalchemy import select
from starlette.responses import HTMLResponse, RedirectResponse, Response

from anxin.accounts import service as account_service
from anxin.accounts.deps import CSRF_FIELD, Actor, CurrentActor, csrf_protect, csrf_token
from anxin.accounts.models import ROLE_ADMIN, ROLE_CLIENT, ROLE_COUNSELLOR, User
from anxin.accounts.pages import SECURITY_PAGE, sign_in_first
from anxin.accounts.rendering import render
from anxin.appointments import booking, care, complaints, lifecycle, reviews, terms, views
from anxin.commerce.payments import registry
from anxin.commerce.refunds import policy
from anxin.core import clock, hooks
from anxin.core.deps import DbSession
from anxin.core.errors import AppError, NotFound, ValidationFailed
from anxin.core.i18n import gettext
from anxin.core.money import Money, MoneyError
from anxin.counselors import service as counselors
from anxin.counselors import vocab
from anxin.counselors.deps import AuditedDb

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]
SLOT_DAYS = 7


def _page(
    request: Request, template: str, context: dict[str, Any], *, error: AppError | None = None
) -> HTMLResponse:
    locale = views.locale_of(request)
    values: dict[str, Any] = {"csrf_field": CSRF_FIELD, "csrf_token": csrf_token(request), "errors": {}}
    values.update(context)
    status = 200
    if error is not None:
        status = error.status_code
        values["errors"] = {"form": gettext(locale, error.message, **error.params)}
    return render(request, template, values, status_code=status)


def _gate(request: Request, actor: Actor | None, *roles: str) -> Response | None:
    if actor is None:
        return sign_in_first(request)
    if account_service.needs_mfa_setup(actor.user):
        return RedirectResponse(SECURITY_PAGE, status_code=303)
    if roles and actor.role not in roles:
        raise NotFound()
    return None


def _major_to_minor(text: str | None) -> int | None:
    if not text:
        return None
    try:
        return Money.parse(text, "CNY").amount
    except MoneyError:
        raise ValidationFailed("Please enter an amount like 100.00.") from None


# ---------------------------------------------------------------- directory and profile


@router.get("/counselors", response_class=HTMLResponse)
async def directory(
    request: Request,
    db: DbSession,
    q: Annotated[str, Query(max_length=100)] = "",
    specialty: str = "",
    language: str = "",
    modality: str = "",
    gender: str = "",
    min_price: str = "",
    max_price: str = "",
    available: str = "",
) -> Response:
    locale = views.locale_of(request)
    values = {
        "q": q,
        "specialty": specialty,
        "language": language,
        "modality": modality,
        "gender": gender,
        "min_price": min_price,
        "max_price": max_price,
        "available": available,
    }
    error: AppError | None = None
    cards: list[views.CounsellorCard] = []
    try:
        rows = await counselors.directory(
            db,
            counselors.DirectoryQuery(
                text=q,
                specialty=specialty or None,
                language=language or None,
                modality=modality or None,
                gender=gender or None,
                min_price=_major_to_minor(min_price),
                max_price=_major_to_minor(max_price),
                available_within_days=SLOT_DAYS if available else None,
                limit=50,
            ),
        )
        cards = [views.card(row, locale) for row in rows]
    except AppError as exc:
        error = exc
    context = {
        "values": values,
        "cards": cards,
        "changing": request.query_params.get("changing") == "1",
        "specialties": views.options(vocab.SPECIALTIES, locale),
        "languages": views.options(vocab.LANGUAGES, locale),
        "modalities": views.options(vocab.MODALITIES, locale),
        "genders": views.options(vocab.GENDERS, locale),
    }
    return _page(request, "appointments/directory.html", context, error=error)


@router.get("/counselors/{counsellor_id}", response_class=HTMLResponse)
async def profile(counsellor_id: RowId, request: Request, db: DbSession, actor: CurrentActor) -> Response:
    locale = views.locale_of(request)
    row = await counselors.public_profile(db, counsellor_id)
    zone = views.zone_of(request)
    now = clock.utcnow()
    slots = await booking.free_slots(db, counsellor_id, now, now + timedelta(days=SLOT_DAYS))
    client_id = actor.id if actor is not None and actor.role == ROLE_CLIENT else None
    prices = await booking.quotes(db, client_id, counsellor_id)
    rating = await reviews.rating_of(db, counsellor_id)
    days: dict[str, list[dict[str, str]]] = {}
    for slot in slots[:60]:
        label = views.local_time(slot.starts_at, zone)
        days.setdefault(label[:10], []).append({"time": label[11:], "iso": slot.starts_at.isoformat()})
    context = {
        "card": views.card(row, locale),
        "days": days,
        "zone": zone,
        "zones": views.ZONES,
        "prices": [(m, gettext(locale, vocab.MODALITIES[m]), price.format()) for m, price in prices.items()],
        "rating": rating,
        "reviews": await reviews.public_reviews(db, counsellor_id, limit=10),
        "recommendations": await hooks.page_slot.fill(
            db, "recommendations", "profile", actor, locale, counsellor_id
        ),
    }
    return _page(request, "appointments/profile.html", context)


# ---------------------------------------------------------------- booking and paying


def _parse_start(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationFailed("Please choose one of the free times.") from None
    if value.tzinfo is None:
        raise ValidationFailed("Please choose one of the free times.")
    return value


async def _booking_context(
    request: Request, db: DbSession, actor: Actor, counsellor_id: int, starts_at: str, modality: str
) -> dict[str, Any]:
    locale = views.locale_of(request)
    row = await counselors.public_profile(db, counsellor_id)
    start = _parse_start(starts_at)
    price = await booking.quote(db, actor.id, counsellor_id, modality)
    zone = views.zone_of(request)
    return {
        "card": views.card(row, locale),
        "starts_at": start.isoformat(),
        "when": views.local_time(start, zone),
        "zone": zone,
        "modality": modality,
        "modality_label": gettext(locale, vocab.MODALITIES.get(modality, modality)),
        "price": price.format(),
        "expected_amount": price.amount,
        "currency": price.currency,
        "policy": policy.describe(policy.policy_for(booking.SESSION_ITEM), locale),
        "needs_consent": await booking.needs_consent(db, actor.id, counsellor_id),
        "first_session": await booking.before_any_session(db, actor.id),
        "terms_text": terms.text_for(locale),
        "terms_version": terms.CURRENT_VERSION,
        "methods": registry.available_methods(),
    }


@router.get("/counselors/{counsellor_id}/book", response_class=HTMLResponse)
async def booking_page(
    counsellor_id: RowId,
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    starts_at: str = "",
    modality: str = "text",
) -> Response:
    if (gate := _gate(request, actor, ROLE_CLIENT)) is not None:
        return gate
    assert actor is not None
    return _page(
        request,
        "appointments/book.html",
        await _booking_context(request, db, actor, counsellor_id, starts_at, modality),
    )


@router.post("/counselors/{counsellor_id}/book", response_class=HTMLResponse)
async def booking_submit(
    counsellor_id: RowId,
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    starts_at: Annotated[str, Form()] = "",
    modality: Annotated[str, Form()] = "text",
    expected_amount: Annotated[int, Form()] = 0,
    currency: Annotated[str, Form()] = "CNY",
    accept_terms: Annotated[str, Form()] = "",
    method: Annotated[str, Form()] = "sandbox",
    card_number: Annotated[str, Form()] = "",
) -> Response:
    if (gate := _gate(request, actor, ROLE_CLIENT)) is not None:
        return gate
    assert actor is not None
    try:
        async with db.begin_nested():
            held = await booking.hold_slot(
                db,
                actor.user,
                counsellor_id=counsellor_id,
                starts_at=_parse_start(starts_at),
                modality=modality,
                currency=currency,
                expected_amount=expected_amount,
                accept_terms_version=terms.CURRENT_VERSION if accept_terms else None,
            )
            await booking.pay(db, actor.user, held.id, method=method, card_number=card_number)
    except AppError as exc:
        context = await _booking_context(request, db, actor, counsellor_id, starts_at, modality)
        return _page(request, "appointments/book.html", context, error=exc)
    return RedirectResponse("/sessions?booked=1", status_code=303)


# ---------------------------------------------------------------- my sessions, calendar


async def _session_rows(
    db: DbSession, rows: list[Any], zone: str, locale: str, *, counsellor_view: bool
) -> list[dict[str, Any]]:
    ids = [row.client_id if counsellor_view else row.counsellor_id for row in rows]
    names = await counselors.names_of(db, ids) if not counsellor_view else {}
    clients = await _client_names(db, ids, locale) if counsellor_view else {}
    items = []
    for row in rows:
        name_en, name_zh = names.get(row.counsellor_id, ("", ""))
        items.append(
            {
                "id": row.id,
                "when": views.local_time(row.starts_at, zone),
                "with": clients.get(row.client_id, "")
                if counsellor_view
                else (name_zh if locale.startswith("zh") else name_en),
                "modality": gettext(locale, vocab.MODALITIES.get(row.modality, row.modality)),
                "status": row.status,
                "status_label": views.status_label(row.status, locale),
                "amount": views.money(row.amount, row.currency),
                "refund": (await booking.refund_if_cancelled_now(db, row)).format()
                if row.status == "confirmed"
                else None,
                "started": clock.as_utc(row.starts_at) <= clock.utcnow(),
            }
        )
    return items


async def _client_names(db: DbSession, client_ids: list[int], locale: str) -> dict[int, str]:
    """What a counsellor sees of a client: the nickname the client chose, else a number (clients
    never have to show their real name)."""
    if not client_ids:
        return {}
    rows = await db.execute(select(User.id, User.nickname).where(User.id.in_(set(client_ids))))
    return {
        user_id: nickname or gettext(locale, "Client #{number}", number=user_id) for user_id, nickname in rows
    }


RESCHEDULE_DAYS = 14
RESCHEDULE_CHOICES = 40


async def _move_choices(db: DbSession, row: Any, zone: str) -> list[dict[str, str]]:
    """Free times a confirmed session can move to (only while it is at least 24 hours away)."""
    now = clock.utcnow()
    if row.status != "confirmed" or clock.as_utc(row.starts_at) - now < booking.RESCHEDULE_NOTICE:
        return []
    slots = await booking.free_slots(db, row.counsellor_id, now, now + timedelta(days=RESCHEDULE_DAYS))
    return [
        {"iso": slot.starts_at.isoformat(), "label": views.local_time(slot.starts_at, zone)}
        for slot in slots[:RESCHEDULE_CHOICES]
    ]


async def _care_rows(db: DbSession, user: User, locale: str) -> list[dict[str, Any]]:
    rows = await care.relationships_of(db, user)
    if user.role == ROLE_COUNSELLOR:
        clients = await _client_names(db, [row.client_id for row in rows], locale)
        return [
            {"id": row.id, "with": clients.get(row.client_id, ""), "status": row.status}
            for row in rows
            if row.status == "active"
        ]
    names = await counselors.names_of(db, [row.counsellor_id for row in rows])
    items = []
    for row in rows:
        name_en, name_zh = names.get(row.counsellor_id, ("", ""))
        items.append(
            {
                "id": row.id,
                "with": name_zh if locale.startswith("zh") else name_en,
                "status": row.status,
                "end_reason": row.end_reason,
                "referral_note": await care.referral_note(db, user, row),
            }
        )
    return items


@router.get("/sessions", response_class=HTMLResponse)
async def my_sessions(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if (gate := _gate(request, actor)) is not None:
        return gate
    assert actor is not None
    zone = views.zone_of(request)
    locale = views.locale_of(request)
    rows = await booking.list_for_client(db, actor.user)
    items = await _session_rows(db, rows, zone, locale, counsellor_view=False)
    for item, row in zip(items, rows, strict=True):
        item["moves"] = await _move_choices(db, row, zone)
    return _page(
        request,
        "appointments/sessions.html",
        {
            "sessions": items,
            "zone": zone,
            "booked": request.query_params.get("booked") == "1",
            "moved": request.query_params.get("moved") == "1",
            "complained": request.query_params.get("complained") == "1",
            "complaints": await complaints.mine(db, actor.user),
            "care": await _care_rows(db, actor.user, locale),
            "recommendations": await hooks.page_slot.fill(
                db, "recommendations", "after_session", actor, locale
            )
            if any(item["status"] == "completed" for item in items)
            else [],
        },
    )


@router.post("/sessions/{booking_id}/reschedule")
async def move_session(
    booking_id: RowId,
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    starts_at: Annotated[str, Form()] = "",
) -> Response:
    if (gate := _gate(request, actor, ROLE_CLIENT)) is not None:
        return gate
    assert actor is not None
    await booking.reschedule(db, actor.user, booking_id, _parse_start(starts_at))
    return RedirectResponse("/sessions?moved=1", status_code=303)


@router.post("/care/{relationship_id}/end")
async def end_care(
    relationship_id: RowId,
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    reason: Annotated[str, Form()] = "",
) -> Response:
    """End the care relationship, or end it to find another counsellor: the client's own data
    (diary, measures, messages they sent) stays theirs either way."""
    if (gate := _gate(request, actor, ROLE_CLIENT)) is not None:
        return gate
    assert actor is not None
    await care.end_by_client(db, actor.user, relationship_id, reason=reason)
    if reason == "change_requested":
        return RedirectResponse("/counselors?changing=1", status_code=303)
    return RedirectResponse("/sessions", status_code=303)


@router.post("/calendar/care/{relationship_id}/refer")
async def refer_on(
    relationship_id: RowId,
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    note: Annotated[str, Form()] = "",
) -> Response:
    if (gate := _gate(request, actor, ROLE_COUNSELLOR)) is not None:
        return gate
    assert actor is not None
    await care.refer(db, actor.user, relationship_id, note=note)
    return RedirectResponse("/calendar", status_code=303)


@router.post("/sessions/{booking_id}/cancel")
async def cancel_session(booking_id: RowId, request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if (gate := _gate(request, actor)) is not None:
        return gate
    assert actor is not None
    if actor.role == ROLE_COUNSELLOR:
        await booking.cancel_by_counsellor(db, actor.user, booking_id)
        return RedirectResponse("/calendar", status_code=303)
    await booking.cancel_by_client(db, actor.user, booking_id)
    return RedirectResponse("/sessions", status_code=303)


@router.post("/sessions/{booking_id}/review")
async def review_session(
    booking_id: RowId,
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    rating: Annotated[int, Form()] = 0,
    comment: Annotated[str, Form()] = "",
) -> Response:
    if (gate := _gate(request, actor, ROLE_CLIENT)) is not None:
        return gate
    assert actor is not None
    await reviews.write_review(db, actor.user, booking_id, rating=rating, comment=comment)
    return RedirectResponse("/sessions", status_code=303)


@router.post("/sessions/{booking_id}/complaint")
async def complain(
    booking_id: RowId,
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    kind: Annotated[str, Form()] = "complaint",
    details: Annotated[str, Form()] = "",
) -> Response:
    if (gate := _gate(request, actor, ROLE_CLIENT)) is not None:
        return gate
    assert actor is not None
    row = await booking.access_booking(db, actor.user, booking_id)
    await complaints.file_complaint(
        db, actor.user, counsellor_id=row.counsellor_id, kind=kind, details=details
    )
    return RedirectResponse("/sessions?complained=1", status_code=303)


@router.get("/calendar", response_class=HTMLResponse)
async def counsellor_calendar(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if (gate := _gate(request, actor, ROLE_COUNSELLOR)) is not None:
        return gate
    assert actor is not None
    zone = views.zone_of(request)
    locale = views.locale_of(request)
    rows = await booking.calendar_for_counsellor(db, actor.user)
    items = await _session_rows(db, rows, zone, locale, counsellor_view=True)
    return _page(
        request,
        "appointments/calendar.html",
        {
            "sessions": items,
            "zone": zone,
            "care": await _care_rows(db, actor.user, locale),
            "complaints": await complaints.mine(db, actor.user),
        },
    )


@router.post("/calendar/{booking_id}/held")
async def mark_held(booking_id: RowId, request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if (gate := _gate(request, actor, ROLE_COUNSELLOR)) is not None:
        return gate
    assert actor is not None
    await lifecycle.mark_by_counsellor(db, actor.user, booking_id, outcome="held")
    return RedirectResponse("/calendar", status_code=303)


# ---------------------------------------------------------------- complaints (admin)


@router.get("/admin/complaints", response_class=HTMLResponse)
async def complaint_queue(request: Request, db: AuditedDb, actor: CurrentActor) -> Response:
    if (gate := _gate(request, actor, ROLE_ADMIN)) is not None:
        return gate
    assert actor is not None
    return _page(
        request, "appointments/complaints.html", {"complaints": await complaints.queue(db, actor.user)}
    )


@router.post("/admin/complaints/{complaint_id}")
async def resolve_complaint(
    complaint_id: RowId,
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    outcome: Annotated[str, Form()] = "",
    response: Annotated[str, Form()] = "",
) -> Response:
    if (gate := _gate(request, actor, ROLE_ADMIN)) is not None:
        return gate
    assert actor is not None
    await complaints.resolve(db, actor.user, complaint_id, outcome=outcome, response=response)
    return RedirectResponse("/admin/complaints", status_code=303)
