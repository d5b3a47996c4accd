"""``anxin users``: make the first administrator; show a demo account's current TOTP code."""

from __future__ import annotations

import asyncio
import sys
from typing import Annotated

import typer

from anxin.core.config import get_settings
from anxin.core.db import Database

app = typer.Typer(help="User accounts.", no_args_is_help=True)


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def _database() -> Database:

    settings = get_settings()
    return Database(settings.resolved_database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms)


@app.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(help="The administrator's e-mail address (their sign-in).")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create an administrator account (they must turn on two-step sign-in at first sign-in)."""
    from anxin.accounts import service
    from anxin.core.errors import AppError
    from anxin.core.migrate import upgrade

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    upgrade(get_settings().resolved_database_url)

    async def _run() -> int:
        database = _database()
        try:
            async with database.transaction() as db:
                user = await service.create_admin(db, email=email, password=password)
                return user.id
        finally:
            await database.dispose()

    try:
        user_id = asyncio.run(_run())
    except AppError as exc:
        _fail(exc.message.format(**exc.params))
    typer.echo(f"administrator created (user id {user_id}); sign in at /login and turn on two-step sign-in")


@app.command("demo-totp")
def demo_totp(email: Annotated[str, typer.Option(help="E-mail address of a demo account.")]) -> None:
    """Print the current two-step sign-in code of a DEMO account (never in production)."""
    from anxin.accounts import demo
    from anxin.core.errors import AppError

    if get_settings().environment == "production":
        _fail("demo-totp is not available in production")

    async def _run() -> str:
        database = _database()
        try:
            async with database.transaction(write=False) as db:
                return await demo.current_demo_totp(db, email)
        finally:
            await database.dispose()

    try:
        typer.echo(asyncio.run(_run()))
    except AppError as exc:
        _fail(exc.message.format(**exc.params))
