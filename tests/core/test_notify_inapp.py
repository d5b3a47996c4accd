"""The in-app notification centre and ``notify_user``: rows only for their recipient, realtime events
after commit, other channels through the contact resolver that accounts registers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.core import notify, outbox
from anxin.core.db import Database
from anxin.core.errors import NotFound
from anxin.core.outbox import OutboxMessage
from anxin.modules import load_tasks

ALICE, BOB = 101, 202

notify.register_template(
    "test.session_reminder",
    subject=notify.N_("You have a new notification on Anxin"),
    body="Your session {booking_id} starts soon.",
)


@pytest.fixture
def contacts() -> Iterator[dict[int, notify.Contacts]]:
    book: dict[int, notify.Contacts] = {}

    async def resolve(db: AsyncSession, user_id: int) -> notify.Contacts | None:
        return book.get(user_id)

    load_tasks()  # accounts registers its resolver at import; ours replaces it for the test only
    saved = notify.contact_resolver()
    notify.set_contact_resolver(resolve)
    try:
        yield book
    finally:
        notify.set_contact_resolver(saved)


async def test_in_app_notifications_are_listed_newest_first_page_by_page(database: Database) -> None:
    async with database.transaction() as db:
        for n in range(5):
            await notify.notify_user(db, ALICE, "test.kind", {"n": n})
        await notify.notify_user(db, BOB, "test.kind", {"n": 99})

    async with database.transaction(write=False) as db:
        first = await notify.list_notifications(db, ALICE, limit=2)
        assert first.next_before_id is not None
        second = await notify.list_notifications(db, ALICE, limit=2, before_id=first.next_before_id)
        assert second.next_before_id is not None
        third = await notify.list_notifications(db, ALICE, limit=2, before_id=second.next_before_id)
        assert third.next_before_id is None
        pages = [first, second, third]
        assert [[row.params["n"] for row in page.items] for page in pages] == [[4, 3], [2, 1], [0]]
        assert all(row.recipient_id == ALICE for page in pages for row in page.items)
        assert await notify.unread_count(db, ALICE) == 5
        assert await notify.unread_count(db, BOB) == 1


async def test_only_the_recipient_can_mark_a_notification_read(database: Database) -> None:
    async with database.transaction() as db:
        mine = await notify.notify_user(db, ALICE, "test.kind", {"booking_id": 1})
        other = await notify.notify_user(db, ALICE, "test.kind", {"booking_id": 2})
        assert mine is not None and other is not None

    async with database.transaction() as db:
        with pytest.raises(NotFound):
            await notify.mark_read(db, BOB, mine.id)
        with pytest.raises(NotFound):
            await notify.mark_read(db, ALICE, mine.id + other.id + 1000)  # no such notification
    async with database.transaction() as db:
        assert await notify.unread_count(db, ALICE) == 2
        read = await notify.mark_read(db, ALICE, mine.id)
        first_read_at = read.read_at
        assert first_read_at is not None
        again = await notify.mark_read(db, ALICE, mine.id)
        assert again.read_at == first_read_at
    async with database.transaction() as db:
        assert await notify.unread_count(db, ALICE) == 1
        assert await notify.mark_all_read(db, BOB) == 0
        assert await notify.mark_all_read(db, ALICE) == 1
        assert await notify.unread_count(db, ALICE) == 0


async def test_each_notification_publishes_an_event_for_its_recipient_after_commit(
    database: Database,
) -> None:
    with pytest.raises(RuntimeError):
        async with database.transaction() as db:
            await notify.notify_user(db, ALICE, "test.kind", {"n": 1})
            raise RuntimeError("rolled back")
    async with database.transaction() as db:
        row = await notify.notify_user(db, ALICE, "test.kind", {"n": 2})
        assert row is not None
    async with database.transaction(write=False) as db:
        published = (
            await db.scalars(select(OutboxMessage).where(OutboxMessage.kind == outbox.KIND_PUBLISH))
        ).all()
        assert [(m.name, m.payload) for m in published] == [
            (f"user:{ALICE}", {"type": "notification", "id": row.id})
        ]
        page = await notify.list_notifications(db, ALICE)
        assert [item.id for item in page.items] == [row.id]


async def test_other_channels_reach_the_addresses_the_resolver_knows(
    database: Database, contacts: dict[int, notify.Contacts]
) -> None:
    contacts[ALICE] = notify.Contacts(email="alice@example.org", phone=None, locale="zh-CN")
    async with database.transaction() as db:
        row = await notify.notify_user(
            db, ALICE, "test.session_reminder", {"booking_id": 8}, channels=("in_app", "email", "sms")
        )
        # No template of its own: the message only says something is waiting.
        await notify.notify_user(db, ALICE, "test.untemplated", {"booking_id": 9}, channels=("email",))
        # Someone the resolver does not know gets the in-app row only.
        await notify.notify_user(
            db, BOB, "test.session_reminder", {"booking_id": 3}, channels=("in_app", "email")
        )
    assert row is not None
    async with database.transaction(write=False) as db:
        messages = (
            await db.scalars(select(notify.OutgoingMessage).order_by(notify.OutgoingMessage.id))
        ).all()
        assert [(m.channel, m.address, m.template, m.locale) for m in messages] == [
            ("email", "alice@example.org", "test.session_reminder", "zh-CN"),
            ("email", "alice@example.org", "core.new_notification", "zh-CN"),
        ]
        assert messages[0].body == "Your session 8 starts soon."
        assert await notify.unread_count(db, ALICE) == 1  # "email" alone writes no in-app row
        assert await notify.unread_count(db, BOB) == 1


async def test_notify_user_refuses_personal_text_and_needs_a_resolver_for_other_channels(
    database: Database,
) -> None:
    async with database.transaction() as db:
        with pytest.raises(ValueError, match="not personal data"):
            await notify.notify_user(db, ALICE, "test.kind", {"message": "I feel awful"})
        with pytest.raises(ValueError, match="scalars"):
            await notify.notify_user(db, ALICE, "test.kind", {"ids": [1, 2]})
        with pytest.raises(ValueError, match="unknown channels"):
            await notify.notify_user(db, ALICE, "test.kind", {}, channels=("in_app", "fax"))
        with pytest.raises(ValueError, match="too long"):
            await notify.notify_user(db, ALICE, "test.kind", {"title": "x" * 500})
        saved = notify.contact_resolver()
        notify.set_contact_resolver(None)
        try:
            with pytest.raises(LookupError, match="contact resolver"):
                await notify.notify_user(db, ALICE, "test.kind", {}, channels=("email",))
        finally:
            notify.set_contact_resolver(saved)


async def test_a_persons_notifications_can_be_exported_and_erased(database: Database) -> None:
    async with database.transaction() as db:
        await notify.notify_user(db, ALICE, "test.kind", {"booking_id": 1})
        await notify.notify_user(db, BOB, "test.kind", {"booking_id": 2})
    async with database.transaction() as db:
        exported = await notify.export_for(db, ALICE)
        assert [(item["kind"], item["params"], item["read_at"]) for item in exported] == [
            ("test.kind", {"booking_id": 1}, None)
        ]
        await notify.erase_for(db, ALICE)
    async with database.transaction(write=False) as db:
        assert (await notify.list_notifications(db, ALICE)).items == []
        assert len((await notify.list_notifications(db, BOB)).items) == 1
