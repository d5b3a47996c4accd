"""Cancelling at each boundary of the refund policy the client saw refunds exactly what it promised,
through commerce's ledger; counsellor cancellations and no-shows refund everything; held sessions
release the fee to the counsellor; reviews follow a completed session."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from anxin.appointments import lifecycle
from anxin.commerce import ledger, reconcile
from anxin.commerce.models import LedgerEntry, LedgerTransaction, Refund
from anxin.core import clock
from tests.appointments.conftest import NOW
from tests.appointments.support import Person, in_days, move_clock, person, verified_counsellor
from tests.appointments.test_booking import book_and_pay

API = "/api/v1/appointments"
PRICE = 200_00
START = in_days(NOW, 3, 3)


async def refunded(app: FastAPI, order_id: int) -> tuple[int, int]:
    """(Σ refund rows, Σ what the ledger credited to the client's side) for the order."""
    async with app.state.database.transaction(write=False) as db:
        rows = int(
            await db.scalar(
                select(func.coalesce(func.sum(Refund.amount), 0)).where(Refund.order_id == order_id)
            )
        )
        credited = await db.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount), 0))
            .join(LedgerTransaction, LedgerEntry.transaction_id == LedgerTransaction.id)
            .where(
                LedgerTransaction.order_id == order_id,
                LedgerTransaction.kind == "refund",
                LedgerEntry.amount > 0,
            )
        )
        report = await reconcile.reconcile(db)
        assert report.violations == []
    return rows, int(credited or 0)


async def pending_earnings(app: FastAPI, counsellor_id: int) -> int:
    async with app.state.database.transaction(write=False) as db:
        return (await ledger.balance(db, ledger.earnings_pending(counsellor_id, "CNY"))).amount


@pytest.mark.parametrize(
    ("before_start", "promised"),
    [
        (timedelta(hours=48), PRICE),
        (timedelta(hours=24), PRICE),  # exactly 24 h of notice: the full tier
        (timedelta(hours=24) - timedelta(seconds=1), PRICE // 2),
        (timedelta(seconds=1), PRICE // 2),
    ],
    ids=["48h", "24h", "24h-1s", "1s"],
)
async def test_client_cancellation_refunds_what_the_policy_promised(
    app: FastAPI, client: httpx.AsyncClient, admin: Person, before_start: timedelta, promised: int
) -> None:
    counsellor = await verified_counsellor(app, admin)
    me = await person(app)
    booking = await book_and_pay(client, app, me, counsellor)
    await move_clock(app, START - before_start, me, counsellor)
    quote = (await client.get(f"{API}/bookings/{booking['id']}/refund-quote", headers=me.headers)).json()
    assert quote == {"currency": "CNY", "amount": promised}
    cancelled = await client.post(f"{API}/bookings/{booking['id']}/cancel", headers=me.headers)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["refunded_amount"] == promised
    assert await refunded(app, booking["order_id"]) == (promised, promised)
    # What the client does not get back is the counsellor's (less the platform's commission).
    kept = await pending_earnings(app, counsellor.id)
    assert (kept > 0) == (promised < PRICE)
    calendar = (await client.get(f"{API}/calendar", headers=counsellor.headers)).json()
    assert calendar == []
    again = await client.post(f"{API}/bookings/{booking['id']}/cancel", headers=me.headers)
    assert again.status_code == 409
    assert await refunded(app, booking["order_id"]) == (promised, promised)


async def test_no_cancellation_after_the_start(
    app: FastAPI, client: httpx.AsyncClient, admin: Person
) -> None:
    counsellor = await verified_counsellor(app, admin)
    me = await person(app)
    booking = await book_and_pay(client, app, me, counsellor)
    await move_clock(app, START, me, counsellor)
    response = await client.post(f"{API}/bookings/{booking['id']}/cancel", headers=me.headers)
    assert response.status_code == 409 and response.json()["error"]["code"] == "too_late_to_change"
    assert await refunded(app, booking["order_id"]) == (0, 0)


async def test_counsellor_cancellation_refunds_everything_even_at_the_last_minute(
    app: FastAPI, client: httpx.AsyncClient, admin: Person
) -> None:
    counsellor = await verified_counsellor(app, admin)
    me = await person(app)
    booking = await book_and_pay(client, app, me, counsellor)
    await move_clock(app, START - timedelta(minutes=5), me, counsellor)
    response = await client.post(f"{API}/bookings/{booking['id']}/cancel", headers=counsellor.headers)
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert await refunded(app, booking["order_id"]) == (PRICE, PRICE)
    assert await pending_earnings(app, counsellor.id) == 0
    mine = (await client.get(f"{API}/bookings", headers=me.headers)).json()
    assert mine[0]["status"] == "cancelled"


async def test_counsellor_no_show_refunds_everything(
    app: FastAPI, client: httpx.AsyncClient, admin: Person
) -> None:
    counsellor = await verified_counsellor(app, admin)
    me = await person(app)
    booking = await book_and_pay(client, app, me, counsellor)
    early = await client.post(f"{API}/bookings/{booking['id']}/counsellor-no-show", headers=me.headers)
    assert early.status_code == 409  # not before the start
    await move_clock(app, START + timedelta(minutes=15), me, counsellor)
    response = await client.post(f"{API}/bookings/{booking['id']}/counsellor-no-show", headers=me.headers)
    assert response.status_code == 200 and response.json()["status"] == "counsellor_no_show"
    assert await refunded(app, booking["order_id"]) == (PRICE, PRICE)


async def test_held_session_pays_the_counsellor_and_allows_one_review_and_one_reply(
    app: FastAPI, client: httpx.AsyncClient, admin: Person
) -> None:
    counsellor = await verified_counsellor(app, admin)
    me = await person(app)
    booking = await book_and_pay(client, app, me, counsellor)
    review = {"rating": 5, "comment": "Calm and helpful."}
    assert (
        await client.post(f"{API}/bookings/{booking['id']}/review", json=review, headers=me.headers)
    ).status_code == 409
    await move_clock(app, START + timedelta(minutes=50), me, counsellor, admin)
    held = await client.post(
        f"{API}/bookings/{booking['id']}/outcome", json={"outcome": "held"}, headers=counsellor.headers
    )
    assert held.status_code == 200 and held.json()["status"] == "completed"
    assert await pending_earnings(app, counsellor.id) > 0
    written = await client.post(f"{API}/bookings/{booking['id']}/review", json=review, headers=me.headers)
    assert written.status_code == 201
    twice = await client.post(f"{API}/bookings/{booking['id']}/review", json=review, headers=me.headers)
    assert twice.status_code == 409
    review_id = written.json()["id"]
    reply = {"text": "Thank you."}
    assert (
        await client.post(f"{API}/reviews/{review_id}/reply", json=reply, headers=counsellor.headers)
    ).status_code == 200
    assert (
        await client.post(f"{API}/reviews/{review_id}/reply", json=reply, headers=counsellor.headers)
    ).status_code == 409
    listed = (await client.get(f"{API}/counselors/{counsellor.id}/reviews")).json()
    assert [r["id"] for r in listed] == [review_id] and listed[0]["reply"] == "Thank you."
    assert (await client.post(f"{API}/reviews/{review_id}/report", headers=me.headers)).status_code == 204
    assert [r["id"] for r in (await client.get(f"{API}/admin/reviews", headers=admin.headers)).json()] == [
        review_id
    ]
    assert (
        await client.post(f"{API}/admin/reviews/{review_id}/hide", headers=admin.headers)
    ).status_code == 204
    assert (await client.get(f"{API}/counselors/{counsellor.id}/reviews")).json() == []


async def test_sessions_nobody_marks_are_settled_by_the_rule(
    app: FastAPI, client: httpx.AsyncClient, admin: Person
) -> None:
    counsellor = await verified_counsellor(app, admin)
    me = await person(app)
    booking = await book_and_pay(client, app, me, counsellor)
    clock.freeze(START + timedelta(minutes=50) + lifecycle.SETTLE_AFTER - timedelta(minutes=1))
    async with app.state.database.transaction() as db:
        assert await lifecycle.settle_unmarked(db) == 0
    await move_clock(app, START + timedelta(minutes=50) + lifecycle.SETTLE_AFTER, me, counsellor)
    async with app.state.database.transaction() as db:
        assert await lifecycle.settle_unmarked(db) == 1
    settled = (await client.get(f"{API}/bookings/{booking['id']}", headers=me.headers)).json()
    assert settled["status"] == "completed"
    assert await pending_earnings(app, counsellor.id) > 0


async def test_complaint_is_resolved_with_a_suspension_both_sides_see(
    app: FastAPI, client: httpx.AsyncClient, admin: Person
) -> None:
    counsellor = await verified_counsellor(app, admin)
    me = await person(app)
    await book_and_pay(client, app, me, counsellor)
    filed = await client.post(
        f"{API}/complaints",
        json={
            "counsellor_id": counsellor.id,
            "kind": "ethics",
            "details": "They asked me to pay outside Anxin.",
        },
        headers=me.headers,
    )
    assert filed.status_code == 201
    queue = (await client.get(f"{API}/admin/complaints", headers=admin.headers)).json()
    assert [c["id"] for c in queue] == [filed.json()["id"]] and queue[0]["details"]
    about_me = (await client.get(f"{API}/complaints", headers=counsellor.headers)).json()
    assert about_me[0]["details"] is None  # the counsellor sees the outcome, not the client's words
    resolved = await client.post(
        f"{API}/admin/complaints/{filed.json()['id']}/resolve",
        json={"outcome": "suspended", "response": "Suspended while we investigate."},
        headers=admin.headers,
    )
    assert resolved.status_code == 204
    for who in (me, counsellor):
        seen = (await client.get(f"{API}/complaints", headers=who.headers)).json()
        assert seen[0]["outcome"] == "suspended" and seen[0]["response"] == "Suspended while we investigate."
    assert (await client.get(f"/api/v1/counselors/{counsellor.id}")).status_code == 404


async def test_client_ends_care_and_counsellor_refers(
    app: FastAPI, client: httpx.AsyncClient, admin: Person
) -> None:
    counsellor = await verified_counsellor(app, admin)
    me = await person(app)
    await book_and_pay(client, app, me, counsellor)
    care = (await client.get(f"{API}/care", headers=me.headers)).json()
    assert [c["status"] for c in care] == ["active"]
    referred = await client.post(
        f"{API}/care/{care[0]['id']}/refer",
        json={"note": "Please see a psychiatrist at the city hospital for an assessment."},
        headers=counsellor.headers,
    )
    assert referred.status_code == 200 and referred.json()["end_reason"] == "referred"
    ended = await client.post(
        f"{API}/care/{care[0]['id']}/end", json={"reason": "client_ended"}, headers=me.headers
    )
    assert ended.status_code == 404  # already ended
