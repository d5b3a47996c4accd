"""JSON API under /api/v1/appointments: slots, booking (hold → pay → confirmed), cancelling,
rescheduling, the session lifecycle, reviews, complaints and the care relationship. Thin."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from anxin.accounts.deps import Actor, CurrentActor, UserActor, csrf_protect, require_role
from anxin.accounts.models import ROLE_ADMIN, ROLE_CLIENT, ROLE_COUNSELLOR
from anxin.appointments import booking, care, complaints, ics, lifecycle, reviews, terms
from anxin.appointments.schemas import (
    BookingIn,
    BookingOut,
    CareOut,
    ComplaintIn,
    ComplaintOut,
    EndCareIn,
    OutcomeIn,
    PayIn,
    ReferIn,
    RefundQuoteOut,
    ReplyIn,
    RescheduleIn,
    ResolveIn,
    ReviewIn,
    ReviewOut,
    SlotOut,
    SlotsOut,
    TermsOut,
)
from anxin.core import clock
from anxin.core.deps import DbSession
from anxin.core.i18n import gettext
from anxin.counselors import service as counselors
from anxin.counselors.deps import AuditedDb

router = APIRouter(prefix="/appointments", tags=["appointments"], dependencies=[Depends(csrf_protect)])
AdminActor = Annotated[Actor, Depends(require_role(ROLE_ADMIN))]
ClientActor = Annotated[Actor, Depends(require_role(ROLE_CLIENT))]
CounsellorActor = Annotated[Actor, Depends(require_role(ROLE_COUNSELLOR))]
ERRORS: dict[int | str, dict[str, str]] = {
    404: {"description": "Not found (or not yours)"},
    409: {"description": "The slot is taken, the price changed, or the session's state does not allow it"},
    422: {"description": "Invalid input: in the past, outside availability, consent missing"},
}


@router.get("/terms", response_model=TermsOut, summary="The current informed-consent terms")
async def current_terms(request: Request) -> TermsOut:
    locale = str(getattr(request.state, "locale", "en"))
    return TermsOut(
        version=terms.CURRENT_VERSION, text=terms.text_for(locale), text_hash=terms.current_hash()
    )


@router.get(
    "/counselors/{counsellor_id}/slots", response_model=SlotsOut, responses=ERRORS, summary="Free slots (UTC)"
)
async def slots(
    counsellor_id: int,
    actor: CurrentActor,
    db: DbSession,
    days: Annotated[int, Query(ge=1, le=31)] = 7,
) -> SlotsOut:
    profile = await counselors.public_profile(db, counsellor_id)
    prices = await booking.quotes(db, actor.id if actor is not None else None, counsellor_id)
    now = clock.utcnow()
    found = await booking.free_slots(db, counsellor_id, now, now + timedelta(days=days))
    return SlotsOut(
        counsellor_id=counsellor_id,
        currency=profile.currency,
        prices={modality: price.amount for modality, price in prices.items()},
        slots=[SlotOut(starts_at=s.starts_at, ends_at=s.ends_at) for s in found],
    )


@router.post("/bookings", status_code=201, response_model=BookingOut, responses=ERRORS, summary="Hold a slot")
async def hold(body: BookingIn, actor: UserActor, db: DbSession, response: Response) -> BookingOut:
    row = await booking.hold_slot(
        db,
        actor.user,
        counsellor_id=body.counsellor_id,
        starts_at=body.starts_at,
        modality=body.modality,
        currency=body.currency,
        expected_amount=body.expected_amount,
        accept_terms_version=body.accept_terms_version,
    )
    response.headers["Location"] = f"/api/v1/appointments/bookings/{row.id}"
    return BookingOut.of(row)


@router.post(
    "/bookings/{booking_id}/pay", response_model=BookingOut, responses=ERRORS, summary="Pay a held booking"
)
async def pay(booking_id: int, body: PayIn, actor: ClientActor, db: DbSession) -> BookingOut:
    row = await booking.pay(db, actor.user, booking_id, method=body.method, card_number=body.card_number)
    return BookingOut.of(row)


@router.get("/bookings", response_model=list[BookingOut], summary="My sessions")
async def my_bookings(actor: UserActor, db: DbSession) -> list[BookingOut]:
    return [BookingOut.of(row) for row in await booking.list_for_client(db, actor.user)]


@router.get("/calendar", response_model=list[BookingOut], summary="My upcoming sessions as a counsellor")
async def calendar(actor: CounsellorActor, db: DbSession) -> list[BookingOut]:
    return [BookingOut.of(row) for row in await booking.calendar_for_counsellor(db, actor.user)]


@router.get("/bookings/{booking_id}", response_model=BookingOut, responses=ERRORS, summary="One session")
async def one_booking(booking_id: int, actor: UserActor, db: DbSession) -> BookingOut:
    return BookingOut.of(await booking.access_booking(db, actor.user, booking_id))


@router.get("/bookings/{booking_id}/calendar.ics", responses=ERRORS, summary="Add to calendar")
async def booking_ics(booking_id: int, request: Request, actor: UserActor, db: DbSession) -> Response:
    row = await booking.access_booking(db, actor.user, booking_id)
    locale = str(getattr(request.state, "locale", "en"))
    body = ics.session_ics(
        row, summary=gettext(locale, "Anxin session"), host=request.url.hostname or "anxin"
    )
    return Response(
        body,
        media_type="text/calendar",
        headers={
            "Content-Disposition": f'attachment; filename="session-{row.id}.ics"',
            "Cache-Control": "no-store",
        },
    )


@router.get(
    "/bookings/{booking_id}/refund-quote",
    response_model=RefundQuoteOut,
    responses=ERRORS,
    summary="Refund if cancelled now",
)
async def refund_quote(booking_id: int, actor: UserActor, db: DbSession) -> RefundQuoteOut:
    row = await booking.access_booking(db, actor.user, booking_id)
    amount = await booking.refund_if_cancelled_now(db, row)
    return RefundQuoteOut(currency=amount.currency, amount=amount.amount)


@router.post(
    "/bookings/{booking_id}/cancel", response_model=BookingOut, responses=ERRORS, summary="Cancel a session"
)
async def cancel(booking_id: int, actor: UserActor, db: DbSession) -> BookingOut:
    if actor.role == ROLE_COUNSELLOR:
        row = await booking.cancel_by_counsellor(db, actor.user, booking_id)
    else:
        row = await booking.cancel_by_client(db, actor.user, booking_id)
    return BookingOut.of(row)


@router.post(
    "/bookings/{booking_id}/reschedule", response_model=BookingOut, responses=ERRORS, summary="Move a session"
)
async def reschedule(booking_id: int, body: RescheduleIn, actor: ClientActor, db: DbSession) -> BookingOut:
    return BookingOut.of(await booking.reschedule(db, actor.user, booking_id, body.starts_at))


@router.post(
    "/bookings/{booking_id}/outcome",
    response_model=BookingOut,
    responses=ERRORS,
    summary="Mark held or no-show",
)
async def outcome(booking_id: int, body: OutcomeIn, actor: CounsellorActor, db: DbSession) -> BookingOut:
    return BookingOut.of(await lifecycle.mark_by_counsellor(db, actor.user, booking_id, outcome=body.outcome))


@router.post(
    "/bookings/{booking_id}/counsellor-no-show",
    response_model=BookingOut,
    responses=ERRORS,
    summary="The counsellor did not come",
)
async def counsellor_no_show(booking_id: int, actor: ClientActor, db: DbSession) -> BookingOut:
    return BookingOut.of(await lifecycle.report_counsellor_no_show(db, actor.user, booking_id))


@router.post(
    "/bookings/{booking_id}/review",
    status_code=201,
    response_model=ReviewOut,
    responses=ERRORS,
    summary="Review",
)
async def write_review(booking_id: int, body: ReviewIn, actor: ClientActor, db: DbSession) -> ReviewOut:
    row = await reviews.write_review(db, actor.user, booking_id, rating=body.rating, comment=body.comment)
    return ReviewOut.of(row)


@router.get("/counselors/{counsellor_id}/reviews", response_model=list[ReviewOut], summary="Public reviews")
async def counsellor_reviews(counsellor_id: int, db: DbSession) -> list[ReviewOut]:
    await counselors.public_profile(db, counsellor_id)
    return [ReviewOut.of(row) for row in await reviews.public_reviews(db, counsellor_id)]


@router.post("/reviews/{review_id}/reply", response_model=ReviewOut, responses=ERRORS, summary="Reply once")
async def reply(review_id: int, body: ReplyIn, actor: CounsellorActor, db: DbSession) -> ReviewOut:
    return ReviewOut.of(await reviews.reply(db, actor.user, review_id, text=body.text))


@router.post("/reviews/{review_id}/report", status_code=204, responses=ERRORS, summary="Report a review")
async def report(review_id: int, actor: UserActor, db: DbSession) -> Response:
    await reviews.report(db, actor.user, review_id)
    return Response(status_code=204)


@router.get("/admin/reviews", response_model=list[ReviewOut], summary="Reported reviews")
async def reported(actor: AdminActor, db: DbSession) -> list[ReviewOut]:
    return [ReviewOut.of(row) for row in await reviews.reported_reviews(db, actor.user)]


@router.post("/admin/reviews/{review_id}/hide", status_code=204, responses=ERRORS, summary="Hide a review")
async def hide(review_id: int, actor: AdminActor, db: DbSession) -> Response:
    await reviews.hide(db, actor.user, review_id)
    return Response(status_code=204)


def _complaint(view: complaints.ComplaintView) -> ComplaintOut:
    return ComplaintOut(
        id=view.id,
        counsellor_id=view.counsellor_id,
        kind=view.kind,
        status=view.status,
        outcome=view.outcome,
        response=view.response,
        details=view.details,
    )


@router.post(
    "/complaints", status_code=201, response_model=ComplaintOut, responses=ERRORS, summary="File a complaint"
)
async def file_complaint(body: ComplaintIn, actor: ClientActor, db: DbSession) -> ComplaintOut:
    row = await complaints.file_complaint(
        db, actor.user, counsellor_id=body.counsellor_id, kind=body.kind, details=body.details
    )
    return ComplaintOut(
        id=row.id,
        counsellor_id=row.counsellor_id,
        kind=row.kind,
        status=row.status,
        outcome=None,
        response=None,
        details=body.details,
    )


@router.get("/complaints", response_model=list[ComplaintOut], summary="Complaints I filed or about me")
async def my_complaints(actor: UserActor, db: AuditedDb) -> list[ComplaintOut]:
    return [_complaint(view) for view in await complaints.mine(db, actor.user)]


@router.get("/admin/complaints", response_model=list[ComplaintOut], summary="Open complaints")
async def complaint_queue(actor: AdminActor, db: AuditedDb) -> list[ComplaintOut]:
    return [_complaint(view) for view in await complaints.queue(db, actor.user)]


@router.post("/admin/complaints/{complaint_id}/resolve", status_code=204, responses=ERRORS, summary="Respond")
async def resolve(complaint_id: int, body: ResolveIn, actor: AdminActor, db: DbSession) -> Response:
    await complaints.resolve(db, actor.user, complaint_id, outcome=body.outcome, response=body.response)
    return Response(status_code=204)


@router.get("/care", response_model=list[CareOut], summary="My care relationships")
async def my_care(actor: UserActor, db: DbSession) -> list[CareOut]:
    return [CareOut.of(row) for row in await care.relationships_of(db, actor.user)]


@router.post(
    "/care/{relationship_id}/end",
    response_model=CareOut,
    responses=ERRORS,
    summary="End or change counsellor",
)
async def end_care(relationship_id: int, body: EndCareIn, actor: ClientActor, db: DbSession) -> CareOut:
    return CareOut.of(await care.end_by_client(db, actor.user, relationship_id, reason=body.reason))


@router.post(
    "/care/{relationship_id}/refer", response_model=CareOut, responses=ERRORS, summary="Refer the client on"
)
async def refer(relationship_id: int, body: ReferIn, actor: CounsellorActor, db: DbSession) -> CareOut:
    return CareOut.of(await care.refer(db, actor.user, relationship_id, note=body.note))
