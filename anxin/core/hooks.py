"""In-transaction extension points.

A module on the left of the import chain calls a hook point; modules on the right register
handlers at start-up. Handlers run inside the caller's transaction, so what they write (e.g. a risk
flag for a message) commits or rolls back with it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


class HookPoint(Generic[T]):
    """A named list of async handlers ``handler(db, event)`` run in registration order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._handlers: list[Callable[[AsyncSession, T], Awaitable[None]]] = []

    def register(
        self, handler: Callable[[AsyncSession, T], Awaitable[None]]
    ) -> Callable[[AsyncSession, T], Awaitable[None]]:
        if handler not in self._handlers:
            self._handlers.append(handler)
        return handler

    def unregister(self, handler: Callable[[AsyncSession, T], Awaitable[None]]) -> None:
        if handler in self._handlers:
            self._handlers.remove(handler)

    @property
    def handlers(self) -> tuple[Callable[[AsyncSession, T], Awaitable[None]], ...]:
        return tuple(self._handlers)

    async def __call__(self, db: AsyncSession, event: T) -> None:
        for handler in self._handlers:
            await handler(db, event)


@dataclass(frozen=True, slots=True)
class TextWritten:
    """Someone wrote free text that a person may read (chat, diary, question, comment …)."""

    author_id: int | None
    surface: str  # e.g. "room_message", "diary", "companion"
    ref: str  # id of the stored object on that surface
    text: str
    locale: str | None = None


text_written: HookPoint[TextWritten] = HookPoint("text_written")
