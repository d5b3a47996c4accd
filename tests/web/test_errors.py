"""Errors are part of the interface: one JSON shape for the API, a kind page in the reader's language."""

from __future__ import annotations

import secrets

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel

from anxin.core.errors import Conflict
from anxin.core.i18n import gettext
from tests.web.test_security_headers import assert_security_headers

GENERIC_500 = "Something went wrong on our side and nothing was changed. Please try again."


class Echo(BaseModel):
    text: str
    count: int


@pytest.fixture
def crash_detail() -> str:
    return f"secret-detail-{secrets.token_hex(8)}"


@pytest.fixture
def test_app(app: FastAPI, crash_detail: str) -> FastAPI:
    """The real app plus routes that exist only in these tests."""
    api = APIRouter(prefix="/api/v1/test-only")
    pages = APIRouter(prefix="/test-only")

    @api.post("/echo")
    async def echo(body: Echo) -> Echo:
        return body

    @api.get("/crash")
    async def api_crash() -> None:
        raise RuntimeError(crash_detail)

    @api.get("/conflict")
    async def api_conflict() -> None:
        raise Conflict()

    @pages.get("/crash")
    async def page_crash() -> None:
        raise RuntimeError(crash_detail)

    app.include_router(api)
    app.include_router(pages)
    return app


def assert_error_shape(response: httpx.Response, status: int, code: str) -> dict[str, str]:
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    return error


async def test_api_not_found_has_the_error_shape(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/no-such-thing", headers={"Accept-Language": "en"})
    error = assert_error_shape(response, 404, "not_found")
    assert error["message"] == "We could not find what you were looking for."


async def test_api_method_not_allowed_has_the_error_shape(
    test_app: FastAPI, client: httpx.AsyncClient
) -> None:
    response = await client.get("/api/v1/test-only/echo")
    assert_error_shape(response, 405, "method_not_allowed")
    assert "POST" in response.headers["allow"]


async def test_api_validation_error_names_the_field(test_app: FastAPI, client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/test-only/echo", json={"text": "hi", "count": "many"}, headers={"Accept-Language": "en"}
    )
    error = assert_error_shape(response, 422, "validation_failed")
    assert "count" in error["message"]
    assert [field["field"] for field in response.json()["error"]["fields"]] == ["count"]


async def test_api_error_messages_are_translated(test_app: FastAPI, client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/test-only/conflict", headers={"Accept-Language": "zh-CN"})
    error = assert_error_shape(response, 409, "conflict")
    assert error["message"] == gettext("zh-CN", Conflict.default_message)
    assert error["message"] != Conflict.default_message


@pytest.mark.parametrize(("accept", "lang"), [("zh-CN", "zh-Hans"), ("en", "en")])
async def test_missing_page_is_a_friendly_page_in_the_readers_language(
    client: httpx.AsyncClient, accept: str, lang: str
) -> None:
    response = await client.get("/no-such-page", headers={"Accept-Language": accept})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert f'<html lang="{lang}">' in response.text
    locale = "zh-CN" if accept == "zh-CN" else "en"
    assert gettext(locale, "We can't find this page").replace("'", "&#39;") in response.text
    assert gettext(locale, "Back to the home page") in response.text
    assert_security_headers(response, page=True)


async def test_page_method_not_allowed_is_a_page(client: httpx.AsyncClient) -> None:
    response = await client.delete("/crisis", headers={"Accept-Language": "en"})
    assert response.status_code == 405
    assert response.headers["content-type"].startswith("text/html")
    assert "This action is not available here." in response.text


async def test_unexpected_api_error_is_generic(
    test_app: FastAPI, client: httpx.AsyncClient, crash_detail: str
) -> None:
    response = await client.get("/api/v1/test-only/crash", headers={"Accept-Language": "en"})
    error = assert_error_shape(response, 500, "internal_error")
    assert error["message"] == GENERIC_500
    assert crash_detail not in response.text
    assert "Traceback" not in response.text
    assert response.json()["error"]["request_id"] == response.headers["x-request-id"]
    assert_security_headers(response, page=False)


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
async def test_unexpected_page_error_is_a_kind_page_without_details(
    test_app: FastAPI, client: httpx.AsyncClient, crash_detail: str, locale: str
) -> None:
    response = await client.get("/test-only/crash", headers={"Accept-Language": locale})
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert gettext(locale, GENERIC_500) in response.text
    assert crash_detail not in response.text
    assert "Traceback" not in response.text and 'File "' not in response.text
    assert response.headers["x-request-id"] in response.text, "the page gives a reference to quote"
    assert_security_headers(response, page=True)


async def test_error_page_survives_a_broken_template(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from anxin.web import rendering

    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("template exploded")

    monkeypatch.setattr(rendering, "render_template", broken)
    for accept, locale in (("zh-CN", "zh-CN"), ("en", "en")):
        response = await client.get("/no-such-page", headers={"Accept-Language": accept})
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert gettext(locale, "We could not find what you were looking for.") in response.text
        assert 'href="/crisis"' in response.text
        assert "template exploded" not in response.text
        assert_security_headers(response, page=True)
