"""Assessments' error types: a stable code, an HTTP status and a message a person can act on."""

from __future__ import annotations

from anxin.core.errors import Forbidden, NotFound, ValidationFailed


class UnknownInstrument(NotFound):
    code = "unknown_instrument"
    default_message = "We do not know this questionnaire."


class IncompleteAnswers(ValidationFailed):
    code = "incomplete_answers"
    default_message = "Please answer every question; question {items} has no answer yet."


class AnswerOutOfRange(ValidationFailed):
    code = "answer_out_of_range"
    default_message = "Please choose one of the offered answers for question {item}."


class DiaryInFuture(ValidationFailed):
    code = "diary_in_future"
    default_message = "A diary entry can only be for today or an earlier day."


class DiaryInvalid(ValidationFailed):
    code = "diary_invalid"
    default_message = "Mood is a whole number from 1 to 10 and sleep is between 0 and 24 hours."


class UnknownEmotion(ValidationFailed):
    code = "unknown_emotion"
    default_message = "Please choose feelings from the list."


class NotShared(Forbidden):
    code = "not_shared"
    default_message = "This client has not chosen to share this with you."


class ClientNotFound(NotFound):
    code = "client_not_found"
    default_message = "We could not find this client among the people you care for."


class ReferralInvalid(ValidationFailed):
    code = "referral_invalid"
    default_message = "Please choose a reason and a kind of service from the lists."


class RecordingUnsupported(ValidationFailed):
    code = "recording_unsupported"
    default_message = "Please record in the browser or upload a WebM, Ogg, MP4 (M4A) or WAV audio file."


class RecordingEmpty(ValidationFailed):
    code = "recording_empty"
    default_message = "The recording is empty. Please record your note again."


class RecordingTooLong(ValidationFailed):
    code = "recording_too_long"
    default_message = "The recording is too long; please keep a spoken note under {seconds} seconds."


class RecordingTooLarge(ValidationFailed):
    code = "recording_too_large"
    default_message = "The recording is too large; please keep a spoken note under {megabytes} MB."
