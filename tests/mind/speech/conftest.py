"""Speech tests: skipped with a reason when the speech extra or espeak-ng is missing."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("faster_whisper", reason="the speech extra is not installed: pip install 'anxin[speech]'")
pytest.importorskip("opensmile", reason="the speech extra is not installed: pip install 'anxin[speech]'")


@pytest.fixture(autouse=True)
def shared_model_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """One joined Whisper base for the whole run, whatever $ANXIN_HOME a test uses."""
    cache = tmp_path_factory.getbasetemp() / "speech-models"
    monkeypatch.setenv("ANXIN_MODEL_CACHE", str(cache))
    return cache


Speaker = Callable[..., bytes]


@pytest.fixture
def speak(tmp_path: Path) -> Speaker:
    """WAV bytes of espeak-ng reading ``text`` (Mandarin: pass tone-numbered pinyin and cmn-latn-pinyin)."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (apt-get install -y espeak-ng)")

    def run(text: str, voice: str = "en-us", speed: int = 130) -> bytes:
        out = tmp_path / "speech.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(out), text], check=True)
        return out.read_bytes()

    return run


def pinyin(text: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return " ".join(lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True))


def encode(samples: np.ndarray, container: str) -> bytes:
    """Re-encode 16 kHz mono audio the way browsers record it: webm/ogg Opus or mp4 AAC."""
    from anxin.mind.speech.audio import encode as encode_audio

    return encode_audio(samples, container)


def edit_distance(a: list[str], b: list[str]) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1]
