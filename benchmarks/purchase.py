"""Purchase throughput and latency through the real HTTP API on PostgreSQL, then reconcile.

Starts `anxin serve` (one process) against a throwaway PostgreSQL database, signs up clients and
counsellors, tops every wallet up, then runs N concurrent clients that each buy articles from their
wallet in a loop, every request with its own Idempotency-Key (a purchase: idempotency key row,
order, payment, two ledger transactions with four entries, two locked balances, an outbox event).
Afterwards it checks that every 201 is exactly one order and runs the reconciliation.

``--layer service`` measures the same purchases without HTTP (``commerce.paying.checkout`` called
in-process, one unit of work each), to tell the database work from the web stack's.

Run: .venv/bin/python -m benchmarks.purchase [--clients 50] [--seconds 20] [--layer http|service]
     [--postgres postgresql://postgres@127.0.0.1:5432/postgres]
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
from pathlib import Path

import httpx

from benchmarks._server import free_port, percentile, start_anxin_serve, stop, throwaway_postgres

API = "/api/v1/commerce"
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


async def load(
    base: str, tokens: list[str], items: list[int], seconds: float
) -> tuple[list[float], dict[int, int]]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    limits = httpx.Limits(max_connections=len(tokens) + 10, max_keepalive_connections=len(tokens) + 10)
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

        async def client(n: int, deadline: float, measure: bool) -> None:
            headers = {"Authorization": f"Bearer {tokens[n]}"}
            item = items[n % len(items)]
            body = {"item_id": item, "currency": "CNY", "expected_amount": PRICE, "method": "wallet"}
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                reply = await http.post(
                    f"{API}/checkout",
                    json=body,
                    headers={**headers, "Idempotency-Key": secrets.token_hex(12)},
                )
                if measure:
                    latencies.append(time.perf_counter() - started)
                    statuses[reply.status_code] = statuses.get(reply.status_code, 0) + 1

        warm = time.perf_counter() + 2
        await asyncio.gather(*(client(n, warm, False) for n in range(len(tokens))))
        deadline = time.perf_counter() + seconds
        await asyncio.gather(*(client(n, deadline, True) for n in range(len(tokens))))
    return latencies, statuses


async def load_service(
    database_url: str, clients: list[int], items: list[int], seconds: float
) -> tuple[list[float], dict[int, int]]:
    """The same purchases through the service layer: one unit of work per purchase, no HTTP."""
    from anxin.commerce import paying
    from anxin.commerce.errors import InsufficientFunds
    from anxin.commerce.schemas import CheckoutIn, TopUpIn
    from anxin.core.db import Database

    latencies: list[float] = []
    statuses: dict[int, int] = {}
    database = Database(database_url)
    try:
        for client_id in clients:
            async with database.transaction() as db:
                body = TopUpIn(
                    amount=5_000_00, currency="CNY", method="sandbox", card_number="4242424242424242"
                )
                await paying.top_up(db, client_id=client_id, key=secrets.token_hex(8), body=body)

        async def client(n: int, deadline: float, measure: bool) -> None:
            body = CheckoutIn(
                item_id=items[n % len(items)], currency="CNY", expected_amount=PRICE, method="wallet"
            )
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    async with database.transaction() as db:
                        answer = await paying.checkout(
                            db, client_id=clients[n], key=secrets.token_hex(12), body=body
                        )
                    status = answer.status
                except InsufficientFunds:
                    status = 409
                if measure:
                    latencies.append(time.perf_counter() - started)
                    statuses[status] = statuses.get(status, 0) + 1

        warm = time.perf_counter() + 2
        await asyncio.gather(*(client(n, warm, False) for n in range(len(clients))))
        deadline = time.perf_counter() + seconds
        await asyncio.gather(*(client(n, deadline, True) for n in range(len(clients))))
    finally:
        await database.dispose()
    return latencies, statuses


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
    args = parser.parse_args()

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
                    latencies, statuses = asyncio.run(
                        load(f"http://127.0.0.1:{port}", tokens, items, args.seconds)
                    )
                finally:
                    stop(server)
            else:
                client_ids = list(range(1_000_000, 1_000_000 + args.clients))
                latencies, statuses = asyncio.run(load_service(database_url, client_ids, items, args.seconds))
            elapsed = time.perf_counter() - started
            violations, purchases = asyncio.run(check_books(database_url))
    finally:
        shutil.rmtree(home, ignore_errors=True)

    succeeded = statuses.get(201, 0)
    layer = "the HTTP API" if args.layer == "http" else "the service layer (no HTTP)"
    print(
        f"purchases through {layer} on PostgreSQL, {args.clients} clients buying from "
        f"{args.counsellors} counsellors, {args.seconds:.0f} s"
    )
    print(f"  answers: {dict(sorted(statuses.items()))} (load phase {elapsed:.1f} s incl. top-ups, warm-up)")
    print(f"  throughput: {succeeded / args.seconds:.1f} purchases/s")
    print(
        f"  latency: p50 {percentile(latencies, 0.50) * 1000:.1f} ms, "
        f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms, "
        f"mean {statistics.mean(latencies) * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms"
    )
    print(f"  orders in the database: {purchases} (every 201 plus the warm-up ones; none beyond)")
    print(f"  reconcile: {len(violations)} violation(s)")
    for violation in violations[:20]:
        print(f"    {violation}")
    if violations:
        sys.exit(2)


if __name__ == "__main__":
    main()
