"""Imports go one way along ARCHITECTURE.md's chain; a module may import only those to its left."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "anxin"

# Position in the chain; modules sharing a number are siblings and may not import each other.
CHAIN: dict[str, int] = {
    "core": 0,
    "privacy": 1,
    "mind": 2,
    "accounts": 3,
    "counselors": 4,
    "commerce": 5,
    "appointments": 6,
    "content": 6,
    "rooms": 7,
    "assessments": 8,
    "safety": 9,
    "companion": 10,
    "matching": 10,
    "web": 11,
    "cli": 11,
}
# Composition roots: they wire every module together and may import all of them.
ROOTS = {"main", "worker", "modules", "migrations", "__init__"}


def module_of(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "anxin" and len(parts) > 1:
                found.append((node.lineno, parts[1]))
    return found


def violations() -> list[str]:
    problems: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        owner = module_of(path)
        if owner in ROOTS:
            continue
        if owner not in CHAIN:
            problems.append(f"{path.relative_to(PACKAGE)}: module {owner!r} is not placed in the chain")
            continue
        for line, target in imported_modules(path):
            if target == owner or target in ROOTS - {"modules"}:
                continue
            if target == "modules" and owner == "cli":
                continue  # the CLI is an entry point: it loads every module like main.py does
            if target == "modules" or target not in CHAIN:
                problems.append(f"{path.relative_to(PACKAGE)}:{line} imports anxin.{target}")
                continue
            if CHAIN[target] >= CHAIN[owner] and not (owner in ("web", "cli") and target in ("web", "cli")):
                problems.append(
                    f"{path.relative_to(PACKAGE)}:{line}: {owner} imports {target}, which is not to its left"
                )
    return problems


def test_every_import_goes_left_along_the_chain() -> None:
    assert violations() == []


def test_the_check_catches_a_right_to_left_import(tmp_path: Path, monkeypatch) -> None:
    fake = tmp_path / "anxin"
    (fake / "core").mkdir(parents=True)
    (fake / "safety").mkdir()
    (fake / "core" / "bad.py").write_text("from anxin.safety import resources\n")
    (fake / "safety" / "ok.py").write_text("from anxin.core import clock\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", fake)
    assert violations() == ["core/bad.py:1: core imports safety, which is not to its left"]
