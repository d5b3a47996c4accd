"""Mood trends by week (ISO weeks, Monday first) and by month: pure functions over diary numbers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

PERIODS = ("week", "month")


@dataclass(frozen=True, slots=True)
class DayMood:
    day: date
    mood: int
    sleep_minutes: int | None


@dataclass(frozen=True, slots=True)
class TrendPoint:
    start: date
    label: str
    mood_average: float
    sleep_average_hours: float | None
    entries: int


def period_start(day: date, period: str) -> date:
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    raise ValueError(f"period must be one of {PERIODS}, not {period!r}")


def _label(start: date, period: str) -> str:
    if period == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{start.year}-{start.month:02d}"


def trend(days: Iterable[DayMood], period: str) -> list[TrendPoint]:
    """Average mood (1–10) and sleep per week or month, oldest first; periods without entries are left out."""
    groups: dict[date, list[DayMood]] = {}
    for item in days:
        groups.setdefault(period_start(item.day, period), []).append(item)
    points = []
    for start in sorted(groups):
        items = groups[start]
        sleeps = [item.sleep_minutes for item in items if item.sleep_minutes is not None]
        points.append(
            TrendPoint(
                start=start,
                label=_label(start, period),
                mood_average=round(sum(item.mood for item in items) / len(items), 2),
                sleep_average_hours=round(sum(sleeps) / len(sleeps) / 60, 2) if sleeps else None,
                entries=len(items),
            )
        )
    return points
