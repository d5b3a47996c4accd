"""The app factory: settings, database, outbox relay, realtime broker, routers and middleware."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp

from anxin import __version__
from anxin.core import notify
from anxin.core.config import Settings, get_settings
from anxin.core.db import Database
from anxin.core.error_handlers import install_error_handlers
from anxin.core.health import router as health_router
from anxin.core.logging import configure_logging
from anxin.core.middleware import RequestContextMiddleware
from anxin.core.queue import ArqJobQueue
from anxin.core.realtime import Hub, make_broker
from anxin.core.relay import OutboxRelay
from anxin.mind.text import warm_up as warm_up_text
from anxin.modules import MODULES, import_optional, load_tasks
from anxin.privacy import keys
from anxin.web.rendering import TEMPLATE_DIR, render_error_page
from anxin.web.routing import SegmentGuard, guarded, path_segment

log = logging.getLogger("anxin")
STATIC_DIR = TEMPLATE_DIR.parent / "static"
API_PREFIX = "/api/v1"


class AnxinApp(FastAPI):
    """FastAPI whose outermost layer is our request-context middleware, so that even responses
    made by Starlette's last-resort error handler carry the security headers."""

    def __init__(self, *, context_options: dict[str, Any], **kwargs: Any) -> None:
        self.context_options = context_options
        super().__init__(**kwargs)

    def build_middleware_stack(self) -> ASGIApp:
        return RequestContextMiddleware(super().build_middleware_stack(), **self.context_options)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    started = time.perf_counter()
    settings.home.mkdir(parents=True, exist_ok=True)
    database = Database(
        settings.resolved_database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )
    notify.configure(settings)
    # Fail fast on a missing or malformed master key, and use this app's settings, not the globals.
    keys.configure(settings)
    hub = Hub(make_broker(settings.redis_url, settings.redis_namespace))
    await hub.start()
    broker = hub.broker
    queue = (
        await ArqJobQueue.connect(settings.redis_url, settings.redis_namespace)
        if settings.redis_url
        else None
    )
    relay = OutboxRelay(
        database, publisher=broker.publish, queue=queue, poll_seconds=settings.outbox_poll_seconds
    )
    app.state.database, app.state.hub, app.state.broker, app.state.relay = database, hub, broker, relay
    await relay.start()
    # Loading the Chinese word segmenter takes about a second: do it off the event loop now rather
    # than on the first screened message.
    warm_up_task = asyncio.create_task(asyncio.to_thread(warm_up_text))
    log.info(
        "anxin ready",
        extra={
            "ms": round((time.perf_counter() - started) * 1000, 1),
            "database": "sqlite" if database.is_sqlite else "postgresql",
            "broker": "redis" if settings.redis_url else "in-process",
        },
    )
    try:
        yield
    finally:
        await warm_up_task
        await relay.stop()
        await hub.stop()
        if queue is not None:
            await queue.close()
        await database.dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, json_lines=settings.log_json)
    load_tasks()
    app = AnxinApp(
        context_options={
            "default_locale": settings.default_locale,
            "production": settings.environment == "production",
        },
        title="Anxin API",
        version=__version__,
        description="Anxin (安心): online counselling and emotional support. Errors have the shape "
        '{"error": {"code": "...", "message": "..."}}.',
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    install_error_handlers(app, render_error_page)
    app.include_router(health_router)
    # Each module's routers sit behind a guard that skips them for paths they cannot match
    # (web/routing.py): route matching is most of the CPU a short request costs otherwise.
    api_depth = API_PREFIX.count("/")
    api = SegmentGuard(segments=frozenset({path_segment(API_PREFIX, 0)}), depth=0, prefix=API_PREFIX)
    for module in MODULES:
        routes = import_optional(module, "routes")
        if routes is not None:
            api.include_router(guarded(routes.router, depth=api_depth))
    app.include_router(api)
    for module in MODULES:
        pages = import_optional(module, "pages")
        if pages is not None:
            app.include_router(guarded(pages.router))
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
