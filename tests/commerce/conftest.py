"""Helpers for commerce tests: a shop over a migrated database (SQLite and PostgreSQL), ids of
people as plain integers, and the outbox relay to run jobs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

import anxin.commerce.tasks  # noqa: F401  (registers the commerce jobs)
from anxin.commerce import catalog, ledger, orders, reconcile
from anxin.commerce.models import Order
from anxin.commerce.payments import registry
from anxin.commerce.settings import reset_commerce_settings
from anxin.core import clock
from anxin.core.db import Database
from anxin.core.money import Money
from anxin.core.relay import OutboxRelay

CLIENT = 101
OTHER_CLIENT = 102
COUNSELLOR = 201
OTHER_COUNSELLOR = 202
ADMIN = 301
CARD = {"card_number": "4242 4242 4242 4242"}


@pytest.fixture(autouse=True)
def fresh_commerce_state() -> Iterator[None]:
    reset_commerce_settings()
    registry.reset()
    yield
    clock.freeze(None)
    registry.reset()
    reset_commerce_settings()


@dataclass
class Shop:
    database: Database

    async def item(
        self,
        item_type: str = "article",
        price: int = 100_00,
        *,
        seller: int = COUNSELLOR,
        ref: str | None = None,
        starts_at: datetime | None = None,
        prices: dict[str, int] | None = None,
    ) -> int:
        async with self.database.transaction() as db:
            item = await catalog.put_item(
                db,
                item_type=item_type,
                ref=ref or f"{item_type}-{price}-{seller}-{starts_at}",
                seller_id=seller,
                title=f"{item_type} for test",
                prices=prices or {"CNY": price},
                starts_at=starts_at,
            )
            return item.id

    async def top_up(self, client: int, amount: int, currency: str = "CNY") -> int:
        async with self.database.transaction() as db:
            result = await orders.top_up(
                db, client_id=client, amount=Money(amount, currency), method="sandbox", details=CARD
            )
            return result.order.id

    async def buy(self, client: int, item_id: int, *, method: str = "wallet", currency: str = "CNY") -> int:
        async with self.database.transaction() as db:
            price = await catalog.price_of(db, item_id, currency)
            result = await orders.checkout(
                db,
                client_id=client,
                item_id=item_id,
                currency=currency,
                expected_amount=price.amount,
                method=method,
                details=CARD if method == "sandbox" else {},
            )
            return result.order.id

    async def order(self, order_id: int) -> Order:
        async with self.database.transaction(write=False) as db:
            found = await db.scalar(select(Order).where(Order.id == order_id))
            assert found is not None
            return found

    async def balance(self, spec: ledger.AccountSpec) -> int:
        async with self.database.transaction(write=False) as db:
            return (await ledger.balance(db, spec)).amount

    async def wallet(self, client: int, currency: str = "CNY") -> int:
        return await self.balance(ledger.wallet(client, currency))

    async def earnings(self, counsellor: int = COUNSELLOR, currency: str = "CNY") -> tuple[int, int]:
        return (
            await self.balance(ledger.earnings_pending(counsellor, currency)),
            await self.balance(ledger.earnings_available(counsellor, currency)),
        )

    async def check_books(self) -> reconcile.Report:
        async with self.database.transaction(write=False) as db:
            report = await reconcile.reconcile(db)
        assert report.violations == []
        return report

    async def drain(self) -> None:
        async def publisher(channel: str, event: dict[str, Any]) -> None:
            return None

        await OutboxRelay(self.database, publisher=publisher, run_schedules=False).drain()


@pytest.fixture
async def shop(database: Database) -> AsyncIterator[Shop]:
    yield Shop(database)
