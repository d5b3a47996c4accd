"""Errors of the counselors module."""

from __future__ import annotations

from anxin.core.errors import Conflict, NotFound, ValidationFailed


class CounselorNotFound(NotFound):
    code = "counselor_not_found"
    default_message = "We could not find this counsellor."


class DocumentNotFound(NotFound):
    code = "document_not_found"
    default_message = "We could not find this document."


class ApplicationIncomplete(ValidationFailed):
    code = "application_incomplete"
    default_message = "Please add at least one credential and one certificate before submitting."


class NotAwaitingDecision(Conflict):
    code = "not_awaiting_decision"
    default_message = "This application is not waiting for a decision."


class DocumentRejected(ValidationFailed):
    code = "document_rejected"
    default_message = "Certificates must be PDF, PNG or JPEG files of at most 5 MB."


class PhotoRejected(ValidationFailed):
    code = "photo_rejected"
    default_message = "Photos must be JPEG, PNG or WebP images of at most 5 MB."
