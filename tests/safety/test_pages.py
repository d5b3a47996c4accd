"""Safety's pages and public API: resources per region, the crisis panel after a risky message sent
without JavaScript, the alert page's steps, the rota for admins only, the safety plan shared with the
counsellor only with consent, and the emergency contact shown only to the acknowledging human."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from anxin.privacy import consent
from anxin.privacy.models import AuditEvent
from tests.accounts.support import csrf_from
from tests.safety.support import HIGH_RISK, flags, grant, make_admin, make_care


async def test_resources_follow_the_region(client: httpx.AsyncClient) -> None:
    us = await client.get("/api/v1/safety/resources", params={"region": "US"})
    assert us.status_code == 200 and [line["phone"] for line in us.json()["lines"]] == ["988"]
    cn = await client.get("/api/v1/safety/resources", headers={"Accept-Language": "zh-CN"})
    assert [line["phone"] for line in cn.json()["lines"]] == ["12356", "010-82951332"]
    client.cookies.set("anxin_region", "US")
    try:
        assert (await client.get("/api/v1/safety/resources")).json()["region"] == "US"
    finally:
        client.cookies.clear()
    unknown = await client.get("/api/v1/safety/resources", params={"region": "ZZ"})
    assert unknown.json()["region"] == "CN"  # the default region's table, never nothing
    page = await client.get("/safety/resources", headers={"Accept-Language": "en-US"})
    assert page.status_code == 200 and "988" in page.text


async def test_form_send_of_a_risky_message_shows_the_crisis_panel(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    care = await make_care(app.state.database)
    client.cookies.set("anxin_session", care.client.token)
    try:
        room = await client.get(f"/rooms/{care.room_id}")
        assert (
            'id="safety-crisis-panel"' in room.text
            and "hidden" in room.text.split('id="safety-crisis-panel"')[1][:400]
        )
        sent = await client.post(
            f"/rooms/{care.room_id}/send",
            data={"text": HIGH_RISK, "client_msg_id": "form-1", "csrf_token": csrf_from(room.text)},
        )
        assert sent.status_code == 303 and sent.headers["location"].endswith("done=crisis")
        shown = await client.get(sent.headers["location"])
        panel = shown.text.split('id="safety-crisis-panel"')[1][:400]
        assert "hidden" not in panel.split(">")[0]
        plan = await client.get("/safety/plan")
        assert plan.status_code == 200 and 'href="/safety/plan"' in plan.text
    finally:
        client.cookies.clear()


async def test_alert_page_steps_and_emergency_contact(app: FastAPI, client: httpx.AsyncClient) -> None:
    database = app.state.database
    care = await make_care(database)
    await client.put(
        "/api/v1/safety/me/emergency-contact",
        json={"name": "Li Hua", "phone": "13800000000", "relation": "sister", "city": "Hangzhou"},
        headers=care.client.headers,
    )
    await client.post(
        f"/api/v1/rooms/{care.room_id}/messages",
        json={"text": HIGH_RISK, "client_msg_id": "x1"},
        headers=care.client.headers,
    )
    (flag,) = await flags(database)
    contact_url = f"/api/v1/safety/flags/{flag.id}/emergency-contact"
    assert (
        await client.get(contact_url, headers=care.counsellor.headers)
    ).status_code == 404  # not acknowledged
    client.cookies.set("anxin_session", care.counsellor.token)
    try:
        listing = await client.get("/safety/alerts")
        assert f'href="/safety/alerts/{flag.id}"' in listing.text
        detail = await client.get(f"/safety/alerts/{flag.id}")
        assert f'href="/rooms/{care.room_id}"' in detail.text  # reply in the room at once
        ack = await client.post(
            f"/safety/alerts/{flag.id}/acknowledge", data={"csrf_token": csrf_from(detail.text)}
        )
        assert ack.status_code == 303
        shown = await client.get(f"/safety/alerts/{flag.id}?contact=1")
        assert "Li Hua" in shown.text and "13800000000" in shown.text
    finally:
        client.cookies.clear()
    assert (await client.get(contact_url, headers=care.client.headers)).status_code == 404
    async with database.transaction(write=False) as db:
        shown_events = list(
            await db.scalars(select(AuditEvent).where(AuditEvent.action == "safety.emergency_contact_shown"))
        )
    assert len(shown_events) == 1 and shown_events[0].actor_id == care.counsellor.user_id


async def test_rota_is_for_admins(app: FastAPI, client: httpx.AsyncClient) -> None:
    care = await make_care(app.state.database)
    admin = await make_admin(app.state.database)
    body = {"user_id": admin.user_id, "starts_at": "2026-12-01T00:00:00Z", "ends_at": "2026-12-02T00:00:00Z"}
    assert (
        await client.post("/api/v1/safety/rota", json=body, headers=care.counsellor.headers)
    ).status_code == 403
    added = await client.post("/api/v1/safety/rota", json=body, headers=admin.headers)
    assert added.status_code == 201
    wrong = {**body, "user_id": care.client.user_id}
    assert (await client.post("/api/v1/safety/rota", json=wrong, headers=admin.headers)).status_code == 422
    client.cookies.set("anxin_session", admin.token)
    try:
        page = await client.get("/safety/rota")
    finally:
        client.cookies.clear()
    assert page.status_code == 200


async def test_safety_plan_is_shared_with_the_counsellor_only_with_consent(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    care = await make_care(app.state.database)
    url = f"/api/v1/safety/plans/{care.client.user_id}"
    plan = {"warning_signs": "I stop eating", "coping_steps": "walk by the river"}
    assert (await client.put(url, json=plan, headers=care.client.headers)).status_code == 200
    assert (await client.get(url, headers=care.counsellor.headers)).status_code == 404
    await grant(app.state.database, care.client.user_id, consent.SHARE_MEASURES_WITH_COUNSELLOR)
    seen = await client.get(url, headers=care.counsellor.headers)
    assert seen.status_code == 200 and seen.json()["coping_steps"] == "walk by the river"


async def test_admin_reviews_a_flag_into_a_regression_set(
    app: FastAPI,
    client: httpx.AsyncClient,
    tmp_path,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("ANXIN_HOME", str(tmp_path))
    database = app.state.database
    care = await make_care(database)
    admin = await make_admin(database)
    await grant(database, care.client.user_id, consent.DEIDENTIFIED_MODEL_TRAINING)
    await client.post(
        f"/api/v1/rooms/{care.room_id}/messages",
        json={"text": "this exam is killing me, I want to die lol", "client_msg_id": "fa"},
        headers=care.client.headers,
    )
    (flag,) = await flags(database)
    client.cookies.set("anxin_session", admin.token)
    try:
        page = await client.get(f"/safety/alerts/{flag.id}")
        sent = await client.post(
            f"/safety/alerts/{flag.id}/regression",
            data={"csrf_token": csrf_from(page.text), "set": "hard_negatives"},
        )
    finally:
        client.cookies.clear()
    assert sent.status_code == 303
    assert "exam" in (tmp_path / "models" / "regression" / "hard_negatives.jsonl").read_text("utf-8")
