"""What the benchmarks that measure a real ``anxin`` web process share: a throwaway PostgreSQL database,
a free port, the server started and waited for until ``/readyz`` answers, and stopped again.

Two ways to start it: ``start_anxin_serve`` (the ``anxin serve`` command, as deployed, optionally with
several worker processes) and ``start_uvicorn`` (one uvicorn process with the websockets-sansio
protocol, for the realtime benchmarks; ``realtime_env`` prepares its schema, key and settings).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
READY_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` (0..1) of the values lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def admin_connect(admin_url: str):  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(admin_url, autocommit=True)


@contextlib.contextmanager
def throwaway_postgres(admin_url: str) -> Iterator[tuple[str, str]]:
    """A new database on the server of ``admin_url`` (a psycopg URL): yields its name and its
    SQLAlchemy (asyncpg) URL, and drops it afterwards."""
    name = f"anxin_bench_{secrets.token_hex(4)}"
    with admin_connect(admin_url) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield (
            name,
            admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1) + f"/{name}",
        )
    finally:
        with admin_connect(admin_url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait_ready(process: subprocess.Popen[bytes], port: int, what: str) -> subprocess.Popen[bytes]:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{what} did not become ready")


def start_anxin_serve(
    home: Path, database_url: str, port: int, *, workers: int = 1, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """``anxin serve`` on ``port`` with no ANXIN_ setting of this shell, only ``env`` on top of the
    home and database (more than one worker needs Redis in ``env``)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ANXIN_")}
    environment.update(
        {
            "ANXIN_HOME": str(home),
            "ANXIN_DATABASE_URL": database_url,
            "ANXIN_LOG_LEVEL": "WARNING",
            "ANXIN_ENVIRONMENT": "development",
            **(env or {}),
        }
    )
    anxin = Path(sys.executable).with_name("anxin")
    command = [str(anxin), "serve", "--port", str(port), "--no-migrate", "--workers", str(workers)]
    # ANXIN_BENCH_SERVER_LOG=<file> keeps the server's own output, to see why a run failed.
    log_path = os.environ.get("ANXIN_BENCH_SERVER_LOG")
    output = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 (the child owns it)
    process = subprocess.Popen(command, env=environment, stdout=output, stderr=output)
    return wait_ready(process, port, "anxin serve")


def realtime_env(database_url: str, home: Path) -> dict[str, str]:
    """Migrate the database, make a master key (also used by this process for seeding) and return the
    server's environment, with the per-socket frame limits raised out of the measurement's way."""
    from anxin.core.migrate import upgrade
    from anxin.privacy import keys

    upgrade(database_url)
    entry = keys.new_key_entry("v1")
    keys.use_keyring(keys.parse_keyring(entry))
    return {
        **os.environ,
        "ANXIN_DATABASE_URL": database_url,
        "ANXIN_HOME": str(home),
        "ANXIN_MASTER_KEY": entry,
        "ANXIN_LOG_LEVEL": "WARNING",
        "ANXIN_REALTIME_FRAMES_PER_SECOND": "1000",
        "ANXIN_REALTIME_FRAME_BURST": "1000",
    }


def start_uvicorn(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "anxin.main:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--ws", "websockets-sansio", "--no-access-log", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    return wait_ready(server, port, "the server")


def stop(process: subprocess.Popen[bytes], *, timeout: float = 30) -> None:
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


async def seed_room_pairs(
    database_url: str, pairs: int, *, in_care: bool = False
) -> list[tuple[int, tuple[int, str], tuple[int, str]]]:
    """Client–counsellor pairs with API tokens and a room each (in an active care relationship with
    ``in_care``): (room id, (client id, token), (counsellor id, token)) per pair."""
    os.environ["ANXIN_TEST_FAST_HASH"] = "1"  # seeding speed only; nobody signs in with these
    from anxin.accounts import service as accounts
    from anxin.accounts import sessions
    from anxin.accounts.models import ROLE_CLIENT, ROLE_COUNSELLOR, SESSION_API
    from anxin.appointments.models import CareRelationship
    from anxin.core import clock
    from anxin.core.db import Database
    from anxin.modules import load_tasks
    from anxin.rooms import service

    load_tasks()
    database = Database(database_url)
    rooms = []
    try:
        for n in range(pairs):
            async with database.transaction() as db:
                people = []
                for role in (ROLE_CLIENT, ROLE_COUNSELLOR):
                    user = await accounts.create_confirmed_user(
                        db, email=f"b{n}{role}{secrets.token_hex(3)}@example.com",
                        password=f"bench {secrets.token_hex(8)}", role=role,
                    )  # fmt: skip
                    token, _ = await sessions.start(db, user, kind=SESSION_API, user_agent=None)
                    people.append((user.id, token))
                if in_care:
                    db.add(
                        CareRelationship(
                            client_id=people[0][0], counsellor_id=people[1][0], status="active",
                            started_at=clock.utcnow(),
                        )
                    )  # fmt: skip
                room = await service.open_room(db, client_id=people[0][0], counselor_id=people[1][0])
                rooms.append((room.id, people[0], people[1]))
    finally:
        await database.dispose()
    return rooms
