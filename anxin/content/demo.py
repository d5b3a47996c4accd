"""Demo data: two articles (one free, one paid, in Chinese and English), a course with two lessons
whose audio is a short tone generated here with the ``wave`` module (no third-party files), a live
event, and the first demo counsellor's terms for paid questions. Idempotent."""

from __future__ import annotations

import io
import math
import struct
import wave
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts import service as accounts
from anxin.accounts.demo import DEMO_ACCOUNTS
from anxin.accounts.identifiers import parse_identifier
from anxin.accounts.models import ROLE_COUNSELLOR, User
from anxin.content import lessons, questions, service
from anxin.content.models import ContentItem
from anxin.content.schemas import ItemIn
from anxin.core import clock
from anxin.core.config import get_settings
from anxin.core.demo import demo_seeder
from anxin.counselors.errors import CounselorNotFound
from anxin.counselors.service import public_profile


def tone(seconds: float = 6.0, hz: float = 330.0, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        fade = rate // 4
        samples = []
        for n in range(int(seconds * rate)):
            envelope = min(1.0, n / fade, (seconds * rate - n) / fade)
            samples.append(struct.pack("<h", int(6000 * envelope * math.sin(2 * math.pi * hz * n / rate))))
        out.writeframes(b"".join(samples))
    return buffer.getvalue()


ITEMS = [
    ItemIn(
        kind="article",
        topic="sleep",
        language="zh",
        title="睡个好觉：写给焦虑时的你",
        summary="焦虑的夜晚，三个能马上用上的小方法。",
        preview_md="## 为什么越想睡越睡不着\n\n焦虑让身体保持**警觉**。",
        body_md=(
            "### 方法一：4-7-8 呼吸\n\n吸气 4 秒，屏息 7 秒，呼气 8 秒，重复四轮。\n\n"
            "### 方法二：担忧清单\n\n睡前一小时把担心写下来。"
        ),
        amount=19_90,
    ),
    ItemIn(
        kind="article",
        topic="anxiety",
        language="en",
        title="What anxiety is for",
        summary="A free introduction to how anxiety works.",
        preview_md="Anxiety is an **alarm**: useful when it fits the danger, tiring when it does not.",
        body_md="",
        amount=0,
    ),
    ItemIn(
        kind="course",
        topic="anxiety",
        language="zh",
        title="七天呼吸练习",
        summary="每天十分钟，跟着音频练习平静呼吸。",
        preview_md="第一课免费试听。",
        body_md="完整课程共两课。",
        amount=99_00,
    ),
]


@demo_seeder("content")
async def seed_content(db: AsyncSession) -> list[str]:
    email = next(email for email, role, _ in DEMO_ACCOUNTS if role == ROLE_COUNSELLOR)
    found = await accounts.find_by_identifier(db, parse_identifier(email))
    if found is None:
        return ["no demo counsellor: content demo data skipped"]
    author = await db.get(User, found.id)
    assert author is not None
    try:
        await public_profile(db, author.id)
    except CounselorNotFound:
        return ["the demo counsellor is not verified: content demo data skipped"]
    lines = []
    existing = {
        row.title for row in (await db.scalars(select(ContentItem).where(ContentItem.author_id == author.id)))
    }
    home = get_settings().home
    for data in [*ITEMS, _event()]:
        if data.title in existing:
            continue
        item = await service.create_item(db, author, data)
        if item.kind == "course":
            for n, free in ((1, True), (2, False)):
                await lessons.add_lesson(
                    db,
                    author,
                    item.id,
                    home=home,
                    title=f"第 {n} 课：呼吸 {n}",
                    notes_md="跟着提示音**慢慢**呼吸。",
                    free=free,
                    audio=tone(hz=300.0 + 60 * n),
                )
        await service.publish(db, author, item.id)
        lines.append(f"{item.kind:<10} /library/{item.id}  {item.title}")
    await questions.set_terms(db, author, currency="CNY", price=30_00, unlock_price=1_00, deadline_hours=48)
    lines.append(f"{email} answers paid questions for 30.00 CNY (unlock 1.00); see /library and /studio")
    return lines


def _event() -> ItemIn:
    return ItemIn(
        kind="live_event",
        topic="work",
        language="zh",
        title="线上小组问答：职场压力",
        summary="一小时小组问答，限 20 人。",
        preview_md="带着你的问题来。",
        amount=29_00,
        capacity=20,
        starts_at=clock.utcnow() + timedelta(days=7),
    )
