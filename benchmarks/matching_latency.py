"""Matching latency with 1,000 verified counsellors (goal p99 ≤ 100 ms).

Builds a fresh database with the migrations (SQLite in a temporary folder by default, or the
PostgreSQL URL given), seeds ``--counsellors`` verified profiles through the counselors service
(random specialties, approaches, languages, ways of meeting, prices and weekly hours in several
time zones), then times ``matching.service.match`` (the candidate query, availability of every
candidate for the coming week, scoring, and the real-calendar check of the listed ten) for
``--queries`` random intakes, each in its own read transaction as a request would run.

Run: .venv/bin/python -m benchmarks.matching_latency [--counsellors 1000] [--queries 200]
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
from pathlib import Path

from sqlalchemy import event

os.environ.setdefault("ANXIN_TEST_FAST_HASH", "1")  # seeding 1,000 accounts, not measuring sign-in

from anxin.accounts import service as accounts
from anxin.accounts.models import ROLE_COUNSELLOR
from anxin.core.db import Database
from anxin.core.migrate import upgrade
from anxin.counselors import service as counselors
from anxin.counselors.models import VERIFIED
from anxin.counselors.schemas import ProfileIn, RuleIn
from anxin.matching import service
from anxin.matching.scoring import PERIODS, Intake
from anxin.modules import load_tasks
from anxin.privacy import keys
from anxin.privacy.keys import MasterKeyring

SPECIALTIES = ["anxiety", "depression", "relationships", "career", "parenting", "trauma", "grief", "sleep"]
APPROACHES = ["cbt", "psychodynamic", "humanistic", "family_systems", "mindfulness"]
ZONES = ["Asia/Shanghai", "Asia/Hong_Kong", "Europe/London", "America/New_York"]


async def seed(database: Database, count: int, rng: random.Random) -> None:
    for start in range(0, count, 100):
        async with database.transaction() as db:
            for i in range(start, min(count, start + 100)):
                user = await accounts.create_confirmed_user(
                    db, email=f"bench{i}@example.com", password="bench password 1", role=ROLE_COUNSELLOR
                )
                modalities = rng.sample(["text", "voice", "video"], rng.randint(1, 3))
                profile = await counselors.save_profile(
                    db,
                    user,
                    ProfileIn(
                        name_en=f"Counsellor {i}",
                        name_zh=f"咨询师{i}",
                        specialties=rng.sample(SPECIALTIES, rng.randint(1, 3)),
                        approaches=rng.sample(APPROACHES, rng.randint(1, 2)),
                        languages=rng.sample(["zh", "en", "yue"], rng.randint(1, 2)),
                        gender=rng.choice(["female", "male"]),
                        prices={m: rng.randint(100, 800) * 100 for m in modalities},
                        timezone=rng.choice(ZONES),
                        first_session_discount_bp=rng.choice([0, 0, 0, 1000]),
                    ),
                )
                days = rng.sample(range(7), rng.randint(2, 6))
                start_hour = rng.randint(7, 14)
                windows = [
                    RuleIn(weekday=d, start=f"{start_hour:02d}:00", end=f"{start_hour + 8:02d}:00")
                    for d in days
                ]
                await counselors.set_weekly_rules(db, user, windows)
                profile.status = VERIFIED  # stands in for the admin's decision


def random_intake(rng: random.Random) -> Intake:
    return Intake(
        concerns=tuple(rng.sample(SPECIALTIES, rng.randint(0, 2))),
        language=rng.choice([None, "zh", "zh", "en", "yue"]),
        gender=rng.choice([None, None, "female", "male"]),
        approach=rng.choice([None, None, *APPROACHES]),
        modality=rng.choice([None, "text", "video"]),
        budget=rng.choice([None, 300_00, 500_00, 800_00]),
        times=tuple(rng.sample(PERIODS, rng.randint(0, 2))),
        first_time=rng.choice([None, True, False]),
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run(args: argparse.Namespace) -> None:
    load_tasks()
    keys.use_keyring(MasterKeyring.generate("v1"))
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        database = Database(url)
        rng = random.Random(args.seed)
        started = time.perf_counter()
        await seed(database, args.counsellors, rng)
        print(
            f"seeded {args.counsellors} verified counsellors in {time.perf_counter() - started:.1f} s "
            f"({url.split(':')[0]})"
        )
        statements = [0]

        def count(*_: object) -> None:
            statements[0] += 1

        event.listen(database.engine.sync_engine, "before_cursor_execute", count)
        for confirm in (False, True):
            timings, cpu, queries, listed = [], [], [], []
            for _ in range(args.queries):
                intake = random_intake(rng)
                statements[0] = 0
                t0, c0 = time.perf_counter(), time.process_time()
                async with database.transaction() as db:
                    ranked = await service.match(db, intake, confirm=confirm)
                timings.append((time.perf_counter() - t0) * 1000)
                # CPU of the whole process (SQLite's thread included): steady under other load.
                cpu.append((time.process_time() - c0) * 1000)
                queries.append(statements[0])
                listed.append(len(ranked))
            label = (
                "with the real-calendar check of the listed"
                if confirm
                else "scoring only (rules + exceptions)"
            )
            print(
                f"{label}: {args.queries} queries, p50 {statistics.median(timings):.1f} ms, "
                f"p95 {percentile(timings, 0.95):.1f} ms, p99 {percentile(timings, 0.99):.1f} ms, "
                f"CPU {statistics.fmean(cpu):.1f} ms and {statistics.fmean(queries):.1f} statements "
                f"per match (mean), mean listed {statistics.fmean(listed):.1f}"
            )
        await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counsellors", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--database-url", default=None)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
