"""A person's commerce data: exported in full; erased by de-identification that keeps the books
(ledger rows stay, and still balance)."""

from __future__ import annotations

from sqlalchemy import func, select

from anxin.commerce import ledger, rights
from anxin.commerce.models import LedgerAccount, LedgerEntry, Order
from tests.commerce.conftest import CLIENT, COUNSELLOR, Shop


async def test_export_then_erase_keeps_balanced_books(shop: Shop) -> None:
    article = await shop.item("article", 30_00)
    await shop.top_up(CLIENT, 50_00)
    order_id = await shop.buy(CLIENT, article)
    async with shop.database.transaction(write=False) as db:
        exported = await rights.export_commerce(db, CLIENT)
        entries_before = await db.scalar(select(func.count()).select_from(LedgerEntry))
    assert [(o["kind"], o["amount"]) for o in exported["orders"]] == [("topup", 50_00), ("purchase", 30_00)]
    assert exported["orders"][1]["id"] == order_id
    statement = exported["accounts"][ledger.wallet(CLIENT, "CNY").code]
    assert statement["balance_minor_units"] == 20_00
    assert [m["amount"] for m in statement["movements"]] == [-30_00, 50_00]
    async with shop.database.transaction(write=False) as db:
        seller_export = await rights.export_commerce(db, COUNSELLOR)
    assert [i["title"] for i in seller_export["items_for_sale"]] == ["article for test"]

    async with shop.database.transaction() as db:
        await rights.erase_commerce(db, CLIENT)
    async with shop.database.transaction(write=False) as db:
        assert await db.scalar(select(func.count()).select_from(Order).where(Order.client_id == CLIENT)) == 0
        assert (
            await db.scalar(
                select(func.count()).select_from(LedgerAccount).where(LedgerAccount.owner_id == CLIENT)
            )
            == 0
        )
        codes = (await db.scalars(select(LedgerAccount.code))).all()
        assert not any(f":{CLIENT}:" in code for code in codes)
        assert await db.scalar(select(func.count()).select_from(LedgerEntry)) == entries_before
        assert (await rights.export_commerce(db, CLIENT))["orders"] == []
    await shop.check_books()
