"""WebSocket routes. See docs/rooms.md for the live room protocol."""

from __future__ import annotations

from django.urls import path

from peercircle.rooms.consumers import RoomConsumer
from peercircle.safety.consumers import QueueConsumer

websocket_urlpatterns = [
    path("ws/rooms/<int:room_id>/", RoomConsumer.as_asgi()),
    path("ws/safety/<int:organisation_id>/", QueueConsumer.as_asgi()),
]
