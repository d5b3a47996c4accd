"""The help assistant: answers questions about using Anxin from the platform's own help articles
(``data/help.json``), with a link to each; below the similarity threshold it does not guess but
offers to hand the question to a person (a support request). Open to everyone, signed in or not.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts.models import ROLE_ADMIN, User
from anxin.companion.content import HelpArticle, lang_of, load
from anxin.companion.errors import SupportRequestNotFound
from anxin.companion.models import SUPPORT_CLOSED, SUPPORT_OPEN, SupportRequest
from anxin.companion.retrieval import Index, backend_for
from anxin.companion.settings import companion_settings
from anxin.core import clock, hooks
from anxin.core.errors import Forbidden, ValidationFailed
from anxin.privacy import audit, crypto

QUESTION_CONTEXT = "companion.support.question"
CONTACT_CONTEXT = "companion.support.contact"
MAX_QUESTION_CHARS = 2000


@lru_cache(maxsize=4)
def _index(lang: str) -> Index:
    keys, texts = [], []
    for article in load().help:
        for text in (*article.questions[lang], article.title(lang)):
            keys.append(article.slug)
            texts.append(text)
    return Index(backend_for(companion_settings().companion_embedder, lang), keys, texts)


def reset_help_index() -> None:
    _index.cache_clear()


def articles() -> tuple[HelpArticle, ...]:
    return load().help


def article(slug: str) -> HelpArticle | None:
    return next((a for a in load().help if a.slug == slug), None)


@dataclass(frozen=True)
class HelpAnswer:
    confident: bool
    article: HelpArticle | None
    score: float
    related: tuple[HelpArticle, ...]


def answer(question: str, locale: str) -> HelpAnswer:
    lang = lang_of(locale)
    index = _index(lang)
    hits = index.search(question, k=3)
    threshold = companion_settings().help_match_threshold + index.shift
    found = [a for hit in hits if (a := article(hit.key)) is not None]
    if not hits or hits[0].score < threshold:
        return HelpAnswer(False, None, hits[0].score if hits else 0.0, tuple(found))
    return HelpAnswer(True, found[0], hits[0].score, tuple(found[1:]))


# ---------------------------------------------------------------- support requests (hand-over)


async def create_support_request(
    db: AsyncSession, user_id: int | None, question: str, locale: str, contact: str | None = None
) -> SupportRequest:
    question = question.strip()
    if not question or len(question) > MAX_QUESTION_CHARS:
        raise ValidationFailed("Please write your question in at most 2000 characters.")
    owner = crypto.user_owner(user_id) if user_id else f"support:{secrets.token_hex(12)}"
    row = SupportRequest(
        user_id=user_id,
        owner=owner,
        question_sealed=await crypto.seal(db, owner, question, context=QUESTION_CONTEXT),
        contact_sealed=(
            await crypto.seal(db, owner, contact.strip()[:200], context=CONTACT_CONTEXT)
            if contact and contact.strip()
            else None
        ),
        locale=locale,
        status=SUPPORT_OPEN,
        created_at=clock.utcnow(),
    )
    db.add(row)
    await db.flush()
    # A person will read it: the same crisis screen as every other surface.
    await hooks.text_written(db, hooks.TextWritten(user_id, "support_request", str(row.id), question, locale))
    await db.flush()
    return row


@dataclass(frozen=True)
class SupportView:
    id: int
    user_id: int | None
    question: str
    contact: str | None
    locale: str
    status: str
    at: str


async def support_view(db: AsyncSession, row: SupportRequest) -> SupportView:
    question = await crypto.unseal(db, row.question_sealed, context=QUESTION_CONTEXT)
    contact = (
        await crypto.unseal(db, row.contact_sealed, context=CONTACT_CONTEXT) if row.contact_sealed else None
    )
    return SupportView(
        row.id,
        row.user_id,
        question,
        contact,
        row.locale,
        row.status,
        clock.as_utc(row.created_at).isoformat(),
    )


def _require_admin(user: User) -> None:
    if user.role != ROLE_ADMIN:
        raise Forbidden()


async def support_requests(db: AsyncSession, admin: User, *, status: str = SUPPORT_OPEN) -> list[SupportView]:
    """The admins' list of handed-over questions (each read is audited)."""
    _require_admin(admin)
    rows = await db.scalars(
        select(SupportRequest).where(SupportRequest.status == status).order_by(SupportRequest.id)
    )
    views = []
    for row in rows:
        views.append(await support_view(db, row))
        await audit.record(
            db,
            action="companion.support_request_read",
            actor_id=admin.id,
            actor_role=admin.role,
            object_type="support_request",
            object_id=row.id,
            subject_id=row.user_id,
        )
    return views


async def close_support_request(db: AsyncSession, admin: User, request_id: int) -> SupportRequest:
    _require_admin(admin)
    row = await db.get(SupportRequest, request_id)
    if row is None:
        raise SupportRequestNotFound()
    row.status = SUPPORT_CLOSED
    await db.flush()
    return row
