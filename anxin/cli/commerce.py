"""`anxin commerce …`: prove the books balance (reconcile) and settle due earnings."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, NoReturn, TypeVar

import typer

from anxin.core.config import get_settings

app = typer.Typer(help="Commerce: the ledger's books, reconciliation and settlement.", no_args_is_help=True)
T = TypeVar("T")

EXIT_ERROR = 1
EXIT_BOOKS_BROKEN = 2


def _fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _run(work: Callable[..., Awaitable[T]]) -> T:
    from sqlalchemy.exc import SQLAlchemyError

    from anxin.core.db import Database

    settings = get_settings()

    async def main() -> T:
        database = Database(
            settings.resolved_database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms
        )
        try:
            return await work(database)
        finally:
            await database.dispose()

    try:
        return asyncio.run(main())
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or type(exc).__name__).splitlines()[0][:200]
        _fail(f"database: {detail}. Check ANXIN_DATABASE_URL and run `anxin db upgrade`.")


@app.command()
def reconcile(
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Check that every transaction balances, balances equal their entries, nothing is below zero,
    refunds stay within what was captured and orders moved only along their state machine.
    Exits 2 when anything is wrong."""
    from anxin.commerce.reconcile import Report
    from anxin.commerce.reconcile import reconcile as check
    from anxin.core.db import Database

    async def work(database: Database) -> Report:
        async with database.transaction(write=False) as db:
            return await check(db)

    report = _run(work)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "ok": report.ok,
                    "violations": report.violations,
                    "transactions": report.transactions,
                    "entries": report.entries,
                    "accounts": report.accounts,
                    "orders": report.orders,
                },
                ensure_ascii=False,
            )
        )
    else:
        typer.echo(
            f"checked {report.transactions} transactions, {report.entries} entries, "
            f"{report.accounts} accounts, {report.orders} orders"
        )
        for violation in report.violations:
            typer.secho(f"  VIOLATION {violation}", fg=typer.colors.RED)
        typer.echo("the books balance" if report.ok else f"{len(report.violations)} violation(s) found")
    if not report.ok:
        raise typer.Exit(EXIT_BOOKS_BROKEN)


@app.command()
def settle() -> None:
    """Move counsellors' earnings whose settlement delay has passed from pending to available
    (the scheduled job does this every 15 minutes; this runs it now)."""
    from anxin.commerce.settlement import settle_due
    from anxin.core.db import Database

    async def work(database: Database) -> int:
        async with database.transaction() as db:
            return await settle_due(db)

    typer.echo(f"settled {_run(work)} order(s)")
