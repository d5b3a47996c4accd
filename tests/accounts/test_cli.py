"""`anxin users create-admin` and `anxin users demo-totp`, run as a person would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ANXIN = str(Path(sys.executable).with_name("anxin"))


def run(args: list[str], home: Path, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ANXIN_")}
    environment.update(
        {"ANXIN_HOME": str(home), "ANXIN_LOG_LEVEL": "WARNING", "ANXIN_TEST_FAST_HASH": "1", **env}
    )
    return subprocess.run(
        [ANXIN, *args], input=stdin, env=environment, capture_output=True, text=True, timeout=120, check=False
    )


def test_create_admin_reads_the_password_from_stdin_and_refuses_weak_ones(tmp_path: Path) -> None:
    weak = run(
        ["users", "create-admin", "--email", "boss@example.com", "--password-stdin"],
        tmp_path,
        "password123\n",
    )
    assert weak.returncode == 1
    assert "most common" in weak.stderr
    made = run(
        ["users", "create-admin", "--email", "boss@example.com", "--password-stdin"],
        tmp_path,
        "quiet harbour lights\n",
    )
    assert made.returncode == 0, made.stderr
    assert "administrator created" in made.stdout
    again = run(
        ["users", "create-admin", "--email", "boss@example.com", "--password-stdin"],
        tmp_path,
        "quiet harbour lights\n",
    )
    assert again.returncode == 1 and "already exists" in again.stderr


def test_demo_totp_shows_codes_of_demo_accounts_only(tmp_path: Path) -> None:
    seeded = run(["demo"], tmp_path)
    assert seeded.returncode == 0, seeded.stderr
    assert "counsellor1@demo.anxin.invalid" in seeded.stdout
    code = run(["users", "demo-totp", "--email", "counsellor1@demo.anxin.invalid"], tmp_path)
    assert code.returncode == 0, code.stderr
    assert code.stdout.strip().isdigit() and len(code.stdout.strip()) == 6
    run(
        ["users", "create-admin", "--email", "real@example.com", "--password-stdin"],
        tmp_path,
        "quiet harbour lights\n",
    )
    refused = run(["users", "demo-totp", "--email", "real@example.com"], tmp_path)
    assert refused.returncode == 1 and "not a demo account" in refused.stderr
    production = run(
        ["users", "demo-totp", "--email", "counsellor1@demo.anxin.invalid"],
        tmp_path,
        ANXIN_ENVIRONMENT="production",
    )
    assert production.returncode == 1


def test_demo_seeding_twice_changes_nothing(tmp_path: Path) -> None:
    first = run(["demo"], tmp_path)
    second = run(["demo"], tmp_path)
    assert first.returncode == second.returncode == 0
    assert [line for line in first.stdout.splitlines() if "[accounts]" in line] == [
        line for line in second.stdout.splitlines() if "[accounts]" in line
    ]
