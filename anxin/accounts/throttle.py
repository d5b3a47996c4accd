"""Throttling of guesses at secrets (passwords, one-time codes, TOTP and recovery codes).

Two counters, both kept in the database so they hold across processes:

* **per account** (keyed by the account's identifier, whether or not it exists, so the answer
  never tells an attacker which accounts exist): within a sliding window (15 min) the first few
  failures are free, each further one must wait twice as long as the last (progressive delay), and
  at the limit (10) every guess is refused until the oldest failure leaves the window. Nothing is
  permanent: the real user gets in once the window has slid. After 100 *consecutive* failures
  (NIST SP 800-63B §5.2.2) password sign-in needs a password reset first.
* **per network address**, against credential stuffing (one address trying many accounts).

A refused guess is not checked at all, so it costs the attacker a request and tells them nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts.keys import keyed_hash
from anxin.accounts.models import AuthAttempt
from anxin.accounts.settings import account_settings
from anxin.core import clock
from anxin.core.errors import RateLimited

SCOPE_ACCOUNT = "account"
SCOPE_IP = "ip"
# Attempts are kept this long: enough for the consecutive-failure rule, short enough to hold no history.
RETENTION = timedelta(days=2)


class TooManyGuesses(RateLimited):
    default_message = "Too many attempts. Please wait a little and try again."


class AccountLockedUntilReset(RateLimited):
    default_message = (
        "There have been too many failed sign-ins on this account. To protect it, please reset your "
        "password with a code sent to you."
    )


@dataclass(frozen=True, slots=True)
class Subject:
    """Who a guess is counted against: the account key and the network-address key."""

    account: str
    ip: str

    @classmethod
    def of(cls, account_key: str, ip_address: str | None) -> Subject:
        return cls(account=account_key, ip=keyed_hash("throttle-ip", ip_address or "unknown"))


async def _failures_since(db: AsyncSession, scope: str, subject: str, since: datetime) -> list[datetime]:
    rows = await db.scalars(
        select(AuthAttempt.at)
        .where(
            AuthAttempt.scope == scope,
            AuthAttempt.subject == subject,
            AuthAttempt.succeeded.is_(False),
            AuthAttempt.at > since,
        )
        .order_by(AuthAttempt.at)
    )
    return [clock.as_utc(at) for at in rows.all()]


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, int((moment - now).total_seconds() + 0.999))


async def check(db: AsyncSession, subject: Subject) -> None:
    """Raise TooManyGuesses (429 with Retry-After) when this guess may not be checked now."""
    policy = account_settings()
    now = clock.utcnow()
    window = timedelta(minutes=policy.throttle_window_minutes)
    failures = await _failures_since(db, SCOPE_ACCOUNT, subject.account, now - window)
    if len(failures) >= policy.throttle_account_failures:
        oldest_that_counts = failures[len(failures) - policy.throttle_account_failures]
        raise TooManyGuesses(retry_after=_seconds_until(oldest_that_counts + window, now))
    beyond_free = len(failures) - policy.throttle_free_failures
    if beyond_free >= 0 and failures:
        wait = timedelta(seconds=2 ** min(beyond_free, 8))
        if now < failures[-1] + wait:
            raise TooManyGuesses(retry_after=_seconds_until(failures[-1] + wait, now))
    ip_failures = await db.scalar(
        select(func.count())
        .select_from(AuthAttempt)
        .where(
            AuthAttempt.scope == SCOPE_IP,
            AuthAttempt.subject == subject.ip,
            AuthAttempt.succeeded.is_(False),
            AuthAttempt.at > now - window,
        )
    )
    if (ip_failures or 0) >= policy.throttle_ip_failures:
        raise TooManyGuesses(retry_after=int(window.total_seconds()))


async def consecutive_failures(db: AsyncSession, account_key: str, kind: str) -> int:
    """Failures of ``kind`` on the account since its last success of that kind."""
    last_success = await db.scalar(
        select(func.max(AuthAttempt.at)).where(
            AuthAttempt.scope == SCOPE_ACCOUNT,
            AuthAttempt.subject == account_key,
            AuthAttempt.kind == kind,
            AuthAttempt.succeeded.is_(True),
        )
    )
    query = (
        select(func.count())
        .select_from(AuthAttempt)
        .where(
            AuthAttempt.scope == SCOPE_ACCOUNT,
            AuthAttempt.subject == account_key,
            AuthAttempt.kind == kind,
            AuthAttempt.succeeded.is_(False),
        )
    )
    if last_success is not None:
        query = query.where(AuthAttempt.at > last_success)
    return int(await db.scalar(query) or 0)


async def check_not_locked(db: AsyncSession, account_key: str) -> None:
    if (
        await consecutive_failures(db, account_key, "password")
        >= account_settings().throttle_consecutive_failures
    ):
        raise AccountLockedUntilReset()


async def record(db: AsyncSession, subject: Subject, kind: str, *, succeeded: bool) -> None:
    now = clock.utcnow()
    db.add(AuthAttempt(scope=SCOPE_ACCOUNT, subject=subject.account, kind=kind, succeeded=succeeded, at=now))
    if not succeeded:
        db.add(AuthAttempt(scope=SCOPE_IP, subject=subject.ip, kind=kind, succeeded=False, at=now))
    await db.flush()


async def forget_account(db: AsyncSession, account_key: str, kind: str) -> None:
    """A proven owner (password reset) starts afresh: failures of ``kind`` no longer count."""
    await record(db, Subject(account=account_key, ip=""), kind, succeeded=True)
    await db.execute(
        delete(AuthAttempt).where(
            AuthAttempt.scope == SCOPE_ACCOUNT,
            AuthAttempt.subject == account_key,
            AuthAttempt.succeeded.is_(False),
        )
    )


async def prune(db: AsyncSession) -> int:
    result = await db.execute(delete(AuthAttempt).where(AuthAttempt.at < clock.utcnow() - RETENTION))
    return int(getattr(result, "rowcount", 0) or 0)
