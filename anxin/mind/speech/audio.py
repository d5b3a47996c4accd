"""Decode browser and WAV audio to 16 kHz mono float32, refusing what the platform does not accept.

The container is recognised by its first bytes (never by a file name or a declared type); decoding
uses PyAV, which faster-whisper already brings, so no system ffmpeg is needed.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from anxin.mind.speech.errors import (
    AudioTooLong,
    CorruptAudio,
    NoSpeech,
    SpeechExtraMissing,
    UnsupportedAudio,
)

SAMPLE_RATE = 16_000
DEFAULT_MAX_SECONDS = 300.0
# Peak below this (about -54 dBFS) is treated as a silent recording.
SILENCE_PEAK = 0.002

FORMATS = {"webm": "audio/webm", "ogg": "audio/ogg", "mp4": "audio/mp4", "wav": "audio/wav"}


def max_seconds() -> float:
    return float(os.environ.get("ANXIN_SPEECH_MAX_SECONDS", DEFAULT_MAX_SECONDS))


def sniff(data: bytes) -> str | None:
    """ "webm", "ogg", "mp4" or "wav" from the first bytes; None for anything else."""
    if data.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm"
    if data.startswith(b"OggS"):
        return "ogg"
    if data[4:8] == b"ftyp":
        return "mp4"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    return None


@dataclass(frozen=True)
class Audio:
    samples: np.ndarray  # float32, mono, SAMPLE_RATE
    container: str

    @property
    def seconds(self) -> float:
        return len(self.samples) / SAMPLE_RATE


def load(
    source: bytes | Path | str, *, limit_seconds: float | None = None, allow_silence: bool = False
) -> Audio:
    """Decoded audio, or UnsupportedAudio / CorruptAudio / AudioTooLong / NoSpeech (silence)."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    container = sniff(data)
    if container is None:
        raise UnsupportedAudio()
    limit = max_seconds() if limit_seconds is None else limit_seconds
    samples = _decode(data, limit)
    if samples.size == 0:
        raise CorruptAudio("The audio file holds no sound.")
    if not allow_silence and float(np.abs(samples).max()) < SILENCE_PEAK:
        raise NoSpeech("The recording is silent.")
    return Audio(samples, container)


def _decode(data: bytes, limit: float) -> np.ndarray:
    try:
        import av
    except ImportError as exc:
        raise SpeechExtraMissing(package="av") from exc
    chunks: list[np.ndarray] = []
    total = 0
    cap = int(limit * SAMPLE_RATE)
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.audio:
                raise UnsupportedAudio("This file holds no audio track.")
            resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
            for frame in container.decode(audio=0):
                for out in resampler.resample(frame):
                    chunk = out.to_ndarray().reshape(-1)
                    chunks.append(chunk)
                    total += chunk.size
                if total > cap:
                    # Stop decoding at once: a huge file costs no more than the limit.
                    raise AudioTooLong(_declared_seconds(container, total), limit)
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
    except (AudioTooLong, UnsupportedAudio):
        raise
    except (av.error.FFmpegError, ValueError, IndexError, EOFError) as exc:
        raise CorruptAudio() from exc
    samples = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)
    if samples.size > cap:
        raise AudioTooLong(samples.size / SAMPLE_RATE, limit)
    return samples


def _declared_seconds(container: object, decoded: int) -> float:
    duration = getattr(container, "duration", None)
    if duration:
        return float(duration) / 1_000_000
    return decoded / SAMPLE_RATE


def encode_wav(samples: np.ndarray, rate: int = SAMPLE_RATE) -> bytes:
    """16-bit PCM WAV bytes (tests and tools)."""
    import wave

    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    return buffer.getvalue()


def encode(samples: np.ndarray, container: str) -> bytes:
    """16 kHz mono audio as browsers record it: "webm"/"ogg" (Opus) or "mp4" (AAC) (tests, tools)."""
    try:
        import av
    except ImportError as exc:
        raise SpeechExtraMissing(package="av") from exc
    codec, rate = {"webm": ("libopus", 48000), "ogg": ("libopus", 48000), "mp4": ("aac", 16000)}[container]
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container) as out:
        stream: Any = out.add_stream(codec, rate=rate)
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray(
            samples.reshape(1, -1).astype(np.float32), format="flt", layout="mono"
        )
        frame.sample_rate = SAMPLE_RATE
        resampler = av.AudioResampler(format=stream.codec_context.format.name, layout="mono", rate=rate)
        for piece in resampler.resample(frame):
            for packet in stream.encode(piece):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buffer.getvalue()
