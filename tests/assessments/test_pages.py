"""The assessments pages over HTTP: a questionnaire and its result (with the crisis box on risk),
the diary with its SVG trend, sharing choices, and the counsellor's dashboard."""

from __future__ import annotations

import re
from xml.etree import ElementTree

from fastapi import FastAPI
from sqlalchemy import select

from anxin.core import clock, hooks
from anxin.privacy.models import AuditEvent
from tests.accounts.support import csrf_from
from tests.appointments.support import person
from tests.appointments.test_pages import browser_for
from tests.assessments.support import care_pair, recording, unit

SVG = re.compile(r"<svg class=\"chart\".*?</svg>", re.S)


def assert_svg(html: str) -> None:
    charts = SVG.findall(html)
    assert charts, "no chart on the page"
    for chart in charts:
        ElementTree.fromstring(chart)  # well-formed, no script
        assert "<script" not in chart


async def test_a_client_takes_phq9_on_the_page_and_sees_the_crisis_box(app: FastAPI) -> None:
    me = await person(app)
    async with await browser_for(app, me) as web:
        web.headers["Accept-Language"] = "en"
        form = await web.get("/checkins/phq9")
        assert form.status_code == 200 and "Little interest or pleasure" in form.text
        token = csrf_from(form.text)
        partial = await web.post("/checkins/phq9", data={"csrf_token": token, "item1": "1"})
        assert partial.status_code == 422 and "Please answer every question" in partial.text
        answers = {f"item{n}": "0" for n in range(1, 10)} | {"item9": "1", "csrf_token": token}
        with recording(hooks.risk_indicated, None) as seen:
            result = await web.post("/checkins/phq9", data=answers)
        assert result.status_code == 200
        assert len(seen) == 1 and seen[0].reason == "phq9_item9"
        assert "data-crisis-box" in result.text and "emergency number" in result.text
        assert "not a diagnosis" in result.text
        calm = {f"item{n}": "1" for n in range(1, 10)} | {"item9": "0", "csrf_token": token}
        result = await web.post("/checkins/phq9", data=calm)
        assert "data-crisis-box" not in result.text and 'data-band="mild"' in result.text
        hub = await web.get("/checkins")
        assert hub.status_code == 200
        assert_svg(hub.text)
        zh = await web.get("/checkins/gad7", headers={"Accept-Language": "zh-CN"})
        assert "感觉紧张、焦虑或急切" in zh.text


async def test_the_diary_page_saves_and_shows_trends(app: FastAPI) -> None:
    me = await person(app)
    async with await browser_for(app, me) as web:
        form = await web.get("/diary")
        token = csrf_from(form.text)
        today = clock.utcnow().date().isoformat()
        saved = await web.post(
            "/diary",
            data={
                "csrf_token": token,
                "day": today,
                "mood": "7",
                "sleep_hours": "8",
                "emotions": ["calm", "hopeful"],
            },
        )
        assert saved.status_code == 200 and "data-crisis-box" not in saved.text
        again = await web.get("/diary")
        assert 'value="calm" checked' in again.text and 'value="8"' in again.text
        assert_svg(saved.text)
        monthly = await web.get("/diary?period=month")
        assert_svg(monthly.text)
        future = await web.post("/diary", data={"csrf_token": token, "day": "2999-01-01", "mood": "5"})
        assert future.status_code == 422
        with recording(hooks.text_written, hooks.ScreenOutcome(level="high", show_resources=True)):
            risky = await web.post(
                "/diary", data={"csrf_token": token, "day": today, "mood": "2", "note": "a very dark night"}
            )
        assert "data-crisis-box" in risky.text


async def test_sharing_and_the_counsellors_dashboard(app: FastAPI) -> None:
    me, counsellor = await care_pair(app)
    stranger = await person(app, "counsellor")
    async with await browser_for(app, me) as web:
        form = await web.get("/checkins/sharing")
        saved = await web.post(
            "/checkins/sharing", data={"csrf_token": csrf_from(form.text), "measures": "on"}
        )
        assert saved.status_code == 200
        page = await web.get("/checkins/gad7")
        await web.post(
            "/checkins/gad7",
            data={f"item{n}": "2" for n in range(1, 8)} | {"csrf_token": csrf_from(page.text)},
        )
    async with await browser_for(app, counsellor) as web:
        listing = await web.get("/counsellor/clients")
        assert f'data-client="{me.id}"' in listing.text
        dash = await web.get(f"/counsellor/clients/{me.id}", headers={"Accept-Language": "en"})
        assert dash.status_code == 200, dash.text
        assert_svg(dash.text)
        assert "has not chosen to share their mood diary" in dash.text
        token = csrf_from(dash.text)
        sent = await web.post(
            f"/counsellor/clients/{me.id}/assign", data={"csrf_token": token, "instrument": "who5"}
        )
        assert sent.status_code == 303
        referred = await web.post(
            f"/counsellor/clients/{me.id}/refer",
            data={
                "csrf_token": token,
                "reason": "assessment_needed",
                "service_type": "psychology_clinic",
                "notes": "Hospital psychology clinic near you.",
            },
        )
        assert referred.status_code == 303
    async with unit(app) as db:
        reads = (
            await db.scalars(select(AuditEvent).where(AuditEvent.action == "assessments.measures_read"))
        ).all()
        assert [(r.actor_id, r.subject_id) for r in reads] == [(counsellor.id, me.id)]
    async with await browser_for(app, me) as web:
        hub = await web.get("/checkins", headers={"Accept-Language": "en"})
        assert 'href="/checkins/who5?task=' in hub.text
        assert "Hospital psychology clinic near you." in hub.text
        access = await web.get("/checkins/sharing", headers={"Accept-Language": "en"})
        assert "counsellor · questionnaire results" in access.text
    async with await browser_for(app, stranger) as web:
        assert (await web.get(f"/counsellor/clients/{me.id}")).status_code == 404
    async with await browser_for(app, me) as web:
        assert (await web.get(f"/counsellor/clients/{me.id}")).status_code == 404
        assert (await web.get("/counsellor/clients")).status_code == 403


async def test_a_module_to_the_right_adds_a_dashboard_section(app: FastAPI) -> None:
    """How safety adds "recent risk flags" without assessments importing it."""
    from anxin.assessments import counselling

    me, counsellor = await care_pair(app)
    stranger = await person(app, "counsellor")
    calls: list[tuple[int, int]] = []

    async def provider(db: object, counsellor_id: int, client_id: int) -> counselling.DashboardSection:
        calls.append((counsellor_id, client_id))
        return counselling.DashboardSection("assessments/_crisis_box.html", {"kind": "test"})

    counselling.register_dashboard_section(provider)
    try:
        async with await browser_for(app, counsellor) as web:
            dash = await web.get(f"/counsellor/clients/{me.id}")
            assert dash.status_code == 200 and "data-crisis-box" in dash.text
        async with await browser_for(app, stranger) as web:
            assert (await web.get(f"/counsellor/clients/{me.id}")).status_code == 404
    finally:
        counselling.dashboard_sections.remove(provider)
    assert calls == [(counsellor.id, me.id)]
