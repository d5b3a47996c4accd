"""Matching's logic: candidates from counselors' verified profiles and weekly availability, ranked
by ``scoring``; the client's intake kept sealed. The only writer of ``matching_intakes``.

Availability for 1,000 counsellors is computed from their weekly rules and exceptions loaded in
two queries (no per-counsellor round trip); the few that make the final list are then checked
against their real calendar (bookings included) through ``counselors.service.free_slots``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.core import clock
from anxin.core.errors import ValidationFailed
from anxin.counselors import availability, vocab
from anxin.counselors import service as counselors
from anxin.counselors.models import VERIFIED, AvailabilityException, AvailabilityRule, CounselorProfile
from anxin.counselors.search import untag
from anxin.matching.models import MatchingIntake
from anxin.matching.scoring import PERIODS, Candidate, Intake, Ranker, Scored, rank
from anxin.privacy import crypto

HORIZON = timedelta(days=7)
ANSWERS_CONTEXT = "matching.intake.answers"
CONFIRM_EXTRA = 5  # rank this many more than asked, in case some turn out fully booked


def check_intake(intake: Intake) -> Intake:
    """Every stated answer must come from the closed vocabularies; bad input is a 422."""
    for value, allowed, what in (
        (intake.language, vocab.LANGUAGES, "language"),
        (intake.gender, vocab.GENDERS, "gender"),
        (intake.approach, vocab.APPROACHES, "approach"),
        (intake.modality, vocab.MODALITIES, "modality"),
    ):
        if value is not None and value not in allowed:
            raise ValidationFailed("Please choose {what} from the list.", params={"what": what})
    if any(c not in vocab.SPECIALTIES for c in intake.concerns):
        raise ValidationFailed("Please choose {what} from the list.", params={"what": "concerns"})
    if any(t not in PERIODS for t in intake.times):
        raise ValidationFailed("Please choose {what} from the list.", params={"what": "times"})
    if intake.budget is not None and intake.budget < 0:
        raise ValidationFailed("Please enter a budget of zero or more.")
    for score, top in ((intake.phq9, 27), (intake.gad7, 21)):
        if score is not None and not 0 <= score <= top:
            raise ValidationFailed("Please enter a questionnaire score within its range.")
    try:
        ZoneInfo(intake.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed("Please choose a valid time zone.") from None
    return intake


def _price_column(modality: str | None):  # type: ignore[no-untyped-def]
    return {
        "text": CounselorProfile.price_text,
        "voice": CounselorProfile.price_voice,
        "video": CounselorProfile.price_video,
    }.get(modality or "", CounselorProfile.min_price)


async def candidates(db: AsyncSession, intake: Intake, now: datetime) -> list[Candidate]:
    """Verified counsellors that can fit the hard filters, with their free slots this week."""
    conditions = [CounselorProfile.status == VERIFIED]
    if intake.language:
        conditions.append(CounselorProfile.languages.like(f"%|{intake.language}|%"))
    if intake.modality:
        conditions.append(CounselorProfile.modalities.like(f"%|{intake.modality}|%"))
    if intake.budget is not None:
        price = _price_column(intake.modality)
        conditions += [price <= intake.budget, CounselorProfile.currency == intake.currency]
    profiles = list(await db.scalars(select(CounselorProfile).where(and_(*conditions))))
    if not profiles:
        return []
    ids = [p.counsellor_id for p in profiles]
    rules: dict[int, list[availability.WeeklyRule]] = defaultdict(list)
    for row in await db.scalars(select(AvailabilityRule).where(AvailabilityRule.counsellor_id.in_(ids))):
        rules[row.counsellor_id].append(
            availability.WeeklyRule(row.weekday, row.start_minute, row.end_minute)
        )
    exceptions: dict[int, list[availability.Exception_]] = defaultdict(list)
    for off in await db.scalars(
        select(AvailabilityException).where(
            AvailabilityException.counsellor_id.in_(ids),
            AvailabilityException.starts_at < now + HORIZON + timedelta(days=1),
            AvailabilityException.ends_at > now - timedelta(days=1),
        )
    ):
        exceptions[off.counsellor_id].append(
            availability.Exception_(off.kind, clock.as_utc(off.starts_at), clock.as_utc(off.ends_at))
        )
    out = []
    for profile in profiles:
        slots = availability.free_slots(
            rules=rules.get(profile.counsellor_id, []),
            exceptions=exceptions.get(profile.counsellor_id, []),
            tz=profile.timezone,
            window_start=now,
            window_end=now + HORIZON,
            buffer_minutes=profile.buffer_minutes,
            not_before=now,
        )
        out.append(_candidate(profile, [slot.starts_at for slot in slots]))
    return out


def _candidate(profile: CounselorProfile, slots: list[datetime]) -> Candidate:
    prices = {
        modality: amount
        for modality, amount in (
            ("text", profile.price_text),
            ("voice", profile.price_voice),
            ("video", profile.price_video),
        )
        if amount is not None
    }
    return Candidate(
        counsellor_id=profile.counsellor_id,
        verified=profile.status == VERIFIED,
        specialties=frozenset(untag(profile.specialties)),
        approaches=frozenset(untag(profile.approaches)),
        languages=frozenset(untag(profile.languages)),
        modalities=frozenset(untag(profile.modalities)),
        gender=profile.gender,
        prices=prices,
        currency=profile.currency,
        first_session_discount_bp=profile.first_session_discount_bp,
        slots=slots,
    )


async def match(
    db: AsyncSession, intake: Intake, *, limit: int = 10, ranker: Ranker | None = None, confirm: bool = True
) -> list[Scored]:
    """The ranked list. With ``confirm`` the listed counsellors' slots are re-read from their real
    calendar (bookings included) and anyone fully booked drops out."""
    check_intake(intake)
    now = clock.utcnow()
    ranked = rank(intake, await candidates(db, intake, now), now, ranker, limit=limit + CONFIRM_EXTRA)
    if not confirm:
        return ranked[:limit]
    kept: list[Scored] = []
    for scored in ranked:
        real = await counselors.free_slots(
            db, scored.candidate.counsellor_id, now, now + HORIZON, not_before=now
        )
        if not real:
            continue
        if len(real) != len(scored.candidate.slots):
            candidate = Candidate(**{**scored.candidate.__dict__, "slots": [s.starts_at for s in real]})
            rescored = rank(intake, [candidate], now, ranker, limit=1)
            if not rescored:
                continue
            scored = rescored[0]
        kept.append(scored)
        if len(kept) == limit:
            break
    kept.sort(key=lambda s: (-s.score, -len(s.candidate.slots), s.candidate.counsellor_id))
    return kept


# ---------------------------------------------------------------- the client's intake


async def save_intake(db: AsyncSession, user_id: int, intake: Intake) -> MatchingIntake:
    check_intake(intake)
    sealed = await crypto.seal(
        db, crypto.user_owner(user_id), json.dumps(asdict(intake)), context=f"{ANSWERS_CONTEXT}:{user_id}"
    )
    row = await db.scalar(select(MatchingIntake).where(MatchingIntake.user_id == user_id))
    if row is None:
        row = MatchingIntake(user_id=user_id, answers_sealed=sealed, updated_at=clock.utcnow())
        db.add(row)
    else:
        row.answers_sealed, row.updated_at = sealed, clock.utcnow()
    await db.flush()
    return row


async def latest_intake(db: AsyncSession, user_id: int) -> Intake | None:
    row = await db.scalar(select(MatchingIntake).where(MatchingIntake.user_id == user_id))
    if row is None:
        return None
    raw = json.loads(await crypto.unseal(db, row.answers_sealed, context=f"{ANSWERS_CONTEXT}:{user_id}"))
    raw["concerns"] = tuple(raw.get("concerns", ()))
    raw["times"] = tuple(raw.get("times", ()))
    return Intake(**raw)


@dataclass(frozen=True)
class Listed:
    scored: Scored
    name_en: str
    name_zh: str


async def names(db: AsyncSession, ranked: list[Scored]) -> list[Listed]:
    found = await counselors.names_of(db, [s.candidate.counsellor_id for s in ranked])
    return [Listed(s, *found.get(s.candidate.counsellor_id, ("", ""))) for s in ranked]
