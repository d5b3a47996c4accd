"""Crisis alert latency: from a high-risk message being sent in a room to the risk alert arriving on
the counsellor's own realtime socket (``user:<id>``), through one real ``anxin`` web process.

``--pairs`` client–counsellor pairs in care, each with a room; every counsellor holds a socket
subscribed to their user channel, every client a room socket (``anxin.rooms.client``). Clients send
known-positive texts (the shipped must-catch regression set, numbered) at ``--rate`` per second in
total, ``--count`` in all, each pair one message at a time; latency is ``room.send`` → the
``risk_alert`` event on the counsellor's socket (inline screen, flag row, commit and publish
included). A message whose alert does not arrive within ``--timeout`` seconds is missed; at the end
the database is checked for one flag per message.

Run: .venv/bin/python -m benchmarks.safety_alert_latency [--count 500] [--rate 10] [--pairs 20]
     [--postgres postgresql://postgres@127.0.0.1:5432/postgres | --sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks._server import (
    free_port,
    percentile,
    realtime_env,
    seed_room_pairs,
    start_uvicorn,
    stop,
    throwaway_postgres,
)


class AlertSocket:
    """A counsellor's socket on their own channel; ``alerts`` receives each risk alert's arrival time."""

    def __init__(self, ws_url: str, token: str, user_id: int) -> None:
        self.ws_url, self.token, self.user_id = ws_url, token, user_id
        self.alerts: asyncio.Queue[float] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        from websockets.asyncio.client import connect

        self.ws = await connect(
            self.ws_url, additional_headers={"Authorization": f"Bearer {self.token}"}, ping_interval=None
        )
        await self.ws.send(json.dumps({"op": "subscribe", "channel": f"user:{self.user_id}"}))
        while json.loads(await self.ws.recv()).get("op") != "subscribed":
            pass
        self._task = asyncio.create_task(self._listen())

    async def _listen(self) -> None:
        async for raw in self.ws:
            frame = json.loads(raw)
            if frame.get("op") == "ping":
                await self.ws.send('{"op":"pong"}')
            elif frame.get("op") == "event" and frame.get("event", {}).get("type") == "risk_alert":
                self.alerts.put_nowait(time.perf_counter())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
        with contextlib.suppress(Exception):
            await self.ws.close()


def positives(count: int) -> list[str]:
    from anxin.mind.gate import regression_set

    base = regression_set("must_catch")
    return [f"{base[n % len(base)]} ({n})" for n in range(count)]


async def run(ws_url: str, rooms: list, count: int, rate: float, wait: float) -> tuple[list[float], int]:  # type: ignore[type-arg]
    from anxin.rooms.client import RoomClient

    senders, listeners = [], []
    for room_id, (client_id, client_token), (counsellor_id, counsellor_token) in rooms:
        senders.append(RoomClient(ws_url, client_token, room_id, user_id=client_id))
        listeners.append(AlertSocket(ws_url, counsellor_token, counsellor_id))
    await asyncio.gather(*(side.start() for side in senders), *(side.start() for side in listeners))
    texts = positives(count)
    latencies: list[float] = []
    missed = 0
    turns: list[asyncio.Lock] = [asyncio.Lock() for _ in rooms]
    started = time.perf_counter()

    async def one(n: int) -> None:
        nonlocal missed
        pair = n % len(rooms)
        async with turns[pair]:  # one outstanding alert per counsellor: arrivals match sends
            sent = time.perf_counter()
            await senders[pair].send(texts[n])
            try:
                arrived = await asyncio.wait_for(listeners[pair].alerts.get(), wait)
                latencies.append((arrived - sent) * 1000)
            except TimeoutError:
                missed += 1

    tasks = []
    for n in range(count):
        delay = started + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(n)))
    await asyncio.gather(*tasks)
    for side in senders:
        await side.stop()
    for listener in listeners:
        await listener.stop()
    return latencies, missed


async def flag_count(database_url: str) -> int:
    from sqlalchemy import func, select

    from anxin.core.db import Database
    from anxin.safety.models import RiskFlag

    database = Database(database_url)
    try:
        async with database.transaction(write=False) as db:
            return int(await db.scalar(select(func.count()).select_from(RiskFlag)) or 0)
    finally:
        await database.dispose()


async def main(args: argparse.Namespace) -> None:
    home = Path(tempfile.mkdtemp(prefix="anxin-bench-"))
    with contextlib.ExitStack() as cleanup:
        if args.sqlite:
            database_url = f"sqlite+aiosqlite:///{home / 'anxin.db'}"
        else:
            _, database_url = cleanup.enter_context(throwaway_postgres(args.postgres))
        env = realtime_env(database_url, home)
        port = free_port()
        server = await asyncio.to_thread(start_uvicorn, env, port)
        try:
            rooms = await seed_room_pairs(database_url, args.pairs, in_care=True)
            latencies, missed = await run(
                f"ws://127.0.0.1:{port}/api/v1/realtime", rooms, args.count, args.rate, args.timeout
            )
            flags = await flag_count(database_url)
            backend = "SQLite" if args.sqlite else "PostgreSQL"
            print(
                f"{backend}, {args.pairs} pairs, {args.rate:.0f} high-risk msg/s: "
                "alert on the counsellor's socket "
                f"n={len(latencies)}/{args.count} missed={missed} p50={statistics.median(latencies):.1f} ms "
                f"p95={percentile(latencies, 0.95):.1f} ms p99={percentile(latencies, 0.99):.1f} ms "
                f"max={max(latencies):.1f} ms; flags in the database: {flags}; "
                f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
                flush=True,
            )
        finally:
            stop(server, timeout=20)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--pairs", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--sqlite", action="store_true", help="use a SQLite file instead of PostgreSQL")
    asyncio.run(main(parser.parse_args()))
