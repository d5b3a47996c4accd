"""Article page and audio range-request throughput and latency on PostgreSQL.

Starts `anxin serve` against a throwaway PostgreSQL database holding 1,000 items (articles and
courses with one audio lesson each) and 10,000 entitlements (100 readers × 100 purchases), then
runs N concurrent readers for S seconds per phase:

* ``page``:  GET /library/<id> as a signed-in reader (cookie session) for a random item they own
  (the entitlement check, Markdown rendered and sanitised from cache, the full page shell);
* ``audio``: GET /api/v1/content/media/<lesson>?t=<signed token> with ``Range: bytes=a-b`` (64 KiB
  at a random offset) for a lesson of a course the reader owns (signature, entitlement, file read).

Entitlements are seeded in bulk with SQL (orders marked fulfilled with purchase rows; no ledger
postings), since the benchmark measures reads; a few items are bought through the real service
first so the shapes match.

Closed loop by default (each reader asks again as soon as it is answered: the most the server can
do, and latency that is mostly queueing); ``--rate R`` is an open loop at R requests per second in
all, each latency counted from when the request was due. The readers use a minimal keep-alive
HTTP/1.1 client (``KeepAliveClient``), since the load generator shares the cores it measures. It
prints the server processes' CPU per request (from /proc; what the server costs whatever the load)
and its own.

Run: .venv/bin/python -m benchmarks.content_throughput [--clients 32] [--seconds 15] [--workers 1]
     [--rate R] [--postgres postgresql://postgres@127.0.0.1:5432/postgres] [--revision heads]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import secrets
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks._server import free_port, percentile, start_anxin_serve, stop, throwaway_postgres

ITEMS, READERS, OWNED, AUTHORS = 1_000, 100, 100, 20
COURSE_EVERY = 10  # every tenth item is a course with one lesson
CHUNK = 64 * 1024


def audio_bytes(seconds: float = 30.0) -> bytes:
    from anxin.content.demo import tone

    return tone(seconds=seconds)


async def seed(home: Path, database_url: str) -> tuple[list[tuple[str, int, list[int], list[int]]], int]:
    """Readers as (cookie token, user id, owned article ids, owned lesson ids); the audio size."""
    os.environ["ANXIN_TEST_FAST_HASH"] = "1"
    from sqlalchemy import insert

    from anxin.accounts import keys, mfa, sessions
    from anxin.accounts import service as accounts
    from anxin.accounts.models import SESSION_COOKIE
    from anxin.commerce.models import Order
    from anxin.content.models import ContentItem, Lesson, Purchase
    from anxin.content.storage import storage_for
    from anxin.core import clock
    from anxin.core.config import Settings
    from anxin.core.db import Database
    from anxin.modules import load_tasks

    load_tasks()
    settings = Settings(home=home, database_url=database_url)  # type: ignore[call-arg]
    keys.use_settings(settings)
    database = Database(database_url)
    rng = random.Random(7)
    data = audio_bytes()
    store = storage_for(home)
    now = clock.utcnow()
    readers: list[tuple[str, int, list[int], list[int]]] = []
    try:
        async with database.transaction() as db:
            authors = []
            for n in range(AUTHORS):
                user = await accounts.create_confirmed_user(
                    db,
                    email=f"a{n}@bench.invalid",
                    password=f"bench pass {secrets.token_hex(4)}",
                    role="counsellor",
                )
                await accounts.enable_totp_with_secret(db, user, mfa.new_secret())
                authors.append(user.id)
            items = []
            for n in range(ITEMS):
                course = n % COURSE_EVERY == 0
                row = ContentItem(
                    kind="course" if course else "article",
                    author_id=authors[n % AUTHORS],
                    status="published",
                    topic="sleep",
                    language="zh" if n % 2 else "en",
                    title=f"Item {n}",
                    summary="A benchmark item.",
                    preview_md=f"## Item {n}\n\nA **free** part with a [link](https://example.org).",
                    body_md=f"The paid part of item {n}.\n\n" + "- a point to remember\n" * 40,
                    currency="CNY",
                    amount=10_00,
                    catalog_item_id=None,
                    seats_taken=0,
                    sales=0,
                    created_at=now,
                    published_at=now,
                )
                db.add(row)
                items.append(row)
            await db.flush()
            lesson_of: dict[int, int] = {}
            for row in items:
                if row.kind == "course":
                    lesson = Lesson(
                        course_id=row.id,
                        position=1,
                        title="Lesson",
                        notes_md="Notes",
                        free=False,
                        storage_key=store.put(data),
                        media_type="audio/wav",
                        size=len(data),
                        listens=0,
                        created_at=now,
                    )
                    db.add(lesson)
                    await db.flush()
                    lesson_of[row.id] = lesson.id
            for n in range(READERS):
                user = await accounts.create_confirmed_user(
                    db,
                    email=f"r{n}@bench.invalid",
                    password=f"bench pass {secrets.token_hex(4)}",
                    role="client",
                )
                token, _ = await sessions.start(db, user, kind=SESSION_COOKIE, user_agent="benchmark")
                owned = rng.sample(items, OWNED)
                order_ids = (
                    await db.scalars(
                        insert(Order).returning(Order.id),
                        [
                            {
                                "kind": "purchase",
                                "client_id": user.id,
                                "item_id": None,
                                "item_type": item.kind,
                                "seller_id": item.author_id,
                                "currency": "CNY",
                                "amount": 10_00,
                                "status": "fulfilled",
                                "payment_method": "wallet",
                                "commission_bp": 3000,
                                "refund_policy": {},
                                "consumed_bp": 0,
                                "captured_amount": 10_00,
                                "refunded_amount": 0,
                                "allocated_gross": 0,
                                "allocated_fee": 0,
                                "refunded_after_allocation": 0,
                                "fee_refunded": 0,
                                "net_refunded_from_pending": 0,
                                "created_at": now,
                            }
                            for item in owned
                        ],
                    )
                ).all()
                await db.execute(
                    insert(Purchase),
                    [
                        {
                            "client_id": user.id,
                            "content_id": item.id,
                            "order_id": order_id,
                            "seat_held": False,
                            "created_at": now,
                        }
                        for item, order_id in zip(owned, order_ids, strict=True)
                    ],
                )
                readers.append(
                    (
                        token,
                        user.id,
                        [item.id for item in owned if item.kind == "article"],
                        [lesson_of[item.id] for item in owned if item.kind == "course"],
                    )
                )
    finally:
        await database.dispose()
    return readers, len(data)


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU of a process and its children (the web processes), from /proc."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, parent = int(stat.parent.name), int(fields[1])
        if pid == root or parent == root:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def redis_env(workers: int) -> dict[str, str]:
    """More than one web process needs Redis for the outbox and events (a namespace of their own)."""
    if workers <= 1:
        return {}
    return {
        "ANXIN_REDIS_URL": os.environ.get("ANXIN_REDIS_URL", "redis://127.0.0.1:6379/0"),
        "ANXIN_REDIS_NAMESPACE": f"bench{secrets.token_hex(3)}",
    }


class KeepAliveClient:
    """A minimal HTTP/1.1 client on one kept-alive connection: GET, read the status, headers and a
    Content-Length body. The load generator shares the two cores with the server and PostgreSQL;
    httpx spent 2.5-3.7 ms of CPU per request here, more than the audio endpoint itself, this
    about a tenth of that."""

    def __init__(self, host: str, port: int, cookie: str) -> None:
        self.host, self.port, self.cookie = host, port, cookie
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, target: str, headers: dict[str, str]) -> tuple[int, bytes]:
        try:
            return await self._get(target, headers)
        except (asyncio.IncompleteReadError, ConnectionError):
            # The server closed an idle kept-alive connection (slow open-loop rates): once more on a new one.
            await self.close()
            return await self._get(target, headers)

    async def _get(self, target: str, headers: dict[str, str]) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        lines = [f"GET {target} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Cookie: {self.cookie}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        length = 0
        for line in header_lines:
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return int(status_line.split(" ", 2)[1]), await self.reader.readexactly(length)

    async def close(self) -> None:
        if self.writer is not None:
            writer, self.reader, self.writer = self.writer, None, None
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


async def run_phase(
    base: str,
    readers: list[tuple[str, int, list[int], list[int]]],
    phase: str,
    clients: int,
    seconds: float,
    audio_size: int,
    rate: float | None = None,
) -> tuple[list[float], dict[int, int]]:
    """Closed loop (each reader asks again as soon as it is answered), or with ``rate`` an open
    loop: ``rate`` requests per second in all, spread evenly over the readers, each latency counted
    from when the request was due (a backlog counts)."""
    from anxin.content import media

    host, port = base.removeprefix("http://").rsplit(":", 1)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    began_at = time.perf_counter()
    stop = began_at + seconds

    async def reader(n: int) -> None:
        token, user_id, articles, lessons = readers[n % len(readers)]
        rng = random.Random(n)
        links = {lesson: media.lesson_url(lesson, user_id) for lesson in lessons}
        http = KeepAliveClient(host, int(port), f"anxin_session={token}")
        interval = clients / rate if rate else 0.0
        due = began_at + rng.random() * interval
        try:
            while (now := time.perf_counter()) < stop:
                if rate:
                    if due > now:
                        await asyncio.sleep(due - now)
                    began, due = due, due + interval
                if phase == "page":
                    url, headers = f"/library/{rng.choice(articles)}", {"Accept-Language": "en"}
                else:
                    start = rng.randrange(0, audio_size - CHUNK)
                    url, headers = links[rng.choice(lessons)], {"Range": f"bytes={start}-{start + CHUNK - 1}"}
                if not rate:
                    began = time.perf_counter()
                status, body = await http.get(url, headers)
                latencies.append(time.perf_counter() - began)
                statuses[status] = statuses.get(status, 0) + 1
                if phase == "page" and b"The paid part" not in body:
                    statuses[-1] = statuses.get(-1, 0) + 1  # an entitled reader did not get the text
                elif phase == "audio" and len(body) != CHUNK:
                    statuses[-2] = statuses.get(-2, 0) + 1  # a range answered with the wrong length
        finally:
            await http.close()

    await asyncio.gather(*(reader(n) for n in range(clients)))
    return latencies, statuses


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--rate",
        type=float,
        default=None,
        help="open loop: requests/s in all (default: closed loop)",
    )
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument(
        "--revision", default="heads", help="schema revisions to apply, comma-separated (default: every head)"
    )
    args = parser.parse_args()

    from anxin.core.migrate import upgrade

    home = Path(tempfile.mkdtemp(prefix="anxin-bench-"))
    results = {}
    cpu: dict[str, float] = {}
    client_cpu: dict[str, float] = {}
    try:
        with throwaway_postgres(args.postgres) as (_, database_url):
            for revision in args.revision.split(","):
                upgrade(database_url, revision.strip())
            readers, audio_size = asyncio.run(seed(home, database_url))
            port = free_port()
            server = start_anxin_serve(
                home, database_url, port, workers=args.workers, env=redis_env(args.workers)
            )
            try:
                base = f"http://127.0.0.1:{port}"
                for phase in ("page", "audio"):  # warm-up: compiled statements, templates, caches
                    asyncio.run(run_phase(base, readers, phase, 4, 3.0, audio_size))
                for phase in ("page", "audio"):
                    cpu_before, own_before = tree_cpu_seconds(server.pid), time.process_time()
                    results[phase] = asyncio.run(
                        run_phase(base, readers, phase, args.clients, args.seconds, audio_size, args.rate)
                    )
                    cpu[phase] = tree_cpu_seconds(server.pid) - cpu_before
                    client_cpu[phase] = time.process_time() - own_before
            finally:
                stop(server)
    finally:
        shutil.rmtree(home, ignore_errors=True)

    load = os.getloadavg()
    print(
        f"content reads on PostgreSQL: {ITEMS} items, {READERS * OWNED} entitlements, "
        f"{args.clients} concurrent readers"
        + (f" at {args.rate:g} requests/s (open loop)" if args.rate else " (closed loop)")
        + f", {args.workers} web process(es), {args.seconds:.0f} s per phase; "
        f"load average {load[0]:.1f}"
    )
    for phase, (latencies, statuses) in results.items():
        ok = statuses.get(200, 0) + statuses.get(206, 0)
        print(
            f"  {phase:<5}: {ok / args.seconds:7.1f} req/s, "
            f"p50 {percentile(latencies, 0.5) * 1000:6.1f} ms, "
            f"p99 {percentile(latencies, 0.99) * 1000:6.1f} ms, "
            f"mean {statistics.mean(latencies) * 1000:6.1f} ms; "
            f"answers {dict(sorted(statuses.items()))}"
        )
        per_request = cpu[phase] / max(1, len(latencies)) * 1000
        print(
            f"         server CPU {per_request:.2f} ms per request "
            f"(so about {1000 / per_request:.0f} req/s per fully free core); "
            f"load generator CPU {client_cpu[phase] / max(1, len(latencies)) * 1000:.2f} ms per request"
        )


if __name__ == "__main__":
    main()
