"""ASGI entry point for bench/rooms.py: the product and a bare broadcast consumer.

``/ws/bare/<room>/`` reaches ``BareConsumer``: it joins the group ``bare.<room>``
and sends every text frame it receives to that group; no database, no sign-in,
no origin check, no JSON. It is the limit of the stack itself (uvicorn,
Channels, the Redis pub/sub channel layer), the baseline for the real room
consumer. Every other path reaches ``peercircle.config.asgi.application``
unchanged, so the two run in the same processes with the same server settings.
``/ws/bare-direct/<room>/`` is the same consumer without Channels' per-event
trip to its sync thread to close stale database connections (the real room
consumer skips it too, as it touches the database only through
database_sync_to_async): run it with ``bench/rooms.py --targets bare,direct,real``.
Nothing here is a route of the product.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peercircle.config.settings")

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from peercircle.config.asgi import application as product  # noqa: E402

BARE_PREFIX = "/ws/bare"  # /ws/bare/ and /ws/bare-direct/


class BareConsumer(AsyncWebsocketConsumer):
    group = ""

    async def connect(self) -> None:
        self.group = f"bare.{self.scope['url_route']['kwargs']['room']}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        await self.channel_layer.group_send(self.group, {"type": "bare.frame", "text": text_data})

    async def bare_frame(self, event: dict) -> None:
        await self.send(text_data=event["text"])


class DirectConsumer(BareConsumer):
    async def dispatch(self, message: dict) -> None:
        await getattr(self, message["type"].replace(".", "_"))(message)


bare = URLRouter(
    [
        path("ws/bare/<slug:room>/", BareConsumer.as_asgi()),
        path("ws/bare-direct/<slug:room>/", DirectConsumer.as_asgi()),
    ]
)


async def application(scope, receive, send):
    if scope["type"] == "websocket" and scope["path"].startswith(BARE_PREFIX):
        return await bare(scope, receive, send)
    return await product(scope, receive, send)
