"""The companion's and help assistant's API and pages: crisis resources in the reply, the AI label,
help answers with links, hand-over to a support request that admins see, pages in both languages."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from anxin.accounts.models import ROLE_ADMIN
from tests.companion.support import make_person


async def test_chat_over_the_api_with_a_crisis_handover(app: FastAPI, client: httpx.AsyncClient) -> None:
    person = await make_person(app.state.database)
    started = await client.post(
        "/api/v1/companion/conversations", json={"locale": "en"}, headers=person.headers
    )
    assert started.status_code == 201
    body = started.json()
    assert body["messages"][0]["ai"] and body["messages"][0]["kind"] == "intro"
    base = f"/api/v1/companion/conversations/{body['id']}"
    exercise = await client.post(f"{base}/exercises", json={"exercise": "breathing"}, headers=person.headers)
    assert exercise.json()["timer"] == {"inhale": 4, "hold": 0, "exhale": 6, "cycles": 6}
    calm = await client.post(f"{base}/messages", json={"text": "done"}, headers=person.headers)
    assert calm.status_code == 200 and calm.json()["crisis"] is None
    risky = await client.post(
        f"{base}/messages",
        json={"text": "I want to end my life"},
        headers={**person.headers, "Cookie": "anxin_region=US"},
    )
    answer = risky.json()
    assert answer["crisis"]["region"] == "US" and answer["crisis"]["lines"][0]["phone"] == "988"
    assert answer["crisis"]["safety_plan_url"] and answer["exercise"] is None
    history = await client.get(base, headers=person.headers)
    assert [m["kind"] for m in history.json()["messages"]][-1] == "crisis"


async def test_outsiders_get_404_and_bad_input_a_4xx(app: FastAPI, client: httpx.AsyncClient) -> None:
    owner = await make_person(app.state.database)
    stranger = await make_person(app.state.database)
    started = await client.post("/api/v1/companion/conversations", json={}, headers=owner.headers)
    base = f"/api/v1/companion/conversations/{started.json()['id']}"
    assert (await client.get(base, headers=stranger.headers)).status_code == 404
    sent = await client.post(f"{base}/messages", json={"text": "hi"}, headers=stranger.headers)
    assert sent.status_code == 404
    long = await client.post(f"{base}/messages", json={"text": "x" * 5000}, headers=owner.headers)
    assert long.status_code == 422 and long.json()["error"]["code"] == "companion_message_too_long"
    unknown = await client.post(f"{base}/exercises", json={"exercise": "nope"}, headers=owner.headers)
    assert unknown.status_code == 404
    nothing = await client.post(f"{base}/thought-record", headers=owner.headers)
    assert nothing.status_code == 409


async def test_help_answers_with_a_link_or_hands_over(app: FastAPI, client: httpx.AsyncClient) -> None:
    sure = await client.post("/api/v1/help/ask", json={"question": "how do I get a refund", "locale": "en"})
    assert sure.json()["confident"] and sure.json()["answer"]["slug"] == "refunds"
    assert sure.json()["answer"]["url"] == "/help/refunds"
    zh = await client.post("/api/v1/help/ask", json={"question": "我想换一个咨询师", "locale": "zh-CN"})
    assert zh.json()["answer"]["slug"] == "change-counsellor" and "咨询师" in zh.json()["answer"]["title"]
    unsure = await client.post(
        "/api/v1/help/ask", json={"question": "can I pay with bitcoin on mars", "locale": "en"}
    )
    assert unsure.json()["handover"] and unsure.json()["answer"] is None
    person = await make_person(app.state.database)
    handed = await client.post(
        "/api/v1/help/support-requests",
        json={"question": "can I pay with bitcoin on mars"},
        headers=person.headers,
    )
    assert handed.status_code == 201
    admin = await make_person(app.state.database, ROLE_ADMIN)
    listed = await client.get("/api/v1/help/support-requests", headers=admin.headers)
    assert [r["question"] for r in listed.json()] == ["can I pay with bitcoin on mars"]
    assert (await client.get("/api/v1/help/support-requests", headers=person.headers)).status_code == 403


async def test_pages_render_in_both_languages(app: FastAPI, client: httpx.AsyncClient) -> None:
    person = await make_person(app.state.database)
    client.cookies.set("anxin_session", person.token)
    try:
        for lang, label in (("en", "AI companion"), ("zh-CN", "AI 陪伴")):
            client.cookies.set("anxin_lang", lang)
            empty = await client.get("/companion")
            assert empty.status_code == 200 and label in empty.text
        page = await client.get("/companion")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        made = await client.post("/companion/new", data={"csrf_token": token}, follow_redirects=True)
        assert made.status_code == 200 and "badge-ai" in made.text
        conversation = made.url.path.rsplit("/", 1)[-1]
        await client.post(
            f"/companion/{conversation}/exercise", data={"csrf_token": token, "exercise": "breathing"}
        )
        timer = await client.get(f"/companion/{conversation}")
        assert 'id="companion-timer"' in timer.text and "companion.js" in timer.text
        crisis = await client.post(
            f"/companion/{conversation}/send",
            data={"csrf_token": token, "text": "我不想活了"},
            follow_redirects=True,
        )
        assert "crisis-panel" in crisis.text
        for path in ("/help", "/help/booking", "/companion-records"):
            assert (await client.get(path)).status_code == 200
        asked = await client.post("/help/ask", data={"csrf_token": token, "question": "怎么退款"})
        assert "/help/refunds" in asked.text
    finally:
        client.cookies.clear()


async def test_the_counsellor_summary_page_and_a_false_alarm(app: FastAPI, client: httpx.AsyncClient) -> None:
    from anxin.accounts.models import ROLE_COUNSELLOR
    from anxin.privacy import consent
    from anxin.rooms import service as rooms

    person = await make_person(app.state.database)
    counsellor = await make_person(app.state.database, ROLE_COUNSELLOR)
    async with app.state.database.transaction() as db:
        await rooms.open_room(db, client_id=person.user_id, counselor_id=counsellor.user_id)
        await consent.grant(db, person.user_id, consent.SHARE_MEASURES_WITH_COUNSELLOR)
    started = await client.post(
        "/api/v1/companion/conversations", json={"locale": "en"}, headers=person.headers
    )
    base = f"/api/v1/companion/conversations/{started.json()['id']}"
    await client.post(f"{base}/messages", json={"text": "I want to end my life"}, headers=person.headers)
    client.cookies.set("anxin_session", counsellor.token)
    try:
        shown = await client.get(f"/companion/clients/{person.user_id}")
        assert shown.status_code == 200 and "I want to end my life" not in shown.text
        token = shown.text.split('name="csrf_token" value="')[1].split('"')[0]
        message_id = shown.text.split('name="message_id" value="')[1].split('"')[0]
        done = await client.post(
            f"/companion/clients/{person.user_id}/corrections",
            data={"csrf_token": token, "message_id": message_id, "label": "false_alarm"},
            follow_redirects=True,
        )
        assert done.status_code == 200 and "alert-success" in done.text
    finally:
        client.cookies.clear()
    stranger = await make_person(app.state.database, ROLE_COUNSELLOR)
    other = await client.get(f"/api/v1/companion/clients/{person.user_id}/summary", headers=stranger.headers)
    assert other.status_code == 404


async def test_the_summary_appears_on_the_counsellors_client_dashboard(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    from anxin.privacy import consent
    from anxin.rooms import service as rooms
    from tests.assessments.support import care_pair

    me, counsellor = await care_pair(app)
    async with app.state.database.transaction() as db:
        await rooms.open_room(db, client_id=me.id, counselor_id=counsellor.id)
        conversation = await service_start(db, me.id)
    client.cookies.set("anxin_session", counsellor.headers["Authorization"].split()[1])
    try:
        hidden = await client.get(f"/counsellor/clients/{me.id}")
        assert hidden.status_code == 200 and "companion-section-title" not in hidden.text
        async with app.state.database.transaction() as db:
            await consent.grant(db, me.id, consent.SHARE_MEASURES_WITH_COUNSELLOR)
        shown = await client.get(f"/counsellor/clients/{me.id}")
        assert shown.status_code == 200 and "companion-section-title" in shown.text
        assert f"/companion/clients/{me.id}" in shown.text and conversation
    finally:
        client.cookies.clear()


async def service_start(db: object, user_id: int) -> int:
    from anxin.companion import service

    conversation = await service.start_conversation(db, user_id, "en")  # type: ignore[arg-type]
    return conversation.id
