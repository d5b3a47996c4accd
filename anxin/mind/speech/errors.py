"""Why an audio file could not be used. Each is a ValueError with a message a person can act on."""

from __future__ import annotations


class AudioError(ValueError):
    code = "audio_error"


class UnsupportedAudio(AudioError):
    code = "unsupported_audio"

    def __init__(self, message: str = "Unsupported audio: send WebM/Opus, Ogg/Opus, MP4/AAC or WAV.") -> None:
        super().__init__(message)


class CorruptAudio(AudioError):
    code = "corrupt_audio"

    def __init__(self, message: str = "The audio file is damaged and could not be decoded.") -> None:
        super().__init__(message)


class NoSpeech(AudioError):
    code = "no_speech"

    def __init__(self, message: str = "No speech was found in this recording.") -> None:
        super().__init__(message)


class AudioTooLong(AudioError):
    code = "audio_too_long"

    def __init__(self, seconds: float, limit: float) -> None:
        super().__init__(f"The recording is {seconds:.0f} s long; the limit is {limit:.0f} s.")
        self.seconds = seconds
        self.limit = limit


class SpeechExtraMissing(ImportError):
    """A package of the speech extra is not installed."""

    def __init__(self, package: str) -> None:
        super().__init__(f"{package} is not installed; install the speech extra: pip install 'anxin[speech]'")
        self.name = package
