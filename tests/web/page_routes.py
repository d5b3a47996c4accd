"""Which routes of the app are HTML pages a person can open (shared by HTTP and browser tests)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from fastapi import FastAPI

# JSON or machine endpoints that live outside /api.
NOT_PAGES = frozenset({"/openapi.json", "/healthz", "/readyz"})


def all_routes(routes: Sequence[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(full path, route) for every route, looking inside included routers (which newer FastAPI
    keeps as branches instead of copying their routes into app.routes)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            included_prefix = getattr(getattr(route, "include_context", None), "prefix", "") or ""
            yield from all_routes(inner.routes, prefix + included_prefix)
        elif getattr(route, "path", None) is not None:
            yield prefix + route.path, route


def page_paths(app: FastAPI) -> list[str]:
    """Every GET page route without path parameters (those need data and get their own tests)."""
    paths: set[str] = set()
    for path, route in all_routes(app.routes):
        methods = getattr(route, "methods", None) or set()
        endpoint_module = getattr(getattr(route, "endpoint", None), "__module__", "") or ""
        if "GET" not in methods or endpoint_module.startswith("fastapi."):
            continue  # mounts, websockets, FastAPI's own Swagger UI helpers
        if path.startswith(("/api/", "/static")) or path in NOT_PAGES or "{" in path:
            continue
        paths.add(path)
    return sorted(paths)
