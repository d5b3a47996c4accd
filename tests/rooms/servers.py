"""Real server processes (killable with -9) and a throwaway PostgreSQL cluster for rooms tests."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.live_server import free_port

ROOT = Path(__file__).resolve().parents[2]


def postgres_bin(tool: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"))
    return found[-1] if found else shutil.which(tool)


def postgres_cluster_problem() -> str | None:
    if postgres_bin("initdb") is None or postgres_bin("pg_ctl") is None:
        return "initdb/pg_ctl not found (PostgreSQL server binaries)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root needs runuser to start a throwaway PostgreSQL cluster"
    return None


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """``initdb`` in a temporary folder on its own port (fsync and synchronous_commit on); yields an
    asyncpg URL. The folder is made directly in the system's temporary directory, because the
    server's own user must be able to reach it."""
    folder = Path(tempfile.mkdtemp(prefix="anxin-pg-"))
    port = free_port()
    data = folder / "pgdata"
    data.mkdir(parents=True)
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        shutil.chown(folder, "postgres")
        shutil.chown(data, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    initdb, pg_ctl = postgres_bin("initdb"), postgres_bin("pg_ctl")
    assert initdb and pg_ctl
    subprocess.run(
        [*as_user, initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on"
    subprocess.run(
        [*as_user, pg_ctl, "-D", str(data), "-o", options, "-l", str(folder / "pg.log"), "-w", "start"],
        check=True,
        capture_output=True,
    )
    try:
        import psycopg

        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE anxin")
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/anxin"
    finally:
        subprocess.run([*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Server:
    """``uvicorn anxin.main:create_app`` in its own process, restartable on the same port."""

    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api/v1/realtime"

    def start(self) -> None:
        command = [
            sys.executable, "-m", "uvicorn", "anxin.main:create_app", "--factory",
            "--host", "127.0.0.1", "--port", str(self.port), "--ws", "websockets-sansio", "--no-access-log",
        ]  # fmt: skip
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT
            )
        self.starts += 1
        self.wait_ready()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log.read_text(errors='replace')[-4000:]}")
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError("server did not become ready")

    def kill(self) -> None:
        """``kill -9``: no shutdown, no flushing, whatever was in flight is cut."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def server_env(database_url: str, home: Path, master_key: str, **extra: str) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "ANXIN_DATABASE_URL": database_url,
        "ANXIN_HOME": str(home),
        "ANXIN_MASTER_KEY": master_key,
        "ANXIN_ENVIRONMENT": "test",
        "ANXIN_LOG_LEVEL": "WARNING",
        "ANXIN_OUTBOX_POLL_SECONDS": "0.2",
        "ANXIN_TEST_FAST_HASH": "1",
        **extra,
    }
