"""One pure-ASGI middleware for every response: request id, reader's language, security headers,
and an access log line that names the route, never the URL's query or personal data."""

from __future__ import annotations

import logging
import secrets
import time
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from anxin.core.i18n import LOCALE_COOKIE, negotiate
from anxin.core.logging import request_id_var

log = logging.getLogger("anxin.http")

# No inline script, nothing from any other origin. 'self' covers same-origin ws:/wss: too.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

STATIC_PREFIX = "/static/"


def security_headers(*, path: str, production: bool) -> list[tuple[bytes, bytes]]:
    headers = {
        "content-security-policy": CONTENT_SECURITY_POLICY,
        "referrer-policy": "no-referrer",
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
        "cross-origin-opener-policy": "same-origin",
        "cross-origin-resource-policy": "same-origin",
        "permissions-policy": "camera=(self), microphone=(self), geolocation=(), payment=()",
    }
    # Anything but static assets may be personal; never let a browser or proxy keep it.
    if path.startswith(STATIC_PREFIX):
        headers["cache-control"] = "public, max-age=3600"
    else:
        headers["cache-control"] = "no-store"
        headers["pragma"] = "no-cache"
    if production:
        headers["strict-transport-security"] = "max-age=63072000; includeSubDomains"
    return [(key.encode(), value.encode()) for key, value in headers.items()]


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, *, default_locale: str, production: bool = False) -> None:
        self.app = app
        self.default_locale = default_locale
        self.production = production

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        incoming_id = headers.get("x-request-id", "")
        request_id = (
            incoming_id if 8 <= len(incoming_id) <= 64 and incoming_id.isalnum() else secrets.token_hex(8)
        )
        cookies = _parse_cookie_header(headers.get("cookie", ""))
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["locale"] = negotiate(
            cookies.get(LOCALE_COOKIE), headers.get("accept-language"), self.default_locale
        )
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status_holder = {"status": 0}
        path = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                mutable = MutableHeaders(scope=message)
                for key, value in security_headers(path=path, production=self.production):
                    if key.decode() not in mutable:
                        mutable.raw.append((key, value))
                mutable["x-request-id"] = request_id
                mutable.append("vary", "Accept-Language, Cookie")
            await send(message)

        try:
            if scope["type"] == "http":
                await self.app(scope, receive, send_with_headers)
            else:
                await self.app(scope, receive, send)
        finally:
            route = scope.get("route")
            log.info(
                "request",
                extra={
                    "method": scope.get("method", "WS"),
                    "route": getattr(route, "path", None) or "unmatched",
                    "status": status_holder["status"],
                    "ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            request_id_var.reset(token)


def _parse_cookie_header(header: str) -> dict[str, str]:
    cookies: dict[str, str] = {}
    for chunk in header.split(";"):
        name, sep, value = chunk.strip().partition("=")
        if sep:
            cookies[name] = value
    return cookies
