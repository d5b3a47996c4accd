"""How Anxin drives Debian's Chromium with Playwright (never a browser that Playwright downloads)."""

from __future__ import annotations

from typing import Any

from tests.support.services import CHROMIUM

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # WebRTC (calls) only; harmless elsewhere.
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
]


def launch_options() -> dict[str, Any]:
    return {"executable_path": CHROMIUM, "headless": True, "args": LAUNCH_ARGS}
