"""The real senders against real servers on loopback: SMTP (a small SMTP server of the test's own)
and the HTTP gateway adapter for SMS and web push."""

from __future__ import annotations

import asyncio
import email
import email.policy
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select

from anxin.core import notify
from anxin.core.db import Database
from anxin.core.i18n import gettext
from anxin.core.outbox import OutboxMessage
from anxin.core.relay import run_job
from tests.conftest import make_settings
from tests.support.live_server import live_server

SUBJECT = "You have a new notification on Anxin"
BODY = "Something new is waiting for you on Anxin. Sign in to read it."


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class TinySmtpServer:
    """Just enough SMTP (RFC 5321) to accept mail from smtplib: EHLO, MAIL, RCPT, DATA, QUIT."""

    received: list[Received] = field(default_factory=list)
    port: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        def reply(line: str) -> None:
            writer.write(line.encode() + b"\r\n")

        reply("220 tiny ESMTP")
        sender, recipients = "", []
        while line := await reader.readline():
            command = line.decode("utf-8", "replace").rstrip("\r\n")
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                reply("250-tiny")
                reply("250-8BITMIME")
                reply("250 SMTPUTF8")
            elif verb == "MAIL":
                sender = command.partition(":")[2].split()[0].strip("<>")
                recipients = []
                reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.partition(":")[2].split()[0].strip("<>"))
                reply("250 OK")
            elif verb == "DATA":
                reply("354 End data with <CR><LF>.<CR><LF>")
                await writer.drain()
                lines: list[bytes] = []
                while (data_line := await reader.readline()) != b".\r\n":
                    lines.append(data_line[1:] if data_line.startswith(b"..") else data_line)
                parsed = email.message_from_bytes(b"".join(lines), policy=email.policy.default)
                assert isinstance(parsed, EmailMessage)
                self.received.append(Received(sender, recipients, parsed))
                reply("250 OK: queued")
            elif verb == "QUIT":
                reply("221 Bye")
                await writer.drain()
                break
            elif verb in ("RSET", "NOOP"):
                reply("250 OK")
            else:
                reply("502 Command not implemented")
            await writer.drain()
        writer.close()


@pytest.fixture
async def smtp_server() -> AsyncIterator[TinySmtpServer]:
    server = TinySmtpServer()
    listening = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    server.port = listening.sockets[0].getsockname()[1]
    try:
        yield server
    finally:
        listening.close()
        await listening.wait_closed()


@pytest.fixture
def reset_senders() -> Iterator[None]:
    yield
    notify.reset_senders()


async def run_send_jobs(database: Database) -> list[str]:
    async with database.transaction(write=False) as db:
        ids = (await db.scalars(select(OutboxMessage.id).where(OutboxMessage.name == notify.SEND_JOB))).all()
    return [await run_job(database, outbox_id) for outbox_id in ids]


async def test_email_goes_out_over_smtp_in_the_readers_language(
    database: Database,
    database_url: str,
    tmp_path: Path,
    smtp_server: TinySmtpServer,
    reset_senders: None,
) -> None:
    notify.configure(
        make_settings(
            tmp_path,
            database_url,
            email_backend="smtp",
            smtp_host="127.0.0.1",
            smtp_port=smtp_server.port,
            smtp_starttls=False,
            email_from="Anxin <no-reply@anxin.example>",
        )
    )
    async with database.transaction() as db:
        zh = await notify.deliver(db, "email", "li@example.cn", "core.new_notification", {}, "zh-CN")
        en = await notify.deliver(db, "email", "ann@example.org", "core.new_notification", {}, "en")
    assert await run_send_jobs(database) == ["done", "done"]

    by_recipient = {item.recipients[0]: item for item in smtp_server.received}
    assert set(by_recipient) == {"li@example.cn", "ann@example.org"}
    chinese, english = by_recipient["li@example.cn"].message, by_recipient["ann@example.org"].message
    assert english["Subject"] == SUBJECT
    assert chinese["Subject"] == gettext("zh-CN", SUBJECT) != SUBJECT
    assert english.get_content().strip() == BODY
    assert chinese.get_content().strip() == gettext("zh-CN", BODY)
    assert chinese["Content-Language"] == "zh-CN"
    assert by_recipient["li@example.cn"].sender == "no-reply@anxin.example"
    assert chinese["Message-ID"] == f"<notify.{zh.id}@anxin.example>"
    assert english["Message-ID"] == f"<notify.{en.id}@anxin.example>"
    async with database.transaction(write=False) as db:
        rows = (await db.scalars(select(notify.OutgoingMessage))).all()
        assert {(row.status, row.body) for row in rows} == {("sent", None)}


async def test_an_unreachable_smtp_server_leaves_the_message_for_a_retry(
    sqlite_url: str, tmp_path: Path, reset_senders: None
) -> None:
    database = Database(sqlite_url)
    try:
        notify.configure(
            make_settings(
                tmp_path,
                sqlite_url,
                email_backend="smtp",
                smtp_host="127.0.0.1",
                smtp_port=1,  # refuses connections
                smtp_starttls=False,
                notify_send_timeout_seconds=2,
            )
        )
        async with database.transaction() as db:
            message = await notify.deliver(db, "email", "ann@example.org", "core.new_notification", {}, "en")
        assert await run_send_jobs(database) == ["pending"]
        async with database.transaction(write=False) as db:
            row = await db.get(notify.OutgoingMessage, message.id)
            assert row is not None
            assert (row.status, row.address) == ("pending", "ann@example.org")
            assert row.body == BODY
    finally:
        await database.dispose()


@dataclass
class Gateway:
    requests: list[tuple[dict[str, str], dict[str, Any]]] = field(default_factory=list)
    status: int = 200


def gateway_app(gateway: Gateway) -> FastAPI:
    app = FastAPI()

    @app.post("/send")
    async def send(request: Request) -> JSONResponse:
        gateway.requests.append((dict(request.headers), await request.json()))
        return JSONResponse({"ok": gateway.status < 300}, status_code=gateway.status)

    return app


@pytest.mark.parametrize("channel", ["sms", "web_push"])
async def test_sms_and_web_push_go_to_the_http_gateway_with_its_secret(
    sqlite_url: str, tmp_path: Path, reset_senders: None, channel: str
) -> None:
    gateway = Gateway(status=503)
    secret = secrets.token_urlsafe(24)
    address = "+8613812345678" if channel == "sms" else "https://push.example.com/endpoint/abc"
    database = Database(sqlite_url)
    try:
        with live_server(gateway_app(gateway)) as base:
            prefix = "sms" if channel == "sms" else "webpush"
            notify.configure(
                make_settings(
                    tmp_path,
                    sqlite_url,
                    **{
                        f"{prefix}_backend": "webhook",
                        f"{prefix}_webhook_url": f"{base}/send",
                        f"{prefix}_webhook_secret": secret,
                        "notify_webhook_secret_header": "X-Gateway-Key",
                    },
                )
            )
            async with database.transaction() as db:
                message = await notify.deliver(db, channel, address, "core.new_notification", {}, "en")
            # The gateway is down: the message waits, whole, for the next attempt.
            assert await run_send_jobs(database) == ["pending"]
            gateway.status = 202
            assert await run_send_jobs(database) == ["done"]
    finally:
        await database.dispose()

    assert len(gateway.requests) == 2
    headers, payload = gateway.requests[-1]
    assert headers["x-gateway-key"] == secret
    assert payload == {
        "channel": channel,
        "to": address,
        "subject": SUBJECT,
        "body": BODY,
        "template": "core.new_notification",
        "locale": "en",
        "message_id": message.id,
    }


def test_a_webhook_backend_without_a_gateway_is_a_configuration_error(
    sqlite_url: str, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="gateway URL"):
        notify.configure(make_settings(tmp_path, sqlite_url, sms_backend="webhook"))
    notify.reset_senders()
