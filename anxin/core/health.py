"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import text
from starlette.responses import JSONResponse

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness: the database (and Redis, when configured) answer",
    responses={503: {"description": "A dependency is down"}},
)
async def readyz(request: Request) -> JSONResponse:
    checks: dict[str, Any] = {}
    database = request.app.state.database
    try:
        async with database.transaction(write=False) as db:
            await db.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "unavailable"
    redis_url = request.app.state.settings.redis_url
    if redis_url:
        try:
            from redis.asyncio import Redis

            client = Redis.from_url(redis_url, socket_timeout=2)
            try:
                await client.ping()
            finally:
                await client.aclose()
            checks["redis"] = "ok"
        except Exception:
            checks["redis"] = "unavailable"
    ready = all(value == "ok" for value in checks.values())
    body: dict[str, Any] = {"status": "ok" if ready else "unavailable", "checks": checks}
    if not ready:
        body["error"] = {"code": "unavailable", "message": "A dependency is unavailable."}
    return JSONResponse(body, status_code=200 if ready else 503)
