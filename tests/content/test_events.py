"""Live events: seats cannot be oversold under concurrent purchases (a CHECK constraint behind a
conditional UPDATE), refused buyers are not charged, a refund gives the seat back, and the event
room (realtime channel ``content_event:<id>``) is for the host and seat holders only."""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from anxin.accounts import service as accounts
from anxin.accounts.models import User
from anxin.commerce import orders
from anxin.commerce.models import Order
from anxin.content import buying, events
from anxin.content.errors import SoldOut
from anxin.content.models import ContentItem
from anxin.content.schemas import BuyIn
from anxin.core import clock
from anxin.core.db import Database
from anxin.core.errors import AppError
from anxin.core.money import Money
from anxin.core.outbox import OutboxMessage
from tests.appointments.support import Person, person, settle
from tests.content.support import API, article_body, buy, key, top_up, wallet_balance

SEATS, PRICE = 10, 10_00


async def _event(client: httpx.AsyncClient, author: Person, seats: int = SEATS) -> dict[str, object]:
    starts = (clock.utcnow() + timedelta(days=2)).isoformat()
    body = article_body(
        kind="live_event", title="Group Q&A on sleep", amount=PRICE, capacity=seats, starts_at=starts
    )
    created = await client.post(f"{API}/items", json=body, headers=author.headers)
    assert created.status_code == 201, created.text
    published = await client.post(f"{API}/items/{created.json()['id']}/publish", headers=author.headers)
    return dict(published.json())


async def _funded_clients(database: Database, count: int) -> list[int]:
    ids = []
    async with database.transaction() as db:
        for _ in range(count):
            user = await accounts.create_confirmed_user(
                db,
                email=f"e{secrets.token_hex(5)}@example.com",
                password=f"calm river {secrets.token_hex(4)}",
                role="client",
                nickname="c",
            )
            await orders.top_up(
                db,
                client_id=user.id,
                amount=Money(50_00, "CNY"),
                method="sandbox",
                details={"card_number": "4242 4242 4242 4242"},
            )
            ids.append(user.id)
    return ids


async def test_concurrent_purchases_never_oversell(
    app: FastAPI, client: httpx.AsyncClient, author: Person, database_url: str
) -> None:
    event = await _event(client, author)
    database: Database = app.state.database
    buyers = 100 if database_url.startswith("postgresql") else 40  # SQLite caps concurrency (test plan)
    clients = await _funded_clients(database, buyers)
    body = BuyIn(currency="CNY", expected_amount=PRICE, method="wallet")
    event_id = int(str(event["id"]))

    async def attempt(client_id: int) -> str:
        try:
            async with database.transaction() as db:
                user = await db.get(User, client_id)
                assert user is not None
                await buying.buy(db, user, event_id, body)
            return "ok"
        except AppError as exc:
            return exc.code

    outcomes = await asyncio.gather(*(attempt(c) for c in clients))
    assert outcomes.count("ok") == SEATS
    assert set(outcomes) == {"ok", SoldOut.code}
    async with database.transaction(write=False) as db:
        item = await db.get(ContentItem, event_id)
        assert item is not None and item.seats_taken == SEATS
        sold = await db.scalar(
            select(func.count()).select_from(Order).where(Order.item_id == item.catalog_item_id)
        )
        assert sold == SEATS
    # The ledger: each winner paid once, nobody else paid anything.
    balances = [await wallet_balance(app, c) for c in clients]
    assert sorted(balances) == sorted([50_00 - PRICE] * SEATS + [50_00] * (buyers - SEATS))
    # The database itself refuses an oversold event, whatever the code does.
    with pytest.raises(IntegrityError):
        async with database.transaction() as db:
            await db.execute(
                text("UPDATE content_items SET seats_taken = capacity + 1 WHERE id = :id"), {"id": event_id}
            )


async def test_refund_frees_the_seat_and_sold_out_is_clear(
    app: FastAPI, client: httpx.AsyncClient, author: Person, admin: Person
) -> None:
    event = await _event(client, author, seats=1)
    first, second = await person(app), await person(app)
    await top_up(client, first)
    await top_up(client, second)
    bought = await buy(client, first, event)
    assert bought.status_code == 201
    refused = await buy(client, second, event)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "sold_out"
    before = await wallet_balance(app, second.id)
    refund = await client.post(
        f"/api/v1/commerce/admin/orders/{bought.json()['order_id']}/refunds",
        json={"amount": PRICE, "currency": "CNY", "reason": "cannot come"},
        headers={**admin.headers, **key()},
    )
    assert refund.status_code == 201

    async def seat_free() -> bool:
        return (await client.get(f"{API}/items/{event['id']}")).json()["seats_left"] == 1

    await settle(app, seat_free)
    assert (await buy(client, second, event)).status_code == 201
    assert await wallet_balance(app, second.id) == before - PRICE


async def test_event_room_for_host_and_seat_holders(
    app: FastAPI, client: httpx.AsyncClient, author: Person
) -> None:
    event = await _event(client, author)
    attendee, outsider = await person(app), await person(app)
    await top_up(client, attendee)
    await buy(client, attendee, event)
    room = f"{API}/events/{event['id']}/posts"
    host_post = await client.post(
        room, json={"text": "Welcome, we start in a minute."}, headers=author.headers
    )
    assert host_post.status_code == 201 and host_post.json()["kind"] == "post"
    question = await client.post(
        room, json={"text": "How long before bed should I stop screens?"}, headers=attendee.headers
    )
    assert question.status_code == 201 and question.json()["kind"] == "question"
    seen = (await client.get(room, headers=attendee.headers)).json()
    assert [p["kind"] for p in seen] == ["post", "question"]
    assert (await client.get(room, headers=outsider.headers)).status_code == 404
    assert (await client.post(room, json={"text": "hi"}, headers=outsider.headers)).status_code == 404
    page = await client.get(f"/library/{event['id']}/room", headers=attendee.headers)
    assert page.status_code == 200 and "Welcome" in page.text and "content-room.js" in page.text
    async with app.state.database.transaction(write=False) as db:
        published = await db.scalars(
            select(OutboxMessage.payload).where(
                OutboxMessage.name == events.channel_of(int(str(event["id"])))
            )
        )
        assert sorted(p["post_id"] for p in published.all()) == [
            host_post.json()["id"],
            question.json()["id"],
        ]
    database: Database = app.state.database
    async with database.transaction(write=False) as db:
        channel = events.channel_of(int(str(event["id"])))
        assert await events.may_subscribe(db, attendee.id, channel)
        assert await events.may_subscribe(db, author.id, channel)
        assert not await events.may_subscribe(db, outsider.id, channel)
        assert not await events.may_subscribe(db, None, channel)


async def test_events_that_started_are_not_sold(
    app: FastAPI, client: httpx.AsyncClient, author: Person
) -> None:
    event = await _event(client, author)
    late = await person(app)
    await top_up(client, late)
    clock.freeze(clock.utcnow() + timedelta(days=3))
    from tests.appointments.support import move_clock

    await move_clock(app, clock.utcnow(), late)
    refused = await buy(client, late, event)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "not_for_sale"


async def test_events_that_took_place_become_earnings(
    app: FastAPI, client: httpx.AsyncClient, author: Person
) -> None:
    from tests.appointments.support import move_clock
    from tests.content.support import account_sum

    event = await _event(client, author)
    attendee = await person(app)
    await top_up(client, attendee)
    await buy(client, attendee, event)
    pending = f"earnings_pending:counsellor:{author.id}:CNY"
    assert await account_sum(app, pending) == 0  # held in escrow until the event has taken place
    database: Database = app.state.database
    async with database.transaction() as db:
        assert await events.fulfil_past_events(db) == 0
    await move_clock(app, clock.utcnow() + timedelta(days=2, hours=4), attendee)
    async with database.transaction() as db:
        # The app's own scheduled job (content.fulfil_events) may get there first: once in all.
        assert await events.fulfil_past_events(db) in (0, 1)
    await app.state.relay.drain()
    async with database.transaction() as db:
        assert await events.fulfil_past_events(db) == 0
    assert await account_sum(app, pending) == PRICE * 7 // 10  # exactly one share, not two
