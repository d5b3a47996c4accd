"""JSON API of the companion (/api/v1/companion) and the help assistant (/api/v1/help).
Thin: parse, call one service function, answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from anxin.accounts.deps import Actor, CurrentActor, UserActor, csrf_protect, require_role
from anxin.companion import diary, feedback, service
from anxin.companion import help as help_assistant
from anxin.companion.content import lang_of, load
from anxin.companion.crisis import crisis_out
from anxin.companion.schemas import (
    ArticleOut,
    ConversationIn,
    ConversationOut,
    CorrectionIn,
    CorrectionOut,
    DiaryCopyIn,
    DiaryCopyOut,
    ExchangeOut,
    ExerciseIn,
    ExerciseOut,
    HelpAnswerOut,
    HelpQuestionIn,
    MessageIn,
    MessageOut,
    SummaryOut,
    SupportRequestIn,
    SupportRequestOut,
    SupportViewOut,
    ThoughtRecordOut,
)
from anxin.core.deps import DbSession
from anxin.counselors.deps import AuditedDb

router = APIRouter(tags=["companion"], dependencies=[Depends(csrf_protect)])
Admin = Annotated[Actor, Depends(require_role("admin"))]
Counsellor = Annotated[Actor, Depends(require_role("counsellor"))]


def _locale(request: Request, asked: str | None = None) -> str:
    if asked:
        return "zh-CN" if lang_of(asked) == "zh" else "en"
    return str(getattr(request.state, "locale", request.app.state.settings.default_locale))


@router.get("/companion/exercises")
async def exercises(request: Request) -> list[ExerciseOut]:
    lang = lang_of(_locale(request))
    return [
        ExerciseOut(key=key, title=item.title(lang), summary=item.summary(lang))
        for key, item in load().exercises.items()
    ]


@router.post("/companion/conversations", status_code=201)
async def start(request: Request, body: ConversationIn, db: DbSession, actor: UserActor) -> ConversationOut:
    """A new conversation; its first message says that the companion is an AI."""
    conversation = await service.start_conversation(db, actor.id, _locale(request, body.locale))
    messages = await service.history(db, actor.id, conversation.id)
    return ConversationOut(
        id=conversation.id,
        locale=conversation.locale,
        exercise=None,
        messages=[MessageOut.of(m) for m in messages],
    )


@router.get("/companion/conversations/{conversation_id}")
async def conversation(conversation_id: int, db: DbSession, actor: UserActor) -> ConversationOut:
    row = await service.access_conversation(db, actor.id, conversation_id)
    messages = await service.history(db, actor.id, conversation_id)
    return ConversationOut(
        id=row.id, locale=row.locale, exercise=row.exercise, messages=[MessageOut.of(m) for m in messages]
    )


@router.post("/companion/conversations/{conversation_id}/messages")
async def send(
    request: Request, conversation_id: int, body: MessageIn, db: DbSession, actor: UserActor
) -> ExchangeOut:
    """The client's message and the companion's reply; on risk, ``crisis`` carries the region's lines."""
    exchange = await service.post_message(db, actor.id, conversation_id, body.text)
    crisis = crisis_out(request, _locale(request)) if exchange.crisis else None
    return ExchangeOut.of(exchange, crisis)


@router.post("/companion/conversations/{conversation_id}/exercises")
async def start_exercise(
    conversation_id: int, body: ExerciseIn, db: DbSession, actor: UserActor
) -> ExchangeOut:
    exchange = await service.start_exercise(db, actor.id, conversation_id, body.exercise)
    return ExchangeOut.of(exchange, None)


@router.post("/companion/conversations/{conversation_id}/thought-record", status_code=201)
async def save_thought_record(conversation_id: int, db: DbSession, actor: UserActor) -> ThoughtRecordOut:
    row = await service.save_thought_record(db, actor.id, conversation_id)
    records = await service.thought_records(db, actor.id)
    fields = next(body for record, body in records if record.id == row.id)
    return ThoughtRecordOut(id=row.id, at=row.created_at.isoformat(), fields=fields)


@router.get("/companion/thought-records")
async def thought_records(db: DbSession, actor: UserActor) -> list[ThoughtRecordOut]:
    return [
        ThoughtRecordOut(id=row.id, at=row.created_at.isoformat(), fields=body)
        for row, body in await service.thought_records(db, actor.id)
    ]


@router.post("/companion/thought-records/{record_id}/diary", status_code=201)
async def copy_to_diary(
    request: Request, record_id: int, body: DiaryCopyIn, db: DbSession, actor: UserActor
) -> DiaryCopyOut:
    """Add a saved thought record to today's mood diary entry (appended to any note already there)."""
    saved = await diary.copy_to_diary(db, actor.id, record_id, mood=body.mood, locale=_locale(request))
    return DiaryCopyOut(entry_id=saved.entry.id, day=saved.entry.day.isoformat())


@router.get("/companion/clients/{client_id}/summary")
async def client_summary(client_id: int, db: AuditedDb, actor: Counsellor) -> SummaryOut:
    """For the client's counsellor, with the client's consent: counts and flags, never the words."""
    return SummaryOut.of(await service.counsellor_summary(db, actor.id, client_id))


@router.post("/companion/corrections", status_code=201)
async def correct_label(body: CorrectionIn, db: DbSession, actor: Counsellor) -> CorrectionOut:
    """A counsellor corrects an AI label on a message they may read (e.g. false alarm, missed risk,
    the emotion was anger)."""
    row = await feedback.correct(
        db,
        actor.user,
        surface=body.surface,
        ref=body.ref,
        task=body.task,
        label=body.label,
        original_label=body.original_label,
        note=body.note,
    )
    return CorrectionOut(
        id=row.id,
        task=row.task,
        corrected_label=row.corrected_label,
        kept_for_training=row.text_sealed is not None,
    )


# ---------------------------------------------------------------- help assistant


@router.get("/help/articles")
async def help_articles(request: Request) -> list[ArticleOut]:
    locale = _locale(request)
    return [ArticleOut.of(article, locale) for article in help_assistant.articles()]


@router.post("/help/ask")
async def ask(request: Request, body: HelpQuestionIn) -> HelpAnswerOut:
    locale = _locale(request, body.locale)
    found = help_assistant.answer(body.question, locale)
    return HelpAnswerOut(
        confident=found.confident,
        answer=ArticleOut.of(found.article, locale) if found.article else None,
        related=[ArticleOut.of(article, locale) for article in found.related],
        handover=not found.confident,
        score=round(found.score, 4),
    )


@router.post("/help/support-requests", status_code=201)
async def support_request(
    request: Request, body: SupportRequestIn, db: DbSession, actor: CurrentActor
) -> SupportRequestOut:
    row = await help_assistant.create_support_request(
        db, actor.id if actor else None, body.question, _locale(request, body.locale), body.contact
    )
    return SupportRequestOut(id=row.id, status=row.status)


@router.get("/help/support-requests")
async def support_requests(db: AuditedDb, actor: Admin, status: str = "open") -> list[SupportViewOut]:
    return [
        SupportViewOut(**view.__dict__)
        for view in await help_assistant.support_requests(db, actor.user, status=status)
    ]


@router.post("/help/support-requests/{request_id}/close")
async def close_support_request(request_id: int, db: DbSession, actor: Admin) -> SupportRequestOut:
    row = await help_assistant.close_support_request(db, actor.user, request_id)
    return SupportRequestOut(id=row.id, status=row.status)
