"""One error shape for the API, friendly pages for people, never a stack trace to either."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from anxin.core.errors import AppError, RateLimited
from anxin.core.i18n import gettext

log = logging.getLogger("anxin.errors")

API_PREFIX = "/api/"

# Renders an HTML error page: (request, status, code, translated message) -> response.
PageRenderer = Callable[[Request, int, str, str], Response]

_HTTP_CODES = {
    400: ("bad_request", "The request could not be handled."),
    401: ("unauthorized", "Please sign in to continue."),
    403: ("forbidden", "You are not allowed to do this."),
    404: ("not_found", "We could not find what you were looking for."),
    405: ("method_not_allowed", "This action is not available here."),
    413: ("too_large", "What you sent is too large."),
    415: ("unsupported_media_type", "This kind of content is not accepted here."),
    429: ("rate_limited", "Too many attempts. Please wait a little and try again."),
}


def wants_json(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX) or request.url.path in ("/healthz", "/readyz")


def locale_of(request: Request) -> str:
    return str(getattr(request.state, "locale", "en"))


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


def _describe_validation(exc: RequestValidationError, locale: str) -> tuple[str, list[dict[str, str]]]:
    fields: list[dict[str, str]] = []
    for error in exc.errors():
        location = ".".join(
            str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")
        )
        fields.append({"field": location or "request", "problem": str(error.get("msg", "invalid"))})
    if fields:
        first = fields[0]
        message = gettext(
            locale, "Please check {field}: {problem}.", field=first["field"], problem=first["problem"]
        )
    else:
        message = gettext(locale, "Some of the information you entered is not valid.")
    return message, fields


def install_error_handlers(app: FastAPI, render_page: PageRenderer) -> None:
    def respond(
        request: Request,
        status: int,
        code: str,
        message: str,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> Response:
        if wants_json(request):
            return JSONResponse(error_body(code, message, **extra), status_code=status, headers=headers)
        response = render_page(request, status, code, message)
        if headers:
            response.headers.update(headers)
        return response

    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> Response:
        headers = None
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            headers = {"Retry-After": str(exc.retry_after)}
        message = gettext(locale_of(request), exc.message, **exc.params)
        return respond(request, exc.status_code, exc.code, message, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        message, fields = _describe_validation(exc, locale_of(request))
        return respond(request, 422, "validation_failed", message, fields=fields)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code, default = _HTTP_CODES.get(exc.status_code, ("error", "The request could not be handled."))
        message = gettext(locale_of(request), default)
        return respond(request, exc.status_code, code, message, dict(exc.headers or {}) or None)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.error("unhandled error", exc_info=exc)
        message = gettext(
            locale_of(request),
            "Something went wrong on our side and nothing was changed. Please try again.",
        )
        return respond(
            request, 500, "internal_error", message, request_id=str(getattr(request.state, "request_id", ""))
        )
