"""JSON API under /api/v1/auth (bearer tokens). Handlers are thin: parse, call the service, answer.

Failed guesses come back as ``CountedFailure`` errors; they are answered here (not raised through
the request's transaction) so the throttle counter and audit entry commit.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request
from starlette.responses import JSONResponse, Response

from anxin.accounts import mfa, service, sessions
from anxin.accounts.deps import Actor, SignedIn, UserActor, csrf_protect, require_role
from anxin.accounts.errors import CountedFailure
from anxin.accounts.models import ROLE_ADMIN, SESSION_API
from anxin.accounts.schemas import (
    CodeIn,
    CodeSentOut,
    ConfirmIn,
    EndedOut,
    GuardianIn,
    IdentifierIn,
    LoginIn,
    LoginOut,
    MeOut,
    PasswordChangeIn,
    PasswordResetIn,
    RecoveryCodesOut,
    SecondStepIn,
    SessionOut,
    SignUpIn,
    TokenOut,
    TotpDisableIn,
    TotpSetupOut,
)
from anxin.core.deps import DbSession
from anxin.core.error_handlers import error_body
from anxin.core.errors import AppError, RateLimited
from anxin.core.i18n import gettext

router = APIRouter(prefix="/auth", tags=["auth"], dependencies=[Depends(csrf_protect)])
T = TypeVar("T")

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in, or the credentials/code are wrong"},
    422: {"description": "Invalid input or code"},
    429: {"description": "Too many attempts; see Retry-After"},
}


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def user_agent(request: Request) -> str | None:
    return request.headers.get("user-agent")


def locale(request: Request) -> str:
    return str(getattr(request.state, "locale", "zh-CN"))


def counted_failure(request: Request, exc: AppError) -> JSONResponse:
    """The error answer for a failure that must still commit (same shape as every API error)."""
    headers = (
        {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) and exc.retry_after else None
    )
    message = gettext(locale(request), exc.message, **exc.params)
    return JSONResponse(error_body(exc.code, message), status_code=exc.status_code, headers=headers)


async def guarded(request: Request, call: Awaitable[T]) -> T | JSONResponse:
    try:
        return await call
    except AppError as exc:
        if isinstance(exc, CountedFailure):
            return counted_failure(request, exc)
        raise


@router.post(
    "/signup",
    response_model=CodeSentOut,
    status_code=202,
    responses=ERRORS,
    summary="Sign up as a client or apply as a counsellor; a code is sent to confirm",
)
async def sign_up(body: SignUpIn, request: Request, db: DbSession) -> CodeSentOut:
    sent = await service.sign_up(
        db,
        identifier=body.identifier,
        password=body.password,
        birth_date=body.birth_date,
        nickname=body.nickname,
        role=body.role,
        region=body.region,
        locale=locale(request),
    )
    return CodeSentOut(sent_to=sent.sent_to)


@router.post(
    "/signup/resend", response_model=CodeSentOut, status_code=202, summary="Send the sign-up code again"
)
async def resend(body: IdentifierIn, request: Request, db: DbSession) -> CodeSentOut:
    sent = await service.resend_signup_code(db, identifier=body.identifier, locale=locale(request))
    return CodeSentOut(sent_to=sent.sent_to)


@router.post(
    "/signup/confirm",
    response_model=TokenOut,
    responses=ERRORS,
    summary="Confirm the sign-up code; answers with a bearer token",
)
async def confirm(body: ConfirmIn, request: Request, db: DbSession) -> TokenOut | Response:
    result = await guarded(
        request,
        service.confirm_sign_up(
            db,
            identifier=body.identifier,
            code=body.code,
            ip_address=client_ip(request),
            user_agent=user_agent(request),
            kind=SESSION_API,
        ),
    )
    if isinstance(result, Response):
        return result
    return TokenOut(token=result.token, user_id=result.user.id)


@router.post(
    "/login",
    response_model=LoginOut,
    responses=ERRORS,
    summary="Sign in with e-mail/mobile and password; may ask for a second step",
)
async def login(body: LoginIn, request: Request, db: DbSession) -> LoginOut | Response:
    result = await guarded(
        request,
        service.sign_in(
            db,
            identifier=body.identifier,
            password=body.password,
            ip_address=client_ip(request),
            user_agent=user_agent(request),
            kind=SESSION_API,
        ),
    )
    if isinstance(result, Response):
        return result
    if isinstance(result, service.SecondStepNeeded):
        return LoginOut(mfa_required=True, challenge=result.challenge)
    return LoginOut(token=result.token, user_id=result.user.id)


@router.post(
    "/login/second-step",
    response_model=TokenOut,
    responses=ERRORS,
    summary="Finish signing in with a TOTP code or a recovery code",
)
async def second_step(body: SecondStepIn, request: Request, db: DbSession) -> TokenOut | Response:
    result = await guarded(
        request,
        service.complete_sign_in(
            db,
            challenge=body.challenge,
            code=body.code,
            ip_address=client_ip(request),
            user_agent=user_agent(request),
            kind=SESSION_API,
        ),
    )
    if isinstance(result, Response):
        return result
    return TokenOut(token=result.token, user_id=result.user.id)


@router.post("/logout", status_code=204, summary="End this session")
async def logout(actor: SignedIn, db: DbSession) -> Response:
    await service.sign_out(db, actor.login_session)
    return Response(status_code=204)


@router.get("/me", response_model=MeOut, summary="Who am I")
async def me(actor: SignedIn) -> MeOut:
    user = actor.user
    return MeOut(
        id=user.id,
        role=user.role,
        status=user.status,
        nickname=user.nickname,
        mfa_enabled=user.totp_enabled_at is not None,
        mfa_setup_required=service.needs_mfa_setup(user),
        guardian_consent_required=service.is_minor(user) and user.guardian_confirmed_at is None,
    )


@router.post(
    "/password",
    response_model=TokenOut,
    responses=ERRORS,
    summary="Change the password; every session ends and a new token is returned",
)
async def change_password(
    body: PasswordChangeIn, request: Request, actor: SignedIn, db: DbSession
) -> TokenOut | Response:
    result = await guarded(
        request,
        service.change_password(
            db,
            actor.user,
            current_password=body.current_password,
            new_password=body.new_password,
            ip_address=client_ip(request),
            user_agent=user_agent(request),
            kind=SESSION_API,
        ),
    )
    if isinstance(result, Response):
        return result
    return TokenOut(token=result.token, user_id=result.user.id)


@router.post(
    "/password-reset",
    response_model=CodeSentOut,
    status_code=202,
    summary="Ask for a reset code (same answer whether or not the account exists)",
)
async def request_reset(body: IdentifierIn, request: Request, db: DbSession) -> CodeSentOut:
    sent = await service.request_password_reset(db, identifier=body.identifier, locale=locale(request))
    return CodeSentOut(sent_to=sent.sent_to)


@router.post(
    "/password-reset/confirm",
    status_code=204,
    responses=ERRORS,
    summary="Set a new password with the reset code; every session ends",
)
async def reset(body: PasswordResetIn, request: Request, db: DbSession) -> Response:
    result = await guarded(
        request,
        service.reset_password(
            db,
            identifier=body.identifier,
            code=body.code,
            new_password=body.new_password,
            ip_address=client_ip(request),
        ),
    )
    return result if isinstance(result, Response) else Response(status_code=204)


@router.get("/sessions", response_model=list[SessionOut], summary="My active sessions")
async def list_sessions(actor: SignedIn, db: DbSession) -> list[SessionOut]:
    rows = await sessions.live_sessions(db, actor.id)
    return [
        SessionOut(
            id=row.id,
            kind=row.kind,
            user_agent=row.user_agent,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            current=row.id == actor.login_session.id,
        )
        for row in rows
    ]


@router.delete("/sessions/{session_id}", status_code=204, summary="End one of my sessions")
async def end_session(session_id: int, actor: SignedIn, db: DbSession) -> Response:
    await service.end_session(db, actor.user, session_id)
    return Response(status_code=204)


@router.post("/sessions/end-all", response_model=EndedOut, summary="Sign out everywhere (this session too)")
async def end_all(actor: SignedIn, db: DbSession) -> EndedOut:
    return EndedOut(ended=await service.sign_out_everywhere(db, actor.user))


@router.post("/totp/setup", response_model=TotpSetupOut, summary="Start turning on two-step sign-in")
async def totp_setup(actor: SignedIn, db: DbSession) -> TotpSetupOut:
    setup = await service.begin_totp_setup(db, actor.user)
    return TotpSetupOut(secret=setup.secret, otpauth_uri=setup.uri)


@router.post(
    "/totp/confirm",
    response_model=RecoveryCodesOut,
    responses=ERRORS,
    summary="Confirm with a code from the app; answers with 10 single-use recovery codes",
)
async def totp_confirm(
    body: CodeIn, request: Request, actor: SignedIn, db: DbSession
) -> RecoveryCodesOut | Response:
    result = await guarded(
        request, service.confirm_totp_setup(db, actor.user, code=body.code, ip_address=client_ip(request))
    )
    return result if isinstance(result, Response) else RecoveryCodesOut(recovery_codes=result)


@router.post("/totp/disable", status_code=204, responses=ERRORS, summary="Turn off two-step sign-in")
async def totp_disable(body: TotpDisableIn, request: Request, actor: UserActor, db: DbSession) -> Response:
    result = await guarded(
        request,
        service.disable_totp(
            db, actor.user, password=body.password, code=body.code, ip_address=client_ip(request)
        ),
    )
    return result if isinstance(result, Response) else Response(status_code=204)


@router.post(
    "/totp/recovery-codes",
    response_model=RecoveryCodesOut,
    responses=ERRORS,
    summary="Replace the recovery codes (needs a current code)",
)
async def recovery_codes(
    body: CodeIn, request: Request, actor: UserActor, db: DbSession
) -> RecoveryCodesOut | Response:
    result = await guarded(
        request,
        service.regenerate_recovery_codes(db, actor.user, code=body.code, ip_address=client_ip(request)),
    )
    return result if isinstance(result, Response) else RecoveryCodesOut(recovery_codes=result)


@router.get("/totp/recovery-codes/count", summary="How many unused recovery codes are left")
async def recovery_codes_left(actor: SignedIn, db: DbSession) -> dict[str, int]:
    return {"left": await mfa.recovery_codes_left(db, actor.id)}


@router.post(
    "/guardian-consent",
    response_model=CodeSentOut,
    status_code=202,
    summary="Minors: name a guardian; a code is sent to them",
)
async def guardian(body: GuardianIn, request: Request, actor: UserActor, db: DbSession) -> CodeSentOut:
    sent = await service.request_guardian_consent(
        db,
        actor.user,
        guardian_name=body.guardian_name,
        guardian_contact=body.guardian_contact,
        locale=locale(request),
    )
    return CodeSentOut(sent_to=sent.sent_to)


@router.post(
    "/guardian-consent/confirm",
    status_code=204,
    responses=ERRORS,
    summary="Minors: confirm the guardian's consent with the code they received",
)
async def guardian_confirm(body: CodeIn, request: Request, actor: UserActor, db: DbSession) -> Response:
    result = await guarded(
        request,
        service.confirm_guardian_consent(db, actor.user, code=body.code, ip_address=client_ip(request)),
    )
    return result if isinstance(result, Response) else Response(status_code=204)


@router.post("/users/{user_id}/disable", status_code=204, summary="Admin: disable an account")
async def disable(
    user_id: int, actor: Annotated[Actor, Depends(require_role(ROLE_ADMIN))], db: DbSession
) -> Response:
    await service.disable_account(db, actor.user, user_id)
    return Response(status_code=204)
