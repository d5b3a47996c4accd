"""The rooms API and pages: resend idempotency over HTTP, 404 for outsiders, attachments checked by
their first bytes and stored sealed, notes only for the counsellor, TURN credentials only while
calls are open, and pages that render for participants."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid

import httpx
from fastapi import FastAPI

from anxin.core.config import Settings
from anxin.rooms import calls
from anxin.rooms.settings import reset_room_settings
from tests.rooms.support import make_pair, make_person

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64
WEBM = b"\x1a\x45\xdf\xa3" + b"\x00" * 64


async def test_send_resend_and_fetch_since(app: FastAPI, client: httpx.AsyncClient) -> None:
    pair = await make_pair(app.state.database)
    url = f"/api/v1/rooms/{pair.room_id}/messages"
    first = await client.post(url, json={"text": "hello", "client_msg_id": "a1"}, headers=pair.client.headers)
    again = await client.post(url, json={"text": "hello", "client_msg_id": "a1"}, headers=pair.client.headers)
    second = await client.post(
        url, json={"text": "there", "client_msg_id": "k1"}, headers=pair.counselor.headers
    )
    assert (first.status_code, again.status_code, second.status_code) == (201, 200, 201)
    assert again.json() == {"seq": 1, "client_msg_id": "a1", "duplicate": True}
    since_one = await client.get(url, params={"since": 1}, headers=pair.client.headers)
    assert [(m["seq"], m["text"]) for m in since_one.json()] == [(2, "there")]
    marks = await client.post(
        f"/api/v1/rooms/{pair.room_id}/marks", json={"read": 99}, headers=pair.client.headers
    )
    assert marks.json() == {"delivered": 2, "read": 2}


async def test_outsiders_get_404_everywhere(app: FastAPI, client: httpx.AsyncClient) -> None:
    pair = await make_pair(app.state.database)
    stranger = await make_person(app.state.database)
    base = f"/api/v1/rooms/{pair.room_id}"
    await client.post(
        f"{base}/attachments",
        files={"file": ("a.png", PNG)},
        data={"client_msg_id": "f"},
        headers=pair.client.headers,
    )
    for method, path, body in (
        ("GET", base, None),
        ("GET", f"{base}/messages", None),
        ("POST", f"{base}/messages", {"text": "x", "client_msg_id": "s"}),
        ("GET", f"{base}/search?q=x", None),
        ("GET", f"{base}/notes", None),
        ("POST", f"{base}/reports", {"reason": "x"}),
        ("GET", f"{base}/ice", None),
        ("GET", "/api/v1/rooms/attachments/1", None),
        ("GET", f"/rooms/{pair.room_id}", None),
    ):
        response = await client.request(method, path, json=body, headers=stranger.headers)
        assert response.status_code == 404, (method, path, response.status_code)
    assert (await client.get("/api/v1/rooms", headers=stranger.headers)).json() == []
    # The client is a participant but not the counsellor: notes do not exist for them either.
    assert (await client.get(f"{base}/notes", headers=pair.client.headers)).status_code == 404


async def test_attachments_are_checked_and_sealed(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    pair = await make_pair(app.state.database)
    url = f"/api/v1/rooms/{pair.room_id}/attachments"
    marker = uuid.uuid4().hex.encode()
    for name, data in (("p.png", PNG + marker), ("d.pdf", PDF + marker), ("v.webm", WEBM + marker)):
        response = await client.post(
            url, files={"file": (name, data)}, data={"client_msg_id": name}, headers=pair.client.headers
        )
        assert response.status_code == 201, response.text
    fake = await client.post(
        url,
        files={"file": ("x.png", b"<html>not an image</html>")},
        data={"client_msg_id": "fake"},
        headers=pair.client.headers,
    )
    assert fake.status_code == 422 and fake.json()["error"]["code"] == "unsupported_file"
    messages = (
        await client.get(f"/api/v1/rooms/{pair.room_id}/messages", headers=pair.counselor.headers)
    ).json()
    assert [m["kind"] for m in messages] == ["image", "file", "voice"]
    download = await client.get(
        f"/api/v1/rooms/attachments/{messages[0]['attachment']}", headers=pair.counselor.headers
    )
    assert download.content == PNG + marker and download.headers["content-type"] == "image/png"
    stored = list((settings.home / "rooms").iterdir())
    assert len(stored) == 3 and not any(marker in path.read_bytes() for path in stored)


async def test_upload_size_limit(app: FastAPI, client: httpx.AsyncClient, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ANXIN_ROOMS_MAX_UPLOAD_BYTES", "2048")
    reset_room_settings()
    pair = await make_pair(app.state.database)
    response = await client.post(
        f"/api/v1/rooms/{pair.room_id}/attachments",
        files={"file": ("p.png", PNG * 100)},
        data={"client_msg_id": "big"},
        headers=pair.client.headers,
    )
    assert response.status_code == 422 and response.json()["error"]["code"] == "file_too_large"


async def test_calls_only_in_the_session_window_with_short_lived_turn_credentials(
    app: FastAPI, client: httpx.AsyncClient, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    secret = uuid.uuid4().hex
    monkeypatch.setenv("ANXIN_TURN_SHARED_SECRET", secret)
    monkeypatch.setenv("ANXIN_ICE_URLS", '["stun:turn.example.org:3478", "turn:turn.example.org:3478"]')
    reset_room_settings()
    pair = await make_pair(app.state.database)
    ice = f"/api/v1/rooms/{pair.room_id}/ice"
    assert (await client.get(ice, headers=pair.client.headers)).status_code == 409
    window = f"/api/v1/rooms/{pair.room_id}/call-window"
    assert (await client.post(window, json={"minutes": 50}, headers=pair.client.headers)).status_code == 404
    assert (
        await client.post(window, json={"minutes": 50}, headers=pair.counselor.headers)
    ).status_code == 200
    body = (await client.get(ice, headers=pair.client.headers)).json()
    turn = body["ice_servers"][1]
    expires, user = turn["username"].split(":")
    assert user == str(pair.client.user_id) and int(expires) == body["expires_at"]
    expected = base64.b64encode(
        hmac.new(secret.encode(), turn["username"].encode(), hashlib.sha1).digest()
    ).decode()
    assert turn["credential"] == expected
    username, _, made_expiry = calls.turn_credentials(secret, 7, 3600, now=1000.0)
    assert (username, made_expiry) == ("4600:7", 4600)


async def test_room_page_renders_history_for_participants(app: FastAPI, client: httpx.AsyncClient) -> None:
    pair = await make_pair(app.state.database)
    await client.post(
        f"/api/v1/rooms/{pair.room_id}/messages",
        json={"text": "a <b>bold</b> hello", "client_msg_id": "p"},
        headers=pair.client.headers,
    )
    client.cookies.set("anxin_session", pair.counselor.token)
    try:
        page = await client.get(f"/rooms/{pair.room_id}")
        listing = await client.get("/rooms")
    finally:
        client.cookies.clear()
    assert page.status_code == 200
    assert "a &lt;b&gt;bold&lt;/b&gt; hello" in page.text and 'id="room-notes-title"' in page.text
    assert f'href="/rooms/{pair.room_id}"' in listing.text
