"""Shared by routes and pages: the reader's region, and flags as API shapes."""

from __future__ import annotations

from fastapi import Request

from anxin.accounts.models import User
from anxin.safety import resources
from anxin.safety.models import RiskFlag, RiskFlagEvent
from anxin.safety.schemas import CrisisLineOut, FlagDetailOut, FlagEventOut, FlagOut, ResourcesOut


def reader_region(request: Request, user: User | None = None, chosen: str | None = None) -> str:
    """Asked for, else the region cookie, else the account's region, else Accept-Language, else default."""
    table = resources.crisis_resources()
    for candidate in (
        chosen,
        request.cookies.get(resources.REGION_COOKIE),
        user.region if user is not None else None,
        resources.region_from_accept_language(request.headers.get("accept-language")),
    ):
        if candidate and candidate.upper() in table:
            return candidate.upper()
    return str(request.app.state.settings.default_region).upper()


def resources_out(region: str, default_region: str, locale: str) -> ResourcesOut:
    table = resources.resources_for(region, default_region)
    return ResourcesOut(
        region=table.code,
        region_name=table.name(locale),
        emergency_number=table.emergency_number,
        lines=[
            CrisisLineOut(name=line.name(locale), phone=line.phone, hours=line.hours(locale))
            for line in table.lines
        ],
    )


def flag_out(flag: RiskFlag) -> FlagOut:
    return FlagOut(
        id=flag.id,
        subject_id=flag.subject_id,
        source=flag.source,
        origin=flag.origin,
        level=flag.level,
        reasons=list(flag.reasons or []),
        model_version=flag.model_version,
        status=flag.status,
        owner_id=flag.owner_id,
        escalated=flag.escalated_at is not None,
        acknowledged_by=flag.acknowledged_by,
        follow_up=flag.follow_up,
        created_at=flag.created_at,
    )


def flag_detail(flag: RiskFlag, events: list[tuple[RiskFlagEvent, str | None]]) -> FlagDetailOut:
    return FlagDetailOut(
        **flag_out(flag).model_dump(),
        events=[
            FlagEventOut(kind=row.kind, code=row.code, actor_id=row.actor_id, note=note, at=row.created_at)
            for row, note in events
        ],
    )
