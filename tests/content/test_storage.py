"""The storage contract (``content.storage.Storage``), run against every backend: local disk, and
``S3Storage`` over HTTP against a real S3-protocol server (moto's server, started on a free port of
this machine), and the audio endpoint serving byte ranges from that server.

moto does not check request signatures; ``test_s3.py`` checks ours against AWS's published example
and against an in-test bucket that verifies every signature."""

from __future__ import annotations

import os
import re
import secrets
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from anxin.content import storage as storage_module
from anxin.content.s3 import S3Storage
from anxin.content.storage import LocalStorage, Storage
from tests.appointments.support import Person, person
from tests.content.support import API, add_lesson, article_body, buy, tone_wav, top_up

KEY = re.compile(r"^[A-Za-z0-9_-]{20,100}$")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        pytest.skip("the S3 test server is missing: install the dev extra (moto[server])")
    # moto reads its fake credentials from the environment; keep any real ones out of its way.
    saved = {name: os.environ.get(name) for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"})
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def new_bucket(endpoint: str) -> S3Storage:
    bucket = f"audio-{secrets.token_hex(6)}"
    httpx.put(f"{endpoint}/{bucket}", timeout=10).raise_for_status()
    return S3Storage(
        endpoint=endpoint, bucket=bucket, region="us-east-1", access_key="testing", secret_key="testing"
    )


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "local":
        return LocalStorage(tmp_path / "content-media")
    return new_bucket(request.getfixturevalue("s3_endpoint"))


def test_put_size_and_byte_ranges(store: Storage) -> None:
    data = secrets.token_bytes(300_000)
    key = store.put(data)
    assert KEY.match(key)
    assert store.put(b"RIFF....WAVEfmt ") != key  # every upload gets a new random name
    assert store.size(key) == len(data)
    assert store.read(key, 0, len(data) - 1) == data
    assert store.read(key, 0, 0) == data[:1]
    assert store.read(key, len(data) - 1, len(data) - 1) == data[-1:]
    for start in (1, 65_535, 65_536, 123_457, 250_000):
        assert store.read(key, start, start + 65_535) == data[start : start + 65_536]


def test_delete_and_missing_files(store: Storage) -> None:
    key = store.put(b"ID3" + secrets.token_bytes(100))
    store.delete(key)
    store.delete(key)  # already gone is fine
    missing = secrets.token_urlsafe(24)
    for gone in (key, missing):
        with pytest.raises(FileNotFoundError):
            store.size(gone)
        with pytest.raises(FileNotFoundError):
            store.read(gone, 0, 9)


async def test_the_audio_endpoint_serves_ranges_from_the_s3_server(
    app: FastAPI,
    client: httpx.AsyncClient,
    author: Person,
    s3_endpoint: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    bucket = new_bucket(s3_endpoint)
    monkeypatch.setattr(storage_module, "_storage", [bucket])
    created = await client.post(
        f"{API}/items", json=article_body(kind="course", title="Sleep better"), headers=author.headers
    )
    course_id = created.json()["id"]
    assert (await add_lesson(client, author, course_id, free=False)).status_code == 201
    course = (await client.post(f"{API}/items/{course_id}/publish", headers=author.headers)).json()
    reader = await person(app)
    await top_up(client, reader)
    assert (await buy(client, reader, course)).status_code == 201
    lesson = (await client.get(f"{API}/items/{course_id}/lessons", headers=reader.headers)).json()[0]
    url, audio = lesson["audio_url"], tone_wav()

    whole = await client.get(url)
    assert whole.status_code == 200 and whole.content == audio
    part = await client.get(url, headers={"Range": "bytes=100-4195"})
    assert part.status_code == 206 and part.content == audio[100:4196]
    assert part.headers["content-range"] == f"bytes 100-4195/{len(audio)}"
    tail = await client.get(url, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == audio[-10:]
    beyond = await client.get(url, headers={"Range": f"bytes={len(audio)}-"})
    assert beyond.status_code == 416
    # The file is in the bucket, not on this machine's disk.
    listing = httpx.get(f"{s3_endpoint}/{bucket.bucket}?list-type=2", timeout=10).text
    assert listing.count("<Key>") == 1
    assert not any(app.state.settings.home.glob("content-media/*/*"))
