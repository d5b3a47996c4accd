"""The HTML pages: every form needs its CSRF token; sign-up, sign-in and sign-out through the pages;
counsellors are sent to set up two-step sign-in; errors show next to the field in the reader's language."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.accounts.support import csrf_from, last_code, new_email, new_password, sign_up


async def form_token(http: httpx.AsyncClient, path: str) -> str:
    page = await http.get(path)
    assert page.status_code == 200
    return csrf_from(page.text)


async def test_a_form_post_without_its_csrf_token_is_refused(app: FastAPI, client: httpx.AsyncClient) -> None:
    account = await sign_up(client, app)
    credentials = {"identifier": account["identifier"], "password": account["password"]}
    await client.get("/login", headers={"Accept-Language": "en"})  # the browser has a form cookie
    refused = await client.post("/login", data=credentials, headers={"Accept-Language": "en"})
    assert refused.status_code == 403
    assert "did not come from Anxin" in refused.text
    forged = await client.post("/login", data={**credentials, "csrf_token": "0" * 64})
    assert forged.status_code == 403
    token = await form_token(client, "/login")
    accepted = await client.post("/login", data={**credentials, "csrf_token": token, "next": "/"})
    assert accepted.status_code == 303
    assert "anxin_session" in accepted.cookies


async def test_the_token_is_tied_to_the_session(app: FastAPI, client: httpx.AsyncClient, make_client) -> None:
    account = await sign_up(client, app)
    browser = make_client()
    token = await form_token(browser, "/login")
    signed_in = await browser.post(
        "/login",
        data={"identifier": account["identifier"], "password": account["password"], "csrf_token": token},
    )
    assert signed_in.status_code == 303
    # The token from before sign-in no longer works for the signed-in session.
    stale = await browser.post("/logout", data={"csrf_token": token})
    assert stale.status_code == 403
    fresh = await form_token(browser, "/logout")
    out = await browser.post("/logout", data={"csrf_token": fresh})
    assert out.status_code == 303
    assert (await browser.get("/account/security")).text.count('action="/login"') == 1


async def test_api_calls_riding_on_the_session_cookie_need_the_csrf_header(
    app: FastAPI, client: httpx.AsyncClient, make_client
) -> None:
    account = await sign_up(client, app)
    browser = make_client()
    token = await form_token(browser, "/login")
    await browser.post(
        "/login",
        data={"identifier": account["identifier"], "password": account["password"], "csrf_token": token},
    )
    refused = await browser.post("/api/v1/auth/sessions/end-all")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf_failed"
    header = await form_token(browser, "/logout")
    allowed = await browser.post("/api/v1/auth/sessions/end-all", headers={"X-CSRF-Token": header})
    assert allowed.status_code == 200


async def test_sign_up_through_the_pages(app: FastAPI, client: httpx.AsyncClient) -> None:
    email, password = new_email(), new_password()
    token = await form_token(client, "/signup")
    confirm_page = await client.post(
        "/signup",
        data={"identifier": email, "password": password, "birth_date": "1990-01-01", "csrf_token": token},
    )
    assert confirm_page.status_code == 200
    code = await last_code(app, email)
    done = await client.post(
        "/signup/confirm",
        data={"identifier": email, "code": code, "csrf_token": csrf_from(confirm_page.text)},
    )
    assert done.status_code == 303 and done.headers["location"] == "/"
    security = await client.get("/account/security", headers={"Accept-Language": "zh-CN"})
    assert "安全设置" in security.text and "开启两步登录" in security.text


async def test_a_counsellor_is_sent_to_set_up_two_step_sign_in(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    email, password = new_email(), new_password()
    token = await form_token(client, "/apply")
    page = await client.post(
        "/signup",
        data={
            "identifier": email,
            "password": password,
            "birth_date": "1985-01-01",
            "role": "counsellor",
            "csrf_token": token,
        },
    )
    done = await client.post(
        "/signup/confirm",
        data={"identifier": email, "code": await last_code(app, email), "csrf_token": csrf_from(page.text)},
    )
    assert done.headers["location"] == "/account/security"
    security = await client.get("/account/security", headers={"Accept-Language": "en"})
    assert "Two-step sign-in is required" in security.text


async def test_errors_are_shown_at_the_field_in_the_readers_language(client: httpx.AsyncClient) -> None:
    token = await form_token(client, "/signup")
    page = await client.post(
        "/signup",
        data={
            "identifier": "not an address",
            "password": "123456789012",
            "birth_date": "1990-01-01",
            "csrf_token": token,
        },
        headers={"Accept-Language": "zh-CN"},
    )
    assert page.status_code == 422
    assert 'id="field-identifier-error"' in page.text
    assert "请输入有效的手机号" in page.text
    assert 'value="not an address"' in page.text  # what was typed is kept (never the password)
    assert "123456789012" not in page.text


async def test_protected_pages_ask_to_sign_in(client: httpx.AsyncClient) -> None:
    for path in ("/account/security", "/account/guardian"):
        page = await client.get(path, headers={"Accept-Language": "en"})
        assert page.status_code == 200
        assert "Please sign in to continue." in page.text
        assert f'name="next" value="{path}"' in page.text
