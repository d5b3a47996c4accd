"""Core's jobs: importing notify registers sending and the expiry sweep of unsent messages."""

from __future__ import annotations

import anxin.core.notify  # noqa: F401  (registers core.notify.send and core.notify.expire)
