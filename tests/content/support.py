"""Helpers for content tests: wallets, items, a short generated audio file, ledger sums."""

from __future__ import annotations

import io
import math
import secrets
import struct
import wave
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from anxin.commerce.models import LedgerAccount, LedgerEntry, Order
from anxin.core.db import Database
from tests.appointments.support import Person

API = "/api/v1/content"
CARD = "4242 4242 4242 4242"


def tone_wav(seconds: float = 2.0, rate: int = 8000, hz: float = 440.0) -> bytes:
    """A short sine tone as WAV, made here (no third-party files)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = b"".join(
            struct.pack("<h", int(8000 * math.sin(2 * math.pi * hz * n / rate)))
            for n in range(int(seconds * rate))
        )
        out.writeframes(frames)
    return buffer.getvalue()


def key() -> dict[str, str]:
    return {"Idempotency-Key": secrets.token_hex(12)}


async def top_up(client: httpx.AsyncClient, who: Person, amount: int = 1000_00) -> None:
    response = await client.post(
        "/api/v1/commerce/wallet/top-ups",
        json={"amount": amount, "currency": "CNY", "method": "sandbox", "card_number": CARD},
        headers={**who.headers, **key()},
    )
    assert response.status_code == 201, response.text


def article_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "article",
        "topic": "anxiety",
        "language": "en",
        "title": "Breathing through a hard day",
        "summary": "Three exercises for anxious moments.",
        "preview_md": "## Why breathing helps\nA **short** free part.",
        "body_md": "PAID-PART: the full exercises, step by step.",
        "currency": "CNY",
        "amount": 30_00,
    }
    body.update(overrides)
    return body


async def published(client: httpx.AsyncClient, author: Person, **overrides: Any) -> dict[str, Any]:
    created = await client.post(f"{API}/items", json=article_body(**overrides), headers=author.headers)
    assert created.status_code == 201, created.text
    item_id = created.json()["id"]
    if created.json()["kind"] == "course":
        lesson = await add_lesson(client, author, item_id, free=False)
        assert lesson.status_code == 201, lesson.text
    done = await client.post(f"{API}/items/{item_id}/publish", headers=author.headers)
    assert done.status_code == 200, done.text
    return dict(done.json())


async def add_lesson(
    client: httpx.AsyncClient, author: Person, course_id: int, *, free: bool, data: bytes | None = None
) -> httpx.Response:
    return await client.post(
        f"{API}/items/{course_id}/lessons",
        data={
            "title": f"Lesson {secrets.token_hex(2)}",
            "notes": "Show notes: PAID-NOTES",
            "free": str(free).lower(),
        },
        files={"audio": ("lesson.wav", data if data is not None else tone_wav(), "audio/wav")},
        headers=author.headers,
    )


async def buy(client: httpx.AsyncClient, who: Person, item: dict[str, Any], **headers: str) -> httpx.Response:
    return await client.post(
        f"{API}/items/{item['id']}/purchase",
        json={"currency": "CNY", "expected_amount": item["amount"], "method": "wallet"},
        headers={**who.headers, **(headers or key())},
    )


async def wallet_balance(app: FastAPI, user_id: int) -> int:
    return await account_sum(app, f"wallet:client:{user_id}:CNY")


async def account_sum(app: FastAPI, code: str) -> int:
    database: Database = app.state.database
    async with database.transaction(write=False) as db:
        total = await db.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount), 0))
            .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
            .where(LedgerAccount.code == code)
        )
        return int(total or 0)


async def orders_for(app: FastAPI, client_id: int, item_type: str | None = None) -> list[Order]:
    database: Database = app.state.database
    async with database.transaction(write=False) as db:
        query = select(Order).where(Order.client_id == client_id, Order.kind == "purchase")
        if item_type:
            query = query.where(Order.item_type == item_type)
        return list((await db.scalars(query)).all())
