"""Frames and their broadcast on commit.

A frame is encoded to JSON once, here, and travels through the channel layer as
text: each connection only compares sequence numbers and writes it out.
Group names: ``room.<id>`` (everyone connected), ``room.<id>.mods`` (moderators),
``room.<id>.u.<user id>`` (one person's connections to the room).
See docs/rooms.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from peercircle.rooms.models import Message, MessageKind

HIDDEN_TEXT = "Hidden by a facilitator"
NOTICE_TEXT = {
    MessageKind.HIDDEN: "A facilitator hid a message.",
    MessageKind.LOCKED: "A facilitator paused the conversation: only facilitators can write now.",
    MessageKind.UNLOCKED: "The conversation is open again.",
    MessageKind.RELEASED: "A facilitator has shown a message that was waiting.",
}
HELD_REASON = (
    "Your message is waiting for a facilitator before the room sees it, because it "
    "sounds like you may be going through something very hard. It has not been "
    "deleted, and someone trained will be in touch."
)


def room_group(room_id: int) -> str:
    return f"room.{room_id}"


def moderators_group(room_id: int) -> str:
    return f"room.{room_id}.mods"


def person_group(room_id: int, user_id: int) -> str:
    return f"room.{room_id}.u.{user_id}"


def encode(payload: dict[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def message_payload(
    message: Message,
    *,
    author_name: str,
    moderator_view: bool = False,
    viewer_member: int | None = None,
) -> dict[str, Any]:
    """The frame for one row of the room's log (a message or a notice)."""
    sent_at = message.sent_at.isoformat()
    if message.kind != MessageKind.TEXT:
        payload: dict[str, Any] = {
            "type": "notice",
            "id": message.pk,
            "seq": message.seq,
            "kind": message.kind,
            "text": NOTICE_TEXT.get(MessageKind(message.kind), ""),
            "sent_at": sent_at,
        }
        if message.target_id:
            payload["target"] = message.target_id
        return payload
    if message.held and not moderator_view and viewer_member != message.member_id:
        # Held for a facilitator: others only learn that this place in the log
        # is taken, so that their connection does not wait for it.
        return {"type": "skip", "id": message.pk, "seq": message.seq}
    hidden = message.hidden_at is not None
    payload = {
        "type": "message",
        "id": message.pk,
        "seq": message.seq,
        "member": message.member_id,
        "author": author_name,
        "body": HIDDEN_TEXT if hidden else message.body,
        "sent_at": sent_at,
        "hidden": hidden,
    }
    if hidden and moderator_view:
        payload["original"] = message.body
    if message.held:
        payload["held"] = True
        if not moderator_view:
            payload["held_reason"] = HELD_REASON
    return payload


def report_notice(message_id: int, report_id: int, author: str | None) -> dict[str, Any]:
    """The frame that tells a room's facilitators of an open report."""
    return {"type": "reported", "id": message_id, "report": report_id, "author": author or ""}


#: Where broadcasts go inside ``broadcasts_into``: a list of (group, event) for
#: the caller to send from its own event loop.
_pending: ContextVar[list[tuple[str, dict[str, Any]]] | None] = ContextVar(
    "rooms_pending_broadcasts", default=None
)


@contextmanager
def broadcasts_into(pending: list[tuple[str, dict[str, Any]]]) -> Iterator[None]:
    """Collect the broadcasts that commits in this block send, instead of sending
    them. The room consumer runs its database work in a worker thread inside
    this and sends the list from its event loop afterwards: the thread is not
    held waiting on the event loop for each publish, and the order is kept."""
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)


def _send(group: str, event: dict[str, Any]) -> None:
    pending = _pending.get()
    if pending is not None:
        pending.append((group, event))
        return
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group, event)


def broadcast_on_commit(group: str, payload: dict[str, Any], *, seq: int | None = None) -> None:
    """Send ``payload`` to everyone in ``group`` once the transaction commits."""
    event = {"type": "room.frame", "text": encode(payload), "seq": seq}
    transaction.on_commit(lambda: _send(group, event))


def broadcast_held_on_commit(message: Message, *, author_name: str) -> None:
    """Broadcast a held message: facilitators get it whole, its writer gets it
    marked as held with why, everyone else a ``skip`` for its place in the log.
    One event; each connection picks its own variant (consumers.RoomConsumer)."""
    event = {
        "type": "room.frame",
        "text": encode(message_payload(message, author_name=author_name)),
        "seq": message.seq,
        "mods_text": encode(message_payload(message, author_name=author_name, moderator_view=True)),
        "member": message.member_id,
        "member_text": encode(
            message_payload(message, author_name=author_name, viewer_member=message.member_id)
        ),
    }
    transaction.on_commit(lambda: _send(room_group(message.room_id), event))


def kick_on_commit(room_id: int, user_id: int, message: str) -> None:
    """Disconnect one person's connections to a room once the transaction commits."""
    event = {"type": "room.kick", "text": encode({"type": "removed", "message": message})}
    transaction.on_commit(lambda: _send(person_group(room_id, user_id), event))
