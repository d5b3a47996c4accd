"""The domain modules that make up the app, in import-chain order.

Each entry may provide ``routes.router`` (JSON API under /api/v1), ``pages.router`` (HTML) and
``tasks`` (job handlers, event subscribers, hook registrations). Importing a module's ``tasks``
registers what it offers; a new module is added here and nowhere else.
"""

from __future__ import annotations

import importlib
from types import ModuleType

MODULES: tuple[str, ...] = (
    "core",
    "privacy",
    "mind",
    "accounts",
    "counselors",
    "commerce",
    "appointments",
    "content",
    "rooms",
    "assessments",
    "safety",
    "companion",
    "matching",
    "web",
)


def import_optional(module: str, part: str) -> ModuleType | None:
    name = f"anxin.{module}.{part}"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name in (name, f"anxin.{module}"):
            return None
        raise


def load_tasks() -> None:
    """Register every module's jobs, subscribers and hooks (web and worker processes alike)."""
    for module in MODULES:
        import_optional(module, "tasks")


def load_models() -> None:
    """Import every module's tables so that the metadata is complete (migrations, tests)."""
    import anxin.core.outbox  # noqa: F401  (core's own table)

    for module in MODULES:
        import_optional(module, "models")


def load_demo() -> None:
    """Register every module's demo seeders."""
    for module in MODULES:
        import_optional(module, "demo")
