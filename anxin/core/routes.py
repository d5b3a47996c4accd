"""Core's API routes (mounted under /api/v1): the realtime WebSocket."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket

from anxin.core import realtime_socket

router = APIRouter(tags=["realtime"])


@router.websocket("/realtime")
async def realtime_endpoint(websocket: WebSocket) -> None:
    """Subscribe to channels and receive their events; the protocol is in ``core.realtime_socket``."""
    await realtime_socket.serve(websocket)
