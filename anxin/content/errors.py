"""Errors of the content module: each says what happened and what the person can do."""

from __future__ import annotations

from anxin.core.errors import AppError, Conflict, Forbidden, NotFound, ValidationFailed


class ContentNotFound(NotFound):
    code = "content_not_found"
    default_message = "We could not find this article, course or event."


class LessonNotFound(NotFound):
    code = "lesson_not_found"
    default_message = "We could not find this lesson."


class QuestionNotFound(NotFound):
    code = "question_not_found"
    default_message = "We could not find this question."


class NotForSale(Conflict):
    code = "not_for_sale"
    default_message = "This item is not for sale at the moment."


class AlreadyOwned(Conflict):
    code = "already_owned"
    default_message = "You already have this in your library; nothing was charged."


class SoldOut(Conflict):
    code = "sold_out"
    default_message = "All seats for this event are taken; nothing was charged."


class AuthorsOnly(Forbidden):
    code = "verified_counsellors_only"
    default_message = "Only verified counsellors can publish content or answer questions."


class NotEntitled(NotFound):
    code = "not_entitled"
    default_message = "Please buy this item to read or listen to it."


class LinkExpired(AppError):
    status_code = 403
    code = "link_expired"
    default_message = "This listening link has expired or is not valid. Please reload the page."


class UploadRejected(ValidationFailed):
    code = "upload_rejected"
    default_message = "This file cannot be used. Please upload an mp3, m4a, ogg, webm or wav audio file."


class UploadTooLarge(AppError):
    status_code = 413
    code = "upload_too_large"
    default_message = "The file is too large. The limit is {limit} MB."


class RangeNotSatisfiable(AppError):
    status_code = 416
    code = "range_not_satisfiable"
    default_message = "The requested part of the file does not exist."


class QuestionClosed(Conflict):
    code = "question_closed"
    default_message = "This question can no longer be answered: its deadline has passed or it is answered."


class NotPublishable(ValidationFailed):
    code = "not_publishable"
    default_message = (
        "Please add a title, some text and, for a course, at least one lesson before publishing."
    )
