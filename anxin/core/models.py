"""Core's tables, so that ``modules.load_models`` sees them all (outbox and notifications)."""

from __future__ import annotations

from anxin.core.notify.models import Notification, OutgoingMessage
from anxin.core.outbox import OutboxMessage

__all__ = ["Notification", "OutboxMessage", "OutgoingMessage"]
