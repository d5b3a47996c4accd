"""Audio courses: checked uploads, random storage keys, signed short-lived links, byte ranges,
trial lessons and the remembered position."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from anxin.content import media
from anxin.core import clock
from tests.appointments.support import Person, person
from tests.content.support import API, add_lesson, article_body, buy, tone_wav, top_up


async def _course(
    client: httpx.AsyncClient, author: Person
) -> tuple[dict[str, object], list[dict[str, object]]]:
    created = await client.post(
        f"{API}/items", json=article_body(kind="course", title="Sleep better"), headers=author.headers
    )
    course_id = created.json()["id"]
    assert (await add_lesson(client, author, course_id, free=True)).status_code == 201
    assert (await add_lesson(client, author, course_id, free=False)).status_code == 201
    course = (await client.post(f"{API}/items/{course_id}/publish", headers=author.headers)).json()
    lessons = (await client.get(f"{API}/items/{course_id}/lessons", headers=author.headers)).json()
    return course, lessons


async def test_ranges_and_signed_links(app: FastAPI, client: httpx.AsyncClient, author: Person) -> None:
    course, _ = await _course(client, author)
    reader = await person(app)
    await top_up(client, reader)
    assert (await buy(client, reader, course)).status_code == 201
    lessons = (await client.get(f"{API}/items/{course['id']}/lessons", headers=reader.headers)).json()
    paid = lessons[1]
    url = paid["audio_url"]
    whole = await client.get(url)
    assert whole.status_code == 200 and whole.headers["accept-ranges"] == "bytes"
    assert whole.content == tone_wav() and whole.headers["content-type"] == "audio/wav"
    part = await client.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == whole.content[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(whole.content)}"
    tail = await client.get(url, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == whole.content[-10:]
    beyond = await client.get(url, headers={"Range": f"bytes={len(whole.content) + 5}-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{len(whole.content)}"
    garbage = await client.get(url, headers={"Range": "bytes=abc"})
    assert garbage.status_code == 416
    forged = url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")
    assert (await client.get(forged)).status_code == 403
    # Another listener's id in a genuine token of mine does not verify.
    token = url.split("t=")[1]
    other = token.replace(f"{reader.id}.", f"{author.id}.", 1)
    assert (await client.get(url.split("?")[0], params={"t": other})).status_code == 403


async def test_links_expire(app: FastAPI, client: httpx.AsyncClient, author: Person) -> None:
    _, lessons = await _course(client, author)
    url = lessons[0]["audio_url"]
    lesson_id = lessons[0]["id"]
    old = media.sign("lesson", lesson_id, author.id, now=0)
    expired = await client.get(f"{API}/media/{lesson_id}", params={"t": old})
    assert expired.status_code == 403 and expired.json()["error"]["code"] == "link_expired"
    assert (await client.get(url)).status_code == 200


async def test_trial_lesson_plays_for_everyone_paid_one_only_for_buyers(
    app: FastAPI, client: httpx.AsyncClient, author: Person
) -> None:
    course, _ = await _course(client, author)
    lessons = (await client.get(f"{API}/items/{course['id']}/lessons")).json()
    assert lessons[0]["playable"] and lessons[0]["audio_url"]
    assert not lessons[1]["playable"] and lessons[1]["audio_url"] is None and lessons[1]["notes_html"] is None
    assert (await client.get(lessons[0]["audio_url"])).status_code == 200
    forged = media.lesson_url(lessons[1]["id"], 0)  # a genuine link for nobody: still refused
    assert (await client.get(forged)).status_code == 404


async def test_uploads_are_checked_and_stored_under_random_names(
    app: FastAPI, client: httpx.AsyncClient, author: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = await client.post(f"{API}/items", json=article_body(kind="course"), headers=author.headers)
    course_id = created.json()["id"]
    fake = await add_lesson(
        client, author, course_id, free=False, data=b"<html><script>x</script></html>" * 4
    )
    assert fake.status_code == 422 and fake.json()["error"]["code"] == "upload_rejected"
    monkeypatch.setattr(media, "MAX_AUDIO_BYTES", 1000)
    big = await add_lesson(client, author, course_id, free=False, data=tone_wav())
    assert big.status_code == 413 and big.json()["error"]["code"] == "upload_too_large"
    monkeypatch.undo()
    for data in (
        b"ID3\x04" + b"\x00" * 60,
        b"OggS" + b"\x00" * 60,
        b"\x1a\x45\xdf\xa3" + b"\x00" * 60,
        b"\x00\x00\x00\x20ftypM4A " + b"\x00" * 60,
        tone_wav(0.1),
    ):
        assert (await add_lesson(client, author, course_id, free=False, data=data)).status_code == 201
    home: Path = app.state.settings.home
    stored = [p.name for p in (home / "content-media").rglob("*") if p.is_file()]
    assert len(stored) == 5 and all("lesson" not in name and len(name) >= 20 for name in stored)
    # Publishing an empty course is refused, with a message.
    empty = await client.post(f"{API}/items", json=article_body(kind="course"), headers=author.headers)
    refused = await client.post(f"{API}/items/{empty.json()['id']}/publish", headers=author.headers)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "not_publishable"


async def test_position_is_remembered_per_listener(
    app: FastAPI, client: httpx.AsyncClient, author: Person
) -> None:
    course, _ = await _course(client, author)
    reader = await person(app)
    await top_up(client, reader)
    await buy(client, reader, course)
    lesson = (await client.get(f"{API}/items/{course['id']}/lessons", headers=reader.headers)).json()[1]
    saved = await client.put(
        f"{API}/lessons/{lesson['id']}/position", json={"seconds": 42}, headers=reader.headers
    )
    assert saved.status_code == 200
    again = (await client.get(f"{API}/items/{course['id']}/lessons", headers=reader.headers)).json()[1]
    assert again["position_seconds"] == 42
    page = await client.get(f"/library/lessons/{lesson['id']}", headers=reader.headers)
    assert page.status_code == 200 and 'data-position="42"' in page.text and "<script>" not in page.text
    stranger = await person(app)
    refused = await client.put(
        f"{API}/lessons/{lesson['id']}/position", json={"seconds": 1}, headers=stranger.headers
    )
    assert refused.status_code == 404
    stats = (await client.get(f"{API}/mine", headers=author.headers)).json()
    assert stats[0]["sales"] == 1 and stats[0]["listens"] == 1 and stats[0]["net"] == 30_00 - 9_00
    assert clock.utcnow()
