"""Health, readiness, configuration reference, and logs free of personal data."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
import pytest

from anxin.core.config import settings_reference_markdown
from anxin.core.db import Database
from anxin.main import create_app
from tests.conftest import make_settings

DOCS = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok"}


async def test_readiness_reports_an_unreachable_redis(sqlite_url: str, tmp_path: Path) -> None:
    # Port 1 on loopback refuses connections: Redis is "down".
    settings = make_settings(tmp_path, sqlite_url, redis_url="redis://127.0.0.1:1/0")
    app = create_app(settings)
    # No lifespan (it would need Redis): give the route the one thing it reads.
    app.state.database = Database(sqlite_url)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            response = await http.get("/readyz")
        assert response.status_code == 503
        body = response.json()
        assert body["checks"] == {"database": "ok", "redis": "unavailable"}
        assert body["error"]["code"] == "unavailable"
    finally:
        await app.state.database.dispose()


def test_every_setting_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert settings_reference_markdown() in text, (
        "docs/configuration.md is out of date: paste the output of `anxin config-reference` into it"
    )


async def test_access_logs_name_routes_not_urls(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "someone@example.org"
    with caplog.at_level(logging.INFO, logger="anxin.http"):
        await client.get(f"/?email={secret}")
        await client.get(f"/api/v1/nothing/{secret}")
    lines = [r for r in caplog.records if r.name == "anxin.http"]
    assert len(lines) == 2
    dumped = json.dumps([vars(r) for r in lines], default=str)
    assert secret not in dumped
    assert {getattr(r, "route", None) for r in lines} == {"/", "unmatched"}
