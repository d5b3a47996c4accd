"""Helpers for companion tests: people with live API sessions."""

from __future__ import annotations

from tests.rooms.support import Person, make_person

__all__ = ["Person", "make_person"]
