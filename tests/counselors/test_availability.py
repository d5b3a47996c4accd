"""The availability expansion: examples across DST changes and hypothesis properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from anxin.counselors.availability import (
    BLOCKED,
    EXTRA,
    Exception_,
    Interval,
    WeeklyRule,
    free_slots,
    within_rules_or_extras,
)

ZONES = ["Asia/Shanghai", "Europe/London", "America/New_York", "Australia/Sydney", "UTC", "America/Sao_Paulo"]


def local(tz: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz))  # type: ignore[misc]


def test_slots_follow_the_rule_in_local_time_and_are_returned_in_utc() -> None:
    monday = datetime(2026, 3, 2, tzinfo=UTC)
    slots = free_slots(
        rules=[WeeklyRule(0, 9 * 60, 12 * 60 + 30)],
        tz="Asia/Shanghai",
        window_start=monday - timedelta(days=1),
        window_end=monday + timedelta(days=1),
        buffer_minutes=10,
    )
    assert [s.starts_at for s in slots] == [
        datetime(2026, 3, 2, 1, 0, tzinfo=UTC),
        datetime(2026, 3, 2, 2, 0, tzinfo=UTC),
        datetime(2026, 3, 2, 3, 0, tzinfo=UTC),
    ]  # 09:00, 10:00 and 11:00 in Shanghai (every 50 + 10 minutes; 12:00 would end after 12:30)
    assert all(s.ends_at - s.starts_at == timedelta(minutes=50) for s in slots)


def test_local_wall_time_is_kept_across_the_spring_dst_change() -> None:
    rules = [WeeklyRule(day, 9 * 60, 10 * 60) for day in range(7)]
    # New York moves clocks forward on Sunday 8 March 2026.
    slots = free_slots(
        rules=rules,
        tz="America/New_York",
        window_start=datetime(2026, 3, 6, tzinfo=UTC),
        window_end=datetime(2026, 3, 11, tzinfo=UTC),
    )
    by_day = {s.starts_at.astimezone(ZoneInfo("America/New_York")).date().day: s for s in slots}
    assert by_day[7].starts_at.hour == 14  # 09:00 EST = 14:00 UTC
    assert by_day[9].starts_at.hour == 13  # 09:00 EDT = 13:00 UTC
    assert all(s.starts_at.astimezone(ZoneInfo("America/New_York")).hour == 9 for s in slots)


def test_a_start_inside_the_spring_gap_is_skipped_and_the_autumn_fold_gives_one_slot() -> None:
    rules = [WeeklyRule(6, 2 * 60, 3 * 60 + 30)]  # Sundays 02:00-03:30
    gap = free_slots(
        rules=rules,
        tz="America/New_York",
        window_start=datetime(2026, 3, 8, tzinfo=UTC),
        window_end=datetime(2026, 3, 9, tzinfo=UTC),
        buffer_minutes=10,
    )
    # 02:00 does not exist on 8 March; the window is 03:00-03:30 EDT, too short for a session.
    assert gap == []
    fold = free_slots(
        rules=[WeeklyRule(6, 60, 3 * 60)],  # 01:00-03:00 on 1 November, which lasts 3 real hours
        tz="America/New_York",
        window_start=datetime(2026, 11, 1, tzinfo=UTC),
        window_end=datetime(2026, 11, 2, tzinfo=UTC),
        buffer_minutes=10,
    )
    starts = [s.starts_at for s in fold]
    assert len(starts) == len(set(starts))
    assert all(b.starts_at >= a.ends_at for a, b in pairwise(fold))


def test_blocked_exceptions_bookings_and_buffers_remove_slots_and_extras_add_them() -> None:
    day = datetime(2026, 3, 2, tzinfo=UTC)
    rules = [WeeklyRule(0, 0, 6 * 60)]  # Monday 00:00-06:00 UTC
    all_slots = free_slots(rules=rules, tz="UTC", window_start=day, window_end=day + timedelta(days=1))
    assert len(all_slots) == 6
    booked = Interval(day + timedelta(hours=1), day + timedelta(hours=1, minutes=50))
    blocked = Exception_(BLOCKED, day + timedelta(hours=4), day + timedelta(hours=5))
    extra = Exception_(EXTRA, day + timedelta(hours=20), day + timedelta(hours=21))
    slots = free_slots(
        rules=rules,
        exceptions=[blocked, extra],
        busy=[booked],
        tz="UTC",
        window_start=day,
        window_end=day + timedelta(days=1),
        buffer_minutes=10,
    )
    starts = [s.starts_at.hour for s in slots]
    assert starts == [0, 2, 3, 5, 20]


moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
rules_strategy = st.lists(
    st.tuples(st.integers(0, 6), st.integers(0, 23 * 60), st.integers(50, 12 * 60)).map(
        lambda t: WeeklyRule(t[0], t[1], min(24 * 60, t[1] + t[2]))
    ),
    min_size=1,
    max_size=6,
)


@st.composite
def intervals(draw: st.DrawFn, around: datetime) -> Interval:
    start = around + timedelta(minutes=draw(st.integers(-3 * 24 * 60, 10 * 24 * 60)))
    return Interval(start, start + timedelta(minutes=draw(st.integers(10, 300))))


@settings(max_examples=60, deadline=None)
@given(
    tz=st.sampled_from(ZONES),
    rules=rules_strategy,
    start=moments,
    data=st.data(),
    buffer=st.integers(0, 30),
)
def test_no_slot_overlaps_a_booking_or_a_block_or_falls_outside_the_rules(
    tz: str, rules: list[WeeklyRule], start: datetime, data: st.DataObject, buffer: int
) -> None:
    busy = data.draw(st.lists(intervals(start), max_size=8))
    blocked = [
        Exception_(BLOCKED, i.starts_at, i.ends_at) for i in data.draw(st.lists(intervals(start), max_size=3))
    ]
    extras = [
        Exception_(EXTRA, i.starts_at, i.ends_at) for i in data.draw(st.lists(intervals(start), max_size=2))
    ]
    end = start + timedelta(days=7)
    slots = free_slots(
        rules=rules,
        exceptions=blocked + extras,
        busy=busy,
        tz=tz,
        window_start=start,
        window_end=end,
        buffer_minutes=buffer,
    )
    pad = timedelta(minutes=buffer)
    for slot in slots:
        assert slot.starts_at.tzinfo is not None and slot.starts_at.utcoffset() == timedelta(0)
        assert start <= slot.starts_at < end
        assert slot.ends_at - slot.starts_at == timedelta(minutes=50)
        assert not any(slot.overlaps(Interval(b.starts_at - pad, b.ends_at + pad)) for b in busy)
        assert not any(slot.overlaps(Interval(b.starts_at, b.ends_at)) for b in blocked)
        assert within_rules_or_extras(slot, rules, extras, tz)
    for earlier, later in pairwise(slots):
        assert later.starts_at >= earlier.ends_at + pad


@settings(max_examples=40, deadline=None)
@given(tz=st.sampled_from(ZONES), rules=rules_strategy, start=moments)
def test_without_bookings_every_rule_window_long_enough_offers_a_slot(
    tz: str, rules: list[WeeklyRule], start: datetime
) -> None:
    slots = free_slots(
        rules=rules, tz=tz, window_start=start, window_end=start + timedelta(days=14), buffer_minutes=0
    )
    zone = ZoneInfo(tz)
    # Every slot starts at a wall time that the rule's grid allows.
    for slot in slots:
        wall = slot.starts_at.astimezone(zone)
        minute = wall.hour * 60 + wall.minute
        assert any(
            r.weekday == wall.weekday()
            and r.start_minute <= minute < r.end_minute
            and (minute - r.start_minute) % 50 == 0
            for r in rules
        )
