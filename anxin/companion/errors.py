"""Errors of the companion module."""

from __future__ import annotations

from anxin.core.errors import Conflict, Forbidden, NotFound, ValidationFailed


class ConversationNotFound(NotFound):
    code = "conversation_not_found"
    default_message = "We could not find this conversation."


class CompanionForClients(Forbidden):
    code = "companion_for_clients"
    default_message = "The AI companion is available to client accounts."


class MessageTooLong(ValidationFailed):
    code = "companion_message_too_long"
    default_message = "This message is too long. Please write it in shorter parts."


class EmptyMessage(ValidationFailed):
    code = "companion_message_empty"
    default_message = "Please write a message first."


class NothingToSave(Conflict):
    code = "nothing_to_save"
    default_message = "There is no finished thought record to save in this conversation."


class UnknownExercise(NotFound):
    code = "unknown_exercise"
    default_message = "We could not find this exercise."


class SummaryNotShared(NotFound):
    code = "companion_summary_not_shared"
    default_message = "This client has not shared a companion summary with you."


class SupportRequestNotFound(NotFound):
    code = "support_request_not_found"
    default_message = "We could not find this support request."


class CorrectionNotAllowed(NotFound):
    code = "correction_not_allowed"
    default_message = "We could not find this message among those you may correct."


class MoodNeeded(ValidationFailed):
    code = "mood_needed"
    default_message = "Please choose how your mood is today (1 to 10) for the diary."


class LabelsNotFound(NotFound):
    code = "ai_labels_not_found"
    default_message = "We could not find this client among yours."
