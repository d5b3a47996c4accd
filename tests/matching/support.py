"""Counsellors with profiles and weekly hours, for matching tests and benchmarks."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts import service as accounts
from anxin.accounts.models import ROLE_COUNSELLOR
from anxin.counselors import service as counselors
from anxin.counselors.models import VERIFIED
from anxin.counselors.schemas import ProfileIn, RuleIn


async def make_counsellor(
    db: AsyncSession,
    *,
    verified: bool = True,
    hours: list[tuple[int, str, str]] | None = None,
    **profile: Any,
) -> int:
    """A counsellor (verified unless told otherwise) with weekly hours ((weekday, start, end) …)."""
    user = await accounts.create_confirmed_user(
        db,
        email=f"c{secrets.token_hex(6)}@example.com",
        password=f"calm river {secrets.token_hex(4)}",
        role=ROLE_COUNSELLOR,
    )
    values: dict[str, Any] = {
        "name_en": "Test Counsellor",
        "name_zh": "测试咨询师",
        "specialties": ["anxiety"],
        "approaches": ["cbt"],
        "languages": ["zh"],
        "gender": "female",
        "prices": {"text": 200_00, "video": 400_00},
        "timezone": "Asia/Shanghai",
    }
    values.update(profile)
    row = await counselors.save_profile(db, user, ProfileIn(**values))
    windows = hours if hours is not None else [(day, "09:00", "21:00") for day in range(7)]
    await counselors.set_weekly_rules(db, user, [RuleIn(weekday=d, start=s, end=e) for d, s, e in windows])
    if verified:
        row.status = VERIFIED  # stands in for an admin's decision, as the demo data does
    await db.flush()
    return user.id
