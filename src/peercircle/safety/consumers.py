"""The live safeguarding queue: a WebSocket that tells a queue page when an
alert of its organisation changes, so the page fetches the queue again. Frames
carry ids and levels only. See docs/safety.md."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from peercircle.core.access import has_role
from peercircle.safety.events import queue_group
from peercircle.safety.services import ALERT_ROLES


class QueueConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        self.group: str | None = None
        organisation_id = int(self.scope["url_route"]["kwargs"]["organisation_id"])
        allowed = (
            user is not None
            and user.is_authenticated
            and await database_sync_to_async(has_role)(user, organisation_id, ALERT_ROLES)
        )
        if not allowed:
            await self.close(code=4404)
            return
        self.group = queue_group(organisation_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data == '{"type":"ping"}':
            await self.send(text_data='{"type":"pong"}')

    async def room_frame(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["text"])
