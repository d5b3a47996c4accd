"""Library pages: browsing in the reader's language, buying from the item page (once, even on a
double submit), the studio (write, upload a lesson, publish), crisis resources after a risky
comment, and no purchase links inside care rooms."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.core import hooks
from tests.accounts.support import csrf_from
from tests.appointments.support import Person, person
from tests.appointments.test_pages import browser_for
from tests.content.support import API, orders_for, published, tone_wav, top_up

HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)"')


async def test_library_in_the_readers_language(
    app: FastAPI, client: httpx.AsyncClient, author: Person
) -> None:
    english = await published(client, author, title="Quiet mind", language="en")
    chinese = await published(client, author, title="安静的心", language="zh")
    en = await client.get("/library", headers={"accept-language": "en"})
    assert f'href="/library/{english["id"]}"' in en.text and f'href="/library/{chinese["id"]}"' not in en.text
    zh = await client.get("/library", headers={"accept-language": "zh-CN"})
    assert f'href="/library/{chinese["id"]}"' in zh.text and f'href="/library/{english["id"]}"' not in zh.text
    by_author = await client.get(
        "/library", params={"author": author.id, "language": "en", "sort": "most_bought"}
    )
    assert f'href="/library/{english["id"]}"' in by_author.text


async def test_buy_from_the_page_once(app: FastAPI, client: httpx.AsyncClient, author: Person) -> None:
    item = await published(client, author)
    reader = await person(app)
    await top_up(client, reader)
    async with await browser_for(app, reader) as browser:
        page = await browser.get(f"/library/{item['id']}")
        assert page.status_code == 200 and "PAID-PART" not in page.text and 'id="buy-button"' in page.text
        form = dict(HIDDEN.findall(page.text))
        form["csrf_token"] = csrf_from(page.text)
        first = await browser.post(f"/library/{item['id']}/buy", data=form)
        double = await browser.post(f"/library/{item['id']}/buy", data=form)  # the same form sent twice
        assert first.status_code == double.status_code == 303
        assert len(await orders_for(app, reader.id, "article")) == 1
        full = await browser.get(f"/library/{item['id']}")
        assert "PAID-PART" in full.text and 'id="buy-button"' not in full.text
        mine = await browser.get("/library/mine")
        assert f'href="/library/{item["id"]}"' in mine.text
        form["idempotency_key"] = "another-key"
        again = await browser.post(f"/library/{item['id']}/buy", data=form, headers={"accept-language": "en"})
        assert again.status_code == 409 and "already have this" in again.text


async def test_the_studio(app: FastAPI, client: httpx.AsyncClient, author: Person) -> None:
    async with await browser_for(app, author) as browser:
        studio = await browser.get("/studio")
        assert studio.status_code == 200
        token = csrf_from(studio.text)
        created = await browser.post(
            "/studio/items",
            data={
                "csrf_token": token,
                "kind": "course",
                "title": "Calm evenings",
                "topic": "sleep",
                "language": "en",
                "preview_md": "Free intro",
                "body_md": "",
                "price": "19.90",
            },
        )
        assert created.status_code == 303
        studio = await browser.get("/studio")
        course_id = int(re.findall(r'data-item="(\d+)"', studio.text)[0])
        early = await browser.post(f"/studio/items/{course_id}/publish", data={"csrf_token": token})
        assert early.status_code == 422  # no lesson yet
        lesson = await browser.post(
            f"/studio/items/{course_id}/lessons",
            data={"csrf_token": token, "title": "Lesson one", "notes": "Breathe", "free": "1"},
            files={"audio": ("one.wav", tone_wav(), "audio/wav")},
        )
        assert lesson.status_code == 303
        bad = await browser.post(
            f"/studio/items/{course_id}/lessons",
            data={"csrf_token": token, "title": "Not audio"},
            files={"audio": ("x.mp3", b"MZ" + b"\x00" * 100, "audio/mpeg")},
        )
        assert bad.status_code == 422
        done = await browser.post(f"/studio/items/{course_id}/publish", data={"csrf_token": token})
        assert done.status_code == 303
    shown = (await client.get(f"{API}/items/{course_id}")).json()
    assert shown["status"] == "published" and shown["amount"] == 19_90


async def test_a_risky_comment_shows_crisis_resources(
    app: FastAPI, client: httpx.AsyncClient, author: Person
) -> None:
    seen: list[hooks.TextWritten] = []

    async def screen(db: AsyncSession, event: hooks.TextWritten) -> hooks.ScreenOutcome | None:
        seen.append(event)
        return hooks.ScreenOutcome(level="high", show_resources=True) if "hopeless" in event.text else None

    hooks.text_written.register(screen)
    try:
        item = await published(client, author, amount=0)
        reader = await person(app)
        calm = await client.post(
            f"{API}/items/{item['id']}/comments", json={"text": "Helpful"}, headers=reader.headers
        )
        assert calm.status_code == 201 and calm.json()["show_resources"] is False
        risky = await client.post(
            f"{API}/items/{item['id']}/comments", json={"text": "I feel hopeless"}, headers=reader.headers
        )
        assert risky.json()["show_resources"] is True
        async with await browser_for(app, reader) as browser:
            page = await browser.get(f"/library/{item['id']}")
            answer = await browser.post(
                f"/library/{item['id']}/comments",
                data={"csrf_token": csrf_from(page.text), "text": "so hopeless"},
            )
            assert 'id="crisis-resources"' in answer.text and "/safety/resources" in answer.text
            assert "content-resources.js" in answer.text and "<script>" not in answer.text
    finally:
        hooks.text_written.unregister(screen)
    assert {event.surface for event in seen} == {"content_comment"}


async def test_no_library_menu_inside_care_rooms(app: FastAPI, client: httpx.AsyncClient) -> None:
    reader = await person(app)
    async with await browser_for(app, reader) as browser:
        library = await browser.get("/library")
        rooms = await browser.get("/rooms")
    assert 'class="content-menu"' in library.text
    assert (
        rooms.status_code == 200
        and 'class="content-menu"' not in rooms.text
        and 'href="/library' not in rooms.text
    )


def test_no_purchase_links_inside_care_rooms() -> None:
    rooms = Path(__file__).resolve().parents[2] / "anxin" / "rooms"
    for path in rooms.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert 'href="/library' not in text and 'href="/pay/' not in text and "/studio" not in text, path
    for path in rooms.rglob("*.py"):
        assert "anxin.content" not in path.read_text(encoding="utf-8"), path


async def test_paid_questions_from_the_pages(app: FastAPI, client: httpx.AsyncClient, author: Person) -> None:
    asker, reader = await person(app), await person(app)
    await top_up(client, asker)
    await top_up(client, reader)
    async with (
        await browser_for(app, author) as counsellor,
        await browser_for(app, asker) as first,
        await browser_for(app, reader) as second,
    ):
        page = await counsellor.get("/questions")
        saved = await counsellor.post(
            "/questions/terms",
            data={
                "csrf_token": csrf_from(page.text),
                "price": "20.00",
                "unlock_price": "2.00",
                "deadline_hours": "24",
            },
        )
        assert saved.status_code == 303
        offers = await first.get("/questions")
        form = re.search(
            rf'action="/questions/ask" data-counsellor="{author.id}">(.*?)</form>',
            offers.text,
            re.S,
        )
        assert form
        fields = dict(HIDDEN.findall(form.group(1)))
        fields.update(
            {"csrf_token": csrf_from(offers.text), "text": "How can I sleep before exams?", "public": "1"}
        )
        assert (await first.post("/questions/ask", data=fields)).status_code == 303
        assert (
            await first.post("/questions/ask", data=fields)
        ).status_code == 303  # a double submit asks once
        mine = await first.get("/questions")
        assert mine.text.count('data-status="open"') == 1
        todo = await counsellor.get("/questions")
        question_id = re.findall(r'data-question="(\d+)" data-status="open"', todo.text)[0]
        answered = await counsellor.post(
            f"/questions/{question_id}/answer",
            data={"csrf_token": csrf_from(todo.text), "text": "PAGE-ANSWER: a wind-down routine."},
            files={"audio": ("", b"", "application/octet-stream")},
        )
        assert answered.status_code == 303, answered.text
        public = await second.get("/answers")
        assert "PAGE-ANSWER" not in public.text and f'action="/answers/{question_id}/unlock"' in public.text
        unlock = dict(HIDDEN.findall(public.text.split(f'id="q-{question_id}"')[1]))
        unlock["csrf_token"] = csrf_from(public.text)
        assert (await second.post(f"/answers/{question_id}/unlock", data=unlock)).status_code == 303
        assert "PAGE-ANSWER" in (await second.get("/answers")).text
