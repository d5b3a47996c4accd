"""Route matching behind segment guards (web/routing.py): a module's routers are skipped only for
paths none of their routes could match, so every route of the app still answers its own paths."""

from __future__ import annotations

import re

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Match

from anxin.core.config import Settings
from anxin.main import create_app
from anxin.web.routing import SegmentGuard, first_segments, guarded, path_segment
from tests.web.page_routes import all_routes


def test_path_segments() -> None:
    assert path_segment("/library/12", 0) == "library"
    assert path_segment("/api/v1/content/media/3", 2) == "content"
    assert path_segment("/", 0) == ""
    assert path_segment("/api", 2) == ""


def test_a_router_with_a_parameter_first_is_never_skipped() -> None:
    fixed, open_ended = APIRouter(), APIRouter()
    fixed.add_api_route("/library/{item}", lambda item: item)
    fixed.add_api_route("/studio", lambda: "studio")
    open_ended.add_api_route("/{slug}", lambda slug: slug)
    assert first_segments(fixed) == frozenset({"library", "studio"})
    assert first_segments(open_ended) is None


def _app() -> FastAPI:
    library, anything = APIRouter(), APIRouter(prefix="/things")
    library.add_api_route("/library/{item}", lambda item: {"page": item})
    anything.add_api_route("/{name}", lambda name: {"api": name})
    api = SegmentGuard(segments=frozenset({"api"}), depth=0, prefix="/api/v1")
    api.include_router(guarded(anything, depth=2))
    app = FastAPI()
    app.include_router(api)
    app.include_router(guarded(library))
    return app


def test_guarded_routes_answer_their_paths_and_only_theirs() -> None:
    client = TestClient(_app())
    assert client.get("/library/7").json() == {"page": "7"}
    assert client.get("/api/v1/things/lamp").json() == {"api": "lamp"}
    assert client.get("/api/v1/other/lamp").status_code == 404
    assert client.get("/studio").status_code == 404
    assert client.post("/library/7").status_code == 405  # the route still matches the path


def test_a_guard_declines_other_paths_without_looking_inside() -> None:
    guard = SegmentGuard(segments=frozenset({"library"}), depth=0)
    assert guard.matches({"type": "http", "path": "/studio", "method": "GET"}) == (Match.NONE, {})


def test_served_under_a_root_path_the_guards_look_past_it() -> None:
    client = TestClient(_app(), root_path="/anxin")
    assert client.get("/anxin/library/7").json() == {"page": "7"}
    assert client.get("/anxin/api/v1/things/lamp").json() == {"api": "lamp"}


def test_every_route_of_the_app_still_answers_its_own_path(settings: Settings) -> None:
    """Each route of every module, with its parameters filled in, is matched by the app: no guard
    hides a route."""
    app = create_app(settings)
    for path, route in all_routes(app.routes):
        if not getattr(route, "methods", None):
            continue  # websockets and mounts
        concrete = re.sub(r"\{[^}:]+(:path)?\}", "1", path)
        method = sorted(route.methods)[0]
        scope = {"type": "http", "path": concrete, "method": method, "root_path": "", "headers": []}
        matches = [top.matches(dict(scope))[0] for top in app.router.routes]
        assert Match.FULL in matches, (method, path)
