"""The live room WebSocket: thin. It parses frames, checks the seat, calls
services and selectors, and forwards broadcasts in sequence order, exactly once.
The protocol is in docs/rooms.md.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils import timezone

from peercircle.core.access import NotFound
from peercircle.rooms import selectors, services
from peercircle.rooms.access import RoomClosed, Seat, room_seat
from peercircle.rooms.events import (
    broadcasts_into,
    encode,
    moderators_group,
    person_group,
    room_group,
)
from peercircle.rooms.services import RoomError

# Actions touch the database in the default thread pool, not the one thread that
# sync views share: sends from many connections then overlap.
db = partial(database_sync_to_async, thread_sensitive=False)


def _collecting(
    pending: list[tuple[str, dict[str, Any]]], fn: Callable[..., Any], *args: Any, **kwargs: Any
) -> Any:
    with broadcasts_into(pending):
        return fn(*args, **kwargs)


CLOSE_NOT_FOUND = 4404
CLOSE_REMOVED = 4403
CLOSE_FLOOD = 4429
CLOSE_ROOM_CLOSED = 4000
NOT_FOUND_TEXT = "There is no such room, or it is not open to you."
PRESENCE_TOUCH_SECONDS = 60
#: How long a broadcast that arrives ahead of a gap waits for the missing ones
#: (broadcasts of commits close together can overtake each other on the way)
#: before the gap is filled from the database.
GAP_WAIT_SECONDS = 0.25


class TokenBucket:
    """Frames a connection may send: a burst, then a steady rate."""

    def __init__(self, burst: float, per_second: float, clock: Callable[[], float]) -> None:
        self.burst = burst
        self.per_second = per_second
        self.clock = clock
        self.tokens = burst
        self.at = clock()

    def take(self) -> bool:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.per_second)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class RoomConsumer(AsyncWebsocketConsumer):
    seat: Seat | None = None
    member_id: int | None = None
    last_seq = 0
    groups_joined: tuple[str, ...] = ()
    gap_filler: asyncio.Task[None] | None = None

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels closes stale database connections before every handler, by a
        # trip to its one sync thread: once per connection for every broadcast,
        # which is what limits fan-out. Every database call here goes through
        # database_sync_to_async (``db``, and the sign-in middleware), which
        # closes stale connections around itself in its own thread, so the
        # handler is called directly.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def _in_thread(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``fn`` in a worker thread; then, from here, the broadcasts its commits
        made (sent even if it raised after a commit)."""
        pending: list[tuple[str, dict[str, Any]]] = []
        try:
            return await db(_collecting)(pending, fn, *args, **kwargs)
        finally:
            for group, event in pending:
                await self.channel_layer.group_send(group, event)

    # --- connecting -----------------------------------------------------------

    async def connect(self) -> None:
        self.user = self.scope.get("user")
        self.room_id = self.scope["url_route"]["kwargs"]["room_id"]
        self.bucket = TokenBucket(
            getattr(settings, "ROOMS_FRAME_BURST", 20),
            getattr(settings, "ROOMS_FRAMES_PER_SECOND", 5),
            time.monotonic,
        )
        self.dropped = 0
        self.warned_at = 0.0
        self.touched_at = time.monotonic()
        self.closer: asyncio.Task[None] | None = None
        # Broadcasts that came ahead of a gap, by seq; one delivery at a time.
        self.held: dict[int, str] = {}
        self.delivering = asyncio.Lock()
        await self.accept()
        try:
            seat = await db(room_seat)(self.user, self.room_id)
        except NotFound:
            await self._refuse("not_found", NOT_FOUND_TEXT, CLOSE_NOT_FOUND)
            return
        except RoomClosed as closed:
            await self._refuse(
                "closed", closed.message, CLOSE_ROOM_CLOSED, opens_at=closed.opens_at
            )
            return
        # Join the groups before reading the log: anything committed after the
        # read arrives as a broadcast, anything before it is in the read.
        groups = [room_group(seat.room.pk), person_group(seat.room.pk, self.user.pk)]
        if seat.moderator:
            groups.append(moderators_group(seat.room.pk))
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined = tuple(groups)
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        last_id = (query.get("last_id") or [None])[0]
        welcome, backlog = await self._in_thread(self._enter, seat, last_id)
        await self.send(text_data=encode(welcome))
        for frame in backlog:
            await self.send(text_data=encode(frame))
        if seat.closes_at is not None:
            self.closer = asyncio.ensure_future(self._close_at(seat.closes_at))

    def _enter(
        self, seat: Seat, last_id: str | None
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        member = services.member_enter(seat=seat, user=self.user)
        self.seat = seat
        self.member_id = member.pk
        services.presence_enter(
            seat=seat, member=member, channel_name=self.channel_name, name=self.user.pseudonym
        )
        backlog: list[dict[str, Any]]
        resume_from = selectors.seq_of(seat.room.pk, last_id) if last_id else None
        if resume_from is not None:
            backlog = selectors.log_after(
                seat.room.pk, resume_from, moderator=seat.moderator, member=member.pk
            )
            self.last_seq = backlog[-1]["seq"] if backlog else resume_from
        else:
            page, more = selectors.log_before(
                seat.room.pk, None, moderator=seat.moderator, member=member.pk
            )
            backlog = [{"type": "history", "messages": page, "more": more}]
            self.last_seq = page[-1]["seq"] if page else 0
        room = seat.room
        welcome = {
            "type": "welcome",
            "room": {
                "id": room.pk,
                "kind": room.kind,
                "locked": room.locked,
                "closes_at": seat.closes_at.isoformat() if seat.closes_at else None,
            },
            "me": {
                "member": member.pk,
                "name": self.user.pseudonym,
                "moderator": seat.moderator,
                "muted_until": member.muted_until.isoformat() if seat.muted() else None,
            },
            "present": selectors.present(room.pk),
            "last_seq": self.last_seq,
            "resumed": resume_from is not None,
        }
        if seat.moderator:
            # Open reports travel with every welcome, so a facilitator whose
            # connection dropped while one was made still hears of it.
            welcome["reports"] = selectors.open_report_notices(room.pk)
        return welcome, backlog

    async def _refuse(self, code: str, message: str, close_code: int, **extra: Any) -> None:
        frame: dict[str, Any] = {"type": "error", "code": code, "message": message}
        for key, value in extra.items():
            if value is not None:
                frame[key] = value.isoformat() if isinstance(value, datetime) else value
        await self.send(text_data=encode(frame))
        await self.close(code=close_code)

    async def _close_at(self, when: datetime) -> None:
        await asyncio.sleep(max(0.0, (when - timezone.now()).total_seconds()))
        await self._refuse("closed", "This session has finished, so its room is closed.", 4000)

    async def disconnect(self, code: int) -> None:
        if self.closer is not None:
            self.closer.cancel()
        if self.gap_filler is not None:
            self.gap_filler.cancel()
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        if self.seat is not None and self.member_id is not None:
            await self._in_thread(
                services.presence_leave,
                room_id=self.seat.room.pk,
                member_id=self.member_id,
                channel_name=self.channel_name,
            )

    # --- frames from the client --------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.seat is None:
            return
        if not self.bucket.take():
            await self._flooded()
            return
        limit = getattr(settings, "ROOMS_MAX_FRAME_BYTES", 16384)
        raw = text_data if text_data is not None else bytes_data or b""
        if len(raw) > limit:
            await self._error(
                "too_long", f"That frame is over {limit:,} bytes, so it was not read."
            )
            return
        try:
            frame = json.loads(raw)
        except ValueError:
            await self._error("bad_frame", "That was not a JSON object, so it was not read.")
            return
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            await self._error("bad_frame", 'Every frame is a JSON object with a "type".')
            return
        kind = frame["type"]
        if kind == "ping":
            await self.send(text_data='{"type":"pong"}')
            if time.monotonic() - self.touched_at > PRESENCE_TOUCH_SECONDS:
                self.touched_at = time.monotonic()
                await db(services.presence_touch)(channel_name=self.channel_name)
            return
        if kind not in ACTIONS:
            await self._error("bad_frame", f'There is no action called "{kind[:40]}".')
            return
        client_id = frame.get("client_id") if kind == "send" else None
        try:
            replies = await self._in_thread(self._act, kind, frame)
        except NotFound:
            await self._refuse("removed", "You are no longer a member of this room.", CLOSE_REMOVED)
            return
        except RoomClosed as closed:
            await self._refuse("closed", closed.message, CLOSE_ROOM_CLOSED)
            return
        except RoomError as refused:
            await self._error(refused.code, refused.message, client_id=client_id, **refused.extra)
            return
        for reply in replies:
            if reply.get("type") in ("message", "notice"):
                async with self.delivering:
                    await self._deliver(reply["seq"], encode(reply))
            else:
                await self.send(text_data=encode(reply))

    def _act(self, kind: str, frame: dict[str, Any]) -> list[dict[str, Any]]:
        """Check the seat again, then do the action: one trip to a worker thread."""
        seat = room_seat(self.user, self.room_id)
        self.seat = seat
        return ACTIONS[kind](self, seat, frame)

    def _send(self, seat: Seat, frame: dict[str, Any]) -> list[dict[str, Any]]:
        posted = services.message_send(
            seat=seat,
            author=self.user,
            body=frame.get("body"),
            client_id=frame.get("client_id", ""),
        )
        ack = {
            "type": "ack",
            "client_id": frame.get("client_id", ""),
            "id": posted.message.pk,
            "seq": posted.message.seq,
        }
        # The sender gets its own message at once, ahead of the broadcast (which
        # its connection will then drop as already sent), and then, when
        # screening found risk, the support prompt with where to get help.
        replies = [posted.payload, ack]
        if posted.support is not None:
            replies.append(posted.support)
        return replies

    def _resume(self, seat: Seat, frame: dict[str, Any]) -> list[dict[str, Any]]:
        after = selectors.seq_of(seat.room.pk, frame.get("last_id"))
        if after is None:
            raise RoomError("not_found", "There is no such message in this room.")
        return selectors.log_after(
            seat.room.pk, after, moderator=seat.moderator, member=seat.member_id
        )

    def _history(self, seat: Seat, frame: dict[str, Any]) -> list[dict[str, Any]]:
        before = frame.get("before_seq")
        limit = frame.get("limit", selectors.HISTORY_PAGE)
        if (before is not None and not _whole(before)) or not _whole(limit):
            raise RoomError("bad_frame", "before_seq and limit must be whole numbers.")
        page, more = selectors.log_before(
            seat.room.pk, before, limit=limit, moderator=seat.moderator, member=seat.member_id
        )
        return [{"type": "history", "messages": page, "more": more}]

    def _read(self, seat: Seat, frame: dict[str, Any]) -> list[dict[str, Any]]:
        services.read_position(seat=seat, seq=frame.get("seq"))
        return []

    def _hide(self, seat: Seat, frame: dict[str, Any]) -> list[dict[str, Any]]:
        services.message_hide(
            seat=seat,
            actor=self.user,
            message_id=frame.get("id"),
            reason=str(frame.get("reason", "")),
        )
        return []

    def _report(self, seat: Seat, frame: dict[str, Any]) -> list[dict[str, Any]]:
        services.message_report(
            seat=seat, actor=self.user, message_id=frame.get("id"), reason=frame.get("reason")
        )
        return [{"type": "reported", "id": frame.get("id"), "message": REPORTED_TEXT}]

    def _mute(self, seat: Seat, frame: dict[str, Any]) -> list[dict[str, Any]]:
        member = services.member_mute(
            seat=seat, actor=self.user, member_id=frame.get("member"), minutes=frame.get("minutes")
        )
        return [{"type": "done", "action": "mute", "member": member.pk}]

    def _unmute(self, seat: Seat, frame: dict[str, Any]) -> list[dict[str, Any]]:
        member = services.member_unmute(seat=seat, actor=self.user, member_id=frame.get("member"))
        return [{"type": "done", "action": "unmute", "member": member.pk}]

    def _remove(self, seat: Seat, frame: dict[str, Any]) -> list[dict[str, Any]]:
        member = services.member_remove(
            seat=seat, actor=self.user, member_id=frame.get("member"), reason=frame.get("reason")
        )
        return [{"type": "done", "action": "remove", "member": member.pk}]

    def _readmit(self, seat: Seat, frame: dict[str, Any]) -> list[dict[str, Any]]:
        member = services.member_readmit(seat=seat, actor=self.user, member_id=frame.get("member"))
        return [{"type": "done", "action": "readmit", "member": member.pk}]

    def _release(self, seat: Seat, frame: dict[str, Any]) -> list[dict[str, Any]]:
        services.message_release(seat=seat, actor=self.user, message_id=frame.get("id"))
        return []

    def _lock(self, seat: Seat, frame: dict[str, Any]) -> list[dict[str, Any]]:
        services.room_lock(seat=seat, actor=self.user, locked=frame["type"] == "lock")
        return []

    # --- frames from the channel layer -------------------------------------------

    async def room_frame(self, event: dict[str, Any]) -> None:
        seq = event.get("seq")
        text = event["text"]
        if "mods_text" in event and self.seat is not None:
            # A held message: facilitators and its writer see it, others skip it.
            if self.seat.moderator:
                text = event["mods_text"]
            elif event.get("member") is not None and event["member"] == self.member_id:
                text = event["member_text"]
        if seq is None:
            await self.send(text_data=text)
            return
        async with self.delivering:
            if seq > self.last_seq + 1 and self.seat is not None:
                # Ahead of a gap: the missing frames are most often a moment
                # behind; hold this one before asking the database for them.
                self.held.setdefault(seq, text)
                if self.gap_filler is None:
                    self.gap_filler = asyncio.ensure_future(self._fill_gap_later())
            else:
                await self._deliver(seq, text)

    async def room_kick(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["text"])
        await self.close(code=CLOSE_REMOVED)

    async def _deliver(self, seq: int, text: str) -> None:
        """Send one row of the log in order, exactly once: drop what this
        connection has sent, fill a gap (from held broadcasts, then from the
        database) first. Call it holding ``self.delivering``."""
        await self._release_held()
        if seq <= self.last_seq:
            return
        if seq > self.last_seq + 1 and self.seat is not None:
            await self._fill(seq - 1)
        self.last_seq = seq
        await self.send(text_data=text)
        await self._release_held()

    async def _fill(self, up_to_seq: int) -> None:
        assert self.seat is not None
        missing = await db(selectors.log_between)(
            self.seat.room.pk,
            self.last_seq,
            up_to_seq,
            moderator=self.seat.moderator,
            member=self.member_id,
        )
        for frame in missing:
            if frame["seq"] > self.last_seq:
                self.last_seq = frame["seq"]
                await self.send(text_data=encode(frame))

    async def _release_held(self) -> None:
        """Send the held broadcasts that are next in order; drop those already sent."""
        while self.held:
            seq = min(self.held)
            if seq > self.last_seq + 1:
                return
            text = self.held.pop(seq)
            if seq == self.last_seq + 1:
                self.last_seq = seq
                await self.send(text_data=text)

    async def _fill_gap_later(self) -> None:
        await asyncio.sleep(GAP_WAIT_SECONDS)
        async with self.delivering:
            self.gap_filler = None
            if self.held:
                await self._fill(min(self.held) - 1)
                await self._release_held()
            if self.held:  # a newer gap behind the one just filled
                self.gap_filler = asyncio.ensure_future(self._fill_gap_later())

    # --- errors -----------------------------------------------------------------

    async def _error(self, code: str, message: str, **extra: Any) -> None:
        frame: dict[str, Any] = {"type": "error", "code": code, "message": message}
        frame.update({key: value for key, value in extra.items() if value is not None})
        await self.send(text_data=encode(frame))

    async def _flooded(self) -> None:
        self.dropped += 1
        if self.dropped > getattr(settings, "ROOMS_FLOOD_CLOSE_AFTER", 100):
            await self._refuse(
                "flood", "Too many frames at once, so this connection was closed.", CLOSE_FLOOD
            )
            return
        now = time.monotonic()
        if now - self.warned_at >= 1:
            self.warned_at = now
            await self._error(
                "flood",
                "You're sending faster than anyone types, so some of it was not read. "
                "Anything not acknowledged is still waiting to be sent.",
            )


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


REPORTED_TEXT = (
    "Thank you. A facilitator will look at it. If someone is in danger, use the crisis numbers."
)

ACTIONS: dict[str, Callable[[RoomConsumer, Seat, dict[str, Any]], list[dict[str, Any]]]] = {
    "send": RoomConsumer._send,
    "resume": RoomConsumer._resume,
    "history": RoomConsumer._history,
    "read": RoomConsumer._read,
    "hide": RoomConsumer._hide,
    "report": RoomConsumer._report,
    "release": RoomConsumer._release,
    "mute": RoomConsumer._mute,
    "unmute": RoomConsumer._unmute,
    "remove": RoomConsumer._remove,
    "readmit": RoomConsumer._readmit,
    "lock": RoomConsumer._lock,
    "unlock": RoomConsumer._lock,
}
