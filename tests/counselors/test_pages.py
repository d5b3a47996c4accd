"""A counsellor applies through the pages and an admin approves them from the verification queue."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.accounts.support import csrf_from
from tests.appointments.support import PDF, Person, person
from tests.appointments.test_pages import browser_for


async def test_apply_through_the_pages_and_get_approved(
    app: FastAPI, client: httpx.AsyncClient, admin: Person
) -> None:
    applicant = await person(app, "counsellor")
    async with await browser_for(app, applicant) as me, await browser_for(app, admin) as boss:
        page = await me.get("/counsellor/application")
        assert page.status_code == 200
        token = csrf_from(page.text)
        bad = await me.post("/counsellor/application/profile", data={"csrf_token": token, "name_en": "Wu"})
        assert bad.status_code == 422
        profile = {
            "csrf_token": token,
            "name_en": "Wu Lan",
            "name_zh": "吴兰",
            "bio_en": "Sleep and stress.",
            "bio_zh": "睡眠与压力。",
            "specialties": ["sleep", "anxiety"],
            "languages": ["zh"],
            "gender": "female",
            "timezone": "Asia/Shanghai",
            "price_text": "180.00",
            "discount_percent": "10",
            "buffer_minutes": "10",
        }
        assert (await me.post("/counsellor/application/profile", data=profile)).status_code == 303
        hours = {"csrf_token": token, "day_0": "09:00-12:00, 14:00-18:00", "day_2": "9:00-11:00"}
        assert (await me.post("/counsellor/application/hours", data=hours)).status_code == 303
        page = await me.get("/counsellor/application")
        assert 'value="09:00-12:00, 14:00-18:00"' in page.text and 'value="180.00"' in page.text
        credential = {
            "csrf_token": token,
            "qualification": "social_worker",
            "licence_number": "SW-9",
            "issuing_body": "民政部",
            "years_of_practice": "3",
            "supervised_hours": "120",
        }
        assert (await me.post("/counsellor/application/credentials", data=credential)).status_code == 303
        uploaded = await me.post(
            "/counsellor/application/documents",
            data={"csrf_token": token},
            files={"file": ("c.pdf", PDF, "application/pdf")},
        )
        assert uploaded.status_code == 303
        assert (
            await me.post("/counsellor/application/submit", data={"csrf_token": token})
        ).status_code == 303
        assert 'data-status="pending"' in (await me.get("/counsellor/application")).text

        queue = await boss.get("/admin/counselors")
        assert f'data-applicant="{applicant.id}"' in queue.text and "SW-9" in queue.text
        approved = await boss.post(
            f"/admin/counselors/{applicant.id}/decision",
            data={"csrf_token": csrf_from(queue.text), "decision": "approve", "reason": ""},
        )
        assert approved.status_code == 303
        assert 'data-status="verified"' in (await me.get("/counsellor/application")).text
        directory = await client.get("/counselors", params={"q": "吴"})
        assert f'href="/counselors/{applicant.id}"' in directory.text
        assert (await me.get("/admin/counselors")).status_code == 404
