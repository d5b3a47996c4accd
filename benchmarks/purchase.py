"""Purchase throughput and latency through the real HTTP API on PostgreSQL, then reconcile.

Starts `anxin serve` (one process) against a throwaway PostgreSQL database, signs up clients and
counsellors, tops every wallet up, then runs N concurrent clients that each buy articles from their
wallet in a loop, every request with its own Idempotency-Key (a purchase: idempotency key row,
order, payment, a capture and an allocation posting, one locked balance row — the buyer's wallet —
and an outbox event). Afterwards it checks that every 201 is exactly one order and runs the
reconciliation.

Two ways to load the server:

* closed loop (default): every client sends its next purchase as soon as the last one is answered.
  This measures the most the server can do; its latency is then mostly queueing (by Little's law
  the mean latency is clients / throughput, e.g. 50 clients at 100/s wait 500 ms on average).
* ``--rate R``: open loop, R purchases per second in all, spread evenly over the clients, each
  latency counted from the moment the purchase was due (so a backlog counts). This measures the
  latency at a given load, e.g. the goal's 100 purchases/s.

It also prints the server process's CPU time per purchase (user + system, from /proc; the load
on the box does not change it much) and, with ``--layer service`` (``commerce.paying.checkout``
called in-process, one unit of work each, to tell the database work from the web stack's), the
SQL statements per purchase.

Run: .venv/bin/python -m benchmarks.purchase [--clients 50] [--seconds 20] [--layer http|service]
     [--rate R] [--counsellors 5] [--postgres postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from benchmarks._server import free_port, percentile, start_anxin_serve, stop, throwaway_postgres

API = "/api/v1/commerce"
ELAPSED = -1  # pseudo-status under which ``paced`` returns the measured phase's length in ms
PRICE = 10_00


async def seed(home: Path, database_url: str, clients: int, counsellors: int) -> tuple[list[str], list[int]]:
    """Accounts with API tokens, and one article per counsellor."""
    os.environ["ANXIN_TEST_FAST_HASH"] = "1"  # seeding speed only; nobody signs in with these
    from anxin.accounts import keys, mfa, service, sessions
    from anxin.accounts.models import ROLE_CLIENT, ROLE_COUNSELLOR, SESSION_API
    from anxin.commerce import catalog
    from anxin.core.config import Settings
    from anxin.core.db import Database
    from anxin.modules import load_tasks

    load_tasks()  # session watch jobs and the like are written to the outbox while seeding
    settings = Settings(home=home, database_url=database_url)  # type: ignore[call-arg]
    keys.use_settings(settings)
    database = Database(database_url)
    tokens: list[str] = []
    items: list[int] = []
    try:
        async with database.transaction() as db:
            for n in range(counsellors):
                user = await service.create_confirmed_user(
                    db,
                    email=f"c{n}@bench.invalid",
                    password=f"bench pass {n} {secrets.token_hex(4)}",
                    role=ROLE_COUNSELLOR,
                )
                await service.enable_totp_with_secret(db, user, mfa.new_secret())
                item = await catalog.put_item(
                    db,
                    item_type="article",
                    ref=f"bench-{n}",
                    seller_id=user.id,
                    title=f"Article {n}",
                    prices={"CNY": PRICE},
                )
                items.append(item.id)
            for n in range(clients):
                user = await service.create_confirmed_user(
                    db,
                    email=f"u{n}@bench.invalid",
                    password=f"bench pass {n} {secrets.token_hex(4)}",
                    role=ROLE_CLIENT,
                )
                token, _ = await sessions.start(db, user, kind=SESSION_API, user_agent="benchmark")
                tokens.append(token)
    finally:
        await database.dispose()
    return tokens, items


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` and its descendants, from /proc (0 where there is none)."""
    children: dict[int, list[int]] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += times.get(current, 0.0)
        todo += children.get(current, [])
    return total


async def paced(
    send: Callable[[int], Awaitable[int]], clients: int, deadline: float, rate: float | None
) -> tuple[list[float], dict[int, int]]:
    """Run ``clients`` loops of ``send(n)`` until ``deadline``: back to back (closed loop), or
    ``rate`` per second in all (open loop), each latency then counted from when it was due."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def client(n: int) -> None:
        interval = clients / rate if rate else 0.0
        due = time.perf_counter() + (interval * n / clients if rate else 0.0)
        while due < deadline:
            if rate:
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
            started = due if rate else time.perf_counter()
            status = await send(n)
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1
            due = due + interval if rate else time.perf_counter()

    started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(clients)))
    # An open loop's answers may come in after the deadline: throughput counts the time they took.
    statuses[ELAPSED] = round((time.perf_counter() - started) * 1000)
    return latencies, statuses


async def load(
    base: str, tokens: list[str], items: list[int], seconds: float, rate: float | None, server_pid: int
) -> tuple[list[float], dict[int, int], float]:
    """Top every wallet up, warm up, then measure; also returns the server's CPU seconds meanwhile."""
    # Idle connections are dropped before the server's 5 s keep-alive ends: a request sent on a
    # connection the server is closing at that moment fails with a read error.
    limits = httpx.Limits(
        max_connections=len(tokens) + 10, max_keepalive_connections=len(tokens) + 10, keepalive_expiry=2
    )
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:
        # Every wallet gets money first (top-ups are paying requests too).
        for token in tokens:
            reply = await http.post(
                f"{API}/wallet/top-ups",
                json={
                    "amount": 5_000_00,
                    "currency": "CNY",
                    "method": "sandbox",
                    "card_number": "4242424242424242",
                },
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": secrets.token_hex(8)},
            )
            reply.raise_for_status()

        async def send(n: int) -> int:
            item = items[n % len(items)]
            reply = await http.post(
                f"{API}/checkout",
                json={"item_id": item, "currency": "CNY", "expected_amount": PRICE, "method": "wallet"},
                headers={"Authorization": f"Bearer {tokens[n]}", "Idempotency-Key": secrets.token_hex(12)},
            )
            return reply.status_code

        await paced(send, len(tokens), time.perf_counter() + 2, rate)  # warm-up
        cpu_before = cpu_seconds(server_pid)
        latencies, statuses = await paced(send, len(tokens), time.perf_counter() + seconds, rate)
        return latencies, statuses, cpu_seconds(server_pid) - cpu_before


async def load_service(
    database_url: str, clients: list[int], items: list[int], seconds: float, rate: float | None = None
) -> tuple[list[float], dict[int, int], int, float]:
    """The same purchases through the service layer: one unit of work per purchase, no HTTP.
    Also returns the SQL statements sent and the CPU seconds used while measuring."""
    from sqlalchemy import event

    from anxin.commerce import paying
    from anxin.commerce.errors import InsufficientFunds
    from anxin.commerce.schemas import CheckoutIn, TopUpIn
    from anxin.core.db import Database

    database = Database(database_url)
    statements = [0]

    def count(*_: object) -> None:
        statements[0] += 1

    event.listen(database.engine.sync_engine, "before_cursor_execute", count)
    try:
        for client_id in clients:
            async with database.transaction() as db:
                body = TopUpIn(
                    amount=5_000_00, currency="CNY", method="sandbox", card_number="4242424242424242"
                )
                await paying.top_up(db, client_id=client_id, key=secrets.token_hex(8), body=body)

        async def send(n: int) -> int:
            body = CheckoutIn(
                item_id=items[n % len(items)], currency="CNY", expected_amount=PRICE, method="wallet"
            )
            try:
                async with database.transaction() as db:
                    answer = await paying.checkout(
                        db, client_id=clients[n], key=secrets.token_hex(12), body=body
                    )
                return answer.status
            except InsufficientFunds:
                return 409

        await paced(send, len(clients), time.perf_counter() + 2, rate)  # warm-up
        statements[0] = 0
        cpu_before = time.process_time()
        latencies, statuses = await paced(send, len(clients), time.perf_counter() + seconds, rate)
        cpu = time.process_time() - cpu_before
    finally:
        await database.dispose()
    return latencies, statuses, statements[0], cpu


async def check_books(database_url: str) -> tuple[list[str], int]:
    from sqlalchemy import func, select

    from anxin.commerce.models import Order
    from anxin.commerce.reconcile import reconcile
    from anxin.core.db import Database

    database = Database(database_url)
    try:
        async with database.transaction(write=False) as db:
            report = await reconcile(db)
            purchases = int(
                await db.scalar(select(func.count()).select_from(Order).where(Order.kind == "purchase")) or 0
            )
        return report.violations, purchases
    finally:
        await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--layer", choices=["http", "service"], default="http")
    parser.add_argument("--counsellors", type=int, default=5, help="sellers the clients buy from")
    parser.add_argument("--rate", type=float, default=None, help="open loop: purchases per second in all")
    args = parser.parse_args()
    statements = cpu = 0.0

    from anxin.core.migrate import upgrade

    home = Path(tempfile.mkdtemp(prefix="anxin-bench-"))
    try:
        with throwaway_postgres(args.postgres) as (_, database_url):
            upgrade(database_url)
            tokens, items = asyncio.run(seed(home, database_url, args.clients, args.counsellors))
            started = time.perf_counter()
            if args.layer == "http":
                port = free_port()
                server = start_anxin_serve(home, database_url, port)
                try:
                    started = time.perf_counter()
                    latencies, statuses, cpu = asyncio.run(
                        load(f"http://127.0.0.1:{port}", tokens, items, args.seconds, args.rate, server.pid)
                    )
                finally:
                    stop(server)
            else:
                client_ids = list(range(1_000_000, 1_000_000 + args.clients))
                latencies, statuses, count, cpu = asyncio.run(
                    load_service(database_url, client_ids, items, args.seconds, args.rate)
                )
                statements = count / max(1, len(latencies))
            elapsed = time.perf_counter() - started
            violations, purchases = asyncio.run(check_books(database_url))
    finally:
        shutil.rmtree(home, ignore_errors=True)

    measured = max(args.seconds, statuses.pop(ELAPSED, 0) / 1000)
    succeeded = statuses.get(201, 0)
    layer = "the HTTP API" if args.layer == "http" else "the service layer (no HTTP)"
    pacing = f"open loop at {args.rate:g}/s" if args.rate else "closed loop"
    print(
        f"purchases through {layer} on PostgreSQL, {args.clients} clients buying from "
        f"{args.counsellors} counsellors, {args.seconds:.0f} s, {pacing}; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end"
    )
    print(f"  answers: {dict(sorted(statuses.items()))} (load phase {elapsed:.1f} s incl. top-ups, warm-up)")
    print(f"  throughput: {succeeded / measured:.1f} purchases/s (answered within {measured:.1f} s)")
    print(
        f"  latency: p50 {percentile(latencies, 0.50) * 1000:.1f} ms, "
        f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms, "
        f"mean {statistics.mean(latencies) * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms"
    )
    where = "server process" if args.layer == "http" else "benchmark process"
    print(f"  CPU: {cpu * 1000 / max(1, len(latencies)):.1f} ms per purchase in the {where}")
    if statements:
        print(f"  SQL statements: {statements:.1f} per purchase")
    print(f"  orders in the database: {purchases} (every 201 plus the warm-up ones; none beyond)")
    print(f"  reconcile: {len(violations)} violation(s)")
    for violation in violations[:20]:
        print(f"    {violation}")
    if violations:
        sys.exit(2)


if __name__ == "__main__":
    main()
