"""The one source of "now", so tests and scheduled jobs can move time."""

from __future__ import annotations

from datetime import UTC, datetime

_frozen: datetime | None = None


def utcnow() -> datetime:
    """Timezone-aware UTC now (or the frozen time in tests)."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def freeze(at: datetime | None) -> None:
    """Freeze the clock at ``at`` (aware UTC), or unfreeze with ``None``."""
    global _frozen
    if at is not None and at.tzinfo is None:
        raise ValueError("frozen time must be timezone-aware")
    _frozen = at


def as_utc(value: datetime) -> datetime:
    """Attach UTC to naive datetimes read back from SQLite, which drops the zone."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
