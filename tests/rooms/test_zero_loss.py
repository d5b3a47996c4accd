"""T5: two people chat both ways over the real WebSocket while one side's socket is cut at random
and the server is killed with -9 and restarted; each ends with exactly the messages sent, in
order, with no gap and no duplicate (fast tier: 1,000 each way, one restart; soak: 10,000, two)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from anxin.core.db import Database
from anxin.core.migrate import upgrade
from anxin.privacy import crypto, keys
from anxin.rooms.client import RoomClient
from anxin.rooms.models import RoomMessage
from tests.rooms.servers import Server, postgres_cluster_problem, server_env, throwaway_postgres
from tests.rooms.support import Pair, make_pair


@dataclass(frozen=True)
class Plan:
    per_direction: int
    restarts: int
    drop_every: int  # about this many messages between cuts of the client's socket


FAST = Plan(per_direction=1000, restarts=1, drop_every=150)
SOAK = Plan(per_direction=10_000, restarts=2, drop_every=200)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'anxin.db'}"
        return
    problem = postgres_cluster_problem()
    if problem:
        pytest.skip(problem)
    with throwaway_postgres() as url:
        yield url


async def exchange(database_url: str, folder: Path, plan: Plan) -> None:
    upgrade(database_url)
    entry = keys.new_key_entry("v1")
    keys.use_keyring(keys.parse_keyring(entry))
    crypto.key_cache.clear()
    database = Database(database_url)
    pair: Pair = await make_pair(database)
    env = server_env(
        database_url,
        folder / "home",
        entry,
        ANXIN_REALTIME_FRAMES_PER_SECOND="100000",
        ANXIN_REALTIME_FRAME_BURST="100000",
    )
    server = Server(env, folder / "server.log")
    server.start()
    rng = random.Random()
    client = RoomClient(server.ws_url, pair.client.token, pair.room_id, user_id=pair.client.user_id)
    counselor = RoomClient(server.ws_url, pair.counselor.token, pair.room_id, user_id=pair.counselor.user_id)
    total = 2 * plan.per_direction
    restart_at = sorted(rng.sample(range(total // 5, total * 4 // 5), plan.restarts))
    try:
        await client.start()
        await counselor.start()

        async def talk(side: RoomClient, tag: str, drops: bool) -> None:
            next_drop = rng.randint(1, 2 * plan.drop_every)
            for n in range(plan.per_direction):
                await side.send(f"{tag}-{n}")
                if drops and n == next_drop:
                    side.drop()
                    next_drop = n + rng.randint(1, 2 * plan.drop_every)

        async def restart_server() -> None:
            for at in restart_at:
                while len(client.stored) + len(counselor.stored) < at:
                    await asyncio.sleep(0.01)
                server.kill()
                await asyncio.to_thread(server.start)

        await asyncio.gather(
            talk(client, "c", drops=True), talk(counselor, "k", drops=False), restart_server()
        )
        async with asyncio.timeout(120):
            await client.wait_all_stored()
            await counselor.wait_all_stored()
            await client.wait_for_seq(total)
            await counselor.wait_for_seq(total)
    finally:
        await client.stop()
        await counselor.stop()
        server.stop()

    assert server.starts == plan.restarts + 1
    assert client.connects > plan.restarts + (
        plan.drop_every < plan.per_direction
    )  # cuts and restarts happened
    for receiver in (client, counselor):
        assert [r.seq for r in receiver.received] == list(range(1, total + 1))
        for sender, tag in ((pair.client.user_id, "c"), (pair.counselor.user_id, "k")):
            texts = [r.text for r in receiver.received if r.sender == sender]
            assert texts == [f"{tag}-{n}" for n in range(plan.per_direction)]
    async with database.transaction(write=False) as db:
        rows = await db.scalar(select(func.count()).select_from(RoomMessage))
    await database.dispose()
    assert rows == total


async def test_no_message_is_lost_or_doubled_across_cuts_and_a_kill(
    fresh_database_url: str, tmp_path: Path
) -> None:
    await exchange(fresh_database_url, tmp_path, FAST)


@pytest.mark.soak
async def test_soak_ten_thousand_each_way_two_kills(fresh_database_url: str, tmp_path: Path) -> None:
    await exchange(fresh_database_url, tmp_path, SOAK)
