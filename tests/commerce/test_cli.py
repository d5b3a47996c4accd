"""`anxin commerce reconcile`: says the books balance, or lists what is wrong and exits 2."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from anxin.cli.commerce import app
from anxin.core.config import reset_settings_cache
from anxin.core.db import Database
from tests.commerce.conftest import CLIENT, Shop


async def some_business(url: str, *, tamper: bool) -> None:
    database = Database(url)
    try:
        shop = Shop(database)
        article = await shop.item("article", 30_00)
        await shop.top_up(CLIENT, 50_00)
        await shop.buy(CLIENT, article)
        if tamper:
            async with database.transaction() as db:
                await db.execute(text("UPDATE ledger_balances SET balance = balance + 1"))
    finally:
        await database.dispose()


@pytest.mark.parametrize("tamper", [False, True])
def test_reconcile_command(database_url: str, monkeypatch: pytest.MonkeyPatch, tamper: bool) -> None:
    asyncio.run(some_business(database_url, tamper=tamper))
    monkeypatch.setenv("ANXIN_DATABASE_URL", database_url)
    reset_settings_cache()
    try:
        plain = CliRunner().invoke(app, ["reconcile"])
        as_json = CliRunner().invoke(app, ["reconcile", "--json"])
    finally:
        reset_settings_cache()
    report = json.loads(as_json.stdout)
    assert report["transactions"] == 2 and report["orders"] == 2  # the top-up; the purchase (one posting)
    if tamper:
        assert (plain.exit_code, as_json.exit_code) == (2, 2)
        assert (
            "VIOLATION account wallet:client:101:CNY: cached balance 2001 but entries sum to 2000"
            in plain.stdout
        )
        assert report["ok"] is False and len(report["violations"]) == 1  # the wallet (the one cached row)
    else:
        assert (plain.exit_code, as_json.exit_code) == (0, 0)
        assert "the books balance" in plain.stdout
        assert report["ok"] is True and report["violations"] == []
