"""E-mail addresses and mobile numbers: validation, normal form, and the blind index.

Neither is stored in plain text. A user row holds, for each, a *blind index* — HMAC-SHA256 of the
normal form under a server key — which is unique and lets sign-in find the account, and the value
sealed with the user's own data key (``privacy``) for display and export. A database dump alone
therefore reveals no address, and erasing the user's key makes the sealed copies unreadable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from anxin.accounts.keys import keyed_hash
from anxin.core.errors import ValidationFailed

Kind = Literal["email", "phone"]

MAX_EMAIL_LENGTH = 254
# Deliberately plain: one @, no spaces, a dotted domain with a letter TLD. Whether the address
# really exists is proven by the code we send to it, not by a regular expression.
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,63}$"
)
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")
# Mainland China mobile numbers: 11 digits starting 13–19.
_CN_MOBILE = re.compile(r"^1[3-9]\d{9}$")


@dataclass(frozen=True, slots=True)
class Identifier:
    kind: Kind
    value: str  # normal form: lower-case e-mail, or E.164 phone

    @property
    def index(self) -> str:
        return blind_index(self.kind, self.value)

    @property
    def channel(self) -> str:
        return "email" if self.kind == "email" else "sms"


def blind_index(kind: Kind, value: str) -> str:
    return keyed_hash(f"blind-index:{kind}", value)


def normalise_email(raw: str) -> str:
    value = raw.strip()
    if len(value) > MAX_EMAIL_LENGTH or not _EMAIL.match(value) or ".." in value:
        raise ValidationFailed("Please enter a valid e-mail address, like name@example.com.")
    return value.lower()


def normalise_phone(raw: str) -> str:
    compact = re.sub(r"[\s\-().]", "", raw.strip())
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if _CN_MOBILE.match(compact):
        return "+86" + compact
    if compact.startswith("+86") and not _CN_MOBILE.match(compact[3:]):
        raise ValidationFailed(
            "Please enter a valid mobile number: 11 digits in mainland China, or +country code and number."
        )
    if _E164.match(compact):
        return compact
    raise ValidationFailed(
        "Please enter a valid mobile number: 11 digits in mainland China, or +country code and number."
    )


def parse_identifier(raw: str) -> Identifier:
    """An e-mail address or a mobile number, whichever ``raw`` is."""
    value = (raw or "").strip()
    if not value:
        raise ValidationFailed("Please enter your e-mail address or mobile number.")
    if len(value) > MAX_EMAIL_LENGTH:
        raise ValidationFailed("Please enter a valid e-mail address, like name@example.com.")
    if "@" in value:
        return Identifier("email", normalise_email(value))
    return Identifier("phone", normalise_phone(value))


def mask(identifier: Identifier) -> str:
    """A hint that shows where a code went without revealing the address (a***@example.com)."""
    if identifier.kind == "email":
        local, _, domain = identifier.value.partition("@")
        return f"{local[:1]}***@{domain}"
    return f"{identifier.value[:3]}****{identifier.value[-4:]}"
