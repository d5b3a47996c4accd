"""Demo data: the demo admin is on call for the next four weeks (one shift per week), and the first
demo client has a short safety plan (idempotent: an admin with shifts is left alone)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts import service as accounts
from anxin.accounts.demo import DEMO_ACCOUNTS
from anxin.accounts.identifiers import parse_identifier
from anxin.accounts.models import ROLE_ADMIN, ROLE_CLIENT
from anxin.core import clock
from anxin.core.demo import demo_seeder
from anxin.safety import plans, rota
from anxin.safety.models import OnCallShift, SafetyPlan

WEEKS = 4


@demo_seeder("safety")
async def seed_safety(db: AsyncSession) -> list[str]:
    admin_email = next(email for email, role, _ in DEMO_ACCOUNTS if role == ROLE_ADMIN)
    client_email = next(email for email, role, _ in DEMO_ACCOUNTS if role == ROLE_CLIENT)
    admin = await accounts.find_by_identifier(db, parse_identifier(admin_email))
    client = await accounts.find_by_identifier(db, parse_identifier(client_email))
    if admin is None or client is None:
        return ["no demo accounts: safety demo data skipped"]
    if not await db.scalar(
        select(func.count()).select_from(OnCallShift).where(OnCallShift.user_id == admin.id)
    ):
        start = clock.utcnow().replace(minute=0, second=0, microsecond=0)
        for week in range(WEEKS):
            await rota.add_shift(
                db,
                admin,
                user_id=admin.id,
                starts_at=start + timedelta(weeks=week),
                ends_at=start + timedelta(weeks=week + 1),
            )
    if await db.get(SafetyPlan, client.id) is None:
        await plans.save_plan(
            db,
            client,
            client.id,
            {
                "warning_signs": "睡不着、不想见人的时候",
                "coping_steps": "慢慢呼吸，出去走一走，听喜欢的歌",
                "people_and_places": "给姐姐打电话；去楼下的公园",
                "professionals": "我的咨询师；全国心理援助热线 12356",
            },
        )
    return [
        f"{admin_email}: on call for the next {WEEKS} weeks (/safety/rota); risk alerts under /safety/alerts",
        f"{client_email}: a safety plan under /safety/plan",
    ]
