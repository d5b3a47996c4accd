"""Demo data: each module registers a seeder; ``anxin demo`` runs them in import-chain order.

Seeders must be idempotent (running ``anxin demo`` twice changes nothing) and return lines that
tell a newcomer what was made (e.g. logins).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

DemoSeeder = Callable[[AsyncSession], Awaitable[list[str]]]

seeders: list[tuple[str, DemoSeeder]] = []


def demo_seeder(name: str) -> Callable[[DemoSeeder], DemoSeeder]:
    def register(seeder: DemoSeeder) -> DemoSeeder:
        if all(existing != name for existing, _ in seeders):
            seeders.append((name, seeder))
        return seeder

    return register
