"""The messages accounts sends (rendered and delivered by ``core.notify`` in the reader's language).

Bodies carry the one-time code; subjects never do (subjects are kept as a record after sending).
"""

from __future__ import annotations

from anxin.core.notify.templates import N_, register_template

SIGNUP_CODE = "accounts.signup_code"
RESET_CODE = "accounts.reset_code"
GUARDIAN_CODE = "accounts.guardian_code"
SIGNUP_EXISTING = "accounts.signup_existing"

register_template(
    SIGNUP_CODE,
    subject=N_("Your Anxin sign-up code"),
    body=N_(
        "Your Anxin code is {code}. It expires in {minutes} minutes. "
        "If you did not ask for it, you can ignore this message."
    ),
)
register_template(
    RESET_CODE,
    subject=N_("Reset your Anxin password"),
    body=N_(
        "Your code to reset your Anxin password is {code}. It expires in {minutes} minutes. "
        "If you did not ask for it, ignore this message: your password stays the same."
    ),
)
register_template(
    GUARDIAN_CODE,
    subject=N_("A young person asks for your consent on Anxin"),
    body=N_(
        "Someone who named you as their parent or guardian would like to use counselling on Anxin. "
        "If you agree, give them this code: {code}. It expires in {minutes} minutes. "
        "If you do not know who this is, you can ignore this message."
    ),
)
register_template(
    SIGNUP_EXISTING,
    subject=N_("Someone tried to sign up with your address"),
    body=N_(
        "Someone tried to create an Anxin account with this address, which already has one. "
        "If it was you, sign in or reset your password. If not, you can ignore this message."
    ),
)
