"""Matching's logic: candidates from counselors' verified profiles and weekly availability, ranked
by ``scoring``; the client's intake kept sealed. The only writer of ``matching_intakes``.

Availability for 1,000 counsellors is computed from their weekly rules and exceptions loaded in
two queries (no per-counsellor round trip); the few that make the final list are then checked
against their real calendar (bookings included) through ``counselors.service.free_slots``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.appointments import booking
from anxin.core import clock
from anxin.core.errors import ValidationFailed
from anxin.counselors import availability, vocab
from anxin.counselors import service as counselors
from anxin.counselors.models import VERIFIED, AvailabilityException, AvailabilityRule, CounselorProfile
from anxin.counselors.search import untag
from anxin.matching.models import MatchingIntake
from anxin.matching.scoring import (
    PERIODS,
    WEIGHTS,
    Candidate,
    Intake,
    Ranker,
    Scored,
    WeightedRanker,
    passes_static_filters,
    rank,
    upper_bound,
)
from anxin.privacy import crypto

HORIZON = timedelta(days=7)
ANSWERS_CONTEXT = "matching.intake.answers"
CONFIRM_EXTRA = 5  # rank this many more than asked, in case some turn out fully booked
BATCH = 40  # candidates whose calendars are computed per step


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


@dataclass(frozen=True)
class _Row:
    candidate: Candidate
    timezone: str
    buffer_minutes: int


_PROFILE_COLUMNS = (
    CounselorProfile.counsellor_id,
    CounselorProfile.status,
    CounselorProfile.specialties,
    CounselorProfile.approaches,
    CounselorProfile.languages,
    CounselorProfile.modalities,
    CounselorProfile.gender,
    CounselorProfile.price_text,
    CounselorProfile.price_voice,
    CounselorProfile.price_video,
    CounselorProfile.currency,
    CounselorProfile.first_session_discount_bp,
    CounselorProfile.timezone,
    CounselorProfile.buffer_minutes,
)


@lru_cache(maxsize=4096)
def _tags(value: str) -> frozenset[str]:
    return frozenset(untag(value))


async def _profiles(db: AsyncSession, intake: Intake) -> list[_Row]:
    """Verified profiles that can pass the hard filters, without their calendars yet."""
    conditions = [CounselorProfile.status == VERIFIED]
    if intake.language:
        conditions.append(CounselorProfile.languages.like(f"%|{intake.language}|%"))
    if intake.modality:
        conditions.append(CounselorProfile.modalities.like(f"%|{intake.modality}|%"))
    if intake.budget is not None:
        price = _price_column(intake.modality)
        conditions += [price <= intake.budget, CounselorProfile.currency == intake.currency]
    rows = await db.execute(select(*_PROFILE_COLUMNS).where(and_(*conditions)))
    return [_row_of(tuple(r)) for r in rows.all()]


@lru_cache(maxsize=8192)
def _row_of(r: tuple) -> _Row:  # type: ignore[type-arg]
    """The candidate a profile row stands for (memoised on the row's values: an unchanged profile is
    not parsed again on the next request, a changed one is a new key)."""
    (
        counsellor_id,
        status,
        specialties,
        approaches,
        languages,
        modalities,
        gender,
        price_text,
        price_voice,
        price_video,
        currency,
        first_session_discount_bp,
        timezone,
        buffer_minutes,
    ) = r
    prices = {
        modality: amount
        for modality, amount in (("text", price_text), ("voice", price_voice), ("video", price_video))
        if amount is not None
    }
    candidate = Candidate(
        counsellor_id=counsellor_id,
        verified=status == VERIFIED,
        specialties=_tags(specialties),
        approaches=_tags(approaches),
        languages=_tags(languages),
        modalities=_tags(modalities),
        gender=gender,
        prices=prices,
        currency=currency,
        first_session_discount_bp=first_session_discount_bp,
        slots=(),
    )
    return _Row(candidate, timezone, buffer_minutes)


@dataclass(frozen=True)
class _Calendar:
    rules: list[availability.WeeklyRule]
    exceptions: list[availability.Exception_]
    timezone: str
    buffer_minutes: int


async def _with_slots(
    db: AsyncSession, batch: list[_Row], now: datetime, calendars: dict[int, _Calendar] | None = None
) -> list[Candidate]:
    """The batch's candidates with their free slots this week from weekly rules and exceptions
    (two queries for the whole batch)."""
    ids = [row.candidate.counsellor_id for row in batch]
    rules: dict[int, list[availability.WeeklyRule]] = defaultdict(list)
    found = await db.execute(
        select(
            AvailabilityRule.counsellor_id,
            AvailabilityRule.weekday,
            AvailabilityRule.start_minute,
            AvailabilityRule.end_minute,
        ).where(AvailabilityRule.counsellor_id.in_(ids))
    )
    for counsellor_id, weekday, start_minute, end_minute in found.all():
        rules[counsellor_id].append(availability.WeeklyRule(weekday, start_minute, end_minute))
    exceptions: dict[int, list[availability.Exception_]] = defaultdict(list)
    blocked = await db.execute(
        select(
            AvailabilityException.counsellor_id,
            AvailabilityException.kind,
            AvailabilityException.starts_at,
            AvailabilityException.ends_at,
        ).where(
            AvailabilityException.counsellor_id.in_(ids),
            AvailabilityException.starts_at < now + HORIZON + timedelta(days=1),
            AvailabilityException.ends_at > now - timedelta(days=1),
        )
    )
    for counsellor_id, kind, starts_at, ends_at in blocked.all():
        exceptions[counsellor_id].append(
            availability.Exception_(kind, clock.as_utc(starts_at), clock.as_utc(ends_at))
        )
    out = []
    for row in batch:
        counsellor_id = row.candidate.counsellor_id
        if not rules.get(counsellor_id) and not exceptions.get(counsellor_id):
            continue
        calendar = _Calendar(
            rules.get(counsellor_id, []), exceptions.get(counsellor_id, []), row.timezone, row.buffer_minutes
        )
        if calendars is not None:
            calendars[counsellor_id] = calendar
        slots = coarse_slots(calendar.rules, calendar.exceptions, calendar.timezone, now)
        out.append(replace(row.candidate, slots=slots))
    return out


def coarse_slots(
    rules: list[availability.WeeklyRule],
    exceptions: list[availability.Exception_],
    timezone: str,
    now: datetime,
) -> tuple[datetime, ...]:
    """Hourly session starts inside the weekly windows of the coming week, minus blocked times.

    Good enough to rank by (is there time, when, which parts of the day); the listed few are then
    checked against the exact calendar with bookings and buffers (``counselors.free_slots``).
    """
    session = timedelta(minutes=availability.SESSION_MINUTES)
    blocked = [e for e in exceptions if e.kind == availability.BLOCKED]
    extra = [(e.starts_at, e.ends_at) for e in exceptions if e.kind == availability.EXTRA]
    local_today = now.astimezone(_zone(timezone)).date()
    end_of_week = now + HORIZON
    weekly = _weekly_starts(tuple(rules), timezone, local_today)
    starts = [at for at in weekly if now <= at < end_of_week]
    for start, end in extra:
        at = start
        while at + session <= end and at < end_of_week:
            if at >= now:
                starts.append(at)
            at += timedelta(hours=1)
    if blocked:
        starts = [
            at for at in starts if not any(b.starts_at < at + session and at < b.ends_at for b in blocked)
        ]
    return tuple(sorted(starts)) if extra else tuple(starts)


@lru_cache(maxsize=64)
def _zone(timezone: str) -> ZoneInfo:
    return ZoneInfo(timezone)


@lru_cache(maxsize=16384)
def _weekly_starts(
    rules: tuple[availability.WeeklyRule, ...], timezone: str, first_day: date
) -> tuple[datetime, ...]:
    """Hourly session starts (UTC, sorted) inside the weekly windows of the 8 local days from
    ``first_day``. Memoised: counsellors share patterns and the answer changes once a day."""
    zone = _zone(timezone)
    session = timedelta(minutes=availability.SESSION_MINUTES)
    starts = []
    for offset in range(8):
        day = first_day + timedelta(days=offset)
        for rule in rules:
            if rule.weekday != day.weekday():
                continue
            midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
            at = (midnight + timedelta(minutes=rule.start_minute)).astimezone(UTC)
            end = (midnight + timedelta(minutes=rule.end_minute)).astimezone(UTC)
            while at + session <= end:
                starts.append(at)
                at += timedelta(hours=1)
    return tuple(sorted(starts))


async def candidates(db: AsyncSession, intake: Intake, now: datetime) -> list[Candidate]:
    """Every verified counsellor that can fit the hard filters, with free slots this week."""
    rows = await _profiles(db, intake)
    return await _with_slots(db, rows, now) if rows else []


def _order(scored: list[Scored]) -> list[Scored]:
    return sorted(scored, key=lambda s: (-s.score, -len(s.candidate.slots), s.candidate.counsellor_id))


async def _best(
    db: AsyncSession,
    intake: Intake,
    now: datetime,
    ranker: Ranker | None,
    want: int,
    calendars: dict[int, _Calendar],
) -> list[Scored]:
    """The ``want`` best, computing calendars only as far as needed.

    With the published weights a calendar can only add points, so candidates are visited in order
    of the most they could score; the search stops once ``want`` are scored at least as high as the
    next one could ever reach (ties with later batches keep the earlier). A learned ranker has no
    such bound: everyone is scored.
    """
    rows = [row for row in await _profiles(db, intake) if passes_static_filters(intake, row.candidate)]
    if ranker is not None and not isinstance(ranker, WeightedRanker):
        return rank(intake, await _with_slots(db, rows, now, calendars), now, ranker, limit=want)
    weights = ranker.weights if isinstance(ranker, WeightedRanker) else WEIGHTS
    concerns = intake.all_concerns()
    bounds = sorted(
        ((upper_bound(intake, row.candidate, weights, concerns), row) for row in rows),
        key=lambda pair: (-pair[0], pair[1].candidate.counsellor_id),
    )
    scored: list[Scored] = []
    for start in range(0, len(bounds), BATCH):
        batch = [row for _, row in bounds[start : start + BATCH]]
        scored = _order(
            scored + rank(intake, await _with_slots(db, batch, now, calendars), now, ranker, limit=len(batch))
        )
        following = bounds[start + BATCH][0] if start + BATCH < len(bounds) else None
        if following is None or (len(scored) >= want and scored[want - 1].score >= following):
            break
    return scored[:want]


async def match(
    db: AsyncSession, intake: Intake, *, limit: int = 10, ranker: Ranker | None = None, confirm: bool = True
) -> list[Scored]:
    """The ranked list. With ``confirm`` the listed counsellors' exact free slots are computed (their
    bookings from ``appointments`` included, the same way ``counselors.service.free_slots`` does) and
    anyone fully booked drops out."""
    check_intake(intake)
    now = clock.utcnow()
    calendars: dict[int, _Calendar] = {}
    ranked = await _best(db, intake, now, ranker, limit + CONFIRM_EXTRA, calendars)
    if not confirm:
        return ranked[:limit]
    kept: list[Scored] = []
    margin = timedelta(days=1)
    busy = await booking.busy_intervals_of(
        db, [s.candidate.counsellor_id for s in ranked], now - margin, now + HORIZON + margin
    )
    for scored in ranked:
        counsellor_id = scored.candidate.counsellor_id
        real = _exact_slots(calendars[counsellor_id], busy[counsellor_id], now)
        if not real:
            continue
        if len(real) != len(scored.candidate.slots):
            candidate = replace(scored.candidate, slots=tuple(s.starts_at for s in real))
            rescored = rank(intake, [candidate], now, ranker, limit=1)
            if not rescored:
                continue
            scored = rescored[0]
        kept.append(scored)
        if len(kept) == limit:
            break
    return _order(kept)


def _exact_slots(
    calendar: _Calendar, busy: list[availability.Interval], now: datetime
) -> list[availability.Interval]:
    """As ``counselors.service.free_slots`` (same margins), with the weekly hours, exceptions and
    bookings already loaded (the bookings of all the listed in one query)."""
    return availability.free_slots(
        rules=calendar.rules,
        exceptions=calendar.exceptions,
        busy=busy,
        tz=calendar.timezone,
        window_start=now,
        window_end=now + HORIZON,
        buffer_minutes=calendar.buffer_minutes,
        not_before=now,
    )


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
