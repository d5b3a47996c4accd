"""Free slots from weekly rules, exceptions, existing bookings and buffers: a pure function.

Rules are wall-clock windows in the counsellor's time zone; everything else is UTC. A slot starts
on the rule's grid (every session + buffer minutes from the window's start, in local time) and
lasts ``session_minutes`` of real time. Across a DST change a local start that does not exist (the
spring gap) is skipped, an ambiguous one (the autumn fold) is taken at its first occurrence, and
a slot is kept only if its whole real-time span lies inside the rule's window converted to UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SESSION_MINUTES = 50
BLOCKED = "blocked"
EXTRA = "extra"


@dataclass(frozen=True, slots=True)
class WeeklyRule:
    weekday: int  # Monday = 0
    start_minute: int  # minutes after local midnight
    end_minute: int  # up to 24 * 60


@dataclass(frozen=True, slots=True)
class Exception_:
    kind: str  # BLOCKED or EXTRA
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True, order=True)
class Interval:
    starts_at: datetime
    ends_at: datetime

    def overlaps(self, other: Interval) -> bool:
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at


def _local(day: date, minute: int, zone: ZoneInfo, *, strict: bool = False) -> datetime | None:
    """The UTC instant of local ``day`` + ``minute`` (minute may reach 1440, the next midnight).

    With ``strict``, None when that wall time does not exist (inside the spring-forward gap);
    otherwise such a time is read with the offset before the change, as ``zoneinfo`` does.
    """
    extra_days, minute = divmod(minute, 24 * 60)
    wall = datetime.combine(day + timedelta(days=extra_days), time(minute // 60, minute % 60), tzinfo=zone)
    instant = wall.astimezone(UTC)
    if strict and instant.astimezone(zone).replace(tzinfo=None) != wall.replace(tzinfo=None):
        return None
    return instant


def rule_windows(
    rules: Iterable[WeeklyRule], tz: str, window_start: datetime, window_end: datetime
) -> list[Interval]:
    """Each rule's window on every local day touching [window_start, window_end), in UTC."""
    zone = ZoneInfo(tz)
    first = window_start.astimezone(zone).date() - timedelta(days=1)
    last = window_end.astimezone(zone).date() + timedelta(days=1)
    windows = []
    day = first
    rule_list = list(rules)
    while day <= last:
        for rule in rule_list:
            window = rule_window(rule, day, zone) if rule.weekday == day.weekday() else None
            if window is not None:
                windows.append(window)
        day += timedelta(days=1)
    return windows


def _grid(rule: WeeklyRule, day: date, zone: ZoneInfo, session: timedelta, step: int) -> Iterable[Interval]:
    window = rule_window(rule, day, zone)
    if window is None:
        return
    for minute in range(rule.start_minute, rule.end_minute, step):
        start = _local(day, minute, zone, strict=True)
        if start is None:
            continue
        slot = Interval(start, start + session)
        if window.starts_at <= slot.starts_at and slot.ends_at <= window.ends_at:
            yield slot


def rule_window(rule: WeeklyRule, day: date, zone: ZoneInfo) -> Interval | None:
    start, end = _local(day, rule.start_minute, zone), _local(day, rule.end_minute, zone)
    if start is None or end is None or start >= end:
        return None
    return Interval(start, end)


def free_slots(
    *,
    rules: Sequence[WeeklyRule],
    exceptions: Sequence[Exception_] = (),
    busy: Sequence[Interval] = (),
    tz: str,
    window_start: datetime,
    window_end: datetime,
    buffer_minutes: int = 10,
    session_minutes: int = SESSION_MINUTES,
    not_before: datetime | None = None,
) -> list[Interval]:
    """Slots of ``session_minutes`` starting in [window_start, window_end), sorted, in UTC.

    No slot overlaps a blocked exception, and none comes within ``buffer_minutes`` of a busy
    interval (an existing booking). Slots start no earlier than ``not_before``.
    """
    zone = ZoneInfo(tz)
    session = timedelta(minutes=session_minutes)
    buffer = timedelta(minutes=buffer_minutes)
    step = session_minutes + buffer_minutes
    candidates: list[Interval] = []
    first = window_start.astimezone(zone).date() - timedelta(days=1)
    last = window_end.astimezone(zone).date() + timedelta(days=1)
    day = first
    while day <= last:
        for rule in rules:
            if rule.weekday == day.weekday() and rule.start_minute < rule.end_minute:
                candidates.extend(_grid(rule, day, zone, session, step))
        day += timedelta(days=1)
    for extra in exceptions:
        if extra.kind != EXTRA:
            continue
        start = extra.starts_at.astimezone(UTC)
        while start + session <= extra.ends_at:
            candidates.append(Interval(start, start + session))
            start += timedelta(minutes=step)
    blocked = [Interval(e.starts_at, e.ends_at) for e in exceptions if e.kind == BLOCKED]
    padded = [Interval(b.starts_at - buffer, b.ends_at + buffer) for b in busy]
    earliest = max(window_start, not_before) if not_before is not None else window_start
    kept: list[Interval] = []
    for slot in sorted(set(candidates)):
        if not earliest <= slot.starts_at < window_end:
            continue
        if any(slot.overlaps(other) for other in blocked) or any(slot.overlaps(other) for other in padded):
            continue
        if kept and slot.starts_at < kept[-1].ends_at + buffer:
            continue  # a one-off window overlapping a weekly one: keep the earlier slot
        kept.append(slot)
    return kept


def within_rules_or_extras(
    slot: Interval, rules: Sequence[WeeklyRule], exceptions: Sequence[Exception_], tz: str
) -> bool:
    """Whether ``slot`` lies inside a weekly window or a one-off extra window (for checks and tests)."""
    windows = rule_windows(rules, tz, slot.starts_at, slot.ends_at)
    windows += [Interval(e.starts_at, e.ends_at) for e in exceptions if e.kind == EXTRA]
    return any(w.starts_at <= slot.starts_at and slot.ends_at <= w.ends_at for w in windows)
