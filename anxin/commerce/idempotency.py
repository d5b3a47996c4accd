"""Idempotency keys for paying requests.

The first response to a key is stored — status, the headers that matter and the exact body bytes —
in the SAME transaction as the payment it describes, so a key exists exactly when its effects do.
The same key then replays that response byte for byte; the same key with different parameters is
refused (422). Concurrent requests with one key: on PostgreSQL the second INSERT waits on the unique
index until the first commits, then finds its row and replays it; SQLite runs writers one at a time
(BEGIN IMMEDIATE), so the second sees the row at once. Exactly one of them executes.

Requests that fail (4xx from a business rule) roll back and store nothing: nothing happened, so a
retry with the same key runs afresh. Keys are kept ``idempotency_retention_hours`` (≥ 24 h).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.commerce.errors import IdempotencyKeyMissing, IdempotencyKeyReused
from anxin.commerce.models import IdempotencyKey
from anxin.commerce.settings import commerce_settings
from anxin.core import clock

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# Response headers worth replaying; the rest (dates, request ids) belong to each answer.
KEPT_HEADERS = ("content-type", "location")


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    replayed: bool = False


def canonical_json(value: Any) -> bytes:
    """One byte form per value: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def json_response(status: int, payload: Any, *, location: str | None = None) -> StoredResponse:
    headers = {"content-type": "application/json"}
    if location:
        headers["location"] = location
    return StoredResponse(status=status, body=canonical_json(payload), headers=headers)


def fingerprint(*, method: str, path: str, body: Any, actor: str) -> str:
    """Hash of what makes two requests 'the same': method, path, canonical body and who sent it."""
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), canonical_json(body), actor.encode()):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def check_key(key: str | None) -> str:
    if key is None or not 1 <= len(key) <= 255 or not all(0x21 <= ord(ch) <= 0x7E for ch in key):
        raise IdempotencyKeyMissing()
    return key


def _replay(row: IdempotencyKey, fingerprint_: str) -> StoredResponse:
    if row.fingerprint != fingerprint_:
        raise IdempotencyKeyReused()
    return StoredResponse(
        status=row.response_status,
        body=bytes(row.response_body),
        headers=dict(row.response_headers),
        replayed=True,
    )


async def _find(db: AsyncSession, scope: str, key: str) -> IdempotencyKey | None:
    return await db.scalar(
        select(IdempotencyKey)
        .where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)
        .execution_options(populate_existing=True)
    )


async def run(
    db: AsyncSession,
    *,
    scope: str,
    key: str | None,
    fingerprint: str,
    operation: Callable[[], Awaitable[StoredResponse]],
) -> StoredResponse:
    """Run ``operation`` once per (scope, key) and store its response; replay it afterwards."""
    key = check_key(key)
    # Claim the key with one INSERT … ON CONFLICT DO NOTHING: a concurrent holder of the key makes
    # it wait (PostgreSQL) until that holder commits, and then it inserts nothing.
    dialect_insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    claimed = await db.scalar(
        dialect_insert(IdempotencyKey)
        .values(
            scope=scope,
            key=key,
            fingerprint=fingerprint,
            response_status=0,
            response_headers={},
            response_body=b"",
            created_at=clock.utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["scope", "key"])
        .returning(IdempotencyKey.id)
    )
    if claimed is None:
        winner = await _find(db, scope, key)
        if winner is None:  # the holder rolled back between our INSERT and SELECT: try once more
            return await run(db, scope=scope, key=key, fingerprint=fingerprint, operation=operation)
        return _replay(winner, fingerprint)
    response = await operation()
    await db.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.id == claimed)
        .values(
            response_status=response.status,
            response_headers={k: v for k, v in response.headers.items() if k.lower() in KEPT_HEADERS},
            response_body=response.body,
        )
    )
    return response


async def purge_expired(db: AsyncSession) -> int:
    cutoff = clock.utcnow() - timedelta(hours=commerce_settings().idempotency_retention_hours)
    result = await db.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
