"""WebSocket routes. Live rooms add theirs here."""

from __future__ import annotations

websocket_urlpatterns: list = []
