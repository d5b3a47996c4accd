"""Random, malformed input to every assessments endpoint never gets a 5xx (a small, seeded fuzz in
the spirit of T6; every answer is a 2xx or a 4xx with the error shape)."""

from __future__ import annotations

import random
from typing import Any

import httpx
from fastapi import FastAPI

from tests.assessments.support import care_pair

API = "/api/v1/assessments"


def junk(rng: random.Random, depth: int = 0) -> Any:
    kinds = ["int", "big", "neg", "float", "str", "bool", "none", "date"]
    if depth < 2:
        kinds += ["list", "dict"]
    kind = rng.choice(kinds)
    if kind == "int":
        return rng.randint(0, 12)
    if kind == "big":
        return 10 ** rng.randint(10, 40)
    if kind == "neg":
        return -rng.randint(1, 10**6)
    if kind == "float":
        return rng.choice([0.5, 1e308, -0.0, 3.25])
    if kind == "str":
        return rng.choice(["", "phq9", "calm", "x" * 300, "2026-01-01", "１", "' OR 1=1 --", "\u0000"])
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "none":
        return None
    if kind == "date":
        return rng.choice(["2026-02-30", "0001-01-01", "9999-12-31", "2026-11-30"])
    if kind == "list":
        return [junk(rng, depth + 1) for _ in range(rng.randint(0, 12))]
    return {
        rng.choice(["answers", "day", "mood", "emotions", "note", "x"]): junk(rng, depth + 1)
        for _ in range(3)
    }


def body(rng: random.Random, keys: list[str]) -> Any:
    if rng.random() < 0.1:
        return junk(rng)
    return {key: junk(rng) for key in keys if rng.random() < 0.85}


async def test_no_input_makes_a_server_error(app: FastAPI, client: httpx.AsyncClient) -> None:
    rng = random.Random(20261201)
    me, counsellor = await care_pair(app)
    targets: list[tuple[str, str, list[str], dict[str, str]]] = [
        ("POST", f"{API}/instruments/phq9/responses", ["answers", "assignment_id"], me.headers),
        ("POST", f"{API}/instruments/who5/responses", ["answers"], me.headers),
        ("POST", f"{API}/diary", ["day", "mood", "emotions", "sleep_hours", "note"], me.headers),
        ("PUT", f"{API}/sharing", ["measures", "diary"], me.headers),
        ("POST", f"{API}/clients/{me.id}/assignments", ["instrument"], counsellor.headers),
        ("POST", f"{API}/clients/{me.id}/referrals", ["reason", "service_type", "notes"], counsellor.headers),
    ]
    statuses: set[int] = set()
    for _ in range(40):
        for method, url, keys, headers in targets:
            reply = await client.request(method, url, json=body(rng, keys), headers=headers)
            statuses.add(reply.status_code)
            assert reply.status_code < 500, (method, url, reply.text)
            if reply.status_code >= 400:
                assert set(reply.json()["error"]) >= {"code", "message"}
    for query in ("period=year", "period=", "since=2026-13-01", "since=x", "instrument=zzz"):
        for path in ("diary/trends", "diary", "responses"):
            reply = await client.get(f"{API}/{path}?{query}", headers=me.headers)
            assert reply.status_code < 500, (path, query, reply.text)
    assert any(status < 300 for status in statuses) and any(status == 422 for status in statuses)
