"""Error types of the accounts module.

``CountedFailure`` marks errors raised *after* a failed guess was recorded (throttle counter, audit
entry). Routes answer them without raising through the request's transaction, so the record
commits: a failed guess that rolled back would be a free guess.
"""

from __future__ import annotations

from anxin.accounts.throttle import AccountLockedUntilReset, TooManyGuesses
from anxin.core.errors import Forbidden, NotFound, Unauthorized, ValidationFailed


class CountedFailure:
    """Mixin: the failure is on record; commit the transaction, then answer with the error."""


class InvalidCredentials(CountedFailure, Unauthorized):
    code = "invalid_credentials"
    default_message = "This e-mail address or mobile number and password do not match an account."


class InvalidCode(CountedFailure, ValidationFailed):
    code = "invalid_code"
    default_message = "This code is not right. Please check it and try again."


class ExpiredCode(CountedFailure, ValidationFailed):
    code = "expired_code"
    default_message = "This code has expired or was already used. Please ask for a new one."


class SignInTimedOut(ExpiredCode):
    default_message = "Your sign-in has timed out. Please start again."


class WrongCurrentPassword(InvalidCredentials):
    default_message = "Your current password is not right."


class WrongPassword(InvalidCredentials):
    default_message = "Your password is not right."


class CountedTooManyGuesses(CountedFailure, TooManyGuesses):
    pass


class CountedLocked(CountedFailure, AccountLockedUntilReset):
    pass


class SessionEnded(Unauthorized):
    code = "session_ended"
    default_message = "Your session has ended. Please sign in again."


class MfaSetupRequired(Forbidden):
    code = "mfa_setup_required"
    default_message = (
        "Counsellors and administrators must turn on two-step sign-in before doing anything else. "
        "Please set it up in your security settings."
    )


class GuardianConsentRequired(Forbidden):
    code = "guardian_consent_required"
    default_message = (
        "Because you are under {age}, a parent or guardian must agree before you can use care "
        "services. Please ask them to confirm in your account settings."
    )


class AccountNotActive(Forbidden):
    code = "account_not_active"
    default_message = "This account is not active. Please contact support if you think this is a mistake."


class UnknownUser(NotFound):
    default_message = "We could not find this account."
