"""Notifications: one interface for in-app, e-mail, SMS and web push, all through the outbox.

- ``await notify_user(db, user_id, kind, params, channels=("in_app", "email"), locale=...)``
- ``await deliver(db, channel, address, template, params, locale)`` for a bare address (sign-up codes)
- ``register_template(name, subject=N_("..."), body=N_("..."))`` at import time
- ``set_contact_resolver(resolver)``: accounts says how to reach a person
- the in-app centre: ``list_notifications``, ``unread_count``, ``mark_read``, ``mark_all_read``
"""

from anxin.core.notify.inapp import (
    IN_APP,
    ContactResolver,
    Contacts,
    NotificationPage,
    access_notification,
    contact_resolver,
    erase_for,
    export_for,
    list_notifications,
    mark_all_read,
    mark_read,
    notify_user,
    set_contact_resolver,
    unread_count,
)
from anxin.core.notify.models import Notification, OutgoingMessage
from anxin.core.notify.outgoing import SEND_JOB, deliver, expire_overdue
from anxin.core.notify.senders import (
    EMAIL,
    SMS,
    WEB_PUSH,
    ConsoleSender,
    Envelope,
    Sender,
    SmtpSender,
    WebhookSender,
    configure,
    mask_address,
    reset_senders,
    use_senders,
)
from anxin.core.notify.templates import N_, Rendered, Template, register_template, render

__all__ = [
    "EMAIL",
    "IN_APP",
    "N_",
    "SEND_JOB",
    "SMS",
    "WEB_PUSH",
    "ConsoleSender",
    "ContactResolver",
    "Contacts",
    "Envelope",
    "Notification",
    "NotificationPage",
    "OutgoingMessage",
    "Rendered",
    "Sender",
    "SmtpSender",
    "Template",
    "WebhookSender",
    "access_notification",
    "configure",
    "contact_resolver",
    "deliver",
    "erase_for",
    "expire_overdue",
    "export_for",
    "list_notifications",
    "mark_all_read",
    "mark_read",
    "mask_address",
    "notify_user",
    "register_template",
    "render",
    "reset_senders",
    "set_contact_resolver",
    "unread_count",
    "use_senders",
]
