"""The audit chain: every single-row tampering done directly in SQL is detected at the right entry,
an untouched log never raises a false alarm, concurrent appends never fork the chain."""

from __future__ import annotations

import asyncio
import random
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.core import clock
from anxin.core.db import Database
from anxin.core.logging import request_id_var
from anxin.privacy import audit
from anxin.privacy.audit import HeadCopy, entry_hash, verify_chain, who_read_my_record
from anxin.privacy.models import AuditEvent, AuditHead

events = AuditEvent.__table__
head_table = AuditHead.__table__
LOG_LENGTH = 40
TAMPERINGS_PER_BACKEND = 250  # the soak tier would run 1,000; every kind appears dozens of times here


async def build_log(database: Database, length: int = LOG_LENGTH, seed: int = 7) -> None:
    """A valid log with every field shape: nulls, unicode codes, details, odd microseconds."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 28, 9, 0, 0, 123456, tzinfo=UTC)
    try:
        for n in range(length):
            clock.freeze(start + timedelta(seconds=n * 37, microseconds=rng.randrange(1_000_000)))
            async with database.transaction() as db:
                await audit.record(
                    db,
                    action=rng.choice(
                        ["rooms.message_read", "accounts.signin", "notes.note_read", "privacy.export"]
                    ),
                    actor_id=rng.choice([None, 1, 2, 3, 10_000_000_000]),
                    actor_role=rng.choice([None, "client", "counsellor", "admin", "system"]),
                    object_type=rng.choice([None, "room", "note", "subject"]),
                    object_id=rng.choice([None, str(rng.randrange(1, 500)), "a-b_c.9"]),
                    subject_id=rng.choice([None, 1, 2, 3]),
                    outcome=rng.choice(["success", "failure", "denied"]),
                    request_id=rng.choice([None, secrets.token_hex(8)]),
                    details=rng.choice([None, {"kind": "totp"}, {"n": n, "flag": True, "region": "中国"}]),
                )
    finally:
        clock.freeze(None)


# ---------------------------------------------------------------- tampering, directly in SQL


async def row_values(db: AsyncSession, seq: int) -> dict[str, Any]:
    row = (await db.execute(select(events).where(events.c.seq == seq))).mappings().one()
    return dict(row)


def changed(column: str, value: Any, rng: random.Random) -> Any:
    """A different value of the same type for ``column``."""
    if column == "at":
        return value + timedelta(microseconds=rng.choice([1, -1, 1_000_000]))
    if column in ("actor_id", "subject_id"):
        return 424242 if value != 424242 else 7
    if column in ("prev_hash", "hash"):
        flipped = "0" if value[5] != "0" else "1"
        return value[:5] + flipped + value[6:]
    if column == "details":
        return {"kind": "forged"} if value != {"kind": "forged"} else None
    if column in ("action",):
        return "privacy.nothing_to_see" if value != "privacy.nothing_to_see" else "rooms.message_read"
    return "forged" if value != "forged" else "other"


EDITABLE = [
    "at",
    "actor_id",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "subject_id",
    "outcome",
    "request_id",
    "details",
    "prev_hash",
    "hash",
]


async def tamper(db: AsyncSession, rng: random.Random, length: int) -> tuple[str, int]:
    """Do one random tampering; return its kind and the seq verify_chain must name first."""
    kind = rng.choice(
        [
            "edit",
            "edit",
            "edit",
            "delete",
            "swap_contents",
            "swap_seq",
            "move",
            "truncate_tail",
            "truncate_head",
            "forge_append",
            "edit_head",
        ]
    )
    k = rng.randint(1, length)
    if kind == "edit":
        column = rng.choice(EDITABLE)
        old = (await row_values(db, k))[column]
        await db.execute(update(events).where(events.c.seq == k).values({column: changed(column, old, rng)}))
        return f"edit {column}", k
    if kind == "delete":
        await db.execute(delete(events).where(events.c.seq == k))
        return kind, k
    if kind in ("swap_contents", "swap_seq"):
        i, j = sorted(rng.sample(range(1, length + 1), 2))
        a, b = await row_values(db, i), await row_values(db, j)
        if kind == "swap_seq":
            await db.execute(update(events).where(events.c.seq == i).values(seq=-1))
            await db.execute(update(events).where(events.c.seq == j).values(seq=i))
            await db.execute(update(events).where(events.c.seq == -1).values(seq=j))
            return kind, i
        # prev_hash is unique: park one row's value while the two trade places.
        await db.execute(update(events).where(events.c.seq == i).values(prev_hash="parked"))
        await db.execute(update(events).where(events.c.seq == j).values({c: a[c] for c in a if c != "seq"}))
        await db.execute(update(events).where(events.c.seq == i).values({c: b[c] for c in b if c != "seq"}))
        return kind, i
    if kind == "move":
        await db.execute(update(events).where(events.c.seq == k).values(seq=length + 10))
        return kind, k
    if kind == "truncate_tail":
        await db.execute(delete(events).where(events.c.seq >= k))
        return kind, k
    if kind == "truncate_head":
        await db.execute(delete(events).where(events.c.seq <= k))
        return kind, 1
    if kind == "forge_append":
        # A well-formed entry chained onto the last one, slipped in without moving the head.
        last = await row_values(db, length)
        forged = {**last, "seq": length + 1, "prev_hash": last["hash"], "action": "privacy.forged"}
        row = AuditEvent(**{c: v for c, v in forged.items() if c != "hash"})
        forged["hash"] = entry_hash(last["hash"], row)
        await db.execute(insert(events).values(forged))
        return kind, length + 1
    await db.execute(update(head_table).values(hash="f" * 64))
    return kind, length


async def test_every_tampering_is_detected_at_the_first_broken_entry(database: Database) -> None:
    await build_log(database)
    rng = random.Random(2026)
    seen: dict[str, int] = {}
    async with database.sessionmaker() as db:
        assert await verify_chain(db) == audit.VerifyResult(True, LOG_LENGTH)
        await db.rollback()
        for attempt in range(TAMPERINGS_PER_BACKEND):
            kind, expected = await tamper(db, rng, LOG_LENGTH)
            seen[kind.split()[0]] = seen.get(kind.split()[0], 0) + 1
            result = await verify_chain(db, batch_size=rng.choice([7, 2000]))
            assert not result.ok, f"#{attempt} {kind} at {expected} went unnoticed"
            assert result.first_broken_seq == expected, f"#{attempt} {kind}: {result}"
            assert result.reason
            await db.rollback()
            if attempt % 50 == 0:  # the untouched log, back after rollback: no false alarm
                assert (await verify_chain(db)).ok
                await db.rollback()
    assert set(seen) >= {
        "edit",
        "delete",
        "swap_contents",
        "swap_seq",
        "move",
        "truncate_tail",
        "truncate_head",
        "forge_append",
        "edit_head",
    }


async def test_an_untouched_log_never_raises_a_false_alarm(database: Database) -> None:
    for length in (0, 1, 2):
        async with database.transaction(write=False) as db:
            assert (await verify_chain(db)).ok
        if length < 2:
            await build_log(database, length=1, seed=length)
    await build_log(database, length=15, seed=99)
    async with database.transaction(write=False) as db:
        for batch_size in (1, 2, 5, 17, 1000):
            result = await verify_chain(db, batch_size=batch_size)
            assert result.ok and result.checked == 17 and result.first_broken_seq is None


async def test_the_off_site_head_catches_a_consistently_rewritten_chain(database: Database) -> None:
    await build_log(database, length=10)
    async with database.transaction(write=False) as db:
        copy = await audit.current_head(db)
    assert HeadCopy.from_json(copy.to_json()) == copy
    await build_log(database, length=3, seed=5)  # the log grows after the copy was taken

    # An attacker with write access rewrites entry 4 and recomputes every hash after it, and the head.
    async with database.transaction() as db:
        await db.execute(update(events).where(events.c.seq == 4).values(subject_id=999))
        prev = (await row_values(db, 3))["hash"]
        for seq in range(4, 14):
            row = await db.get(AuditEvent, seq, populate_existing=True)
            assert row is not None
            await db.execute(update(events).where(events.c.seq == seq).values(prev_hash=f"tmp{seq}"))
            row.prev_hash = prev
            new_hash = entry_hash(prev, row)
            await db.execute(update(events).where(events.c.seq == seq).values(prev_hash=prev, hash=new_hash))
            prev = new_hash
        await db.execute(update(head_table).values(hash=prev))
    async with database.transaction(write=False) as db:
        assert (await verify_chain(db)).ok  # indistinguishable from the inside…
        result = await verify_chain(db, expected_head=copy)
        assert not result.ok and result.first_broken_seq == 10  # …but not from the copy

    # A chain cut back below the copied head is caught too.
    async with database.transaction() as db:
        await db.execute(delete(events).where(events.c.seq > 6))
        await db.execute(update(head_table).values(seq=6, hash=(await row_values(db, 6))["hash"]))
    async with database.transaction(write=False) as db:
        assert (await verify_chain(db)).ok
        assert (await verify_chain(db, expected_head=copy)).first_broken_seq == 7


async def test_concurrent_appends_never_fork_the_chain(database: Database) -> None:
    writers, each = (20, 5)

    async def writer(n: int) -> None:
        for i in range(each):
            async with database.transaction() as db:
                await audit.record(db, action="tests.append", actor_id=n, object_id=i)
                await asyncio.sleep(0)  # let the others try to interleave inside the transaction

    await asyncio.gather(*(writer(n) for n in range(writers)))
    async with database.transaction(write=False) as db:
        result = await verify_chain(db)
        assert result.ok and result.checked == writers * each
        assert await audit.current_head(db) == HeadCopy(writers * each, (await row_values(db, 100))["hash"])


async def test_an_entry_rolls_back_with_its_transaction(database: Database) -> None:
    with pytest.raises(RuntimeError):
        async with database.transaction() as db:
            await audit.record(db, action="tests.read", actor_id=1)
            raise RuntimeError("the access failed")
    async with database.transaction() as db:
        entry = await audit.record(db, action="tests.read", actor_id=1)
        assert entry.seq == 1


async def test_entries_carry_utc_time_and_the_request_id(database: Database) -> None:
    token = request_id_var.set("req0123456789")
    try:
        async with database.transaction() as db:
            await audit.record(
                db, action="notes.note_read", actor_id=2, subject_id=1, object_type="note", object_id=5
            )
    finally:
        request_id_var.reset(token)
    async with database.transaction(write=False) as db:
        row = (await db.scalars(select(AuditEvent))).one()
        assert row.request_id == "req0123456789"
        assert clock.as_utc(row.at).utcoffset() == timedelta(0)
        assert (row.actor_id, row.action, row.object_type, row.object_id, row.outcome) == (
            2,
            "notes.note_read",
            "note",
            "5",
            "success",
        )


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"action": "read"}, "module.verb"),
        ({"action": "notes.read", "outcome": "Worked fine!"}, "short code"),
        ({"action": "notes.read", "details": {"text": "I feel"}}, "not personal content"),
        ({"action": "notes.read", "details": {"email": "a@b.c"}}, "not personal content"),
        ({"action": "notes.read", "details": {"why": "x" * 200}}, "too long"),
        ({"action": "notes.read", "details": {"score": 1.5}}, "string, integer"),
    ],
)
async def test_entries_refuse_personal_content(sqlite_url: str, kwargs: dict[str, Any], problem: str) -> None:
    database = Database(sqlite_url)
    try:
        async with database.transaction() as db:
            with pytest.raises(ValueError, match=problem):
                await audit.record(db, **kwargs)
    finally:
        await database.dispose()


async def test_who_read_my_record_lists_only_other_people(database: Database) -> None:
    async with database.transaction() as db:
        await audit.record(db, action="diary.entry_read", actor_id=1, subject_id=1)  # the client herself
        await audit.record(db, action="notes.note_read", actor_id=2, actor_role="counsellor", subject_id=1)
        await audit.record(db, action="accounts.signin", subject_id=1, outcome="failure")  # anonymous
        await audit.record(db, action="notes.note_read", actor_id=2, actor_role="counsellor", subject_id=4)
        await audit.record(db, action="privacy.export", actor_id=3, actor_role="admin", subject_id=1)
        await audit.record(db, action="safety.message_screened", actor_role="system", subject_id=1)
    async with database.transaction(write=False) as db:
        seen = await who_read_my_record(db, 1)
        assert [(e.actor_id, e.action) for e in seen] == [
            (None, "safety.message_screened"),
            (3, "privacy.export"),
            (2, "notes.note_read"),
        ]
        older = await who_read_my_record(db, 1, before_seq=seen[0].seq, limit=1)
        assert [e.action for e in older] == ["privacy.export"]
        assert seen[0].as_dict()["at"].endswith("Z")
