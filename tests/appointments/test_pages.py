"""The marketplace pages over HTTP: directory filters, profile with free times in the reader's zone,
booking and paying with the informed-consent terms, My sessions, the counsellor's calendar."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI

from anxin.accounts import sessions
from anxin.accounts.models import User
from tests.accounts.support import csrf_from
from tests.appointments.support import Person, person, settle, verified_counsellor


async def browser_for(app: FastAPI, someone: Person) -> httpx.AsyncClient:
    """An HTTP client signed in with a session cookie, as a browser would be."""
    async with app.state.database.transaction() as db:
        user = await db.get(User, someone.id)
        assert user is not None
        token, _ = await sessions.start(db, user, kind="cookie", user_agent="test")
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(
        transport=transport,
        base_url="http://testserver",
        cookies={"anxin_session": token},
        follow_redirects=False,
    )


async def test_a_client_books_and_cancels_from_the_pages(
    app: FastAPI, client: httpx.AsyncClient, admin: Person
) -> None:
    counsellor = await verified_counsellor(app, admin)
    me = await person(app)
    page = await client.get(
        "/counselors", params={"specialty": "anxiety", "q": "林"}, headers={"accept-language": "en"}
    )
    assert page.status_code == 200 and f'href="/counselors/{counsellor.id}"' in page.text
    none = await client.get("/counselors", params={"specialty": "trauma"}, headers={"accept-language": "en"})
    assert f'href="/counselors/{counsellor.id}"' not in none.text

    async with await browser_for(app, me) as browser, await browser_for(app, counsellor) as their:
        profile = await browser.get(f"/counselors/{counsellor.id}", params={"tz": "Europe/London"})
        assert profile.status_code == 200
        # 09:00 in Shanghai is 01:00 in London in March: the free times are in the reader's zone.
        assert ">01:00<" in profile.text
        link = re.search(r'href="(/counselors/\d+/book\?[^"]+)"', profile.text)
        assert link
        booking_page = await browser.get(link.group(1).replace("&amp;", "&"))
        assert booking_page.status_code == 200 and "informed-consent" in booking_page.text
        form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', booking_page.text))
        form["csrf_token"] = csrf_from(booking_page.text)
        refused = await browser.post(
            f"/counselors/{counsellor.id}/book",
            data={**form, "method": "sandbox", "card_number": "4242424242424242"},
        )
        assert refused.status_code == 422  # the terms were not accepted
        booked = await browser.post(
            f"/counselors/{counsellor.id}/book",
            data={**form, "accept_terms": "1", "method": "sandbox", "card_number": "4242424242424242"},
        )
        assert booked.status_code == 303 and booked.headers["location"].startswith("/sessions")

        async def confirmed() -> bool:
            return 'data-status="confirmed"' in (await browser.get("/sessions")).text

        await settle(app, confirmed)
        calendar = await their.get("/calendar")
        assert 'data-status="confirmed"' in calendar.text
        mine = await browser.get("/sessions")
        booking_id = re.search(r'data-session="(\d+)"', mine.text)
        assert booking_id
        cancelled = await browser.post(
            f"/sessions/{booking_id.group(1)}/cancel", data={"csrf_token": csrf_from(mine.text)}
        )
        assert cancelled.status_code == 303
        assert 'data-status="cancelled"' in (await browser.get("/sessions")).text
        assert "data-session" not in (await their.get("/calendar")).text


async def test_pages_for_signed_in_people_ask_to_sign_in_and_others_roles_get_not_found(
    app: FastAPI, client: httpx.AsyncClient, admin: Person
) -> None:
    for path in ("/sessions", "/calendar", "/admin/complaints"):
        response = await client.get(path)
        assert response.status_code == 200 and 'action="/login"' in response.text
    me = await person(app)
    async with await browser_for(app, me) as browser:
        assert (await browser.get("/calendar")).status_code == 404
        assert (await browser.get("/admin/complaints")).status_code == 404
    assert (await client.get("/counselors/999999")).status_code == 404


async def test_a_client_reports_a_problem_and_reviews_from_my_sessions(
    app: FastAPI, client: httpx.AsyncClient, admin: Person
) -> None:
    from datetime import timedelta

    from tests.appointments.conftest import NOW
    from tests.appointments.support import in_days, move_clock
    from tests.appointments.test_booking import book_and_pay

    counsellor = await verified_counsellor(app, admin)
    me = await person(app)
    booking = await book_and_pay(client, app, me, counsellor)
    await move_clock(app, in_days(NOW, 3, 3) + timedelta(hours=1), me, counsellor, admin)
    held = await client.post(
        f"/api/v1/appointments/bookings/{booking['id']}/outcome",
        json={"outcome": "held"},
        headers=counsellor.headers,
    )
    assert held.status_code == 200
    async with await browser_for(app, me) as browser:
        page = await browser.get("/sessions")
        token = csrf_from(page.text)
        assert f'action="/sessions/{booking["id"]}/review"' in page.text
        reviewed = await browser.post(
            f"/sessions/{booking['id']}/review",
            data={"csrf_token": token, "rating": "4", "comment": "Helpful."},
        )
        assert reviewed.status_code == 303
        reported = await browser.post(
            f"/sessions/{booking['id']}/complaint",
            data={
                "csrf_token": token,
                "kind": "complaint",
                "details": "The session started twenty minutes late.",
            },
        )
        assert reported.status_code == 303
        assert "data-complaint" in (await browser.get("/sessions")).text
    reviews = (await client.get(f"/api/v1/appointments/counselors/{counsellor.id}/reviews")).json()
    assert [r["rating"] for r in reviews] == [4]
    queue = (await client.get("/api/v1/appointments/admin/complaints", headers=admin.headers)).json()
    assert queue[0]["details"] == "The session started twenty minutes late."


async def test_a_client_moves_a_session_and_changes_counsellor_and_a_counsellor_refers_on_from_the_pages(
    app: FastAPI, client: httpx.AsyncClient, admin: Person
) -> None:
    from tests.appointments.conftest import NOW
    from tests.appointments.support import in_days
    from tests.appointments.test_booking import book_and_pay

    counsellor = await verified_counsellor(app, admin)
    me, other = await person(app), await person(app)
    booking = await book_and_pay(client, app, me, counsellor)
    await book_and_pay(client, app, other, counsellor, hour=5)
    async with await browser_for(app, me) as browser, await browser_for(app, counsellor) as their:
        page = await browser.get("/sessions", headers={"accept-language": "en"})
        assert f'action="/sessions/{booking["id"]}/reschedule"' in page.text
        new_start = in_days(NOW, 4, 3).isoformat()
        assert f'value="{new_start}"' in page.text  # a free time of the same counsellor is offered
        moved = await browser.post(
            f"/sessions/{booking['id']}/reschedule",
            data={"csrf_token": csrf_from(page.text), "starts_at": new_start},
        )
        assert moved.status_code == 303 and moved.headers["location"] == "/sessions?moved=1"
        row = (await client.get(f"/api/v1/appointments/bookings/{booking['id']}", headers=me.headers)).json()
        assert row["starts_at"].replace("Z", "+00:00") == new_start
        bad = await browser.post(
            f"/sessions/{booking['id']}/reschedule",
            data={"csrf_token": csrf_from(page.text), "starts_at": "not a time"},
        )
        assert bad.status_code == 422

        # The counsellor sees both clients by nickname or number, and refers one on with a note.
        calendar = await their.get("/calendar", headers={"accept-language": "en"})
        care_ids = re.findall(r'data-care="(\d+)"', calendar.text)
        assert len(care_ids) == 2
        mine_care = (await client.get("/api/v1/appointments/care", headers=me.headers)).json()[0]["id"]
        short = await their.post(
            f"/calendar/care/{mine_care}/refer", data={"csrf_token": csrf_from(calendar.text), "note": "go"}
        )
        assert short.status_code == 422  # too short to help the client
        referred = await their.post(
            f"/calendar/care/{mine_care}/refer",
            data={
                "csrf_token": csrf_from(calendar.text),
                "note": "Please see the trauma clinic at City Hospital.",
            },
        )
        assert referred.status_code == 303
        assert len(re.findall(r'data-care="\d+"', (await their.get("/calendar")).text)) == 1
        sessions_page = (await browser.get("/sessions", headers={"accept-language": "en"})).text
        assert "Please see the trauma clinic at City Hospital." in sessions_page
        assert f'action="/care/{mine_care}/end"' not in sessions_page  # already ended

    async with await browser_for(app, other) as browser:
        page = await browser.get("/sessions")
        care_id = re.search(r'data-care="(\d+)" data-status="active"', page.text)
        assert care_id
        refused = await browser.post(
            f"/care/{care_id.group(1)}/end", data={"csrf_token": csrf_from(page.text), "reason": "bored"}
        )
        assert refused.status_code == 422
        changed = await browser.post(
            f"/care/{care_id.group(1)}/end",
            data={"csrf_token": csrf_from(page.text), "reason": "change_requested"},
        )
        assert changed.status_code == 303 and changed.headers["location"] == "/counselors?changing=1"
        assert 'data-status="ended"' in (await browser.get("/sessions")).text
    async with await browser_for(app, me) as stranger:
        # Another client's relationship is not theirs to end.
        page = await stranger.get("/sessions")
        response = await stranger.post(
            f"/care/{care_id.group(1)}/end",
            data={"csrf_token": csrf_from(page.text), "reason": "client_ended"},
        )
        assert response.status_code == 404


async def test_a_counsellor_sees_the_outcome_of_a_report_about_them_but_not_its_details(
    app: FastAPI, client: httpx.AsyncClient, admin: Person
) -> None:
    from tests.appointments.test_booking import book_and_pay

    counsellor = await verified_counsellor(app, admin)
    me = await person(app)
    booking = await book_and_pay(client, app, me, counsellor)
    async with await browser_for(app, me) as browser:
        page = await browser.get("/sessions")
        reported = await browser.post(
            f"/sessions/{booking['id']}/complaint",
            data={"csrf_token": csrf_from(page.text), "kind": "complaint", "details": "Secret canary words."},
        )
        assert reported.status_code == 303
    queue = (await client.get("/api/v1/appointments/admin/complaints", headers=admin.headers)).json()
    resolved = await client.post(
        f"/api/v1/appointments/admin/complaints/{queue[0]['id']}/resolve",
        json={"outcome": "guidance", "response": "We talked with the counsellor about punctuality."},
        headers=admin.headers,
    )
    assert resolved.status_code == 204
    async with await browser_for(app, counsellor) as their:
        calendar = (await their.get("/calendar", headers={"accept-language": "en"})).text
    assert "We talked with the counsellor about punctuality." in calendar
    assert "Secret canary words." not in calendar
