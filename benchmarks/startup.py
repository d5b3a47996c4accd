"""Start-up time of `anxin serve` on the embedded default: process start → first 200 from /readyz.

Run: .venv/bin/python -m benchmarks.startup [--runs 5]
Each run uses a fresh ANXIN_HOME (so the first includes creating the schema), then a warm one.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from benchmarks._server import free_port


def time_to_ready(home: Path) -> float:
    port = free_port()
    env = {**os.environ, "ANXIN_HOME": str(home), "ANXIN_LOG_LEVEL": "WARNING"}
    env.pop("ANXIN_DATABASE_URL", None)
    env.pop("ANXIN_REDIS_URL", None)
    anxin = Path(sys.executable).with_name("anxin")
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(anxin), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = started + 60
        while time.perf_counter() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as response:
                    if response.status == 200:
                        return time.perf_counter() - started
            except OSError:
                time.sleep(0.02)
        raise TimeoutError("anxin serve did not become ready within 60 s")
    finally:
        process.terminate()
        process.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cold: list[float] = []
    warm: list[float] = []
    for _ in range(args.runs):
        home = Path(tempfile.mkdtemp(prefix="anxin-bench-"))
        try:
            cold.append(time_to_ready(home))
            warm.append(time_to_ready(home))
        finally:
            shutil.rmtree(home, ignore_errors=True)
    print(f"anxin serve start-up to first ready answer ({args.runs} runs)")
    print(
        f"  fresh home (creates schema + key): median {statistics.median(cold):.2f} s, max {max(cold):.2f} s"
    )
    print(
        f"  existing home:                     median {statistics.median(warm):.2f} s, max {max(warm):.2f} s"
    )


if __name__ == "__main__":
    main()
