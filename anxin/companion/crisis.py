"""The region's crisis lines for a handover, from safety's resource table (the same the footer and
``/api/v1/safety/resources`` show)."""

from __future__ import annotations

from starlette.requests import Request

from anxin.companion.schemas import CrisisLineOut, CrisisOut
from anxin.companion.settings import companion_settings
from anxin.safety.resources import REGION_COOKIE, region_from_accept_language, resources_for


def reader_region(request: Request) -> str | None:
    return request.cookies.get(REGION_COOKIE) or region_from_accept_language(
        request.headers.get("accept-language")
    )


def crisis_out(request: Request, locale: str) -> CrisisOut:
    default_region = str(request.app.state.settings.default_region)
    table = resources_for((reader_region(request) or default_region).upper(), default_region)
    return CrisisOut(
        region=table.code,
        emergency_number=table.emergency_number,
        lines=[
            CrisisLineOut(name=line.name(locale), phone=line.phone, hours=line.hours(locale))
            for line in table.lines
        ],
        safety_plan_url=companion_settings().safety_plan_url,
    )
