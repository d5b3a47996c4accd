"""Safety's errors: a stable code, an HTTP status and a message a person can act on."""

from __future__ import annotations

from anxin.core.errors import Conflict, NotFound, ValidationFailed


class FlagNotFound(NotFound):
    code = "flag_not_found"
    default_message = "We could not find this risk alert."


class FlagClosed(Conflict):
    code = "flag_closed"
    default_message = "This risk alert is already closed."


class NotAcknowledged(Conflict):
    code = "flag_not_acknowledged"
    default_message = "Acknowledge the alert first, so that everyone knows you are on it."


class BadFollowUp(ValidationFailed):
    code = "bad_follow_up"
    default_message = "Please choose a follow-up from the list."


class BadShift(ValidationFailed):
    code = "bad_shift"
    default_message = "A shift needs an admin, a start and an end after the start (at most 14 days)."


class NoTrainingConsent(Conflict):
    code = "no_training_consent"
    default_message = "The writer has not agreed to the use of de-identified text for model training."
