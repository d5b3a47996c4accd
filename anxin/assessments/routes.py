"""JSON API under /api/v1/assessments. Thin: parse, call one service function, answer."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, File, Path, Query, Request, UploadFile
from starlette.responses import Response

from anxin.accounts.deps import Actor, UserActor, csrf_protect, require_role
from anxin.accounts.routes import locale
from anxin.assessments import counselling, recordings, service, sharing, trends
from anxin.assessments.instruments import (
    INSTRUMENTS,
    REFERRAL_REASONS,
    SERVICE_TYPES,
    instrument,
    label_of,
)
from anxin.assessments.models import DiaryEntry
from anxin.assessments.schemas import (
    MAX_ID,
    RESOURCES_URL,
    AssignIn,
    AssignmentOut,
    ClientOut,
    DiaryIn,
    DiaryNumbersOut,
    DiaryOut,
    InstrumentOut,
    MeasureOut,
    ReferralIn,
    ReferralOut,
    ResultOut,
    SharingIn,
    SharingOut,
    SpokenNoteOut,
    SubmitIn,
    TrendPointOut,
)
from anxin.core.deps import DbSession
from anxin.core.errors import NotFound, ValidationFailed
from anxin.counselors.deps import AuditedDb

router = APIRouter(prefix="/assessments", tags=["assessments"], dependencies=[Depends(csrf_protect)])
CounsellorActor = Annotated[Actor, Depends(require_role("counsellor"))]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/instruments")
async def instruments(request: Request) -> list[InstrumentOut]:
    return [InstrumentOut.of(spec, locale(request)) for spec in INSTRUMENTS.values()]


@router.get("/instruments/{code}")
async def one_instrument(code: str, request: Request) -> InstrumentOut:
    return InstrumentOut.of(instrument(code), locale(request))


@router.post("/instruments/{code}/responses", status_code=201)
async def submit(code: str, body: SubmitIn, request: Request, db: DbSession, actor: UserActor) -> ResultOut:
    """Score and store answers. ``show_resources: true`` means: show crisis resources now."""
    done = await service.submit(
        db, actor.id, code, body.answers, language=locale(request), assignment_id=body.assignment_id
    )
    return ResultOut.of(done.response, instrument(code), locale(request), show_resources=done.show_resources)


@router.get("/responses")
async def my_results(
    request: Request,
    db: DbSession,
    actor: UserActor,
    instrument_code: Annotated[str | None, Query(alias="instrument")] = None,
) -> list[ResultOut]:
    rows = await service.responses_of(
        db, actor.id, instrument(instrument_code).code if instrument_code else None
    )
    return [ResultOut.of(row, instrument(row.instrument), locale(request)) for row in rows]


@router.get("/responses/{response_id}")
async def my_result(response_id: PathId, request: Request, db: DbSession, actor: UserActor) -> ResultOut:
    row = await service.access_response(db, actor.id, response_id)
    return ResultOut.of(row, instrument(row.instrument), locale(request))


@router.post("/diary", status_code=201)
async def save_diary(body: DiaryIn, request: Request, db: DbSession, actor: UserActor) -> DiaryOut:
    saved = await service.save_diary(
        db,
        actor.id,
        day=body.day,
        mood=body.mood,
        emotions=body.emotions,
        sleep_hours=body.sleep_hours,
        note=body.note,
        locale=locale(request),
    )
    view = await service.diary_view(db, saved.entry)
    return DiaryOut(
        **service.as_dict(view),
        show_resources=saved.show_resources,
        resources_url=RESOURCES_URL if saved.show_resources else None,
    )


async def spoken_note(db: DbSession, entry: DiaryEntry) -> SpokenNoteOut | None:
    spoken = await recordings.view_of(db, entry)
    if spoken is None:
        return None
    return SpokenNoteOut(
        status=spoken.status,
        transcript=spoken.transcript,
        error=spoken.error_code,
        audio_url=f"/api/v1/assessments/diary/{entry.id}/recording",
    )


@router.get("/diary")
async def my_diary(db: DbSession, actor: UserActor, since: date | None = None) -> list[DiaryOut]:
    entries = await service.diary_entries(db, actor.id, since=since)
    return [
        DiaryOut(
            **service.as_dict(await service.diary_view(db, entry)), spoken_note=await spoken_note(db, entry)
        )
        for entry in entries
    ]


@router.post("/diary/{entry_id}/recording", status_code=201)
async def record_note(
    entry_id: PathId,
    request: Request,
    db: DbSession,
    actor: UserActor,
    file: Annotated[UploadFile, File()],
) -> DiaryOut:
    """A spoken note for one's own entry (replaces an earlier one); transcribed by the worker."""
    entry = await service.access_diary_entry(db, actor.id, entry_id)
    data = await file.read(recordings.MAX_BYTES + 1)
    media_type = await recordings.check(data)
    await recordings.attach(db, request.app.state.settings.home, entry, data, media_type)
    return DiaryOut(
        **service.as_dict(await service.diary_view(db, entry)), spoken_note=await spoken_note(db, entry)
    )


@router.get("/diary/{entry_id}/recording")
async def play_note(entry_id: PathId, request: Request, db: DbSession, actor: UserActor) -> Response:
    entry = await service.access_diary_entry(db, actor.id, entry_id)
    found = await recordings.read_audio(db, request.app.state.settings.home, entry)
    if found is None:
        raise NotFound("We could not find this recording.")
    media_type, data = found
    return Response(
        data,
        media_type=media_type,
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )


@router.delete("/diary/{entry_id}", status_code=204)
async def delete_entry(entry_id: PathId, request: Request, db: DbSession, actor: UserActor) -> None:
    """Delete one's own entry, its spoken note and the note's audio file."""
    entry = await service.access_diary_entry(db, actor.id, entry_id)
    await service.delete_diary_entry(db, request.app.state.settings.home, entry)


def _days(entries: list[DiaryEntry]) -> list[trends.DayMood]:
    return [trends.DayMood(entry.day, entry.mood, entry.sleep_minutes) for entry in entries]


@router.get("/diary/trends")
async def my_trends(db: DbSession, actor: UserActor, period: str = "week") -> list[TrendPointOut]:
    if period not in trends.PERIODS:
        raise ValidationFailed("Please choose a period: week or month.")
    points = trends.trend(_days(await service.diary_entries(db, actor.id)), period)
    return [TrendPointOut.model_validate(point, from_attributes=True) for point in points]


@router.get("/sharing")
async def my_sharing(db: DbSession, actor: UserActor) -> SharingOut:
    return SharingOut(**await sharing.status(db, actor.id))


@router.put("/sharing")
async def set_sharing(body: SharingIn, db: DbSession, actor: UserActor) -> SharingOut:
    return SharingOut(**await sharing.set_sharing(db, actor.id, body.model_dump(), channel="api"))


def _assignment(row: object) -> AssignmentOut:
    return AssignmentOut.model_validate(row, from_attributes=True)


def _referral(view: counselling.ReferralView, lang: str) -> ReferralOut:
    return ReferralOut(
        id=view.id,
        client_id=view.client_id,
        counsellor_id=view.counsellor_id,
        reason=view.reason,
        reason_label=label_of(REFERRAL_REASONS, view.reason, lang),
        service_type=view.service_type,
        service_type_label=label_of(SERVICE_TYPES, view.service_type, lang),
        notes=view.notes,
        created_at=view.created_at,
    )


@router.get("/tasks")
async def my_tasks(db: DbSession, actor: UserActor) -> list[AssignmentOut]:
    return [_assignment(row) for row in await counselling.open_assignments(db, actor.id)]


@router.get("/referrals")
async def my_referrals(request: Request, db: DbSession, actor: UserActor) -> list[ReferralOut]:
    return [_referral(view, locale(request)) for view in await counselling.referrals_for_client(db, actor.id)]


# ---------------------------------------------------------------- counsellors


@router.get("/clients")
async def my_clients(db: DbSession, actor: CounsellorActor) -> list[ClientOut]:
    return [
        ClientOut(client_id=client_id, measures_shared=shared["measures"], diary_shared=shared["diary"])
        for client_id, shared in await counselling.clients_of(db, actor.id)
    ]


@router.get("/clients/{client_id}/measures")
async def client_measures(client_id: PathId, actor: CounsellorActor, db: AuditedDb) -> list[MeasureOut]:
    """The client's scores and bands over time (audited; only with the client's consent)."""
    rows = await counselling.client_measures(db, actor.id, client_id)
    return [
        MeasureOut(
            id=r.id,
            instrument=r.instrument,
            score=r.score,
            band=r.band,
            risk_reason=r.risk_reason,
            at=r.created_at,
        )
        for r in rows
    ]


@router.get("/clients/{client_id}/diary")
async def client_diary(client_id: PathId, actor: CounsellorActor, db: AuditedDb) -> list[DiaryNumbersOut]:
    """The client's daily mood and sleep (never feelings or notes; audited; only with consent)."""
    rows = await counselling.client_diary(db, actor.id, client_id)
    return [
        DiaryNumbersOut(
            day=r.day,
            mood=r.mood,
            sleep_hours=None if r.sleep_minutes is None else round(r.sleep_minutes / 60, 2),
        )
        for r in rows
    ]


@router.post("/clients/{client_id}/assignments", status_code=201)
async def assign(client_id: PathId, body: AssignIn, db: DbSession, actor: CounsellorActor) -> AssignmentOut:
    return _assignment(await counselling.assign(db, actor.id, client_id, body.instrument))


@router.get("/clients/{client_id}/assignments")
async def assignments(client_id: PathId, db: DbSession, actor: CounsellorActor) -> list[AssignmentOut]:
    return [_assignment(row) for row in await counselling.assignments_by(db, actor.id, client_id)]


@router.post("/clients/{client_id}/referrals", status_code=201)
async def refer(
    client_id: PathId, body: ReferralIn, request: Request, db: DbSession, actor: CounsellorActor
) -> ReferralOut:
    row = await counselling.refer(
        db, actor.id, client_id, reason=body.reason, service_type=body.service_type, notes=body.notes
    )
    views = await counselling.referrals_by(db, actor.id, client_id)
    return _referral(next(view for view in views if view.id == row.id), locale(request))


@router.get("/clients/{client_id}/referrals")
async def referrals(
    client_id: PathId, request: Request, db: DbSession, actor: CounsellorActor
) -> list[ReferralOut]:
    return [
        _referral(view, locale(request)) for view in await counselling.referrals_by(db, actor.id, client_id)
    ]
