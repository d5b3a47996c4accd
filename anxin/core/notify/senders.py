"""How a message leaves: one ``Sender`` per channel, chosen by the settings.

- console: logs that a message went out (template and masked address, never the text). In
  development it may also print the whole message to stdout so that a developer can read a
  sign-in code; that is off unless asked for, and always off in production.
- SMTP (e-mail): the standard library's smtplib on a worker thread.
- webhook (SMS, web push): an HTTP POST of JSON to a gateway, with a shared secret in a header.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
import sys
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Protocol
from urllib.parse import urlsplit

import httpx

from anxin.core.config import Settings, get_settings

log = logging.getLogger("anxin.notify")

EMAIL = "email"
SMS = "sms"
WEB_PUSH = "web_push"
CHANNELS = (EMAIL, SMS, WEB_PUSH)


@dataclass(frozen=True)
class Envelope:
    """One message, ready to send. ``message_id`` is stable across retries of the same message."""

    message_id: int
    channel: str
    address: str
    template: str
    locale: str
    subject: str | None
    body: str


class Sender(Protocol):
    async def send(self, envelope: Envelope) -> None:
        """Hand the message over, or raise; a raise means "try again later"."""
        ...


def mask_address(channel: str, address: str) -> str:
    """Enough to tell addresses apart in a record, not enough to use one."""
    if channel == EMAIL:
        local, _, domain = address.partition("@")
        return f"{local[:1]}***@{domain}" if domain else "***"
    if channel == SMS:
        digits = address.strip()
        return f"{digits[:3]}***{digits[-2:]}" if len(digits) > 6 else "***"
    parts = urlsplit(address)
    return f"{parts.scheme}://{parts.hostname}/***" if parts.scheme and parts.hostname else "***"


class ConsoleSender:
    def __init__(self, *, prints_body: bool = False) -> None:
        self.prints_body = prints_body
        self.sent: list[int] = []  # message ids, for a developer's (and a test's) eyes

    async def send(self, envelope: Envelope) -> None:
        log.info(
            "message sent",
            extra={
                "backend": "console",
                "channel": envelope.channel,
                "template": envelope.template,
                "to": mask_address(envelope.channel, envelope.address),
                "message_id": envelope.message_id,
            },
        )
        self.sent.append(envelope.message_id)
        if self.prints_body:
            subject = f"Subject: {envelope.subject}\n" if envelope.subject else ""
            sys.stdout.write(
                f"\n----- {envelope.channel} to {envelope.address} ({envelope.template}, "
                f"development only) -----\n{subject}{envelope.body}\n-----\n"
            )
            sys.stdout.flush()


class SmtpSender:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = True,
        timeout: float = 10.0,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.username = username
        self.password = password
        self.starttls = starttls
        self.timeout = timeout

    def build(self, envelope: Envelope) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = envelope.address
        message["Subject"] = envelope.subject or ""
        message["Date"] = formatdate(localtime=False)
        # Stable across retries, so a receiving server can drop a duplicate of the same message.
        domain = parseaddr(self.sender)[1].partition("@")[2] or "anxin.invalid"
        message["Message-ID"] = f"<notify.{envelope.message_id}@{domain}>"
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(envelope.body)
        message["Content-Language"] = envelope.locale  # after set_content, which clears Content-*
        return message

    def _send_blocking(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)

    async def send(self, envelope: Envelope) -> None:
        await asyncio.to_thread(self._send_blocking, self.build(envelope))
        log.info(
            "message sent",
            extra={
                "backend": "smtp",
                "channel": envelope.channel,
                "template": envelope.template,
                "to": mask_address(envelope.channel, envelope.address),
                "message_id": envelope.message_id,
            },
        )


class WebhookSender:
    """POSTs ``{"channel", "to", "subject", "body", "template", "locale", "message_id"}`` as JSON.

    Any 2xx is success; anything else is retried. Gateways may deduplicate on ``message_id``.
    """

    def __init__(
        self,
        *,
        url: str,
        secret: str | None,
        secret_header: str = "X-Anxin-Webhook-Secret",  # noqa: S107 - a header name, not a secret
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = url
        self.secret = secret
        self.secret_header = secret_header
        self.timeout = timeout
        self.transport = transport

    async def send(self, envelope: Envelope) -> None:
        headers = {self.secret_header: self.secret} if self.secret else {}
        payload = {
            "channel": envelope.channel,
            "to": envelope.address,
            "subject": envelope.subject,
            "body": envelope.body,
            "template": envelope.template,
            "locale": envelope.locale,
            "message_id": envelope.message_id,
        }
        async with httpx.AsyncClient(timeout=self.timeout, transport=self.transport) as http:
            response = await http.post(self.url, json=payload, headers=headers)
        if not response.is_success:
            raise GatewayRefusedError(response.status_code)
        log.info(
            "message sent",
            extra={
                "backend": "webhook",
                "channel": envelope.channel,
                "template": envelope.template,
                "to": mask_address(envelope.channel, envelope.address),
                "message_id": envelope.message_id,
            },
        )


class GatewayRefusedError(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"gateway answered HTTP {status}")
        self.status = status


def console_prints_body(settings: Settings) -> bool:
    if settings.environment == "production":
        return False
    if settings.notify_console_prints_body is not None:
        return settings.notify_console_prints_body
    return settings.environment == "development"


def senders_from_settings(settings: Settings) -> dict[str, Sender]:
    console = ConsoleSender(prints_body=console_prints_body(settings))
    timeout = settings.notify_send_timeout_seconds
    senders: dict[str, Sender] = {EMAIL: console, SMS: console, WEB_PUSH: console}
    if settings.email_backend == "smtp":
        senders[EMAIL] = SmtpSender(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.email_from,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            starttls=settings.smtp_starttls,
            timeout=timeout,
        )
    for channel, backend, url, secret in (
        (SMS, settings.sms_backend, settings.sms_webhook_url, settings.sms_webhook_secret),
        (WEB_PUSH, settings.webpush_backend, settings.webpush_webhook_url, settings.webpush_webhook_secret),
    ):
        if backend == "webhook":
            if not url:
                raise ValueError(f"{channel} backend is 'webhook' but no gateway URL is set")
            senders[channel] = WebhookSender(
                url=url,
                secret=secret.get_secret_value() if secret else None,
                secret_header=settings.notify_webhook_secret_header,
                timeout=timeout,
            )
    return senders


_configured: dict[str, Sender] | None = None
_message_ttl_minutes: int | None = None


def configure(settings: Settings) -> None:
    """Choose the senders from ``settings`` (the app and the worker call this at start-up)."""
    global _configured, _message_ttl_minutes
    _configured = senders_from_settings(settings)
    _message_ttl_minutes = settings.notify_message_ttl_minutes


def use_senders(senders: dict[str, Sender]) -> None:
    """Replace the senders of some channels (tests, or an operator's own adapter)."""
    global _configured
    _configured = {**(_configured or senders_from_settings(get_settings())), **senders}


def reset_senders() -> None:
    """Forget the chosen senders; the next send chooses again from the current settings."""
    global _configured, _message_ttl_minutes
    _configured = None
    _message_ttl_minutes = None


def sender_for(channel: str) -> Sender:
    if _configured is None:
        configure(get_settings())
    assert _configured is not None
    try:
        return _configured[channel]
    except KeyError:
        raise LookupError(f"no sender for channel {channel!r}") from None


def message_ttl_minutes() -> int:
    if _message_ttl_minutes is None:
        return get_settings().notify_message_ttl_minutes
    return _message_ttl_minutes
