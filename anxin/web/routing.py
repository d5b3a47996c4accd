"""Route matching that skips whole modules at once.

FastAPI tries the app's routes one by one: with every module's API and pages (some 330 routes), a
request spent about half a millisecond of CPU finding its route, most of it on routes that could
never match (an article page tried every API route first). :func:`guarded` wraps one module's
router so that a request whose path segment at ``depth`` none of its routes starts with is declined
after one dictionary lookup; a router with a parameter there, or with routers inside, is never
skipped. Which route answers a request does not change: a skipped router had no route for it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.routing import Match
from starlette.types import Scope


def path_segment(path: str, depth: int) -> str:
    """The ``depth``-th segment of ``path`` (0 = the first): ``("/api/v1/content/x", 2)`` → ``"content"``."""
    parts = path.split("/", depth + 2)
    return parts[depth + 1] if len(parts) > depth + 1 else ""


def route_path(scope: Scope) -> str:
    """The path routes are matched against: without the ``root_path`` the app is served under
    (as Starlette's own routes do)."""
    path: str = scope["path"]
    root = scope.get("root_path", "")
    if root and path.startswith(root) and (len(path) == len(root) or path[len(root)] == "/"):
        return path[len(root) :]
    return path


def first_segments(router: APIRouter) -> frozenset[str] | None:
    """The first path segment of every route of ``router``, or None when one cannot be known before
    a request (a path parameter there, a mount or another router inside)."""
    segments = set()
    for route in router.routes:
        path = getattr(route, "path", None)
        if not isinstance(path, str) or getattr(route, "original_router", None) is not None:
            return None
        segment = path_segment(path, 0)
        if "{" in segment:
            return None
        segments.add(segment)
    return frozenset(segments)


class SegmentGuard(APIRouter):
    """A router holding one other router: it declines at once a path whose segment at ``depth`` is
    none of ``segments`` (None: never declines)."""

    def __init__(self, *, segments: frozenset[str] | None, depth: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.segments = segments
        self.depth = depth

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if self.segments is not None and path_segment(route_path(scope), self.depth) not in self.segments:
            return Match.NONE, {}
        return super().matches(scope)


def guarded(router: APIRouter, *, depth: int = 0) -> APIRouter:
    """``router`` behind a :class:`SegmentGuard`; ``depth`` counts the segments of the prefix it
    will be included under (``/api/v1`` → 2)."""
    guard = SegmentGuard(segments=first_segments(router), depth=depth)
    guard.include_router(router)
    return guard
