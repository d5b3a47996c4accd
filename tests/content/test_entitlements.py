"""The entitlement matrix: anonymous, buyer, non-buyer, refunded buyer, author and admin × article,
course, lesson audio (whole and range) and a paid answer, over every channel (page, API, audio link).
Only the expected cells allow; paid text and audio never reach anyone else."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from anxin.content import media
from tests.appointments.support import Person, person
from tests.content.support import API, add_lesson, article_body, buy, key, tone_wav, top_up

ROLES = ("anonymous", "buyer", "non_buyer", "refunded", "author", "admin")
ALLOWED = {"buyer", "author", "admin"}
PAID_TEXT = "PAID-PART"
PAID_NOTES = "PAID-NOTES"
ANSWER = "ANSWER-SECRET"


async def _refund(client: httpx.AsyncClient, admin: Person, order_id: int, amount: int) -> None:
    response = await client.post(
        f"/api/v1/commerce/admin/orders/{order_id}/refunds",
        json={"amount": amount, "currency": "CNY", "reason": "test"},
        headers={**admin.headers, **key()},
    )
    assert response.status_code == 201, response.text


async def _world(app: FastAPI, client: httpx.AsyncClient, author: Person, admin: Person) -> dict[str, Any]:
    article = await client.post(f"{API}/items", json=article_body(), headers=author.headers)
    article_id = article.json()["id"]
    await client.post(f"{API}/items/{article_id}/publish", headers=author.headers)
    course = await client.post(f"{API}/items", json=article_body(kind="course"), headers=author.headers)
    course_id = course.json()["id"]
    assert (await add_lesson(client, author, course_id, free=False)).status_code == 201
    await client.post(f"{API}/items/{course_id}/publish", headers=author.headers)
    lesson_id = (await client.get(f"{API}/items/{course_id}/lessons", headers=author.headers)).json()[0]["id"]
    await client.put(f"{API}/answerer", params={"price": 20_00, "unlock_price": 2_00}, headers=author.headers)

    people = {"author": author, "admin": admin}
    for role in ("buyer", "non_buyer", "refunded", "asker"):
        people[role] = await person(app)
        await top_up(client, people[role])
    asked = await client.post(
        f"{API}/questions",
        json={
            "counsellor_id": author.id,
            "text": "A public question for the matrix",
            "public": True,
            "expected_amount": 20_00,
        },
        headers={**people["asker"].headers, **key()},
    )
    question_id = asked.json()["id"]
    await client.post(f"{API}/questions/{question_id}/answer", data={"text": ANSWER}, headers=author.headers)
    for role in ("buyer", "refunded"):
        for content_id, amount in ((article_id, 30_00), (course_id, 30_00)):
            bought = await buy(client, people[role], {"id": content_id, "amount": amount})
            assert bought.status_code == 201, bought.text
            if role == "refunded":
                await _refund(client, admin, bought.json()["order_id"], amount)
        unlocked = await client.post(
            f"{API}/questions/{question_id}/unlock",
            json={"expected_amount": 2_00},
            headers={**people[role].headers, **key()},
        )
        assert unlocked.status_code == 201, unlocked.text
        if role == "refunded":
            await _refund(client, admin, unlocked.json()["order_id"], 2_00)
    return {
        "people": people,
        "article": article_id,
        "course": course_id,
        "lesson": lesson_id,
        "question": question_id,
    }


def _headers(world: dict[str, Any], role: str) -> dict[str, str]:
    return {} if role == "anonymous" else dict(world["people"][role].headers)


def _id(world: dict[str, Any], role: str) -> int:
    return 0 if role == "anonymous" else int(world["people"][role].id)


async def test_matrix(app: FastAPI, client: httpx.AsyncClient, author: Person, admin: Person) -> None:
    world = await _world(app, client, author, admin)
    wav = tone_wav()
    unexpected: list[str] = []
    for role in ROLES:
        headers = _headers(world, role)
        allowed = role in ALLOWED

        def check(channel: str, leaked: bool, *, allowed: bool = allowed, role: str = role) -> None:
            if leaked != allowed:
                unexpected.append(f"{role} × {channel}: {'allowed' if leaked else 'denied'}")

        # Article: API and page.
        api = await client.get(f"{API}/items/{world['article']}", headers=headers)
        check("article api", PAID_TEXT in api.text)
        page = await client.get(f"/library/{world['article']}", headers=headers)
        assert page.status_code == 200
        check("article page", PAID_TEXT in page.text)
        # Course: lessons list (notes and links), item page, player page.
        listed = await client.get(f"{API}/items/{world['course']}/lessons", headers=headers)
        check("course lessons api", PAID_NOTES in listed.text or "/media/" in listed.text)
        course_page = await client.get(f"/library/{world['course']}", headers=headers)
        check(
            "course page",
            PAID_TEXT in course_page.text or f"/library/lessons/{world['lesson']}" in course_page.text,
        )
        player = await client.get(f"/library/lessons/{world['lesson']}", headers=headers)
        check("player page", PAID_NOTES in player.text or "/media/" in player.text)
        # Lesson audio: a genuine, fresh link signed for this very person, whole and range.
        url = media.lesson_url(world["lesson"], _id(world, role))
        whole = await client.get(url)
        check("lesson audio", whole.status_code == 200 and whole.content == wav)
        part = await client.get(url, headers={"Range": "bytes=0-99"})
        check("lesson audio range", part.status_code == 206 and part.content == wav[:100])
        # The answer: unlockers (buyer), the answerer (author) and admins.
        answer = await client.get(f"{API}/questions/{world['question']}", headers=headers)
        check("answer api", ANSWER in answer.text)
        listing = await client.get(f"{API}/answers", headers=headers)
        check("answers list", ANSWER in listing.text)
        # Lists of other people's things never leak: the library shows only what is yours.
        if role not in ("anonymous",):
            mine = await client.get(f"{API}/library", headers=headers)
            check("library", PAID_TEXT in mine.text, allowed=role == "buyer")
    assert unexpected == []
