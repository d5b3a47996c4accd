from __future__ import annotations

import numpy as np
import pytest

from anxin.mind.speech import audio
from anxin.mind.speech.errors import AudioTooLong, CorruptAudio, NoSpeech, UnsupportedAudio
from tests.mind.speech.conftest import Speaker, encode


@pytest.mark.parametrize("container", ["webm", "ogg", "mp4"])
def test_browser_formats_decode_to_16k_mono(speak: Speaker, container: str) -> None:
    wav = audio.load(speak("hello, how are you today"))
    data = encode(wav.samples, container)
    decoded = audio.load(data)
    assert decoded.container == container
    assert decoded.samples.dtype == np.float32
    assert abs(decoded.seconds - wav.seconds) < 0.2


def test_wav_is_accepted(speak: Speaker) -> None:
    clip = audio.load(speak("hello"))
    assert clip.container == "wav" and clip.seconds > 0.3


@pytest.mark.parametrize(
    "data", [b"", b"hello world, not audio", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, b"ID3\x03" + b"\0" * 200]
)
def test_other_files_are_refused(data: bytes) -> None:
    with pytest.raises(UnsupportedAudio):
        audio.load(data)


def test_corrupt_audio_is_refused(speak: Speaker) -> None:
    good = encode(audio.load(speak("hello there")).samples, "webm")
    with pytest.raises(CorruptAudio):
        audio.load(good[:40])
    with pytest.raises(CorruptAudio):
        audio.load(b"OggS" + bytes(range(256)) * 4)


def test_silence_is_refused() -> None:
    with pytest.raises(NoSpeech):
        audio.load(audio.encode_wav(np.zeros(16000 * 2, np.float32)))


def test_audio_over_the_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANXIN_SPEECH_MAX_SECONDS", "3")
    tone = 0.3 * np.sin(np.arange(16000 * 5) * 2 * np.pi * 220 / 16000).astype(np.float32)
    with pytest.raises(AudioTooLong) as caught:
        audio.load(audio.encode_wav(tone))
    assert "limit is 3 s" in str(caught.value)
    assert audio.load(audio.encode_wav(tone[: 16000 * 2])).seconds == pytest.approx(2.0, abs=0.01)
