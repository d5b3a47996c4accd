"""The inline screen, registered on ``core.hooks`` at start-up (see ``tasks``).

What runs on a client's own text:

* the crisis **lexicon** (rules only) always: screening one's own safety-relevant writing for crisis
  words is part of the terms everyone accepts at sign-up (docs/safety.md says why);
* only clients' writing: counsellors' questions about risk are part of their work;
* the **model**-based screen only while the writer consents to AI risk screening
  (``privacy.consent.AI_RISK_SCREENING``); a withdrawal takes effect with the next text.

A positive screen opens a risk flag in the writer's transaction and tells the caller to show the
writer crisis resources at once. A structured answer that indicates risk (PHQ-9 item 9 above 0)
always opens a flag, whatever the models say.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts.models import ROLE_CLIENT, User
from anxin.core import hooks
from anxin.mind import service as mind
from anxin.mind.risk import RiskAssessment, assess
from anxin.mind.text import detect_language
from anxin.privacy import consent
from anxin.safety import service
from anxin.safety.models import ORIGIN_ANSWER, ORIGIN_SCREEN


async def is_client(db: AsyncSession, user_id: int) -> bool:
    """Only clients' writing is screened: counsellors ask about suicide directly as good practice
    ("Have you had thoughts of suicide this week?"), and they are the ones who respond to flags."""
    user = await db.get(User, user_id)
    return user is not None and user.role == ROLE_CLIENT


def lexicon_screen(text: str, language: str | None = None) -> RiskAssessment:
    """The rules alone: no model sees the text."""
    return assess(text, language or detect_language(text), None)


async def screen_text(db: AsyncSession, event: hooks.TextWritten) -> hooks.ScreenOutcome | None:
    if event.author_id is None or not event.text.strip() or not await is_client(db, event.author_id):
        return None
    if await consent.has_consent(db, event.author_id, consent.AI_RISK_SCREENING):
        found = mind.screen(event.text)
    else:
        found = lexicon_screen(event.text)
    if not found.flag:
        return None
    opened = await service.open_flag(
        db,
        subject_id=event.author_id,
        source=event.surface,
        ref=event.ref,
        origin=ORIGIN_SCREEN,
        level=found.level,
        reasons=found.reasons or ["screen"],
        model_version=found.model_version or "lexicon",
    )
    return hooks.ScreenOutcome(level=opened.flag.level, show_resources=True, flag_id=opened.flag.id)


async def risk_answered(db: AsyncSession, event: hooks.RiskIndicated) -> hooks.ScreenOutcome:
    opened = await service.open_flag(
        db,
        subject_id=event.subject_id,
        source=event.source,
        ref=event.ref,
        origin=ORIGIN_ANSWER,
        level=event.level,
        reasons=[event.reason],
        model_version="rule",
    )
    return hooks.ScreenOutcome(level=opened.flag.level, show_resources=True, flag_id=opened.flag.id)
