"""Helpers for marketplace tests: people with API tokens, a verified counsellor with a calendar."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import func, select

from anxin.accounts import mfa, sessions
from anxin.accounts import service as accounts
from anxin.accounts.models import User
from anxin.appointments import terms
from anxin.commerce.models import LedgerTransaction, Order, Payment
from anxin.core.db import Database
from anxin.counselors import service as counselors
from anxin.counselors.schemas import CredentialIn, ProfileIn, RuleIn

CARD = "4242 4242 4242 4242"
PDF = b"%PDF-1.4\n% a certificate\n"


@dataclass
class Person:
    id: int
    role: str
    headers: dict[str, str] = field(default_factory=dict)


async def person(app: FastAPI, role: str = "client") -> Person:
    database: Database = app.state.database
    async with database.transaction() as db:
        user = await accounts.create_confirmed_user(
            db,
            email=f"p{secrets.token_hex(5)}@example.com",
            password=f"calm river {secrets.token_hex(4)}",
            role=role,
            nickname=role,
        )
        if role != "client":
            await accounts.enable_totp_with_secret(db, user, mfa.new_secret())
        token, _ = await sessions.start(db, user, kind="api", user_agent=None)
    return Person(user.id, role, {"Authorization": f"Bearer {token}"})


async def people(app: FastAPI, count: int, role: str = "client") -> list[Person]:
    return [await person(app, role) for _ in range(count)]


def profile_in(**overrides: Any) -> ProfileIn:
    values: dict[str, Any] = {
        "name_en": "Lin Wei",
        "name_zh": "林薇",
        "bio_en": "I help people with anxiety and work stress using CBT.",
        "bio_zh": "我擅长用认知行为疗法帮助来访者应对焦虑和职场压力。",
        "specialties": ["anxiety", "career"],
        "approaches": ["cbt"],
        "languages": ["zh", "en"],
        "gender": "female",
        "city": "Shanghai",
        "prices": {"text": 200_00, "video": 400_00},
        "first_session_discount_bp": 0,
        "timezone": "Asia/Shanghai",
        "buffer_minutes": 10,
    }
    values.update(overrides)
    return ProfileIn(**values)


async def verified_counsellor(
    app: FastAPI,
    admin: Person,
    *,
    rules: list[RuleIn] | None = None,
    home: Any = None,
    **profile: Any,
) -> Person:
    """A counsellor who applied with a credential and a certificate and was approved."""
    counsellor = await person(app, "counsellor")
    database: Database = app.state.database
    async with database.transaction() as db:
        user = await db.get(User, counsellor.id)
        admin_user = await db.get(User, admin.id)
        assert user is not None and admin_user is not None
        await counselors.save_profile(db, user, profile_in(**profile))
        await counselors.add_credential(
            db,
            user,
            CredentialIn(
                qualification="cn_counsellor_level2",
                licence_number=f"L{secrets.token_hex(4)}",
                issuing_body="人力资源和社会保障部",
                years_of_practice=6,
                supervised_hours=300,
            ),
        )
        await counselors.add_document(
            db, user, home=home or app.state.settings.home, file_name="cert.pdf", data=PDF
        )
        await counselors.set_weekly_rules(
            db, user, rules or [RuleIn(weekday=d, start="09:00", end="18:00") for d in range(7)]
        )
        await counselors.submit_application(db, user)
        await counselors.decide(db, admin_user, counsellor.id, approve=True, reason="")
    return counsellor


def booking_body(
    counsellor: Person, starts_at: datetime, amount: int = 200_00, **extra: Any
) -> dict[str, Any]:
    body = {
        "counsellor_id": counsellor.id,
        "starts_at": starts_at.isoformat(),
        "modality": "text",
        "currency": "CNY",
        "expected_amount": amount,
        "accept_terms_version": terms.CURRENT_VERSION,
    }
    body.update(extra)
    return body


async def count(app: FastAPI, model: Any, *conditions: Any) -> int:
    database: Database = app.state.database
    async with database.transaction(write=False) as db:
        return int(await db.scalar(select(func.count()).select_from(model).where(*conditions)) or 0)


async def orders_of(app: FastAPI, client_id: int) -> int:
    return await count(app, Order, Order.client_id == client_id)


async def payments_total(app: FastAPI) -> int:
    return await count(app, Payment)


async def captures(app: FastAPI) -> int:
    return await count(app, LedgerTransaction, LedgerTransaction.kind == "capture")


def in_days(now: datetime, days: int, hour_utc: int) -> datetime:
    """A slot start ``days`` after ``now`` at ``hour_utc``:00 UTC (Shanghai 09:00-18:00 = 01:00-10:00 UTC)."""
    day = (now + timedelta(days=days)).replace(hour=hour_utc, minute=0, second=0, microsecond=0)
    return day


async def settle(app: FastAPI, done: Any, *, timeout: float = 20.0) -> None:
    """Run the outbox until ``await done()`` holds (jobs may still be running in the app's own relay)."""
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        await app.state.relay.drain()
        if await done():
            return
        assert loop.time() < deadline, "the outbox did not finish its jobs"
        await asyncio.sleep(0.05)


async def move_clock(app: FastAPI, when: datetime, *signed_in: Person) -> None:
    """Move the frozen clock to ``when``; sign the people in again (sessions time out when idle)."""
    from anxin.core import clock

    clock.freeze(when)
    database: Database = app.state.database
    async with database.transaction() as db:
        for someone in signed_in:
            user = await db.get(User, someone.id)
            assert user is not None
            token, _ = await sessions.start(db, user, kind="api", user_agent=None)
            someone.headers = {"Authorization": f"Bearer {token}"}
