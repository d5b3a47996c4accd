"""Demo counsellors (``anxin demo``): the two demo counsellor accounts and a few more, verified, with
bilingual profiles and weekly availability, so ``anxin serve`` shows a real directory."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts import service as accounts
from anxin.accounts.demo import DEMO_PASSWORD
from anxin.accounts.identifiers import parse_identifier
from anxin.accounts.models import ROLE_COUNSELLOR
from anxin.core import clock
from anxin.core.demo import demo_seeder
from anxin.counselors import service
from anxin.counselors.models import VERIFIED
from anxin.counselors.schemas import ProfileIn, RuleIn

WEEKDAYS = range(5)
DEMO_COUNSELLORS: list[tuple[str, dict[str, Any], list[tuple[str, str]]]] = [
    (
        "counsellor1@demo.anxin.invalid",
        dict(
            name_en="Wang Fang",
            name_zh="王芳",
            bio_en="Ten years of counselling for anxiety, low mood and work stress; calm, practical, CBT.",
            bio_zh="从事心理咨询十年，擅长焦虑、情绪低落与职场压力，风格平和务实，以认知行为疗法为主。",
            specialties=["anxiety", "depression", "career"],
            approaches=["cbt", "mindfulness"],
            languages=["zh"],
            gender="female",
            city="上海",
            prices={"text": 198_00, "voice": 298_00, "video": 398_00},
            first_session_discount_bp=2000,
        ),
        [("09:00", "12:00"), ("14:00", "18:00")],
    ),
    (
        "counsellor2@demo.anxin.invalid",
        dict(
            name_en="Dr. Lee Ming",
            name_zh="李明博士",
            bio_en="Licensed psychologist. Relationships, parenting and family life, in English or Mandarin.",
            bio_zh="执业心理学家，关注亲密关系、亲子教养与家庭生活，可用英语或普通话咨询。",
            specialties=["relationships", "parenting"],
            approaches=["family_systems", "humanistic"],
            languages=["en", "zh"],
            gender="male",
            city="Hong Kong",
            prices={"voice": 450_00, "video": 500_00},
            first_session_discount_bp=0,
            timezone="Asia/Hong_Kong",
        ),
        [("10:00", "13:00"), ("19:00", "21:00")],
    ),
    (
        "counsellor3@demo.anxin.invalid",
        dict(
            name_en="Chen Jing",
            name_zh="陈静",
            bio_en="Social worker and counsellor. Grief, trauma and sleep, gently and at your pace.",
            bio_zh="社会工作者、心理咨询师，陪伴你面对哀伤、创伤与睡眠困扰，温和而不催促。",
            specialties=["grief", "trauma", "sleep"],
            approaches=["psychodynamic", "humanistic"],
            languages=["zh", "yue"],
            gender="female",
            city="广州",
            prices={"text": 150_00, "video": 300_00},
            first_session_discount_bp=1000,
        ),
        [("08:00", "11:00"), ("13:00", "17:00")],
    ),
]


@demo_seeder("counselors")
async def seed_counselors(db: AsyncSession) -> list[str]:
    lines = []
    for email, profile, windows in DEMO_COUNSELLORS:
        user = await accounts.find_by_identifier(db, parse_identifier(email))
        if user is None:
            user = await accounts.create_confirmed_user(
                db,
                email=email,
                password=DEMO_PASSWORD,
                role=ROLE_COUNSELLOR,
                nickname=str(profile["name_zh"]),
                is_demo=True,
            )
        if user.role != ROLE_COUNSELLOR:
            continue
        row = await service.save_profile(db, user, ProfileIn(**profile))
        await service.set_weekly_rules(
            db,
            user,
            [RuleIn(weekday=day, start=start, end=end) for day in WEEKDAYS for start, end in windows],
        )
        if row.status != VERIFIED:
            # Demo data stands in for a real verification: no certificate files exist for it.
            row.status, row.decided_at = VERIFIED, clock.utcnow()
        lines.append(f"counsellor  {email}: verified profile {profile['name_zh']} with weekday availability")
    return lines
