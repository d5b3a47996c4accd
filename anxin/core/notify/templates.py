"""Message templates: a name, an English subject and body (msgids), rendered in the reader's language.

Modules register their templates at import time. Wrap the texts in ``N_`` so that message
extraction finds them, and give each a zh_CN translation::

    register_template(
        "accounts.signup_code",
        subject=N_("Your Anxin sign-up code"),
        body=N_("Your code is {code}. It expires in {minutes} minutes."),
    )

Subjects are kept after sending as a record; put one-time codes and other secrets in the body only.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

from anxin.core.i18n import SUPPORTED_LOCALES, gettext, normalise


def N_(message: str) -> str:
    """Mark a msgid for extraction; it is translated later, when a message is rendered."""
    return message


@dataclass(frozen=True)
class Template:
    name: str
    body: str
    subject: str | None = None

    def placeholders(self) -> set[str]:
        names: set[str] = set()
        for text in (self.subject or "", self.body):
            names.update(field for _, field, _, _ in string.Formatter().parse(text) if field)
        return names


@dataclass(frozen=True)
class Rendered:
    subject: str | None
    body: str
    locale: str


_templates: dict[str, Template] = {}


def register_template(name: str, *, body: str, subject: str | None = None) -> Template:
    template = Template(name=name, body=body, subject=subject)
    existing = _templates.get(name)
    if existing is not None and existing != template:
        raise ValueError(f"template {name!r} is registered twice with different texts")
    _templates[name] = template
    return template


def get_template(name: str) -> Template:
    try:
        return _templates[name]
    except KeyError:
        raise LookupError(f"no message template registered as {name!r}") from None


def has_template(name: str) -> bool:
    return name in _templates


def render(name: str, params: dict[str, Any], locale: str | None) -> Rendered:
    """Render ``name`` in ``locale`` (a supported one; else the first supported)."""
    template = get_template(name)
    missing = template.placeholders() - params.keys()
    if missing:
        raise ValueError(f"template {name!r} needs params {sorted(missing)}")
    chosen = normalise(locale) or SUPPORTED_LOCALES[0]
    subject = gettext(chosen, template.subject, **params) if template.subject else None
    return Rendered(subject=subject, body=gettext(chosen, template.body, **params), locale=chosen)


# Core's own: the message other channels carry when a notification has no template of its own.
# It says only that something is waiting, so that nothing personal leaves the platform.
NEW_NOTIFICATION = register_template(
    "core.new_notification",
    subject=N_("You have a new notification on Anxin"),
    body=N_("Something new is waiting for you on Anxin. Sign in to read it."),
)
