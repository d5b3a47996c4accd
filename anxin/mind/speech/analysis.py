"""One call for a recording: transcript, text analysis, voice features and indicators, fused estimate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from anxin.mind.speech import asr, features
from anxin.mind.speech.audio import Audio, load


def analyze_audio(
    source: bytes | Path | str,
    *,
    language: str | None = None,
    model: str | None = None,
    include_features: bool = False,
) -> dict[str, Any]:
    from anxin.mind.service import analyze

    audio = source if isinstance(source, Audio) else load(source)
    transcript = asr.transcribe(audio, language=language, model=model)
    text_analysis = analyze([transcript.text])[0]
    vector = features.egemaps(audio)
    result: dict[str, Any] = {
        "transcript": transcript.text,
        "language": transcript.language,
        "language_probability": round(transcript.language_probability, 3),
        "duration": round(audio.seconds, 2),
        "asr_model": transcript.model,
        "text_analysis": text_analysis,
        "voice": {
            "feature_set": features.FEATURE_SET,
            "indicators": features.indicators(audio, vector, transcript.text),
        },
        "fused": fused_estimate(vector, text_analysis),
    }
    if include_features:
        result["voice"]["egemaps"] = dict(
            zip(features.feature_names(), vector.round(6).tolist(), strict=True)
        )
    return result


def fused_estimate(vector: Any, text_analysis: dict[str, Any]) -> dict[str, Any] | None:
    """The served voice-emotion model's fusion with the transcript's emotion scores (None without one)."""
    from anxin.mind.speech.fusion import served_fusion

    return served_fusion(vector, text_analysis)
