"""commerce.shares: part of a seller's net on an allocated order goes to a second person, once."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from anxin.commerce import catalog, orders, shares
from anxin.commerce.errors import IllegalTransition, InvalidAmount
from anxin.core.db import Database
from anxin.core.money import Money
from tests.appointments.support import Person, person
from tests.content.support import account_sum, wallet_balance


async def test_share_once_and_only_after_allocation(app: FastAPI, author: Person) -> None:
    buyer, friend = await person(app), await person(app)
    database: Database = app.state.database
    async with database.transaction() as db:
        await orders.top_up(
            db,
            client_id=buyer.id,
            amount=Money(100_00, "CNY"),
            method="sandbox",
            details={"card_number": "4242 4242 4242 4242"},
        )
        item = await catalog.put_item(
            db, item_type="question", ref="unlock:test", seller_id=author.id, title="t", prices={"CNY": 10_00}
        )
        session_item = await catalog.put_item(
            db, item_type="session", ref="session:test", seller_id=author.id, title="s", prices={"CNY": 10_00}
        )
        paid = await orders.checkout(
            db, client_id=buyer.id, item_id=item.id, currency="CNY", expected_amount=10_00, method="wallet"
        )
        unallocated = await orders.checkout(
            db,
            client_id=buyer.id,
            item_id=session_item.id,
            currency="CNY",
            expected_amount=10_00,
            method="wallet",
        )
        first = await shares.share_earnings(db, paid.order.id, beneficiary_id=friend.id, share_bp=5_000)
        second = await shares.share_earnings(db, paid.order.id, beneficiary_id=friend.id, share_bp=5_000)
        assert first == second == Money(3_50, "CNY")  # net 7.00 after 30 % commission
        with pytest.raises(IllegalTransition):
            await shares.share_earnings(db, unallocated.order.id, beneficiary_id=friend.id, share_bp=5_000)
        with pytest.raises(InvalidAmount):
            await shares.share_earnings(db, paid.order.id, beneficiary_id=friend.id, share_bp=0)
    assert await wallet_balance(app, friend.id) == 3_50  # posted once
    assert await account_sum(app, f"earnings_pending:counsellor:{author.id}:CNY") == 3_50
