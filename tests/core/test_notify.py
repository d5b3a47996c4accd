"""Outgoing messages through the outbox: stored with the caller's transaction, sent once by a job
that then wipes the text, never sent on rollback, retried on failure, expired when too late."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from anxin.core import clock, notify, outbox
from anxin.core.db import Database
from anxin.core.i18n import gettext
from anxin.core.notify.outgoing import send_message
from anxin.core.notify.senders import Envelope, console_prints_body
from anxin.core.outbox import OutboxMessage
from anxin.core.relay import OutboxRelay, run_job
from tests.conftest import make_settings

notify.register_template(
    "test.sign_in_code",
    subject=notify.N_("You have a new notification on Anxin"),
    body="Your code is {code}.",
)


class FlakySender:
    """Refuses the first ``failures`` messages, as a provider that is briefly down would."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.sent: list[Envelope] = []

    async def send(self, envelope: Envelope) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("provider down")
        self.sent.append(envelope)


@pytest.fixture
def sender() -> Iterator[FlakySender]:
    recorder = FlakySender()
    notify.use_senders({notify.EMAIL: recorder, notify.SMS: recorder, notify.WEB_PUSH: recorder})
    try:
        yield recorder
    finally:
        notify.reset_senders()
        clock.freeze(None)


async def send_job_ids(database: Database) -> list[int]:
    async with database.transaction(write=False) as db:
        rows = await db.scalars(
            select(OutboxMessage.id).where(OutboxMessage.name == notify.SEND_JOB).order_by(OutboxMessage.id)
        )
        return list(rows.all())


async def test_a_message_is_sent_once_even_when_its_job_runs_twice(
    database: Database, sender: FlakySender
) -> None:
    code = "482913"
    async with database.transaction() as db:
        message = await notify.deliver(
            db, "email", "alice@example.org", "test.sign_in_code", {"code": code}, "en"
        )
        message_id = message.id
        assert sender.sent == []  # nothing leaves before commit
    # The job carries the row id only: no address, no code.
    async with database.transaction(write=False) as db:
        job = (await db.scalars(select(OutboxMessage).where(OutboxMessage.name == notify.SEND_JOB))).one()
    assert job.payload == {"message_id": message_id}

    assert await run_job(database, job.id) == "done"
    assert await run_job(database, job.id) == "skipped"
    # A duplicate job for the same message (e.g. a second dispatch) finds it sent.
    async with database.transaction() as db:
        await send_message(db, {"message_id": message_id})

    assert [envelope.message_id for envelope in sender.sent] == [message_id]
    assert sender.sent[0].body == f"Your code is {code}."
    assert sender.sent[0].address == "alice@example.org"
    async with database.transaction(write=False) as db:
        row = await db.get(notify.OutgoingMessage, message_id)
        assert row is not None
        assert row.status == "sent"
        assert row.sent_at is not None
        assert row.attempts == 1
        # The code is gone and the address no longer usable; the subject stays as a record.
        assert row.body is None
        assert row.address == "a***@example.org"
        assert row.subject == "You have a new notification on Anxin"


async def test_a_rolled_back_message_is_never_sent(database: Database, sender: FlakySender) -> None:
    with pytest.raises(RuntimeError):
        async with database.transaction() as db:
            await notify.deliver(db, "sms", "+8613800000000", "test.sign_in_code", {"code": "1"}, "en")
            raise RuntimeError("the sign-up failed")

    async def ignore(channel: str, event: dict[str, object]) -> None:
        return None

    await OutboxRelay(database, publisher=ignore, run_schedules=False).drain()
    async with database.transaction(write=False) as db:
        assert await db.scalar(select(func.count()).select_from(notify.OutgoingMessage)) == 0
        assert await db.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert sender.sent == []


async def test_a_failed_send_is_retried_and_keeps_its_text_until_sent(
    database: Database, sender: FlakySender
) -> None:
    sender.failures = 1
    async with database.transaction() as db:
        message = await notify.deliver(db, "sms", "+8613812345678", "test.sign_in_code", {"code": "77"}, "en")
    [job_id] = await send_job_ids(database)
    assert await run_job(database, job_id) == "pending"
    async with database.transaction(write=False) as db:
        row = await db.get(notify.OutgoingMessage, message.id)
        assert row is not None
        assert (row.status, row.body, row.address) == ("pending", "Your code is 77.", "+8613812345678")
    assert await run_job(database, job_id) == "done"
    assert [envelope.body for envelope in sender.sent] == ["Your code is 77."]
    async with database.transaction(write=False) as db:
        row = await db.get(notify.OutgoingMessage, message.id)
        assert row is not None
        assert (row.status, row.body, row.address) == ("sent", None, "+86***78")


async def test_a_message_too_late_to_matter_expires_unsent(database: Database, sender: FlakySender) -> None:
    start = clock.utcnow()
    clock.freeze(start)
    async with database.transaction() as db:
        late = await notify.deliver(
            db,
            "email",
            "bob@example.org",
            "test.sign_in_code",
            {"code": "5"},
            "en",
            ttl=timedelta(minutes=15),
        )
        stranded = await notify.deliver(
            db,
            "email",
            "carol@example.org",
            "test.sign_in_code",
            {"code": "6"},
            "en",
            ttl=timedelta(minutes=15),
        )
    clock.freeze(start + timedelta(minutes=16))
    first_job = (await send_job_ids(database))[0]
    assert await run_job(database, first_job) == "done"
    async with database.transaction() as db:
        assert await notify.expire_overdue(db) == 1  # the other one, whose job never ran
    assert sender.sent == []
    async with database.transaction(write=False) as db:
        for message_id, masked in ((late.id, "b***@example.org"), (stranded.id, "c***@example.org")):
            row = await db.get(notify.OutgoingMessage, message_id)
            assert row is not None
            assert (row.status, row.body, row.address) == ("expired", None, masked)


async def test_messages_are_rendered_in_the_readers_language(database: Database, sender: FlakySender) -> None:
    async with database.transaction() as db:
        zh = await notify.deliver(db, "email", "li@example.cn", "core.new_notification", {}, "zh-CN")
        en = await notify.deliver(db, "email", "ann@example.org", "core.new_notification", {}, "en-GB")
        fallback = await notify.deliver(db, "email", "x@example.org", "core.new_notification", {}, "fr")
    english = "You have a new notification on Anxin"
    assert (en.locale, en.subject) == ("en", english)
    assert (zh.locale, zh.subject) == ("zh-CN", gettext("zh-CN", english))
    assert zh.subject != english
    assert fallback.locale in ("zh-CN", "en")


async def test_deliver_refuses_what_it_cannot_send(database: Database, sender: FlakySender) -> None:
    async with database.transaction() as db:
        with pytest.raises(ValueError, match="needs params"):
            await notify.deliver(db, "email", "a@example.org", "test.sign_in_code", {}, "en")
        with pytest.raises(LookupError):
            await notify.deliver(db, "email", "a@example.org", "test.no_such_template", {}, "en")
        with pytest.raises(ValueError, match="unknown channel"):
            await notify.deliver(db, "fax", "123", "test.sign_in_code", {"code": "1"}, "en")
        assert await outbox.pending_count(db) == 0


def test_templates_cannot_be_registered_twice_with_other_texts() -> None:
    with pytest.raises(ValueError, match="twice"):
        notify.register_template("test.sign_in_code", body="Something else {code}")
    # The same texts again (a module imported twice) are fine.
    notify.register_template(
        "test.sign_in_code",
        subject=notify.N_("You have a new notification on Anxin"),
        body="Your code is {code}.",
    )


@pytest.mark.parametrize(
    ("channel", "address", "masked"),
    [
        ("email", "someone@example.org", "s***@example.org"),
        ("email", "not-an-address", "***"),
        ("sms", "+8613812345678", "+86***78"),
        ("sms", "12345", "***"),
        ("web_push", "https://push.example.com/send/abcdef?token=secret", "https://push.example.com/***"),
        ("web_push", "garbage", "***"),
    ],
)
def test_masked_addresses_keep_nothing_usable(channel: str, address: str, masked: str) -> None:
    assert notify.mask_address(channel, address) == masked


async def test_the_console_prints_messages_only_in_development(
    tmp_path: Path,
    sqlite_url: str,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    def settings(**overrides: object) -> object:
        return make_settings(tmp_path, sqlite_url, **overrides)

    assert console_prints_body(settings(environment="development"))  # type: ignore[arg-type]
    assert not console_prints_body(settings(environment="test"))  # type: ignore[arg-type]
    assert not console_prints_body(settings(environment="production"))  # type: ignore[arg-type]
    assert not console_prints_body(
        settings(environment="production", notify_console_prints_body=True)  # type: ignore[arg-type]
    )
    assert not console_prints_body(
        settings(environment="development", notify_console_prints_body=False)  # type: ignore[arg-type]
    )

    envelope = Envelope(
        message_id=1,
        channel="email",
        address="dev@example.org",
        template="test.sign_in_code",
        locale="en",
        subject="Subject line",
        body="Your code is 314159.",
    )
    with caplog.at_level(logging.INFO, logger="anxin.notify"):
        await notify.ConsoleSender(prints_body=False).send(envelope)
        assert "314159" not in capsys.readouterr().out
        await notify.ConsoleSender(prints_body=True).send(envelope)
        assert "Your code is 314159." in capsys.readouterr().out
    logged = [record for record in caplog.records if record.name == "anxin.notify"]
    assert len(logged) == 2
    for record in logged:
        assert "314159" not in record.getMessage()
        assert record.to == "d***@example.org"
        assert record.template == "test.sign_in_code"
        assert "dev@example.org" not in str(vars(record))
