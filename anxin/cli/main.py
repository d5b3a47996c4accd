"""The ``anxin`` command line."""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Annotated

import typer

from anxin import __version__
from anxin.cli.commerce import app as commerce_app
from anxin.cli.mind import app as mind_app
from anxin.cli.privacy import app as privacy_app
from anxin.cli.users import app as users_app
from anxin.core.config import get_settings

app = typer.Typer(
    help="Anxin (安心): online counselling and emotional support platform.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(privacy_app, name="privacy")
app.add_typer(mind_app, name="mind")
app.add_typer(commerce_app, name="commerce")


def fail(message: str, code: int = 1) -> None:
    """Print a message a person can act on and exit non-zero (never a stack trace)."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _prepare_home() -> None:
    settings = get_settings()
    try:
        settings.home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"cannot create ANXIN_HOME at {settings.home}: {exc.strerror}")


def _upgrade_schema() -> None:
    from anxin.core.migrate import upgrade

    _prepare_home()
    try:
        upgrade(get_settings().resolved_database_url)
    except Exception as exc:
        fail(
            f"could not bring the database schema up to date ({type(exc).__name__}: {exc}). "
            "Check ANXIN_DATABASE_URL and that the database server is running."
        )


def module_settings_reference() -> str:
    """The tables of the settings each module reads for itself (``anxin/<module>/settings.py``)."""
    from pydantic_settings import BaseSettings

    from anxin.core.config import settings_table
    from anxin.modules import MODULES, import_optional

    parts: list[str] = []
    for module in MODULES:
        found = import_optional(module, "settings")
        if found is None:
            continue
        classes = [
            obj
            for obj in vars(found).values()
            if isinstance(obj, type)
            and issubclass(obj, BaseSettings)
            and obj.__module__ == found.__name__
            and obj.model_fields
        ]
        for settings_class in classes:
            parts.append(f"\n### `{module}`\n\n" + settings_table(settings_class))
    return "".join(parts)


@app.command("config-reference")
def config_reference() -> None:
    """Print every ANXIN_* setting with its default and meaning (Markdown)."""
    from anxin.core.config import settings_reference_markdown

    typer.echo(settings_reference_markdown(), nl=False)
    typer.echo("\n## Settings of each module\n" + module_settings_reference(), nl=False)


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (default: ANXIN_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind (default: ANXIN_PORT).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Web processes (needs PostgreSQL + Redis if > 1).")] = 1,
    migrate: Annotated[bool, typer.Option(help="Upgrade the schema before serving.")] = True,
    reload: Annotated[bool, typer.Option(help="Reload on code changes (development).")] = False,
) -> None:
    """Serve the web platform (pages, JSON API, WebSockets)."""
    import uvicorn

    settings = get_settings()
    if workers > 1 and (settings.is_sqlite or not settings.redis_url):
        fail("several web processes need PostgreSQL (ANXIN_DATABASE_URL) and Redis (ANXIN_REDIS_URL)")
    started = time.perf_counter()
    if migrate:
        _upgrade_schema()
    bind_host = host or settings.host
    bind_port = port or settings.port
    typer.echo(
        f"Anxin {__version__} — database: {'SQLite' if settings.is_sqlite else 'PostgreSQL'}, "
        f"broker: {'Redis' if settings.redis_url else 'in-process'}, state: {settings.home.resolve()}"
    )
    typer.echo(
        f"Open http://{bind_host}:{bind_port}/  (schema ready in {time.perf_counter() - started:.2f} s)"
    )
    uvicorn.run(
        "anxin.main:create_app",
        factory=True,
        host=bind_host,
        port=bind_port,
        workers=workers,
        reload=reload,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        ws="websockets-sansio",
    )


@app.command()
def worker(burst: Annotated[bool, typer.Option(help="Run queued jobs, then exit.")] = False) -> None:
    """Run background jobs from Redis (needs ANXIN_REDIS_URL)."""
    settings = get_settings()
    if not settings.redis_url:
        fail("ANXIN_REDIS_URL is not set. Without Redis, `anxin serve` runs background jobs itself.")
    from anxin.worker import build_worker

    worker_instance = build_worker(burst=burst)
    worker_instance.run()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the schema to the newest version of every module."""
    _upgrade_schema()
    typer.echo("database schema is up to date")


@db_app.command("current")
def db_current() -> None:
    """Show the schema version of each module."""
    from anxin.core.migrate import current

    try:
        current(get_settings().resolved_database_url)
    except Exception as exc:
        fail(f"cannot read the schema version ({type(exc).__name__}). Check ANXIN_DATABASE_URL.")


@app.command()
def demo() -> None:
    """Fill the database with demo data (idempotent) and print the demo logins."""
    _upgrade_schema()
    from anxin.core.db import Database
    from anxin.core.demo import seeders
    from anxin.modules import load_demo

    load_demo()
    settings = get_settings()

    async def _run() -> list[str]:
        database = Database(settings.resolved_database_url)
        lines: list[str] = []
        try:
            async with database.transaction() as db:
                for name, seeder in seeders:
                    lines.extend(f"[{name}] {line}" for line in await seeder(db))
        finally:
            await database.dispose()
        return lines

    lines = asyncio.run(_run())
    typer.echo("demo data is ready" + (":" if lines else " (no module adds demo data yet)"))
    for line in lines:
        typer.echo(f"  {line}")


def main() -> None:  # pragma: no cover - console entry
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
