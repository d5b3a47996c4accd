"""T8 for assessments: canaries written through the API as a diary note, feelings and a referral
note appear nowhere in the raw database (SQLite files, or a pg_dump), while a control canary in a
plain column is found by the same search; the owner still reads them back."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI

from anxin.core import clock
from tests.assessments.support import care_pair
from tests.rooms.at_rest import raw_database_contains

API = "/api/v1/assessments"


async def test_no_canary_at_rest(app: FastAPI, client: httpx.AsyncClient, database_url: str) -> None:
    me, counsellor = await care_pair(app)
    note, referral = f"CANARY-{uuid.uuid4()}", f"CANARY-{uuid.uuid4()}"
    today = clock.utcnow().date().isoformat()
    saved = await client.post(
        f"{API}/diary",
        json={"day": today, "mood": 4, "emotions": ["lonely"], "note": note},
        headers=me.headers,
    )
    assert saved.status_code == 201
    made = await client.post(
        f"{API}/clients/{me.id}/referrals",
        json={"reason": "other", "service_type": "other", "notes": referral},
        headers=counsellor.headers,
    )
    assert made.status_code == 201
    await client.post(
        f"{API}/instruments/phq9/responses", json={"answers": [3] * 8 + [0]}, headers=me.headers
    )
    await app.state.database.dispose()  # flush SQLite's WAL into the files we read
    for canary in (note, referral):
        assert not raw_database_contains(database_url, canary.encode())
    assert not raw_database_contains(database_url, b"lonely")
    # The control: a plain column the same search does find (the client's role name sits in users).
    assert raw_database_contains(database_url, b"counsellor")
    mine = (await client.get(f"{API}/diary", headers=me.headers)).json()
    assert mine[0]["note"] == note and mine[0]["emotions"] == ["lonely"]
    assert (await client.get(f"{API}/referrals", headers=me.headers)).json()[0]["notes"] == referral
