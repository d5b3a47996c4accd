"""In real headless Chromium: a voice message's transcript appears under the audio player on both
participants' pages, live, once the worker side has transcribed it."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.rooms.support import Pair
from tests.rooms.test_browser import room_pages

pytestmark = pytest.mark.browser
pytest.importorskip("faster_whisper", reason="the speech extra is not installed: pip install 'anxin[speech]'")
pytest.importorskip("opensmile", reason="the speech extra is not installed: pip install 'anxin[speech]'")
__all__ = ["room_pages"]


@pytest.fixture(autouse=True)
def speech_settings(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (apt-get install -y espeak-ng)")
    from anxin.core.config import get_settings

    monkeypatch.setenv("ANXIN_MODEL_CACHE", str(tmp_path_factory.getbasetemp() / "speech-models"))
    # Jobs read the process's settings: the same home as the live server's (make_settings).
    monkeypatch.setenv("ANXIN_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_transcript_appears_under_the_audio_for_both(
    room_pages: tuple[Page, Page, Pair], tmp_path: Path
) -> None:
    from anxin.mind.speech import audio

    client, counselor, pair = room_pages
    wav = tmp_path / "said.wav"
    subprocess.run(
        ["espeak-ng", "-v", "en-us", "-s", "130", "-w", str(wav), "My sister called me yesterday."],
        check=True,
    )
    data = audio.encode(audio.load(wav).samples, "webm")
    uploaded = client.request.post(
        f"/api/v1/rooms/{pair.room_id}/attachments",
        multipart={
            "file": {"name": "voice.webm", "mimeType": "audio/webm", "buffer": data},
            "client_msg_id": "voice-1",
        },
        headers=pair.client.headers,
    )
    assert uploaded.status == 201, uploaded.text()
    for page in (client, counselor):
        expect(page.locator("#room-messages .room-audio")).to_have_count(1, timeout=15000)
        expect(page.locator("#room-messages .room-transcript")).to_contain_text("sister", timeout=60000)
        expect(page.locator("#room-messages .room-transcript")).to_be_visible()
