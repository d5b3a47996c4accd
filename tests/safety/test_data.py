"""Safety's data: the crisis-resources table (every entry complete, an operator's file extends it),
export and erasure of a person's safety data, and idempotent demo data (the demo admin on call)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from anxin.accounts.demo import seed_accounts
from anxin.core.db import Database
from anxin.privacy import rights
from anxin.safety import resources, rota
from anxin.safety.demo import seed_safety
from anxin.safety.models import EmergencyContact, OnCallShift, RiskFlag, SafetyPlan
from anxin.safety.settings import reset_safety_settings
from tests.safety.support import HIGH_RISK, flags, make_care


def test_every_region_has_numbers_in_both_languages() -> None:
    for code, table in resources.CRISIS_RESOURCES.items():
        assert table.code == code and table.emergency_number and table.name_en and table.name_zh
        for line in table.lines:
            assert line.phone.strip() and line.name_en and line.name_zh and line.hours_en and line.hours_zh
    assert [line.phone for line in resources.CRISIS_RESOURCES["CN"].lines] == ["12356", "010-82951332"]
    assert [line.phone for line in resources.CRISIS_RESOURCES["US"].lines] == ["988"]
    assert resources.resources_for("ZZ", "CN").code == "CN"


def test_an_operator_file_adds_a_region(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "lines.json"
    entry = {
        "name_en": "Japan",
        "name_zh": "日本",
        "emergency_number": "119 / 110",
        "lines": [{"name_en": "Inochi no Denwa", "name_zh": "生命电话", "phone": "0570-783-556"}],
    }
    path.write_text(json.dumps({"jp": entry}), "utf-8")
    monkeypatch.setenv("ANXIN_SAFETY_RESOURCES_FILE", str(path))
    reset_safety_settings()
    try:
        assert resources.crisis_resources()["JP"].lines[0].phone == "0570-783-556"
    finally:
        resources.CRISIS_RESOURCES.pop("JP", None)
        reset_safety_settings()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"XX": {**entry, "lines": [{"name_en": "a", "name_zh": "b", "phone": " "}]}}))
    with pytest.raises(ValueError, match="phone"):
        resources.load_resources_file(bad)


async def test_export_then_erase(app: FastAPI, client: httpx.AsyncClient) -> None:
    database = app.state.database
    care = await make_care(database)
    client_id = care.client.user_id
    await client.put(
        "/api/v1/safety/me/emergency-contact", json={"name": "A", "phone": "1"}, headers=care.client.headers
    )
    await client.put(
        f"/api/v1/safety/plans/{client_id}", json={"coping_steps": "walk"}, headers=care.client.headers
    )
    await client.post(
        f"/api/v1/rooms/{care.room_id}/messages",
        json={"text": HIGH_RISK, "client_msg_id": "d1"},
        headers=care.client.headers,
    )
    (flag,) = await flags(database)
    await client.post(f"/api/v1/safety/flags/{flag.id}/acknowledge", headers=care.counsellor.headers)
    await client.post(
        f"/api/v1/safety/flags/{flag.id}/notes",
        json={"text": "spoke on the phone"},
        headers=care.counsellor.headers,
    )
    async with database.transaction() as db:
        data = await rights.export_subject(db, client_id)
    exported = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("data.json"))
    mine = exported["modules"]["safety"] if "modules" in exported else exported["safety"]
    assert [event["note"] for event in mine["risk_flags"][0]["events"] if event["kind"] == "note"] == [
        "spoke on the phone"
    ]
    assert mine["emergency_contact"]["name"] == "A" and "walk" in mine["safety_plan"]
    async with database.transaction() as db:
        await rights.erase_subject(db, care.counsellor.user_id)
    async with database.transaction(write=False) as db:
        kept = await db.get(RiskFlag, flag.id)
        assert kept is not None and kept.owner_id is None and kept.acknowledged_by is None
    async with database.transaction() as db:
        await rights.erase_subject(db, client_id)
    async with database.transaction(write=False) as db:
        for table in (RiskFlag, EmergencyContact, SafetyPlan):
            assert await db.scalar(select(func.count()).select_from(table)) == 0


async def test_demo_puts_the_demo_admin_on_call_once(database: Database) -> None:
    for _ in range(2):
        async with database.transaction() as db:
            await seed_accounts(db)
            lines = await seed_safety(db)
    assert any("on call" in line for line in lines)
    async with database.transaction(write=False) as db:
        assert await db.scalar(select(func.count()).select_from(OnCallShift)) == 4
        admins = await rota.admins(db)
        assert await rota.on_call_now(db) == [admins[0].id]
