"""Paid questions (the 分答 model).

A client asks a verified counsellor, publicly or privately, paying the counsellor's price (an order
through commerce, fulfilled on payment). The counsellor answers in text or a voice recording before
the deadline; a question still open at its deadline is refunded in full by a scheduled job. A public
answer can be unlocked by others for a small fee; half of the answerer's net on each unlock goes to
the asker's wallet (``commerce.shares``). Questions and answers are sealed at rest and go through
the risk screen (``hooks.text_written``) in the same transaction.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts.models import ROLE_CLIENT, User
from anxin.commerce import catalog, idempotency, orders, shares
from anxin.commerce.idempotency import StoredResponse
from anxin.commerce.models import Order
from anxin.commerce.refunds import service as refunds
from anxin.content import access, media, service, transcripts
from anxin.content.errors import AlreadyOwned, NotForSale, QuestionClosed, QuestionNotFound
from anxin.content.models import ANSWERED, ASKED, EXPIRED, OPEN, Answerer, Question, Unlock
from anxin.content.schemas import QuestionIn, QuestionOut
from anxin.content.storage import storage_for
from anxin.core import clock, hooks
from anxin.core.errors import Forbidden, ValidationFailed
from anxin.core.money import Money
from anxin.counselors import service as counselors
from anxin.counselors.errors import CounselorNotFound
from anxin.counselors.models import VERIFIED, CounselorProfile
from anxin.privacy import audit
from anxin.privacy.crypto import seal, unseal, user_owner

QUESTION_CONTEXT = "content.question"
ANSWER_CONTEXT = "content.answer"
ASKER_SHARE_BP = 5_000
DEFAULT_DEADLINE_HOURS = 48


async def set_terms(
    db: AsyncSession, user: User, *, currency: str, price: int, unlock_price: int, deadline_hours: int
) -> Answerer:
    await service.require_author(db, user)
    catalog.check_currency(currency)
    if price <= 0 or unlock_price <= 0 or not 1 <= deadline_hours <= 14 * 24:
        raise ValidationFailed("Prices must be above zero and the deadline between 1 hour and 14 days.")
    row = await db.get(Answerer, user.id)
    if row is None:
        row = Answerer(counsellor_id=user.id)
        db.add(row)
    row.currency, row.price, row.unlock_price, row.deadline_hours = (
        currency,
        price,
        unlock_price,
        deadline_hours,
    )
    row.updated_at = clock.utcnow()
    await db.flush()
    return row


async def terms_of(db: AsyncSession, counsellor_id: int) -> Answerer:
    try:
        await counselors.public_profile(db, counsellor_id)
    except CounselorNotFound:
        raise NotForSale("This counsellor does not take questions at the moment.") from None
    row = await db.get(Answerer, counsellor_id)
    if row is None:
        raise NotForSale("This counsellor does not take questions at the moment.")
    return row


async def ask(db: AsyncSession, user: User, body: QuestionIn) -> tuple[Question, bool]:
    if user.role != ROLE_CLIENT:
        raise Forbidden("Only client accounts can ask paid questions.")
    terms = await terms_of(db, body.counsellor_id)
    if body.currency != terms.currency or body.expected_amount != terms.price:
        raise NotForSale(
            "The price is now {price}. Please review it and ask again.",
            params={"price": Money(terms.price, terms.currency).format()},
        )
    text = body.text.strip()
    question = Question(
        asker_id=user.id,
        counsellor_id=terms.counsellor_id,
        public=body.public,
        status=ASKED,
        text_sealed=await seal(db, user_owner(user.id), text, context=QUESTION_CONTEXT),
        currency=terms.currency,
        amount=terms.price,
        unlock_amount=terms.unlock_price,
        created_at=clock.utcnow(),
    )
    db.add(question)
    await db.flush()
    outcomes = await hooks.text_written(
        db, hooks.TextWritten(user.id, surface="content_question", ref=str(question.id), text=text)
    )
    item = await catalog.put_item(
        db,
        item_type="question",
        ref=f"question:{question.id}",
        seller_id=terms.counsellor_id,
        title="Paid question",
        prices={terms.currency: terms.price},
    )
    question.catalog_item_id = item.id
    result = await orders.checkout(
        db,
        client_id=user.id,
        item_id=item.id,
        currency=terms.currency,
        expected_amount=terms.price,
        method=body.method,
        details={"card_number": body.card_number or ""},
    )
    question.order_id = result.order.id
    if result.order.status in access.ENTITLING:
        _open(question, terms.deadline_hours)
    await db.flush()
    return question, hooks.needs_resources(outcomes)


async def ask_once(db: AsyncSession, user: User, key: str | None, body: QuestionIn) -> StoredResponse:
    """:func:`ask` under an Idempotency-Key: a resent question is asked and paid once."""
    scope = f"user:{user.id}"

    async def operation() -> StoredResponse:
        question, show = await ask(db, user, body)
        out = await view(db, user, question)
        out.show_resources = show
        return idempotency.json_response(201, out.model_dump(mode="json"))

    return await idempotency.run(
        db,
        scope=scope,
        key=key,
        fingerprint=idempotency.fingerprint(
            method="POST", path="/api/v1/content/questions", body=body.model_dump(mode="json"), actor=scope
        ),
        operation=operation,
    )


def _open(question: Question, deadline_hours: int) -> None:
    question.status = OPEN
    question.deadline_at = clock.utcnow() + timedelta(hours=deadline_hours)


async def on_order_paid(db: AsyncSession, order_id: int) -> None:
    """A question paid later (a card that needed a step) opens now; an unlock shares its earnings."""
    order = await db.get(Order, order_id)
    if order is None or order.item_type != "question":
        return
    question = await db.scalar(select(Question).where(Question.catalog_item_id == order.item_id))
    if question is not None and question.status == ASKED:
        terms = await db.get(Answerer, question.counsellor_id)
        _open(question, terms.deadline_hours if terms else DEFAULT_DEADLINE_HOURS)
        return
    unlocked = await db.scalar(select(Question).where(Question.unlock_item_id == order.item_id))
    if unlocked is not None and order.allocated_at is not None:
        await shares.share_earnings(db, order.id, beneficiary_id=unlocked.asker_id, share_bp=ASKER_SHARE_BP)


async def answer(
    db: AsyncSession,
    user: User,
    question_id: int,
    *,
    text: str,
    audio: bytes | None = None,
    home: Path | None = None,
) -> tuple[Question, bool]:
    await service.require_author(db, user)
    question = await db.scalar(
        select(Question)
        .where(Question.id == question_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if question is None or question.counsellor_id != user.id:
        raise QuestionNotFound()
    if question.status != OPEN or (
        question.deadline_at is not None and clock.as_utc(question.deadline_at) <= clock.utcnow()
    ):
        raise QuestionClosed()
    text = text.strip()
    if not text and audio is None:
        raise ValidationFailed("Please write an answer or upload a recording.")
    if audio is not None:
        question.answer_media_type = media.check_upload(audio)
        question.answer_storage_key = await asyncio.to_thread(storage_for(home or Path(".")).put, audio)
    question.answer_sealed = await seal(db, user_owner(user.id), text, context=ANSWER_CONTEXT)
    question.status, question.answered_at = ANSWERED, clock.utcnow()
    outcomes = (
        await hooks.text_written(
            db, hooks.TextWritten(user.id, surface="content_answer", ref=str(question.id), text=text)
        )
        if text
        else []
    )
    if audio is not None:
        await transcripts.queue(db, question)  # what was said, transcribed in the worker
    if question.public:
        item = await catalog.put_item(
            db,
            item_type="question",
            ref=f"unlock:{question.id}",
            seller_id=question.counsellor_id,
            title="Unlocked answer",
            prices={question.currency: question.unlock_amount},
        )
        question.unlock_item_id = item.id
    await db.flush()
    return question, hooks.needs_resources(outcomes)


async def expire_overdue(db: AsyncSession) -> int:
    """Refund every question still open at its deadline (scheduled; safe to run twice)."""
    overdue = await db.scalars(
        select(Question.id).where(Question.status == OPEN, Question.deadline_at <= clock.utcnow()).limit(500)
    )
    done = 0
    for question_id in overdue.all():
        question = await db.scalar(
            select(Question)
            .where(Question.id == question_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if question is None or question.status != OPEN or question.order_id is None:
            continue
        order = await orders.locked_order(db, question.order_id)
        remaining = order.captured_amount - order.refunded_amount
        if order.status in orders.CAPTURED_STATES and remaining > 0:
            await refunds.refund(
                db,
                order,
                Money(remaining, order.currency),
                kind=refunds.KIND_CANCELLATION,
                reason="question not answered in time",
            )
        question.status = EXPIRED
        done += 1
    await db.flush()
    return done


async def unlock(
    db: AsyncSession, user: User, question_id: int, *, method: str, card_number: str | None
) -> Unlock:
    if user.role != ROLE_CLIENT:
        raise Forbidden("Only client accounts can unlock answers.")
    question = await access.access_question(db, user, question_id)
    if question.status != ANSWERED or not question.public or question.unlock_item_id is None:
        raise QuestionNotFound()
    if await access.can_read_answer(db, user, question):
        raise AlreadyOwned()
    row = await db.scalar(
        select(Unlock).where(Unlock.client_id == user.id, Unlock.question_id == question.id).with_for_update()
    )
    if row is None:
        row = Unlock(client_id=user.id, question_id=question.id, created_at=clock.utcnow())
        try:
            async with db.begin_nested():
                db.add(row)
                await db.flush()
        except IntegrityError:
            raise AlreadyOwned() from None
    result = await orders.checkout(
        db,
        client_id=user.id,
        item_id=question.unlock_item_id,
        currency=question.currency,
        expected_amount=question.unlock_amount,
        method=method,
        details={"card_number": card_number or ""},
    )
    row.order_id = result.order.id
    await orders.record_consumption(db, result.order.id, 10_000)  # the answer is delivered at once
    if result.order.allocated_at is not None:
        await shares.share_earnings(
            db, result.order.id, beneficiary_id=question.asker_id, share_bp=ASKER_SHARE_BP
        )
    await db.flush()
    return row


async def unlock_once(
    db: AsyncSession, user: User, question_id: int, key: str | None, *, method: str, card_number: str | None
) -> StoredResponse:
    scope = f"user:{user.id}"
    path = f"/api/v1/content/questions/{question_id}/unlock"

    async def operation() -> StoredResponse:
        row = await unlock(db, user, question_id, method=method, card_number=card_number)
        return idempotency.json_response(201, {"question_id": question_id, "order_id": row.order_id})

    return await idempotency.run(
        db,
        scope=scope,
        key=key,
        fingerprint=idempotency.fingerprint(
            method="POST", path=path, body={"method": method, "card": bool(card_number)}, actor=scope
        ),
        operation=operation,
    )


async def view(db: AsyncSession, user: User | None, question: Question) -> QuestionOut:
    entitled = await access.can_read_answer(db, user, question)
    own = user is not None and user.id in (question.asker_id, question.counsellor_id)
    staff = user is not None and user.role == "admin" and not own
    shown_text = question.public or own or staff
    if staff and user is not None and not question.public:
        # An administrator reading someone's private question: on the record, in this transaction.
        await audit.record(
            db,
            action="content.question_read",
            actor_id=user.id,
            actor_role=user.role,
            object_type="content_question",
            object_id=question.id,
            subject_id=question.asker_id,
        )
    answer = None
    audio_url = None
    heard = None
    if entitled and question.answer_sealed is not None:
        answer = await unseal(db, question.answer_sealed, context=ANSWER_CONTEXT)
        if question.answer_storage_key and user is not None:
            audio_url = media.answer_url(question.id, user.id)
        heard = await transcripts.view_of(db, question)
    return QuestionOut(
        id=question.id,
        asker_id=question.asker_id if own else None,
        counsellor_id=question.counsellor_id,
        public=question.public,
        status=question.status,
        text=await unseal(db, question.text_sealed, context=QUESTION_CONTEXT) if shown_text else None,
        amount=question.amount,
        unlock_amount=question.unlock_amount,
        currency=question.currency,
        deadline_at=question.deadline_at,
        answered_at=question.answered_at,
        answer=answer,
        answer_audio_url=audio_url,
        answer_transcript=heard.text if heard else None,
        answer_transcript_status=heard.status if heard else None,
        entitled=entitled,
    )


async def public_answers(db: AsyncSession, counsellor_id: int | None = None) -> list[Question]:
    query = select(Question).where(Question.public.is_(True), Question.status == ANSWERED)
    if counsellor_id:
        query = query.where(Question.counsellor_id == counsellor_id)
    return list((await db.scalars(query.order_by(Question.answered_at.desc()).limit(50))).all())


async def mine(db: AsyncSession, user: User) -> list[Question]:
    column = Question.counsellor_id if user.role == "counsellor" else Question.asker_id
    return list(
        (
            await db.scalars(
                select(Question).where(column == user.id).order_by(Question.id.desc()).limit(100)
            )
        ).all()
    )


async def answerers(db: AsyncSession) -> list[tuple[Answerer, tuple[str, str]]]:
    """Verified counsellors who take paid questions, with their names."""
    rows = list(
        (
            await db.scalars(
                select(Answerer)
                .join(CounselorProfile, CounselorProfile.counsellor_id == Answerer.counsellor_id)
                .where(CounselorProfile.status == VERIFIED)
                .order_by(Answerer.counsellor_id)
                .limit(200)
            )
        ).all()
    )
    names = await counselors.names_of(db, [row.counsellor_id for row in rows])
    return [(row, names[row.counsellor_id]) for row in rows if row.counsellor_id in names]
