"""Demo accounts: two clients, two counsellors and an administrator (``anxin demo``).

Counsellors and the administrator have two-step sign-in on, with a secret made at the first run
and stored sealed like any other; ``anxin users demo-totp --email ...`` prints the current code.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts import mfa, service
from anxin.accounts.identifiers import parse_identifier
from anxin.accounts.models import ROLE_ADMIN, ROLE_CLIENT, ROLE_COUNSELLOR
from anxin.core.demo import demo_seeder
from anxin.core.errors import Forbidden, NotFound

# Demo only, printed for anyone trying Anxin locally: not a secret.
DEMO_PASSWORD = "anxin-demo-2026"  # noqa: S105 - printed for local demos, not a secret
DEMO_ACCOUNTS = [
    ("client1@demo.anxin.invalid", ROLE_CLIENT, "小林"),
    ("client2@demo.anxin.invalid", ROLE_CLIENT, "Sam"),
    ("counsellor1@demo.anxin.invalid", ROLE_COUNSELLOR, "王老师"),
    ("counsellor2@demo.anxin.invalid", ROLE_COUNSELLOR, "Dr. Lee"),
    ("admin@demo.anxin.invalid", ROLE_ADMIN, "Admin"),
]


@demo_seeder("accounts")
async def seed_accounts(db: AsyncSession) -> list[str]:
    lines = []
    for email, role, nickname in DEMO_ACCOUNTS:
        user = await service.find_by_identifier(db, parse_identifier(email))
        if user is None:
            user = await service.create_confirmed_user(
                db, email=email, password=DEMO_PASSWORD, role=role, nickname=nickname, is_demo=True
            )
            if role != ROLE_CLIENT:
                await service.enable_totp_with_secret(db, user, mfa.new_secret())
        extra = f" (code: anxin users demo-totp --email {email})" if role != ROLE_CLIENT else ""
        lines.append(f"{role:<10} {email} / {DEMO_PASSWORD}{extra}")
    return lines


class NotADemoAccount(Forbidden):
    default_message = "This is not a demo account; its codes are never shown."


async def current_demo_totp(db: AsyncSession, email: str) -> str:
    user = await service.find_by_identifier(db, parse_identifier(email))
    if user is None:
        raise NotFound("We could not find this account.")
    if not user.is_demo:
        raise NotADemoAccount()
    secret = await service.totp_secret_of(db, user)
    if secret is None:
        raise NotFound("This demo account has no two-step sign-in.")
    return mfa.current_code(secret)
