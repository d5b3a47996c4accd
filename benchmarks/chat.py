"""Chat: delivery latency, sustained persisted messages/s, and idle sockets per process.

Starts one ``anxin`` web process (uvicorn) against a throwaway PostgreSQL database (synchronous
commit on), creates client–counsellor pairs with a room each, and connects both participants of
every room over the real WebSocket with the room protocol client (``anxin.rooms.client``):

1. latency: with ``--sockets`` connected (default 500), messages are sent at ``--rate`` per second
   (default 100) from random participants; latency is the time from the sender's ``room.send`` to
   the message arriving on the *other* participant's socket (commit, publish, fetch included);
2. throughput: ``--writers`` rooms send as fast as the server stores them for ``--seconds``;
   persisted messages/s counts ``room.stored`` answers (sent only after commit), each message
   fanned out to both participants;
3. idle sockets: ``--idle`` more authenticated sockets, each subscribed to its room, held open;
   the server's resident memory before and after.

Run: .venv/bin/python -m benchmarks.chat [--sockets 500] [--rate 100] [--seconds 20] [--writers 50]
     [--idle 1000] [--postgres postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import secrets
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks import _server as bench


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def connect_all(ws_url: str, rooms: list, on_message) -> list:  # type: ignore[no-untyped-def,type-arg]
    from anxin.rooms.client import RoomClient

    clients = []
    for room_id, client, counselor in rooms:
        for user_id, token in (client, counselor):
            side = RoomClient(ws_url, token, room_id, window=64, user_id=user_id)
            side.on_message = on_message(side)
            clients.append(side)
    for start in range(0, len(clients), 50):
        await asyncio.gather(*(c.start() for c in clients[start : start + 50]))
    return clients


async def latency_phase(clients: list, rate: float, seconds: float) -> list[float]:  # type: ignore[type-arg]
    sent_at: dict[str, tuple[float, object]] = {}
    latencies: list[float] = []
    total = int(rate * seconds)
    all_arrived = asyncio.Event()

    def on_message(receiver):  # type: ignore[no-untyped-def]
        def record(message) -> None:  # type: ignore[no-untyped-def]
            sent = sent_at.get(message.client_msg_id)
            if sent is not None and sent[1] is not receiver:
                latencies.append((time.perf_counter() - sent[0]) * 1000)
                if len(latencies) >= total:
                    all_arrived.set()

        return record

    for side in clients:
        side.on_message = on_message(side)
    rng = random.Random(7)
    started = time.perf_counter()
    tasks = []
    for n in range(total):
        delay = started + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        sender = rng.choice(clients)
        client_msg_id = secrets.token_hex(8)
        sent_at[client_msg_id] = (time.perf_counter(), sender)
        tasks.append(asyncio.create_task(sender.send(f"latency probe {n}", client_msg_id)))
    await asyncio.gather(*tasks)
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(30):
            await all_arrived.wait()
    return latencies


async def throughput_phase(clients: list, writers: int, seconds: float) -> tuple[int, float]:  # type: ignore[type-arg]
    senders = clients[0 : 2 * writers : 2]
    before = sum(len(c.stored) for c in senders)
    stop = time.perf_counter() + seconds

    async def pump(side) -> None:  # type: ignore[no-untyped-def]
        n = 0
        while time.perf_counter() < stop:
            await side.send(f"throughput {n}")
            n += 1

    started = time.perf_counter()
    await asyncio.gather(*(pump(side) for side in senders))
    elapsed = time.perf_counter() - started
    return sum(len(c.stored) for c in senders) - before, elapsed


async def idle_phase(ws_url: str, rooms: list, count: int) -> int:  # type: ignore[type-arg]
    from websockets.asyncio.client import connect

    held = []
    for n in range(count):
        room_id, (_, client_token), _ = rooms[n % len(rooms)]
        ws = await connect(
            ws_url, additional_headers={"Authorization": f"Bearer {client_token}"}, ping_interval=None
        )
        await ws.send(f'{{"op":"subscribe","channel":"room:{room_id}"}}')
        held.append(ws)
    # Each has its "welcome" and "subscribed": all authenticated and registered.
    ok = 0
    for ws in held:
        frames = [await asyncio.wait_for(ws.recv(), 30) for _ in range(2)]
        ok += any('"subscribed"' in frame for frame in frames)
    return ok


async def main(args: argparse.Namespace) -> None:
    with bench.throwaway_postgres(args.postgres) as (_, database_url):
        await measure(args, database_url)


async def measure(args: argparse.Namespace, database_url: str) -> None:
    with bench.admin_connect(args.postgres) as conn:
        sync = conn.execute("SHOW synchronous_commit").fetchone()
    home = Path(tempfile.mkdtemp(prefix="anxin-bench-"))
    env = bench.realtime_env(database_url, home)
    port = bench.free_port()
    server = await asyncio.to_thread(bench.start_uvicorn, env, port)
    ws_url = f"ws://127.0.0.1:{port}/api/v1/realtime"
    try:
        pairs = max(args.sockets // 2, args.writers)
        print(
            f"PostgreSQL synchronous_commit={sync[0] if sync else '?'}; seeding {pairs} rooms …", flush=True
        )
        rooms = await bench.seed_room_pairs(database_url, pairs)
        print(f"server RSS before sockets: {rss_mib(server.pid):.0f} MiB", flush=True)
        clients = await connect_all(ws_url, rooms[: args.sockets // 2], lambda side: None)
        print(f"{len(clients)} sockets connected; server RSS {rss_mib(server.pid):.0f} MiB", flush=True)

        latencies = await latency_phase(clients, args.rate, args.seconds)
        expected = int(args.rate * args.seconds)
        print(
            f"latency send→other socket at {args.rate:.0f} msg/s with {len(clients)} sockets: "
            f"n={len(latencies)}/{expected} p50={statistics.median(latencies):.1f} ms "
            f"p95={bench.percentile(latencies, 0.95):.1f} ms p99={bench.percentile(latencies, 0.99):.1f} ms "
            f"max={max(latencies):.1f} ms",
            flush=True,
        )
        cpu_before = cpu_seconds(server.pid)
        stored, elapsed = await throughput_phase(clients, min(args.writers, len(clients) // 2), args.seconds)
        cpu_used = cpu_seconds(server.pid) - cpu_before
        print(
            f"throughput: {stored} messages persisted in {elapsed:.1f} s = {stored / elapsed:.0f} msg/s "
            f"({min(args.writers, len(clients) // 2)} rooms sending, fan-out to 2 sockets each); "
            f"server CPU {cpu_used:.1f} s = {cpu_used * 1000 / max(stored, 1):.1f} ms per message, "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
            flush=True,
        )
        for side in clients:
            await side.stop()
        await asyncio.sleep(1)
        base = rss_mib(server.pid)
        held = await idle_phase(ws_url, rooms, args.idle)
        after = rss_mib(server.pid)
        print(
            f"idle sockets: {held}/{args.idle} authenticated and subscribed; server RSS {base:.0f} → "
            f"{after:.0f} MiB ({(after - base) * 1024 / max(held, 1):.0f} KiB per socket)",
            flush=True,
        )
    finally:
        bench.stop(server, timeout=20)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sockets", type=int, default=500)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--writers", type=int, default=50)
    parser.add_argument("--idle", type=int, default=1000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    asyncio.run(main(parser.parse_args()))
