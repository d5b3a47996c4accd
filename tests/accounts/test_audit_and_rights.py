"""Every guess at a secret is audited (never the secret); a person's account data is exported and
erased through privacy's data-rights registry."""

from __future__ import annotations

import io
import json
import zipfile

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from anxin.accounts.models import LoginSession, User
from anxin.core.db import Database
from anxin.modules import load_tasks
from anxin.privacy import rights
from anxin.privacy.models import AuditEvent
from tests.accounts.support import API, new_email, sign_up


async def audit_rows(database: Database) -> list[AuditEvent]:
    async with database.transaction(write=False) as db:
        return list((await db.scalars(select(AuditEvent).order_by(AuditEvent.seq))).all())


async def test_every_attempt_is_audited_without_the_secret(
    app: FastAPI, client: httpx.AsyncClient, database: Database
) -> None:
    account = await sign_up(client, app)
    wrong_password = "definitely-not-it-42"
    await client.post(f"{API}/login", json={"identifier": account["identifier"], "password": wrong_password})
    await client.post(f"{API}/login", json={"identifier": new_email(), "password": wrong_password})
    await client.post(
        f"{API}/login", json={"identifier": account["identifier"], "password": account["password"]}
    )

    logins = [
        (row.subject_id, row.outcome)
        for row in await audit_rows(database)
        if row.action == "accounts.password"
    ]
    assert logins == [(account["user_id"], "failure"), (None, "failure"), (account["user_id"], "success")]
    dumped = json.dumps([[row.details, row.object_id] for row in await audit_rows(database)])
    for secret in (wrong_password, account["password"], account["identifier"]):
        assert secret not in dumped


async def test_export_and_erase(app: FastAPI, client: httpx.AsyncClient, database: Database) -> None:
    load_tasks()
    account = await sign_up(client, app)
    other = await sign_up(client, app)
    async with database.transaction() as db:
        archive = await rights.export_subject(db, account["user_id"])
    data = json.loads(zipfile.ZipFile(io.BytesIO(archive)).read("data.json"))
    exported = data["modules"]["accounts"]
    assert exported["profile"]["email"] == account["identifier"]
    assert exported["profile"]["birth_date"] == "1990-05-06"
    assert len(exported["sessions"]) == 1
    assert "password" not in json.dumps(exported).replace("password_changed_at", "")

    async with database.transaction() as db:
        await rights.erase_subject(db, account["user_id"])
    async with database.transaction(write=False) as db:
        assert await db.get(User, account["user_id"]) is None
        assert (
            await db.scalar(
                select(func.count())
                .select_from(LoginSession)
                .where(LoginSession.user_id == account["user_id"])
            )
            == 0
        )
        assert await db.get(User, other["user_id"]) is not None
    assert (await client.get(f"{API}/me", headers=account["headers"])).status_code == 401
    gone = await client.post(
        f"{API}/login", json={"identifier": account["identifier"], "password": account["password"]}
    )
    assert gone.status_code == 401
