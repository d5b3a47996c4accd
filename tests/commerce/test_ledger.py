"""The ledger refuses unbalanced postings before writing, is append-only in the database, never
lets a guarded account go below zero, and reconcile finds any tampering."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from anxin.commerce import ledger, reconcile
from anxin.commerce.errors import AvailableBalanceTooLow, InsufficientFunds
from anxin.commerce.models import LedgerEntry, LedgerTransaction
from anxin.core.money import Money
from tests.commerce.conftest import CLIENT, COUNSELLOR, Shop

CNY = "CNY"


def p(spec: ledger.AccountSpec, amount: int, currency: str = CNY) -> ledger.Posting:
    return ledger.Posting(spec, Money(amount, currency))


async def ledger_rows(shop: Shop) -> tuple[int, int]:
    async with shop.database.transaction(write=False) as db:
        return (
            int(await db.scalar(select(func.count()).select_from(LedgerTransaction)) or 0),
            int(await db.scalar(select(func.count()).select_from(LedgerEntry)) or 0),
        )


@pytest.mark.parametrize(
    "postings",
    [
        [p(ledger.escrow(CNY), 5)],
        [p(ledger.escrow(CNY), 5), p(ledger.commission(CNY), -4)],
        [p(ledger.escrow(CNY), 0), p(ledger.commission(CNY), 0)],
        [p(ledger.escrow(CNY), 5), p(ledger.commission("USD"), -5, "USD")],
        [ledger.Posting(ledger.escrow(CNY), Money(5, "USD")), p(ledger.commission(CNY), -5)],
    ],
    ids=["one-entry", "unbalanced", "zero", "two-currencies-unbalanced", "currency-of-account"],
)
async def test_unbalanced_postings_are_refused_before_anything_is_written(
    shop: Shop, postings: list[ledger.Posting]
) -> None:
    with pytest.raises(ledger.LedgerError):
        async with shop.database.transaction() as db:
            await ledger.post(db, kind="test", reference="t:1", postings=postings)
    assert await ledger_rows(shop) == (0, 0)


async def test_a_reference_is_posted_once(shop: Shop) -> None:
    postings = [p(ledger.provider_clearing("sandbox", CNY), -7_00), p(ledger.wallet(CLIENT, CNY), 7_00)]
    async with shop.database.transaction() as db:
        assert await ledger.post(db, kind="topup", reference="topup:x", postings=postings) is not None
    async with shop.database.transaction() as db:
        assert await ledger.post(db, kind="topup", reference="topup:x", postings=postings) is None
    assert await shop.wallet(CLIENT) == 7_00
    assert await ledger_rows(shop) == (1, 2)


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        (ledger.wallet(CLIENT, CNY), InsufficientFunds),
        (ledger.earnings_available(COUNSELLOR, CNY), AvailableBalanceTooLow),
    ],
)
async def test_guarded_accounts_never_go_below_zero(
    shop: Shop, spec: ledger.AccountSpec, error: type
) -> None:
    with pytest.raises(error):
        async with shop.database.transaction() as db:
            await ledger.post(
                db, kind="test", reference="t:neg", postings=[p(spec, -1), p(ledger.escrow(CNY), 1)]
            )
    assert await ledger_rows(shop) == (0, 0)
    assert await shop.balance(spec) == 0


async def test_ledger_rows_cannot_be_updated_or_deleted(shop: Shop) -> None:
    await shop.top_up(CLIENT, 10_00)
    for statement in (
        "UPDATE ledger_entries SET amount = amount + 1",
        "DELETE FROM ledger_entries",
        "UPDATE ledger_transactions SET kind = 'other'",
        "DELETE FROM ledger_transactions",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with shop.database.transaction() as db:
                await db.execute(text(statement))
    assert await ledger_rows(shop) == (1, 2)
    await shop.check_books()


async def disable_append_only(shop: Shop) -> None:
    """What an attacker (or a careless operator) with database rights could do."""
    async with shop.database.transaction() as db:
        if shop.database.is_sqlite:
            for table in ("ledger_entries", "ledger_transactions"):
                await db.execute(text(f"DROP TRIGGER {table}_no_update"))
                await db.execute(text(f"DROP TRIGGER {table}_no_delete"))
        else:
            await db.execute(text("ALTER TABLE ledger_entries DISABLE TRIGGER USER"))


async def report_of(shop: Shop) -> list[str]:
    async with shop.database.transaction(write=False) as db:
        return (await reconcile.reconcile(db)).violations


async def test_reconcile_reports_an_unbalanced_row_inserted_behind_its_back(shop: Shop) -> None:
    article = await shop.item("article", 30_00)
    await shop.top_up(CLIENT, 50_00)
    await shop.buy(CLIENT, article)
    await shop.check_books()
    async with shop.database.transaction() as db:
        txn = await db.scalar(select(LedgerTransaction.id).where(LedgerTransaction.kind == "capture"))
        wallet_id = await db.scalar(text("SELECT id FROM ledger_accounts WHERE kind = 'wallet'"))
        await db.execute(
            text(
                "INSERT INTO ledger_entries (transaction_id, account_id, amount, currency) "
                "VALUES (:t, :a, 500, 'CNY')"
            ),
            {"t": txn, "a": wallet_id},
        )
    violations = await report_of(shop)
    assert any(f"transaction {txn}: CNY entries sum to 500" in v for v in violations)
    assert any("whole ledger" in v for v in violations)
    assert any("wallet:client:101:CNY: cached balance 2000 but entries sum to 2500" in v for v in violations)


async def test_reconcile_reports_an_edited_amount_with_the_triggers_disabled(shop: Shop) -> None:
    await shop.top_up(CLIENT, 50_00)
    await disable_append_only(shop)
    async with shop.database.transaction() as db:
        await db.execute(text("UPDATE ledger_entries SET amount = 1 WHERE amount = -5000"))
    violations = await report_of(shop)
    assert any("entries sum to 5001" in v for v in violations)


async def test_reconcile_reports_a_cached_balance_that_disagrees(shop: Shop) -> None:
    await shop.top_up(CLIENT, 50_00)
    async with shop.database.transaction() as db:
        await db.execute(text("UPDATE ledger_balances SET balance = balance + 100"))
    violations = await report_of(shop)
    assert violations == ["account wallet:client:101:CNY: cached balance 5100 but entries sum to 5000"]


async def test_reconcile_reports_an_illegal_order_move(shop: Shop) -> None:
    article = await shop.item("article", 30_00)
    await shop.top_up(CLIENT, 50_00)
    order_id = await shop.buy(CLIENT, article)
    async with shop.database.transaction() as db:
        await db.execute(
            text("UPDATE commerce_orders SET status = 'created' WHERE id = :id"), {"id": order_id}
        )
        await db.execute(
            text(
                "INSERT INTO commerce_order_events (order_id, from_status, to_status, at) "
                "VALUES (:id, 'fulfilled', 'created', '2026-01-01')"
            ),
            {"id": order_id},
        )
    violations = await report_of(shop)
    assert any(f"order {order_id}: illegal move fulfilled → created" in v for v in violations)
