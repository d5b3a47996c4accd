"""`anxin privacy …`: master key rotation, audit chain checks, and a person's export and erasure."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer

from anxin.core.config import get_settings

app = typer.Typer(
    help="Privacy: master keys, the audit chain, a person's data export and erasure.", no_args_is_help=True
)
T = TypeVar("T")

EXIT_ERROR = 1
EXIT_AUDIT_BROKEN = 2


def _fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _run(work: Callable[..., Awaitable[T]]) -> T:
    """Run ``work(database)`` against ANXIN_DATABASE_URL; turn every failure into a clear message."""
    from sqlalchemy.exc import SQLAlchemyError

    from anxin.core.db import Database
    from anxin.privacy.errors import DecryptionError, MasterKeyError

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
    except typer.Exit:
        raise
    except MasterKeyError as exc:
        _fail(f"master key: {exc}")
    except DecryptionError as exc:
        _fail(
            f"a sealed value did not open ({exc}); run `anxin privacy verify-audit` and check for tampering"
        )
    except SQLAlchemyError as exc:
        # The driver's own message (never the statement's parameters, which may hold personal data).
        detail = str(getattr(exc, "orig", None) or type(exc).__name__).splitlines()[0][:200]
        _fail(
            f"database error ({detail}). Check ANXIN_DATABASE_URL, that the server runs, "
            "and that the schema is current (`anxin db upgrade`)."
        )
    except OSError as exc:
        if exc.filename:
            _fail(f"{exc.filename}: {exc.strerror or exc}")
        _fail(f"database error (cannot connect: {exc}). Check ANXIN_DATABASE_URL and that the server runs.")


def _load_every_module() -> None:
    from anxin.modules import load_models, load_tasks

    load_models()
    load_tasks()  # modules register their export and erase handlers here


@app.command("generate-master-key")
def generate_master_key(
    version: Annotated[str, typer.Option(help="Name of the new version, e.g. v2.")] = "v1",
) -> None:
    """Print a new master key entry to put FIRST in ANXIN_MASTER_KEY (then run rotate-master-key)."""
    from anxin.privacy.errors import MasterKeyError
    from anxin.privacy.keys import new_key_entry

    try:
        entry = new_key_entry(version)
    except MasterKeyError as exc:
        _fail(str(exc))
    typer.echo(entry)
    typer.echo(
        'Put it first, keep the older entries after it: ANXIN_MASTER_KEY="<new>,<current>,..."; '
        "restart every process, then run `anxin privacy rotate-master-key`.",
        err=True,
    )


@app.command("rotate-master-key")
def rotate_master_key(
    batch_size: Annotated[int, typer.Option(min=1, help="Data keys re-wrapped per transaction.")] = 500,
    add_key: Annotated[
        str | None,
        typer.Option(help="Embedded mode: first add a new key of this version to $ANXIN_HOME/master.key."),
    ] = None,
) -> None:
    """Re-wrap every data key under the newest master key, in batches, while the app keeps running."""
    from anxin.privacy import crypto, keys
    from anxin.privacy.errors import MasterKeyError

    settings = get_settings()
    try:
        keyring = keys.add_key_to_file(settings, add_key) if add_key else keys.configure(settings)
    except MasterKeyError as exc:
        _fail(f"master key: {exc}")
    keys.use_keyring(keyring)
    typer.echo(f"master key versions: {', '.join(keyring.versions)} (current: {keyring.current_version})")

    report = _run(lambda database: crypto.rotate_master_key(database, batch_size=batch_size))
    usage = ", ".join(f"{v}: {n}" for v, n in sorted(report.by_version.items())) or "none"
    typer.echo(
        f"re-wrapped {report.rewrapped} data key(s); live keys per version: {usage}; "
        f"destroyed: {report.destroyed}"
    )
    if not report.complete:
        _fail(
            "some data keys are still under an older version (locked by a running transaction?); run it again"
        )
    old = [v for v in keyring.versions if v != report.current_version]
    if old:
        typer.echo(f"done: older version(s) {', '.join(old)} no longer wrap any key and may be removed.")


@app.command("verify-audit")
def verify_audit(
    against: Annotated[
        Path | None, typer.Option(help="A head file written by export-audit-head (the off-site copy).")
    ] = None,
) -> None:
    """Recompute the audit hash chain; exit 2 and name the first broken entry if it was tampered with."""
    from anxin.privacy import audit

    expected = None
    if against is not None:
        try:
            expected = audit.HeadCopy.from_json(against.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            _fail(f"cannot read the head file {against}: {exc}")

    async def work(database: object) -> audit.VerifyResult:
        from anxin.core.db import Database

        assert isinstance(database, Database)
        async with database.transaction(write=False) as db:
            return await audit.verify_chain(db, expected_head=expected)

    result = _run(work)
    if result.ok:
        suffix = f", including the copied head at entry {expected.seq}" if expected else ""
        typer.echo(f"audit chain OK: {result.checked} entries verified{suffix}")
        return
    typer.secho(
        f"audit chain BROKEN at entry {result.first_broken_seq}: {result.reason} "
        f"({result.checked} entries checked before it)",
        fg=typer.colors.RED,
        err=True,
    )
    raise typer.Exit(EXIT_AUDIT_BROKEN)


@app.command("export-audit-head")
def export_audit_head(
    out: Annotated[
        Path | None, typer.Option(help="Default: ANXIN_AUDIT_HEAD_FILE or $ANXIN_HOME/audit-head.json.")
    ] = None,
) -> None:
    """Write the audit chain's newest entry (seq and hash) to a file, for the daily off-site copy."""
    from anxin.core.db import Database
    from anxin.privacy import audit

    settings = get_settings()
    target = out or settings.audit_head_file or settings.home / "audit-head.json"

    async def work(database: Database) -> audit.HeadCopy:
        async with database.transaction(write=False) as db:
            return await audit.current_head(db)

    head = _run(work)
    try:
        audit.write_head_file(target, head)
    except OSError as exc:
        _fail(f"cannot write {target}: {exc.strerror}")
    typer.echo(f"audit head: entry {head.seq}, hash {head.hash} -> {target}")


@app.command("export")
def export(
    user_id: Annotated[int, typer.Option("--user-id", help="The person whose data to export.")],
    out: Annotated[Path, typer.Option(help="Zip file to write (created with mode 0600).")],
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Export everything Anxin holds about one person as a zip (data.json + files); audited."""
    from anxin.core.db import Database
    from anxin.privacy import rights

    if out.exists() and not force:
        _fail(f"{out} exists; choose another path or pass --force")
    _load_every_module()

    async def work(database: Database) -> bytes:
        async with database.transaction() as db:
            return await rights.export_subject(db, user_id, actor_role="operator")

    blob = _run(work)
    try:
        descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(blob)
    except OSError as exc:
        _fail(f"cannot write {out}: {exc.strerror}")
    typer.echo(f"exported user {user_id}: {len(blob)} bytes -> {out} (handle it as the person's own data)")


@app.command("erase")
def erase(
    user_id: Annotated[int, typer.Option("--user-id", help="The person whose data to erase.")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: erasure cannot be undone.")] = False,
) -> None:
    """Erase one person everywhere and destroy their data key (crypto-shredding). Cannot be undone."""
    from anxin.core.db import Database
    from anxin.privacy import rights

    if not yes:
        _fail(f"erasing user {user_id} cannot be undone; run again with --yes to confirm")
    _load_every_module()

    async def work(database: Database) -> rights.ErasureReport:
        async with database.transaction() as db:
            return await rights.erase_subject(db, user_id, actor_role="operator")

    report = _run(work)
    typer.echo(
        f"erased user {user_id}: {len(report.modules)} module(s) ({', '.join(report.modules)}), "
        f"{report.keys_destroyed} data key(s) destroyed"
    )
