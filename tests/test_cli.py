"""The `anxin` command line: help, schema, demo, and clear errors instead of tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ANXIN = str(Path(sys.executable).with_name("anxin"))


def run(args: list[str], home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ANXIN_")}
    environment.update({"ANXIN_HOME": str(home), "ANXIN_LOG_LEVEL": "WARNING", **env})
    return subprocess.run(
        [ANXIN, *args], env=environment, capture_output=True, text=True, timeout=120, check=False
    )


def test_help_lists_every_command(tmp_path: Path) -> None:
    result = run(["--help"], tmp_path)
    assert result.returncode == 0
    for command in ("serve", "worker", "db", "demo", "config-reference", "version"):
        assert command in result.stdout


def test_db_upgrade_then_demo_twice(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert run(["db", "upgrade"], home).returncode == 0
    assert (home / "anxin.db").exists()
    first = run(["demo"], home)
    second = run(["demo"], home)
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert "demo data is ready" in second.stdout


def test_an_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    result = run(
        ["db", "upgrade"], tmp_path, ANXIN_DATABASE_URL="postgresql+asyncpg://nobody@127.0.0.1:1/none"
    )
    assert result.returncode != 0
    assert "error: could not bring the database schema up to date" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_worker_without_redis_explains_why(tmp_path: Path) -> None:
    result = run(["worker"], tmp_path)
    assert result.returncode != 0
    assert "ANXIN_REDIS_URL is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_several_processes_on_sqlite(tmp_path: Path) -> None:
    result = run(["serve", "--workers", "2"], tmp_path)
    assert result.returncode != 0
    assert "several web processes need PostgreSQL" in result.stderr


def test_the_configuration_page_lists_every_modules_settings() -> None:
    from pathlib import Path

    from anxin.cli.main import module_settings_reference

    page = (Path(__file__).resolve().parent.parent / "docs" / "configuration.md").read_text(encoding="utf-8")
    reference = module_settings_reference()
    assert "ANXIN_SESSION_IDLE_MINUTES" in reference  # a module's own setting is in the output
    assert reference in page, "docs/configuration.md is out of date: paste `anxin config-reference` into it"
