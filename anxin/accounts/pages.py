"""HTML pages: sign up, confirm, sign in (+ second step), sign out, password reset, security
settings and guardian consent. Thin: read the form, call the service, render.

A page that needs a signed-in person shows the sign-in form in place (with ``next`` back to it).
Every POST carries the CSRF token (``deps.csrf_protect`` on the router).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import segno
from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from anxin.accounts import mfa, service, sessions
from anxin.accounts.deps import (
    CSRF_COOKIE_NAME,
    CSRF_FIELD,
    Actor,
    CurrentActor,
    clear_session_cookie,
    csrf_protect,
    csrf_token,
    set_cookie,
    set_session_cookie,
)
from anxin.accounts.models import ROLE_CLIENT, ROLE_COUNSELLOR
from anxin.accounts.rendering import render, visitor_region
from anxin.accounts.routes import client_ip, locale, user_agent
from anxin.accounts.settings import account_settings
from anxin.core.deps import DbSession
from anxin.core.errors import AppError, RateLimited, ValidationFailed
from anxin.core.i18n import gettext

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

SECURITY_PAGE = "/account/security"


def safe_next(target: str | None) -> str:
    """Only same-site paths: never send a visitor to another origin after signing in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def page(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    error: AppError | None = None,
    field: str = "form",
) -> HTMLResponse:
    values: dict[str, Any] = {
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf_token(request),
        "errors": {},
        "code_minutes": account_settings().code_ttl_minutes,
    }
    values.update(context or {})
    headers: dict[str, str] = {}
    if error is not None:
        status_code = error.status_code
        values["errors"] = {field: gettext(locale(request), error.message, **error.params)}
        if isinstance(error, RateLimited) and error.retry_after:
            headers["Retry-After"] = str(error.retry_after)
    response = render(request, template, values, status_code=status_code)
    response.headers.update(headers)
    new_cookie = getattr(request.state, "new_csrf_cookie", None)
    if new_cookie:
        set_cookie(request, response, CSRF_COOKIE_NAME, new_cookie, max_age=None)
    return response


def redirect(target: str) -> RedirectResponse:
    return RedirectResponse(target, status_code=303)


def signed_in_redirect(request: Request, token: str, target: str) -> RedirectResponse:
    response = redirect(safe_next(target))
    set_session_cookie(request, response, token)
    return response


def sign_in_first(request: Request) -> HTMLResponse:
    return page(
        request, "accounts/login.html", {"next": request.url.path, "values": {}, "ask_to_sign_in": True}
    )


def _parse_date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip()) if raw.strip() else None
    except ValueError:
        raise ValidationFailed("Please enter your date of birth as year-month-day.") from None


# ---------------------------------------------------------------- sign up


def _signup_page(
    request: Request, role: str, values: dict[str, Any] | None = None, **kwargs: Any
) -> HTMLResponse:
    return page(request, "accounts/signup.html", {"role": role, "values": values or {}}, **kwargs)


@router.get("/signup", response_class=HTMLResponse)
async def signup_form(request: Request) -> Response:
    return _signup_page(request, ROLE_CLIENT)


@router.get("/apply", response_class=HTMLResponse)
async def apply_form(request: Request) -> Response:
    return _signup_page(request, ROLE_COUNSELLOR)


@router.post("/signup", response_class=HTMLResponse)
async def signup_submit(
    request: Request,
    db: DbSession,
    identifier: str = Form(""),
    password: str = Form(""),
    birth_date: str = Form(""),
    nickname: str = Form(""),
    role: str = Form(ROLE_CLIENT),
) -> Response:
    values = {"identifier": identifier, "birth_date": birth_date, "nickname": nickname}
    role = role if role in (ROLE_CLIENT, ROLE_COUNSELLOR) else ROLE_CLIENT
    try:
        sent = await service.sign_up(
            db,
            identifier=identifier,
            password=password,
            birth_date=_parse_date(birth_date),
            nickname=nickname,
            role=role,
            region=visitor_region(request),
            locale=locale(request),
        )
    except AppError as exc:
        return _signup_page(request, role, values, error=exc, field=_signup_field(exc))
    return page(request, "accounts/confirm.html", {"identifier": identifier, "sent_to": sent.sent_to})


def _signup_field(exc: AppError) -> str:
    text = exc.message.lower()
    if "password" in text:
        return "password"
    if "birth" in text or "adult" in text:
        return "birth_date"
    if "nickname" in text:
        return "nickname"
    return "identifier"


@router.get("/signup/confirm", response_class=HTMLResponse)
async def confirm_form(request: Request) -> Response:
    return page(request, "accounts/confirm.html", {"identifier": "", "sent_to": None})


@router.post("/signup/confirm", response_class=HTMLResponse)
async def confirm_submit(
    request: Request, db: DbSession, identifier: str = Form(""), code: str = Form("")
) -> Response:
    try:
        signed = await service.confirm_sign_up(
            db,
            identifier=identifier,
            code=code[:64],
            ip_address=client_ip(request),
            user_agent=user_agent(request),
        )
    except AppError as exc:
        field = (
            "identifier"
            if isinstance(exc, ValidationFailed) and "code" not in exc.message.lower()
            else "code"
        )
        return page(
            request,
            "accounts/confirm.html",
            {"identifier": identifier, "sent_to": None},
            error=exc,
            field=field,
        )
    target = SECURITY_PAGE if service.needs_mfa_setup(signed.user) else "/"
    return signed_in_redirect(request, signed.token, target)


@router.post("/signup/resend", response_class=HTMLResponse)
async def resend_submit(request: Request, db: DbSession, identifier: str = Form("")) -> Response:
    try:
        sent = await service.resend_signup_code(db, identifier=identifier, locale=locale(request))
    except AppError as exc:
        return page(
            request,
            "accounts/confirm.html",
            {"identifier": identifier, "sent_to": None},
            error=exc,
            field="identifier",
        )
    return page(request, "accounts/confirm.html", {"identifier": identifier, "sent_to": sent.sent_to})


# ---------------------------------------------------------------- sign in and out


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str = "/") -> Response:
    return page(request, "accounts/login.html", {"next": safe_next(next), "values": {}})


@router.post("/login", response_class=HTMLResponse)
async def login_submit(
    request: Request,
    db: DbSession,
    identifier: str = Form(""),
    password: str = Form(""),
    next: str = Form("/"),
) -> Response:
    try:
        result = await service.sign_in(
            db,
            identifier=identifier,
            password=password,
            ip_address=client_ip(request),
            user_agent=user_agent(request),
        )
    except AppError as exc:
        field = (
            "password"
            if "password" in exc.message.lower() and "mobile" not in exc.message.lower()
            else "identifier"
        )
        return page(
            request,
            "accounts/login.html",
            {"next": safe_next(next), "values": {"identifier": identifier}},
            error=exc,
            field=field,
        )
    if isinstance(result, service.SecondStepNeeded):
        return page(
            request, "accounts/second_step.html", {"challenge": result.challenge, "next": safe_next(next)}
        )
    target = SECURITY_PAGE if service.needs_mfa_setup(result.user) else next
    return signed_in_redirect(request, result.token, target)


@router.post("/login/second-step", response_class=HTMLResponse)
async def second_step_submit(
    request: Request, db: DbSession, challenge: str = Form(""), code: str = Form(""), next: str = Form("/")
) -> Response:
    try:
        signed = await service.complete_sign_in(
            db,
            challenge=challenge[:128],
            code=code[:64],
            ip_address=client_ip(request),
            user_agent=user_agent(request),
        )
    except AppError as exc:
        return page(
            request,
            "accounts/second_step.html",
            {"challenge": challenge, "next": safe_next(next)},
            error=exc,
            field="code",
        )
    return signed_in_redirect(request, signed.token, next)


@router.get("/logout", response_class=HTMLResponse)
async def logout_form(request: Request) -> Response:
    return page(request, "accounts/logout.html")


@router.post("/logout")
async def logout_submit(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if actor is not None:
        await service.sign_out(db, actor.login_session)
    response = redirect("/")
    clear_session_cookie(response)
    return response


# ---------------------------------------------------------------- password reset


@router.get("/password/forgot", response_class=HTMLResponse)
async def forgot_form(request: Request) -> Response:
    return page(request, "accounts/forgot.html", {"values": {}})


@router.post("/password/forgot", response_class=HTMLResponse)
async def forgot_submit(request: Request, db: DbSession, identifier: str = Form("")) -> Response:
    try:
        sent = await service.request_password_reset(db, identifier=identifier, locale=locale(request))
    except AppError as exc:
        return page(
            request,
            "accounts/forgot.html",
            {"values": {"identifier": identifier}},
            error=exc,
            field="identifier",
        )
    return page(request, "accounts/reset.html", {"identifier": identifier, "sent_to": sent.sent_to})


@router.get("/password/reset", response_class=HTMLResponse)
async def reset_form(request: Request) -> Response:
    return page(request, "accounts/reset.html", {"identifier": "", "sent_to": None})


@router.post("/password/reset", response_class=HTMLResponse)
async def reset_submit(
    request: Request,
    db: DbSession,
    identifier: str = Form(""),
    code: str = Form(""),
    new_password: str = Form(""),
) -> Response:
    try:
        await service.reset_password(
            db,
            identifier=identifier,
            code=code[:64],
            new_password=new_password,
            ip_address=client_ip(request),
        )
    except AppError as exc:
        field = "new_password" if "password" in exc.message.lower() else "code"
        return page(
            request,
            "accounts/reset.html",
            {"identifier": identifier, "sent_to": None},
            error=exc,
            field=field,
        )
    return page(
        request,
        "accounts/login.html",
        {"next": "/", "values": {"identifier": identifier}, "password_was_reset": True},
    )


# ---------------------------------------------------------------- security settings


async def _security_page(
    request: Request, db: DbSession, actor: Actor, extra: dict[str, Any] | None = None, **kwargs: Any
) -> HTMLResponse:
    context = {
        "user": actor.user,
        "mfa_required": service.needs_mfa_setup(actor.user),
        "sessions": await sessions.live_sessions(db, actor.id),
        "current_session_id": actor.login_session.id,
        "recovery_left": await mfa.recovery_codes_left(db, actor.id),
        "is_minor": service.is_minor(actor.user),
    }
    context.update(extra or {})
    return page(request, "accounts/security.html", context, **kwargs)


@router.get(SECURITY_PAGE, response_class=HTMLResponse)
async def security(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if actor is None:
        return sign_in_first(request)
    return await _security_page(request, db, actor)


def _totp_context(setup: service.TotpSetup) -> dict[str, Any]:
    qr = segno.make(setup.uri, error="m").svg_data_uri(scale=5, border=2)
    return {"totp_setup": setup, "totp_qr": qr}


@router.post(SECURITY_PAGE + "/totp/setup", response_class=HTMLResponse)
async def totp_setup(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if actor is None:
        return sign_in_first(request)
    try:
        setup = await service.begin_totp_setup(db, actor.user)
    except AppError as exc:
        return await _security_page(request, db, actor, error=exc, field="totp")
    return page(request, "accounts/totp_setup.html", _totp_context(setup))


@router.post(SECURITY_PAGE + "/totp/confirm", response_class=HTMLResponse)
async def totp_confirm(
    request: Request, db: DbSession, actor: CurrentActor, code: str = Form("")
) -> Response:
    if actor is None:
        return sign_in_first(request)
    try:
        codes = await service.confirm_totp_setup(
            db, actor.user, code=code[:64], ip_address=client_ip(request)
        )
    except AppError as exc:
        try:
            setup = await service.totp_setup_of(db, actor.user)
        except AppError:
            return await _security_page(request, db, actor, error=exc, field="totp")
        return page(request, "accounts/totp_setup.html", _totp_context(setup), error=exc, field="code")
    return page(request, "accounts/recovery_codes.html", {"recovery_codes": codes})


@router.post(SECURITY_PAGE + "/totp/disable", response_class=HTMLResponse)
async def totp_disable(
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    password: str = Form("", alias="disable_password"),
    code: str = Form("", alias="disable_code"),
) -> Response:
    if actor is None:
        return sign_in_first(request)
    try:
        await service.disable_totp(
            db, actor.user, password=password, code=code[:64], ip_address=client_ip(request)
        )
    except AppError as exc:
        return await _security_page(request, db, actor, error=exc, field="disable_code")
    return redirect(SECURITY_PAGE)


@router.post(SECURITY_PAGE + "/recovery-codes", response_class=HTMLResponse)
async def recovery_codes(
    request: Request, db: DbSession, actor: CurrentActor, code: str = Form("", alias="recovery_code")
) -> Response:
    if actor is None:
        return sign_in_first(request)
    try:
        codes = await service.regenerate_recovery_codes(
            db, actor.user, code=code[:64], ip_address=client_ip(request)
        )
    except AppError as exc:
        return await _security_page(request, db, actor, error=exc, field="recovery_code")
    return page(request, "accounts/recovery_codes.html", {"recovery_codes": codes})


@router.post(SECURITY_PAGE + "/password", response_class=HTMLResponse)
async def change_password(
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    current_password: str = Form(""),
    new_password: str = Form(""),
) -> Response:
    if actor is None:
        return sign_in_first(request)
    try:
        signed = await service.change_password(
            db,
            actor.user,
            current_password=current_password,
            new_password=new_password,
            ip_address=client_ip(request),
            user_agent=user_agent(request),
        )
    except AppError as exc:
        field = "current_password" if "current" in exc.message.lower() else "new_password"
        return await _security_page(request, db, actor, error=exc, field=field)
    return signed_in_redirect(request, signed.token, SECURITY_PAGE + "?changed=1")


@router.post(SECURITY_PAGE + "/sessions/end-all")
async def end_all_sessions(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    if actor is None:
        return sign_in_first(request)
    await service.sign_out_everywhere(db, actor.user)
    response = redirect("/login")
    clear_session_cookie(response)
    return response


@router.post(SECURITY_PAGE + "/sessions/{session_id}/end")
async def end_one_session(request: Request, session_id: int, db: DbSession, actor: CurrentActor) -> Response:
    if actor is None:
        return sign_in_first(request)
    await service.end_session(db, actor.user, session_id)
    return redirect(SECURITY_PAGE)


# ---------------------------------------------------------------- guardian consent (minors)


@router.get("/account/guardian", response_class=HTMLResponse)
async def guardian_form(request: Request, actor: CurrentActor) -> Response:
    if actor is None:
        return sign_in_first(request)
    return page(
        request,
        "accounts/guardian.html",
        {
            "adult_age": service.adult_age_for(actor.user.region),
            "user": actor.user,
            "values": {},
            "sent_to": None,
        },
    )


@router.post("/account/guardian", response_class=HTMLResponse)
async def guardian_submit(
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    guardian_name: str = Form(""),
    guardian_contact: str = Form(""),
) -> Response:
    if actor is None:
        return sign_in_first(request)
    values = {"guardian_name": guardian_name, "guardian_contact": guardian_contact}
    try:
        sent = await service.request_guardian_consent(
            db,
            actor.user,
            guardian_name=guardian_name[:200],
            guardian_contact=guardian_contact,
            locale=locale(request),
        )
    except AppError as exc:
        field = "guardian_name" if "name" in exc.message.lower() else "guardian_contact"
        return page(
            request,
            "accounts/guardian.html",
            {
                "adult_age": service.adult_age_for(actor.user.region),
                "user": actor.user,
                "values": values,
                "sent_to": None,
            },
            error=exc,
            field=field,
        )
    return page(
        request,
        "accounts/guardian.html",
        {
            "adult_age": service.adult_age_for(actor.user.region),
            "user": actor.user,
            "values": values,
            "sent_to": sent.sent_to,
        },
    )


@router.post("/account/guardian/confirm", response_class=HTMLResponse)
async def guardian_confirm(
    request: Request, db: DbSession, actor: CurrentActor, code: str = Form("")
) -> Response:
    if actor is None:
        return sign_in_first(request)
    try:
        await service.confirm_guardian_consent(db, actor.user, code=code[:64], ip_address=client_ip(request))
    except AppError as exc:
        return page(
            request,
            "accounts/guardian.html",
            {
                "adult_age": service.adult_age_for(actor.user.region),
                "user": actor.user,
                "values": {},
                "sent_to": "…",
            },
            error=exc,
            field="code",
        )
    return redirect("/account/guardian")
