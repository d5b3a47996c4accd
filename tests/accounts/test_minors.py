"""Minors need a guardian's consent, confirmed with a code sent to the guardian, before care opens."""

from __future__ import annotations

from datetime import date

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from anxin.accounts import service
from anxin.accounts.errors import GuardianConsentRequired
from anxin.accounts.models import GuardianConsent, User
from anxin.core import clock
from anxin.core.db import Database
from tests.accounts.support import API, last_code, sign_up


def years_ago(years: int) -> str:
    today = clock.utcnow().date()
    return (
        date(today.year - years, 1, 1).isoformat()
        if today.month > 1
        else date(today.year - years - 1, 1, 1).isoformat()
    )


async def care_allowed(database: Database, user_id: int) -> bool:
    async with database.transaction(write=False) as db:
        user = await db.get(User, user_id)
        assert user is not None
        try:
            await service.require_care_access(db, user)
        except GuardianConsentRequired:
            return False
        return True


async def test_a_minor_is_blocked_until_the_guardian_confirms(
    app: FastAPI, client: httpx.AsyncClient, database: Database
) -> None:
    minor = await sign_up(client, app, birth_date=years_ago(15))
    assert (await client.get(f"{API}/me", headers=minor["headers"])).json()[
        "guardian_consent_required"
    ] is True
    assert not await care_allowed(database, minor["user_id"])

    asked = await client.post(
        f"{API}/guardian-consent",
        headers=minor["headers"],
        json={"guardian_name": "李女士", "guardian_contact": "13912345678"},
    )
    assert asked.status_code == 202
    code = await last_code(app, "+8613912345678")
    wrong = await client.post(
        f"{API}/guardian-consent/confirm",
        headers=minor["headers"],
        json={"code": "000000" if code != "000000" else "1"},
    )
    assert wrong.status_code == 422
    assert not await care_allowed(database, minor["user_id"])
    done = await client.post(f"{API}/guardian-consent/confirm", headers=minor["headers"], json={"code": code})
    assert done.status_code == 204
    assert await care_allowed(database, minor["user_id"])
    async with database.transaction(write=False) as db:
        consent = (await db.scalars(select(GuardianConsent))).one()
    assert "李女士".encode() not in consent.guardian_name_sealed  # sealed, not stored in the clear


async def test_adults_need_no_guardian(app: FastAPI, client: httpx.AsyncClient, database: Database) -> None:
    adult = await sign_up(client, app, birth_date=years_ago(30))
    assert await care_allowed(database, adult["user_id"])


async def test_the_age_of_majority_is_configured_per_region(
    app: FastAPI, client: httpx.AsyncClient, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from anxin.accounts.settings import reset_account_settings

    monkeypatch.setenv("ANXIN_ADULT_AGE_BY_REGION", '{"CN": 20}')
    reset_account_settings()
    nineteen = await sign_up(client, app, birth_date=years_ago(19))
    assert not await care_allowed(database, nineteen["user_id"])


async def test_counsellors_must_be_adults(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{API}/signup",
        json={
            "identifier": "young@example.com",
            "password": "a long enough secret",
            "birth_date": years_ago(16),
            "role": "counsellor",
        },
    )
    assert response.status_code == 422
