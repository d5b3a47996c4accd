"""Demo data: the first demo client has a few PHQ-9, GAD-7 and WHO-5 results and two weeks of mood
diary, shared with the first demo counsellor (idempotent: a client who has results is left alone)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts import service as accounts
from anxin.accounts.demo import DEMO_ACCOUNTS
from anxin.accounts.identifiers import parse_identifier
from anxin.accounts.models import ROLE_CLIENT, ROLE_COUNSELLOR
from anxin.appointments.models import CareRelationship
from anxin.assessments import counselling, service, sharing
from anxin.assessments.models import ITEM_DIARY, ITEM_MEASURES, AssessmentResponse
from anxin.core import clock
from anxin.core.demo import demo_seeder

RESULTS = [
    ("phq9", [2, 2, 1, 2, 1, 1, 1, 0, 0]),
    ("gad7", [2, 2, 2, 1, 1, 1, 1]),
    ("phq9", [1, 1, 1, 1, 1, 1, 1, 0, 0]),
    ("gad7", [1, 1, 1, 1, 0, 1, 0]),
    ("who5", [3, 3, 2, 2, 3]),
]
MOODS = [4, 5, 4, 6, 5, 6, 7, 5, 6, 7, 7, 6, 8, 7]


async def _user_id(db: AsyncSession, email: str) -> int | None:
    user = await accounts.find_by_identifier(db, parse_identifier(email))
    return user.id if user else None


@demo_seeder("assessments")
async def seed_assessments(db: AsyncSession) -> list[str]:
    counsellors = [email for email, role, _ in DEMO_ACCOUNTS if role == ROLE_COUNSELLOR]
    clients = [email for email, role, _ in DEMO_ACCOUNTS if role == ROLE_CLIENT]
    counsellor, client = await _user_id(db, counsellors[0]), await _user_id(db, clients[0])
    if counsellor is None or client is None:
        return ["no demo accounts: assessments demo data skipped"]
    lines = [
        f"{clients[0]}: results under /checkins, mood diary under /diary",
        f"{counsellors[0]}: the client's dashboard under /counsellor/clients/{client}",
    ]
    if await db.scalar(
        select(func.count()).select_from(AssessmentResponse).where(AssessmentResponse.subject_id == client)
    ):
        return lines
    related = await db.scalar(
        select(CareRelationship.id).where(
            CareRelationship.client_id == client,
            CareRelationship.counsellor_id == counsellor,
            CareRelationship.status == "active",
        )
    )
    if related is None:
        # Demo only: in real use the first confirmed booking opens the care relationship.
        db.add(
            CareRelationship(
                client_id=client, counsellor_id=counsellor, status="active", started_at=clock.utcnow()
            )
        )
        await db.flush()
    now = clock.utcnow()
    for weeks_ago, (code, answers) in zip(range(len(RESULTS) * 2, 0, -2), RESULTS, strict=True):
        done = await service.submit(db, client, code, answers, language="zh-CN")
        done.response.created_at = now - timedelta(weeks=weeks_ago)
    today = now.date()
    for days_ago, mood in zip(range(len(MOODS), 0, -1), MOODS, strict=True):
        await service.save_diary(
            db, client, day=today - timedelta(days=days_ago), mood=mood, emotions=["calm"], sleep_hours=7
        )
    await sharing.set_sharing(db, client, {ITEM_MEASURES: True, ITEM_DIARY: True}, channel="cli")
    await counselling.assign(db, counsellor, client, "who5", notify_client=False)
    await db.flush()
    return lines
