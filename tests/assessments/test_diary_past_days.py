"""A client picks an earlier day on the diary page and edits that day's entry; a future day is
refused with a clear message."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi import FastAPI

from anxin.core import clock
from tests.accounts.support import csrf_from
from tests.appointments.support import person
from tests.appointments.test_pages import browser_for


def _selected_mood(html: str) -> str | None:
    select = re.search(r'<select[^>]*name="mood".*?</select>', html, re.S)
    assert select
    chosen = re.search(r'<option value="(\d+)"[^>]*selected', select.group(0))
    return chosen.group(1) if chosen else None


async def test_an_earlier_day_is_opened_edited_and_saved(app: FastAPI) -> None:
    me = await person(app)
    today = clock.utcnow().date()
    earlier = (today - timedelta(days=3)).isoformat()
    async with await browser_for(app, me) as web:
        web.headers["Accept-Language"] = "en"
        form = await web.get("/diary")
        token = csrf_from(form.text)
        assert 'id="diary-pick-day"' in form.text and "Save today&#39;s entry" in form.text
        first = await web.post(
            "/diary", data={"csrf_token": token, "day": earlier, "mood": "4", "note": "a quiet walk"}
        )
        assert first.status_code == 200
        assert f'href="/diary?day={earlier}"' in first.text  # the recent list links to the day

        # Today's form does not carry the earlier day's answers.
        fresh = await web.get("/diary")
        assert "a quiet walk" not in fresh.text and 'id="diary-editing"' not in fresh.text

        opened = await web.get("/diary", params={"day": earlier})
        assert opened.status_code == 200
        assert f'value="{earlier}"' in opened.text and "a quiet walk" in opened.text
        assert _selected_mood(opened.text) == "4"
        assert f"You are editing your entry for {earlier}." in opened.text
        assert f"Save the entry for {earlier}" in opened.text

        edited = await web.post(
            "/diary", data={"csrf_token": token, "day": earlier, "mood": "6", "note": "a longer walk"}
        )
        assert edited.status_code == 200 and "Your diary entry is saved." in edited.text
        assert f"You are editing your entry for {earlier}." in edited.text  # still on that day
        again = await web.get("/diary", params={"day": earlier})
        assert _selected_mood(again.text) == "6" and "a longer walk" in again.text
        listed = (await web.get("/api/v1/assessments/diary")).json()
        days = [row["day"] for row in listed]
        assert days.count(earlier) == 1

        future = await web.get("/diary", params={"day": (today + timedelta(days=30)).isoformat()})
        assert future.status_code == 422
        assert "A diary entry can only be for today or an earlier day." in future.text
        nonsense = await web.get("/diary", params={"day": "not-a-day"})
        assert nonsense.status_code == 422

        chinese = await web.get("/diary", params={"day": earlier}, headers={"Accept-Language": "zh-CN"})
        assert "编辑更早的一天" in chinese.text
