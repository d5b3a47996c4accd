"""Assessments: cost of the pure scoring function, of storing a questionnaire (score, seal the
answers, risk hook, outbox event, commit) and of reading a year of diary trends.

Builds a fresh database with the migrations (SQLite in a temporary folder by default, or the
PostgreSQL URL given), then, for ``--people`` clients, stores ``--responses`` PHQ-9/GAD-7 answers
each in its own transaction (as one request would) and ``--days`` diary entries; times each step.

Run: .venv/bin/python -m benchmarks.assessments_submit [--people 20] [--responses 25] [--days 365]
     [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/<empty database>]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("ANXIN_TEST_FAST_HASH", "1")  # seeding accounts, not measuring sign-in

from anxin.accounts import service as accounts
from anxin.assessments import scoring, service, trends
from anxin.assessments.instruments import GAD7, PHQ9
from anxin.core import clock
from anxin.core.db import Database
from anxin.core.migrate import upgrade
from anxin.modules import load_tasks
from anxin.privacy import keys
from anxin.privacy.keys import MasterKeyring


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(name: str, seconds: list[float]) -> None:
    ms = [s * 1000 for s in seconds]
    print(
        f"{name:<28} n={len(ms):<6} p50={statistics.median(ms):.3f} ms  p99={percentile(ms, 0.99):.3f} ms  "
        f"throughput={len(ms) / sum(seconds):.0f}/s (serial)"
    )


def bench_scoring(rng: random.Random, count: int) -> None:
    answers = [[rng.randint(0, 3) for _ in range(9)] for _ in range(count)]
    started = time.perf_counter()
    for row in answers:
        scoring.score(PHQ9, row)
    elapsed = time.perf_counter() - started
    print(f"{'score() PHQ-9':<28} n={count:<6} {elapsed / count * 1e6:.2f} µs per call")


async def run(database_url: str, people: int, responses: int, days: int, seed: int) -> None:
    rng = random.Random(seed)
    bench_scoring(rng, 100_000)
    upgrade(database_url)
    load_tasks()
    keys.use_keyring(MasterKeyring.generate("v1"))
    database = Database(database_url)
    try:
        ids = []
        async with database.transaction() as db:
            for i in range(people):
                user = await accounts.create_confirmed_user(
                    db, email=f"bench{i}@example.com", password="bench password 1", role="client"
                )
                ids.append(user.id)
        submits: list[float] = []
        for _ in range(responses):
            for user_id in ids:
                spec = rng.choice((PHQ9, GAD7))
                answers = [rng.randint(0, 3) for _ in spec.items]
                started = time.perf_counter()
                async with database.transaction() as db:
                    await service.submit(db, user_id, spec.code, answers, language="en")
                submits.append(time.perf_counter() - started)
        report("submit + commit", submits)
        today = clock.utcnow().date()
        diary: list[float] = []
        for user_id in ids[: max(1, people // 4)]:
            for offset in range(days):
                started = time.perf_counter()
                async with database.transaction() as db:
                    await service.save_diary(
                        db,
                        user_id,
                        day=today - timedelta(days=offset),
                        mood=rng.randint(1, 10),
                        sleep_hours=7,
                    )
                diary.append(time.perf_counter() - started)
        report("diary entry + commit", diary)
        reads: list[float] = []
        for user_id in ids[: max(1, people // 4)]:
            for _ in range(20):
                started = time.perf_counter()
                async with database.transaction(write=False) as db:
                    entries = await service.diary_entries(db, user_id)
                    days_ = [trends.DayMood(e.day, e.mood, e.sleep_minutes) for e in entries]
                    trends.trend(days_, "week")
                    trends.trend(days_, "month")
                reads.append(time.perf_counter() - started)
        report(f"trends of {days} days", reads)
    finally:
        await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=20)
    parser.add_argument("--responses", type=int, default=25)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        asyncio.run(run(url, args.people, args.responses, args.days, args.seed))


if __name__ == "__main__":
    main()
