"""Transparent scoring of counsellors for one client's intake: a pure function.

Hard filters first (verified, a free slot in the coming week, the language, the way of meeting and
the budget the client asked for), then points for what the client stated, each with its reason.
Only what the client chose to state is used: an empty answer adds no filter and no points, and
nothing about the client is inferred from anything else.

Scoring is split into ``features`` (a named number per aspect, each in [0, 1]) and a ranker that
turns them into one score. ``WeightedRanker`` is a dot product with published weights; a learned
ranker (e.g. a gradient-boosted or logistic model fitted on real outcomes) can replace it by
implementing ``score(features) -> float`` over the same feature names, and the reasons stay.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Protocol
from zoneinfo import ZoneInfo

from anxin.core.notify.templates import N_

PERIODS = ("morning", "afternoon", "evening", "weekend")
# Local hours [start, end) of each part of the day, in the client's time zone.
PERIOD_HOURS = {"morning": (6, 12), "afternoon": (12, 17), "evening": (17, 23)}

WEIGHTS: dict[str, float] = {
    "concerns": 4.0,  # share of the client's concerns the counsellor specialises in
    "approach": 1.5,
    "gender": 1.5,
    "times": 2.0,  # share of the client's preferred times with a free slot this week
    "budget_room": 0.5,  # how far under the budget (only when a budget was given)
    "soon": 1.0,  # a free slot within 3 days
    "first_session": 0.5,  # first-session discount, for clients new to counselling
}

REASONS = {
    "language": N_("speaks {language}"),
    "concerns": N_("specialises in {specialties}"),
    "approach": N_("works with {approach}"),
    "gender": N_("is the gender you asked for"),
    "times": N_("has {periods} slots this week"),
    "budget": N_("within budget"),
    "soon": N_("can meet within 3 days"),
    "first_session": N_("offers a first-session discount"),
    "modality": N_("offers {modality}"),
}


@dataclass(frozen=True)
class Intake:
    concerns: tuple[str, ...] = ()
    language: str | None = None
    gender: str | None = None
    approach: str | None = None
    modality: str | None = None
    budget: int | None = None  # minor units per session
    currency: str = "CNY"
    times: tuple[str, ...] = ()
    first_time: bool | None = None  # never seen a counsellor before
    timezone: str = "Asia/Shanghai"
    phq9: int | None = None
    gad7: int | None = None

    def all_concerns(self) -> tuple[str, ...]:
        """Stated concerns, plus what the client's own optional questionnaire scores point to."""
        concerns = list(self.concerns)
        if self.phq9 is not None and self.phq9 >= 10 and "depression" not in concerns:
            concerns.append("depression")
        if self.gad7 is not None and self.gad7 >= 10 and "anxiety" not in concerns:
            concerns.append("anxiety")
        return tuple(concerns)


@dataclass(frozen=True)
class Candidate:
    counsellor_id: int
    verified: bool
    specialties: frozenset[str]
    approaches: frozenset[str]
    languages: frozenset[str]
    modalities: frozenset[str]
    gender: str
    prices: Mapping[str, int]  # modality → minor units
    currency: str
    first_session_discount_bp: int
    slots: Sequence[datetime]  # free slot starts in the coming week, UTC

    def price(self, modality: str | None) -> int | None:
        if modality:
            return self.prices.get(modality)
        return min(self.prices.values()) if self.prices else None


@dataclass(frozen=True)
class Reason:
    code: str
    points: float
    message: str  # an English msgid with {placeholders}
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Scored:
    candidate: Candidate
    score: float
    reasons: tuple[Reason, ...]
    features: dict[str, float]


@lru_cache(maxsize=64)
def _zone(timezone: str) -> ZoneInfo:
    return ZoneInfo(timezone)


class Ranker(Protocol):
    def score(self, features: Mapping[str, float]) -> float: ...


@dataclass(frozen=True)
class WeightedRanker:
    weights: Mapping[str, float] = field(default_factory=lambda: dict(WEIGHTS))

    def score(self, features: Mapping[str, float]) -> float:
        return sum(self.weights.get(name, 0.0) * value for name, value in features.items())


def period_of(start: datetime, zone: ZoneInfo) -> set[str]:
    return set(_periods(start, zone))


@lru_cache(maxsize=65536)
def _periods(start: datetime, zone: ZoneInfo) -> frozenset[str]:
    # Memoised: slots are hourly, so clients in one time zone ask about the same few hundred starts.
    local = start.astimezone(zone)
    periods = {"weekend"} if local.weekday() >= 5 else set()
    for name, (lo, hi) in PERIOD_HOURS.items():
        if lo <= local.hour < hi:
            periods.add(name)
    return frozenset(periods)


def passes_hard_filters(intake: Intake, candidate: Candidate) -> bool:
    return bool(candidate.slots) and passes_static_filters(intake, candidate)


def passes_static_filters(intake: Intake, candidate: Candidate) -> bool:
    """The hard filters that do not need the calendar."""
    if not candidate.verified:
        return False
    if intake.language and intake.language not in candidate.languages:
        return False
    if intake.modality and intake.modality not in candidate.modalities:
        return False
    price = candidate.price(intake.modality)
    if price is None:
        return False
    return not (
        intake.budget is not None and (candidate.currency != intake.currency or price > intake.budget)
    )


def features(
    intake: Intake, candidate: Candidate, now: datetime, *, calendar: bool = True
) -> tuple[dict[str, float], list[Reason]]:
    """Each feature in [0, 1] and the reasons that explain the non-zero ones (``calendar=False``:
    only those that do not depend on free slots)."""
    values: dict[str, float] = {}
    reasons: list[Reason] = []
    if intake.language:
        reasons.append(Reason("language", 0.0, REASONS["language"], {"language": intake.language}))
    if intake.modality:
        reasons.append(Reason("modality", 0.0, REASONS["modality"], {"modality": intake.modality}))
    concerns = intake.all_concerns()
    if concerns:
        matched = [c for c in concerns if c in candidate.specialties]
        values["concerns"] = len(matched) / len(concerns)
        if matched:
            reasons.append(Reason("concerns", 0.0, REASONS["concerns"], {"specialties": ",".join(matched)}))
    if intake.approach:
        values["approach"] = 1.0 if intake.approach in candidate.approaches else 0.0
        if values["approach"]:
            reasons.append(Reason("approach", 0.0, REASONS["approach"], {"approach": intake.approach}))
    if intake.gender:
        values["gender"] = 1.0 if candidate.gender == intake.gender else 0.0
        if values["gender"]:
            reasons.append(Reason("gender", 0.0, REASONS["gender"]))
    if intake.times and calendar:
        zone = _zone(intake.timezone)
        wanted = set(intake.times)
        offered: set[str] = set()
        for start in candidate.slots:
            offered |= _periods(start, zone)
            if wanted <= offered:
                break  # every asked-for part of the day is offered: the rest cannot add
        matched_times = [t for t in intake.times if t in offered]
        values["times"] = len(matched_times) / len(intake.times)
        if matched_times:
            reasons.append(Reason("times", 0.0, REASONS["times"], {"periods": ",".join(matched_times)}))
    price = candidate.price(intake.modality)
    if intake.budget is not None and price is not None and intake.budget > 0:
        values["budget_room"] = max(0.0, min(1.0, (intake.budget - price) / intake.budget))
        reasons.append(Reason("budget", 0.0, REASONS["budget"]))
    if calendar and candidate.slots and (min(candidate.slots) - now).total_seconds() <= 3 * 86400:
        values["soon"] = 1.0
        reasons.append(Reason("soon", 0.0, REASONS["soon"]))
    if intake.first_time and candidate.first_session_discount_bp > 0:
        values["first_session"] = 1.0
        reasons.append(Reason("first_session", 0.0, REASONS["first_session"]))
    return values, reasons


SLOT_FEATURES = ("times", "soon")


def static_values(intake: Intake, candidate: Candidate, concerns: tuple[str, ...]) -> dict[str, float]:
    """The calendar-free feature values of ``features`` (same names, values and order), without
    building reasons: the bound is computed for every candidate, the reasons only for the listed."""
    values: dict[str, float] = {}
    if concerns:
        values["concerns"] = sum(1 for c in concerns if c in candidate.specialties) / len(concerns)
    if intake.approach:
        values["approach"] = 1.0 if intake.approach in candidate.approaches else 0.0
    if intake.gender:
        values["gender"] = 1.0 if candidate.gender == intake.gender else 0.0
    price = candidate.price(intake.modality)
    if intake.budget is not None and price is not None and intake.budget > 0:
        values["budget_room"] = max(0.0, min(1.0, (intake.budget - price) / intake.budget))
    if intake.first_time and candidate.first_session_discount_bp > 0:
        values["first_session"] = 1.0
    return values


def upper_bound(
    intake: Intake,
    candidate: Candidate,
    weights: Mapping[str, float],
    concerns: tuple[str, ...] | None = None,
) -> float:
    """The most a candidate can score once its calendar is known (the calendar only adds).
    ``concerns``: ``intake.all_concerns()``, when the caller has it already."""
    values = static_values(intake, candidate, intake.all_concerns() if concerns is None else concerns)
    bound = sum(weights.get(name, 0.0) * value for name, value in values.items())
    if intake.times:
        bound += weights.get("times", 0.0)
    return bound + weights.get("soon", 0.0)


def rank(
    intake: Intake,
    candidates: Sequence[Candidate],
    now: datetime,
    ranker: Ranker | None = None,
    limit: int = 10,
) -> list[Scored]:
    """Candidates that pass the hard filters, best first (ties: more slots, then lower id)."""
    ranker = ranker or WeightedRanker()
    weights = ranker.weights if isinstance(ranker, WeightedRanker) else {}
    scored = []
    for candidate in candidates:
        if not passes_hard_filters(intake, candidate):
            continue
        values, reasons = features(intake, candidate, now)
        reasons = [_with_points(reason, values, weights) for reason in reasons]
        scored.append(Scored(candidate, round(ranker.score(values), 4), tuple(reasons), values))
    scored.sort(key=lambda s: (-s.score, -len(s.candidate.slots), s.candidate.counsellor_id))
    return scored[:limit]


def _with_points(reason: Reason, values: Mapping[str, float], weights: Mapping[str, float]) -> Reason:
    """The points a reason's feature earned (0 for a hard filter the counsellor met)."""
    feature = _FEATURE_OF.get(reason.code, "")
    points = round(weights.get(feature, 0.0) * values.get(feature, 0.0), 3)
    return Reason(reason.code, points, reason.message, reason.params)


_FEATURE_OF = {
    "concerns": "concerns",
    "approach": "approach",
    "gender": "gender",
    "times": "times",
    "budget": "budget_room",
    "soon": "soon",
    "first_session": "first_session",
}
