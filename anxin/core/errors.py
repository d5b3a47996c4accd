"""Errors are part of the interface: each has a stable code, an HTTP status and a message a person
can act on. Messages are English msgids; ``core.i18n`` translates them for the reader."""

from __future__ import annotations

from typing import Any, ClassVar


class AppError(Exception):
    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    default_message: ClassVar[str] = "The request could not be handled."

    def __init__(self, message: str | None = None, *, params: dict[str, Any] | None = None) -> None:
        self.message = message or self.default_message
        self.params = params or {}
        super().__init__(self.message)


class BadRequest(AppError):
    pass


class Unauthorized(AppError):
    status_code = 401
    code = "unauthorized"
    default_message = "Please sign in to continue."


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"
    default_message = "You are not allowed to do this."


class NotFound(AppError):
    status_code = 404
    code = "not_found"
    default_message = "We could not find what you were looking for."


class Conflict(AppError):
    status_code = 409
    code = "conflict"
    default_message = "This conflicts with the current state; please reload and try again."


class ValidationFailed(AppError):
    status_code = 422
    code = "validation_failed"
    default_message = "Some of the information you entered is not valid."


class RateLimited(AppError):
    status_code = 429
    code = "rate_limited"
    default_message = "Too many attempts. Please wait a little and try again."

    def __init__(
        self,
        message: str | None = None,
        *,
        retry_after: int | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, params=params)
        self.retry_after = retry_after


class ServiceUnavailable(AppError):
    status_code = 503
    code = "unavailable"
    default_message = "This part of Anxin is briefly unavailable. Please try again soon."
