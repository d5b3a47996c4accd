"""Every response carries the security headers; pages are never cached, static files are."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.web.page_routes import page_paths

# Sources a directive may name: our own origin and inert schemes, never a host or a wildcard.
ALLOWED_SOURCES = {"'self'", "'none'", "data:", "blob:"}


def csp_directives(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_security_headers(response: httpx.Response, *, page: bool) -> None:
    headers = response.headers
    directives = csp_directives(headers["content-security-policy"])
    for name, sources in directives.items():
        unexpected = set(sources) - ALLOWED_SOURCES
        assert not unexpected, f"{name} allows {unexpected}"
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    if page:
        assert headers["cache-control"] == "no-store"


def test_the_policy_check_rejects_what_it_should() -> None:
    risky = httpx.Response(
        200,
        headers={
            "content-security-policy": "default-src 'self'; script-src 'self' 'unsafe-inline'",
            "referrer-policy": "no-referrer",
        },
    )
    try:
        assert_security_headers(risky, page=True)
    except AssertionError as exc:
        assert "unsafe-inline" in str(exc)
    else:
        raise AssertionError("a policy with 'unsafe-inline' passed the check")


async def test_every_page_has_the_security_headers(app: FastAPI, client: httpx.AsyncClient) -> None:
    for path in [*page_paths(app), "/no-such-page"]:
        response = await client.get(path)
        assert_security_headers(response, page=True)
        assert "pragma" in response.headers


async def test_form_posts_and_redirects_have_the_security_headers(client: httpx.AsyncClient) -> None:
    response = await client.post("/preferences/language", data={"locale": "en"})
    assert response.status_code == 303
    assert_security_headers(response, page=True)


async def test_api_answers_are_not_cached(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/no-such-thing")
    assert_security_headers(response, page=True)


async def test_static_files_are_cacheable(client: httpx.AsyncClient) -> None:
    for path in ("/static/css/anxin.css", "/static/js/shell.js", "/static/favicon.svg"):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert_security_headers(response, page=False)
        cache = response.headers["cache-control"]
        assert "public" in cache and "max-age=" in cache and "no-store" not in cache


async def test_pages_load_only_our_own_css_and_js(app: FastAPI, client: httpx.AsyncClient) -> None:
    page = (await client.get("/")).text
    assert '<link rel="stylesheet" href="/static/css/anxin.css' in page
    assert '<script src="/static/js/shell.js' in page
    assert "http://" not in page and "https://" not in page, "no absolute URL to anywhere"
