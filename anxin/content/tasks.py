"""Content's subscribers, jobs and registrations (imported at start-up by ``modules.load_tasks``):
reactions to commerce's payment events, the deadline of paid questions, transcripts of recorded
answers, the live-event channel and the data-rights handlers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from anxin.commerce.orders import ORDER_PAID, ORDER_REFUNDED
from anxin.content import buying, events, questions, transcripts
from anxin.content import rights as content_rights
from anxin.core import outbox, realtime
from anxin.core.config import get_settings
from anxin.privacy import rights

CONTENT_TYPES = frozenset({"article", "course", "live_event", "question"})


@outbox.subscribe(ORDER_PAID, name="content.order_paid", max_attempts=12)
async def order_paid(db: AsyncSession, payload: outbox.Payload) -> None:
    if payload.get("item_type") not in CONTENT_TYPES:
        return
    order_id = int(payload["order_id"])
    await buying.on_order_paid(db, order_id)
    await questions.on_order_paid(db, order_id)


@outbox.subscribe(ORDER_REFUNDED, name="content.order_refunded", max_attempts=12)
async def order_refunded(db: AsyncSession, payload: outbox.Payload) -> None:
    await buying.on_order_refunded(db, int(payload["order_id"]))


@outbox.scheduled("content.expire_questions", every=timedelta(minutes=5))
async def expire_questions(db: AsyncSession, payload: outbox.Payload) -> None:
    await questions.expire_overdue(db)


@outbox.scheduled("content.fulfil_events", every=timedelta(minutes=15))
async def fulfil_events(db: AsyncSession, payload: outbox.Payload) -> None:
    await events.fulfil_past_events(db)


@outbox.job(transcripts.TRANSCRIBE_JOB, max_attempts=3)
async def transcribe_answer(db: AsyncSession, payload: outbox.Payload) -> None:
    """A recorded answer gets its transcript in the worker after this job commits (never on the
    request path, and no transaction is open while Whisper runs)."""
    transcripts.schedule(db, get_settings().home, int(payload["question_id"]))


@outbox.scheduled("content.transcribe_missed", every=timedelta(minutes=5))
async def transcribe_missed_answers(db: AsyncSession, payload: outbox.Payload) -> None:
    """A worker that stopped mid-transcription leaves a recorded answer without text: try again."""
    for question_id in await transcripts.missed_answers(db, older_than=timedelta(minutes=5)):
        transcripts.schedule(db, get_settings().home, question_id)


realtime.channel_authorizers[events.CHANNEL_PREFIX] = events.may_subscribe
rights.register_personal_data(
    "content",
    export=content_rights.export_content,
    erase=content_rights.erase_content,
    tables=content_rights.TABLES,
)
