"""Speech: transcription (faster-whisper), voice features (openSMILE eGeMAPS), voice emotion and
text+voice fusion.

Needs the ``speech`` extra (``pip install 'anxin[speech]'``). Nothing heavy is imported here: the
web process imports ``anxin.mind`` without it, and each submodule imports its packages when used.
"""

from __future__ import annotations

from anxin.mind.speech.errors import (
    AudioError,
    AudioTooLong,
    CorruptAudio,
    NoSpeech,
    SpeechExtraMissing,
    UnsupportedAudio,
)

__all__ = ["AudioError", "AudioTooLong", "CorruptAudio", "NoSpeech", "SpeechExtraMissing", "UnsupportedAudio"]
