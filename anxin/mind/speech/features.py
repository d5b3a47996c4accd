"""Voice features: openSMILE eGeMAPSv02 functionals (88 values) and a few interpretable indicators.

Indicators (what a counsellor may see, labelled as indicators, never as a diagnosis):
- ``speech_rate``: words (Latin) or characters (CJK) of the transcript per second of speech, or
  without a transcript, voiced segments per second (eGeMAPS);
- ``pause_ratio``: share of the recording that is silence (frame energy below a level relative to
  the loudest frames);
- ``pitch_variability``: coefficient of variation of F0 in semitones (eGeMAPS);
- ``loudness_variability``: coefficient of variation of loudness (eGeMAPS); ``loudness``: its mean.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import numpy as np

from anxin.mind.speech.audio import SAMPLE_RATE, Audio
from anxin.mind.speech.errors import SpeechExtraMissing

FEATURE_SET = "eGeMAPSv02"
N_FEATURES = 88
INDICATORS = ("speech_rate", "pause_ratio", "pitch_variability", "loudness_variability", "loudness")
_CJK = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[A-Za-z0-9']+")


@lru_cache(maxsize=1)
def _smile() -> Any:
    try:
        import opensmile
    except ImportError as exc:
        raise SpeechExtraMissing(package="opensmile") from exc
    return opensmile.Smile(
        feature_set=opensmile.FeatureSet.eGeMAPSv02, feature_level=opensmile.FeatureLevel.Functionals
    )


def feature_names() -> list[str]:
    return list(_smile().feature_names)


def egemaps(audio: Audio) -> np.ndarray:
    """The 88 eGeMAPSv02 functionals of the whole recording (float64)."""
    frame = _smile().process_signal(audio.samples, SAMPLE_RATE)
    values = np.asarray(frame.to_numpy(), dtype=np.float64).reshape(-1)
    return np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)


def pause_ratio(samples: np.ndarray, frame_ms: int = 25, floor_db: float = -35.0) -> float:
    """Share of 25 ms frames quieter than ``floor_db`` below the 95th-percentile frame."""
    size = SAMPLE_RATE * frame_ms // 1000
    count = len(samples) // size
    if count == 0:
        return 0.0
    frames = samples[: count * size].reshape(count, size)
    rms = np.sqrt((frames.astype(np.float64) ** 2).mean(axis=1)) + 1e-10
    level = 20 * np.log10(rms)
    reference = float(np.percentile(level, 95))
    return float((level < reference + floor_db).mean())


def count_units(text: str) -> int:
    """Words of Latin-script text plus characters of CJK text (a syllable each in Mandarin)."""
    return len(_CJK.findall(text)) + len(_WORD.findall(_CJK.sub(" ", text)))


def indicators(audio: Audio, features: np.ndarray, transcript: str | None = None) -> dict[str, float]:
    names = feature_names()
    value = dict(zip(names, features.tolist(), strict=True))
    pauses = pause_ratio(audio.samples)
    speaking = max(audio.seconds * (1.0 - pauses), 1e-3)
    rate = count_units(transcript) / speaking if transcript else float(value.get("VoicedSegmentsPerSec", 0.0))
    return {
        "speech_rate": round(rate, 3),
        "pause_ratio": round(pauses, 3),
        "pitch_variability": round(float(value.get("F0semitoneFrom27.5Hz_sma3nz_stddevNorm", 0.0)), 4),
        "loudness_variability": round(float(value.get("loudness_sma3_stddevNorm", 0.0)), 4),
        "loudness": round(float(value.get("loudness_sma3_amean", 0.0)), 4),
    }
