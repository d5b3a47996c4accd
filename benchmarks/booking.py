"""Booking throughput and latency, and directory search latency, through the real HTTP API on
PostgreSQL.

Starts `anxin serve` (one process) against a throwaway PostgreSQL database and seeds verified
counsellors (available around the clock in UTC, no buffer) and clients with API tokens. Then:

* **booking**: N concurrent clients each hold slot after slot (``POST /api/v1/appointments/bookings``:
  availability expansion, the partial unique index, the informed-consent record, a catalog item in
  commerce) for ``--seconds``; each client books its own counsellor, so every attempt should win.
  Reports bookings/s and latency percentiles, and checks that the database holds exactly one active
  booking per (counsellor, start) and as many as there were 201s.
* **search**: ``--counsellors`` verified profiles with varied specialties, languages, prices and
  bilingual bios; sequential directory queries mixing text (Chinese and English) and filters.
  Reports latency percentiles.

Goals (test plan): ≥ 200 bookings/s with p99 ≤ 100 ms at 50 concurrent clients; directory p99 ≤ 50 ms
with 1,000 counsellors. By default the clients book back to back (closed loop), which measures the
most the server can do; its latency is then mostly queueing (Little's law: mean latency = clients /
throughput, so 50 clients at 200/s wait 250 ms on average). ``--rate R`` books R per second in all
(open loop, each latency counted from when the booking was due): the latency at a given load. The
server's CPU time per booking (from /proc) is printed too; the box's load changes it little.

Run: .venv/bin/python -m benchmarks.booking [--clients 50] [--seconds 20] [--counsellors 1000] [--workers 1]
     [--rate R] [--postgres postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from benchmarks._server import free_port, start_anxin_serve, stop, throwaway_postgres
from benchmarks.purchase import ELAPSED, cpu_seconds, paced

API = "/api/v1/appointments"
PRICE = 200_00
SPECIALTIES = ["anxiety", "depression", "relationships", "career", "parenting", "trauma", "grief", "sleep"]
WORDS_EN = ["calm", "practical", "warm", "gentle", "direct", "curious", "steady", "patient"]
WORDS_ZH = ["焦虑", "抑郁", "亲密关系", "职场", "亲子", "创伤", "哀伤", "失眠"]
QUERIES = [
    {"q": "焦虑"},
    {"q": "calm"},
    {"q": "counsellor 7"},
    {"specialty": "trauma", "language": "zh"},
    {"modality": "video", "max_price": 30000},
    {"q": "亲子", "gender": "female"},
    {"min_price": 15000, "max_price": 25000, "specialty": "sleep"},
    {},
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def seed(home: Path, database_url: str, clients: int, counsellors: int) -> tuple[list[str], list[int]]:
    os.environ["ANXIN_TEST_FAST_HASH"] = "1"  # seeding speed only; nobody signs in with these
    from anxin.accounts import keys, service, sessions
    from anxin.accounts.models import ROLE_CLIENT, ROLE_COUNSELLOR, SESSION_API
    from anxin.core.config import Settings
    from anxin.core.db import Database
    from anxin.counselors import service as counselors
    from anxin.counselors.models import VERIFIED
    from anxin.counselors.schemas import ProfileIn, RuleIn
    from anxin.modules import load_tasks

    load_tasks()
    settings = Settings(home=home, database_url=database_url)  # type: ignore[call-arg]
    keys.use_settings(settings)
    database = Database(database_url)
    rng = random.Random(7)
    tokens: list[str] = []
    counsellor_ids: list[int] = []
    try:
        for start in range(0, counsellors, 100):
            async with database.transaction() as db:
                for n in range(start, min(counsellors, start + 100)):
                    user = await service.create_confirmed_user(
                        db, email=f"c{n}@bench.invalid", password=f"bench pass {n} x", role=ROLE_COUNSELLOR
                    )
                    user.totp_enabled_at = datetime.now(UTC)  # API tokens only; no sign-in needed
                    profile = ProfileIn(
                        name_en=f"Counsellor {n}",
                        name_zh=f"咨询师{n}号",
                        bio_en=" ".join(rng.sample(WORDS_EN, 3)) + f" support for people, number {n}.",
                        bio_zh="擅长" + "、".join(rng.sample(WORDS_ZH, 3)) + "等议题。",
                        specialties=rng.sample(SPECIALTIES, 3),
                        approaches=["cbt"],
                        languages=rng.choice([["zh"], ["en"], ["zh", "en"]]),
                        gender=rng.choice(["female", "male"]),
                        city="Shanghai",
                        prices={
                            "text": PRICE if n < clients else rng.randrange(100, 600) * 100,
                            "video": 40000,
                        },
                        timezone="UTC",
                        buffer_minutes=0,
                    )
                    row = await counselors.save_profile(db, user, profile)
                    await counselors.set_weekly_rules(
                        db, user, [RuleIn(weekday=d, start="00:00", end="24:00") for d in range(7)]
                    )
                    row.status = VERIFIED
                    counsellor_ids.append(user.id)
        async with database.transaction() as db:
            for n in range(clients):
                user = await service.create_confirmed_user(
                    db, email=f"u{n}@bench.invalid", password=f"bench pass {n} x", role=ROLE_CLIENT
                )
                token, _ = await sessions.start(db, user, kind=SESSION_API, user_agent="benchmark")
                tokens.append(token)
    finally:
        await database.dispose()
    return tokens, counsellor_ids


def slot_starts(count: int) -> list[str]:
    """Slot starts on the UTC grid (every 50 minutes from midnight), from tomorrow on."""
    day = (datetime.now(UTC) + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    starts = []
    while len(starts) < count:
        for k in range(28):
            starts.append((day + timedelta(minutes=50 * k)).isoformat())
        day += timedelta(days=1)
    return starts[:count]


async def book(
    base: str, tokens: list[str], counsellors: list[int], seconds: float, rate: float | None, server_pid: int
) -> tuple[list[float], dict[int, int], float]:
    """Warm up, then measure; also returns the server's CPU seconds while measuring."""
    starts = slot_starts(28 * 55)
    # Idle connections are dropped before the server's 5 s keep-alive ends: a request sent on a
    # connection the server is closing at that moment fails with a read error.
    limits = httpx.Limits(
        max_connections=len(tokens) + 10, max_keepalive_connections=len(tokens) + 10, keepalive_expiry=2
    )
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:
        position = [0] * len(tokens)

        async def send(n: int) -> int:
            body = {
                "counsellor_id": counsellors[n],
                "starts_at": starts[position[n] % len(starts)],
                "modality": "text",
                "currency": "CNY",
                "expected_amount": PRICE,
                "accept_terms_version": 1,
            }
            position[n] += 1
            headers = {"Authorization": f"Bearer {tokens[n]}"}
            return (await http.post(f"{API}/bookings", json=body, headers=headers)).status_code

        await paced(send, len(tokens), time.perf_counter() + 2, rate)  # warm-up
        cpu_before = cpu_seconds(server_pid)
        latencies, statuses = await paced(send, len(tokens), time.perf_counter() + seconds, rate)
        return latencies, statuses, cpu_seconds(server_pid) - cpu_before


async def search(base: str, rounds: int) -> tuple[list[float], set[int]]:
    latencies: list[float] = []
    statuses: set[int] = set()
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        for query in QUERIES:  # warm-up
            await http.get("/api/v1/counselors", params=query)
        for n in range(rounds):
            query = QUERIES[n % len(QUERIES)]
            started = time.perf_counter()
            reply = await http.get("/api/v1/counselors", params=query)
            latencies.append(time.perf_counter() - started)
            statuses.add(reply.status_code)
    return latencies, statuses


def redis_env(workers: int) -> dict[str, str]:
    """More than one web process needs Redis for the outbox and events."""
    if workers <= 1:
        return {}
    return {"ANXIN_REDIS_URL": os.environ.get("ANXIN_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")}


def check_database(admin_url: str, name: str) -> tuple[int, int]:
    import psycopg

    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(url) as conn:
        active = conn.execute(
            "SELECT count(*) FROM bookings WHERE status IN ('held', 'confirmed')"
        ).fetchone()
        distinct = conn.execute(
            "SELECT count(DISTINCT (counsellor_id, starts_at)) FROM bookings"
            " WHERE status IN ('held', 'confirmed')"
        ).fetchone()
    assert active is not None and distinct is not None
    return int(active[0]), int(distinct[0])


def report(title: str, latencies: list[float], extra: str = "") -> None:
    ms = [v * 1000 for v in latencies]
    print(
        f"{title}: n={len(ms)} p50={statistics.median(ms):.1f} ms p95={percentile(ms, 95):.1f} ms "
        f"p99={percentile(ms, 99):.1f} ms max={max(ms):.1f} ms {extra}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--counsellors", type=int, default=1000)
    parser.add_argument("--searches", type=int, default=800)
    parser.add_argument("--workers", type=int, default=1, help="web processes (> 1 uses Redis)")
    parser.add_argument("--rate", type=float, default=None, help="open loop: bookings per second in all")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="anxin-bench-"))
    try:
        with throwaway_postgres(args.postgres) as (name, database_url):
            from anxin.core.migrate import upgrade

            upgrade(database_url)
            started = time.perf_counter()
            tokens, counsellors = asyncio.run(
                seed(home, database_url, args.clients, max(args.counsellors, args.clients))
            )
            took = time.perf_counter() - started
            print(f"seeded {len(counsellors)} counsellors and {len(tokens)} clients in {took:.0f} s")
            port = free_port()
            server = start_anxin_serve(
                home, database_url, port, workers=args.workers, env=redis_env(args.workers)
            )
            try:
                base = f"http://127.0.0.1:{port}"
                latencies, statuses = asyncio.run(search(base, args.searches))
                report(
                    f"directory search ({len(counsellors)} counsellors)",
                    latencies,
                    f"statuses={sorted(statuses)}",
                )
                waits, answers, cpu = asyncio.run(
                    book(base, tokens, counsellors, args.seconds, args.rate, server.pid)
                )
                measured = max(args.seconds, answers.pop(ELAPSED, 0) / 1000)
                won = answers.get(201, 0)
                pacing = f"open loop at {args.rate:g}/s" if args.rate else "closed loop"
                report(
                    f"booking ({args.clients} concurrent clients, {pacing})",
                    waits,
                    f"bookings/s={won / measured:.0f} statuses={dict(sorted(answers.items()))} "
                    f"server CPU {cpu * 1000 / max(1, len(waits)):.1f} ms/booking "
                    f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)",
                )
                active, distinct = check_database(args.postgres, name)
                print(f"database: {active} active bookings, {distinct} distinct slots (must be equal)")
                assert active == distinct
                assert not any(status >= 500 for status in answers)
            finally:
                stop(server)
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
