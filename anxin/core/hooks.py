"""In-transaction extension points.

A module on the left of the import chain calls a hook point; modules on the right register
handlers at start-up. Handlers run inside the caller's transaction, so what they write (e.g. a risk
flag for a message) commits or rolls back with it. ``page_slot`` is the same idea for pages: a page
on the left asks for fragments that modules on the right provide (e.g. recommendations).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")
log = logging.getLogger("anxin.hooks")


class HookPoint(Generic[T]):
    """A named list of async handlers ``handler(db, event)`` run in registration order.

    A handler may return a ``ScreenOutcome``; the caller gets every outcome back so that it can
    tell the writer at once (e.g. show crisis resources) without importing the module that screened.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._handlers: list[Handler[T]] = []

    def register(self, handler: Handler[T]) -> Handler[T]:
        if handler not in self._handlers:
            self._handlers.append(handler)
        return handler

    def unregister(self, handler: Handler[T]) -> None:
        if handler in self._handlers:
            self._handlers.remove(handler)

    @property
    def handlers(self) -> tuple[Handler[T], ...]:
        return tuple(self._handlers)

    async def __call__(self, db: AsyncSession, event: T) -> list[ScreenOutcome]:
        outcomes: list[ScreenOutcome] = []
        for handler in self._handlers:
            outcome = await handler(db, event)
            if outcome is not None:
                outcomes.append(outcome)
        return outcomes


@dataclass(frozen=True, slots=True)
class ScreenOutcome:
    """What a screening handler found, for the caller to show the writer.

    ``show_resources`` means: show the writer the crisis resources for their region now
    (``/api/v1/safety/resources`` gives them); ``flag_id`` is the risk flag opened, if any.
    """

    level: str  # "none" | "low" | "moderate" | "high" | "imminent"
    show_resources: bool = False
    flag_id: int | None = None


def needs_resources(outcomes: list[ScreenOutcome]) -> bool:
    return any(outcome.show_resources for outcome in outcomes)


Handler = Callable[[AsyncSession, T], Awaitable[ScreenOutcome | None]]


@dataclass(frozen=True, slots=True)
class TextWritten:
    """Someone wrote free text that a person may read (chat, diary, question, comment …)."""

    author_id: int | None
    surface: str  # e.g. "room_message", "diary", "companion"
    ref: str  # id of the stored object on that surface
    text: str
    locale: str | None = None


text_written: HookPoint[TextWritten] = HookPoint("text_written")


@dataclass(frozen=True, slots=True)
class RiskIndicated:
    """A structured answer indicates risk, whatever the models say (e.g. PHQ-9 item 9 above 0)."""

    subject_id: int  # the person at risk
    source: str  # e.g. "assessment"
    ref: str  # id of the stored object (e.g. the questionnaire response)
    level: str  # "low" | "moderate" | "high" | "imminent"
    reason: str  # a stable code, e.g. "phq9_item9"


risk_indicated: HookPoint[RiskIndicated] = HookPoint("risk_indicated")


@dataclass(frozen=True, slots=True)
class PageSlot:
    """A place on a page of a module on the left where modules on the right may add a fragment
    (e.g. "recommendations" on the library); ``context`` says which page, ``subject_id`` what it is
    about (the counsellor whose profile it is)."""

    name: str
    context: str
    viewer_id: int | None  # None: a visitor who is not signed in
    viewer_role: str | None
    locale: str
    subject_id: int | None = None


@dataclass(frozen=True, slots=True)
class Fragment:
    """A template for the page to include in the slot, with its values: providers hand over data,
    not HTML, so they need no renderer and the page escapes everything as usual."""

    template: str
    values: dict[str, Any]


class Viewer(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def role(self) -> str: ...


FragmentProvider = Callable[[AsyncSession, PageSlot], Awaitable[Fragment | None]]


class PageSlotPoint:
    """Providers ``provider(db, slot) -> Fragment | None`` run in registration order, each in a
    savepoint of the page's transaction; the page includes the fragments it gets
    (``{% include fragment.template %}``). A provider that fails is logged and left out."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._providers: list[FragmentProvider] = []

    def register(self, provider: FragmentProvider) -> FragmentProvider:
        if provider not in self._providers:
            self._providers.append(provider)
        return provider

    def unregister(self, provider: FragmentProvider) -> None:
        if provider in self._providers:
            self._providers.remove(provider)

    @property
    def providers(self) -> tuple[FragmentProvider, ...]:
        return tuple(self._providers)

    async def __call__(self, db: AsyncSession, slot: PageSlot) -> list[Fragment]:
        fragments: list[Fragment] = []
        for provider in self._providers:
            try:
                async with db.begin_nested():  # a failed provider leaves the page's transaction usable
                    fragment = await provider(db, slot)
            except Exception:
                # A fragment is extra content: the page is shown without it rather than not at all.
                log.exception("page slot %s: a provider failed", slot.name)
                continue
            if fragment is not None:
                fragments.append(fragment)
        return fragments

    async def fill(
        self,
        db: AsyncSession,
        name: str,
        context: str,
        viewer: Viewer | None,
        locale: str,
        subject_id: int | None = None,
    ) -> list[Fragment]:
        """The fragments for slot ``name`` on page ``context``, for ``viewer`` (an actor or None)."""
        slot = PageSlot(
            name,
            context,
            viewer.id if viewer is not None else None,
            viewer.role if viewer is not None else None,
            locale,
            subject_id,
        )
        return await self(db, slot)


page_slot: PageSlotPoint = PageSlotPoint("page_slot")
