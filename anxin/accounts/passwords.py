"""Password hashing (argon2id) and the rules a new password must meet.

Parameters follow OWASP's argon2id floor: m = 19 MiB, t = 2, p = 1. A stored hash made with other
parameters is upgraded at the next successful sign-in. ``ANXIN_TEST_FAST_HASH=1`` (set by the test
suite only) swaps in cheap parameters; it is ignored in production.
"""

from __future__ import annotations

import gzip
import os
import re
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from anxin.core.errors import ValidationFailed

MIN_LENGTH = 10
MAX_LENGTH = 256
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "data" / "common-passwords.txt.gz"

PRODUCTION_PARAMETERS = {"memory_cost": 19_456, "time_cost": 2, "parallelism": 1}
FAST_TEST_PARAMETERS = {"memory_cost": 64, "time_cost": 1, "parallelism": 1}


def _fast_hash_requested() -> bool:
    return (
        os.environ.get("ANXIN_TEST_FAST_HASH") == "1" and os.environ.get("ANXIN_ENVIRONMENT") != "production"
    )


def hasher() -> PasswordHasher:
    parameters = FAST_TEST_PARAMETERS if _fast_hash_requested() else PRODUCTION_PARAMETERS
    return _hasher(**parameters)


@lru_cache(maxsize=4)
def _hasher(memory_cost: int, time_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(memory_cost=memory_cost, time_cost=time_cost, parallelism=parallelism)


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        # Same work as a real check, so timing does not tell whether the account exists.
        hasher().hash(password)
        return False
    try:
        return hasher().verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return hasher().check_needs_rehash(stored_hash)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


_TRAILING_NOISE = re.compile(r"[\d\W_]+$")


def _is_common(password: str) -> bool:
    lowered = password.lower()
    common = common_passwords()
    if lowered in common:
        return True
    # "password2024!" and "woaini1314!!" are the same guess with a suffix.
    base = _TRAILING_NOISE.sub("", lowered)
    return len(base) >= 4 and base in common and len(lowered) - len(base) <= 6


def check_new_password(password: str, *, personal: list[str] | None = None) -> None:
    """Raise ValidationFailed with a message a person can act on, or return for a good password."""
    if len(password) < MIN_LENGTH:
        raise ValidationFailed(
            "Your password needs at least {min} characters. A few words you can remember work well.",
            params={"min": MIN_LENGTH},
        )
    if len(password) > MAX_LENGTH:
        raise ValidationFailed("Your password can have at most {max} characters.", params={"max": MAX_LENGTH})
    if _is_common(password):
        raise ValidationFailed(
            "This password is one of the most common ones and is easy to guess. Please choose another."
        )
    lowered = password.lower()
    for fragment in personal or []:
        if len(fragment) >= 4 and fragment.lower() in lowered:
            raise ValidationFailed(
                "Your password must not contain your e-mail address or mobile number. Please choose another."
            )


def personal_fragments(kind: str, value: str) -> list[str]:
    """Parts of an e-mail address or phone number that must not appear in the password."""
    if kind == "email":
        return [value.split("@", 1)[0]]
    digits = value.lstrip("+")
    fragments = [digits, digits[-8:]]
    if value.startswith("+86"):
        fragments.append(value[3:])
    return fragments
