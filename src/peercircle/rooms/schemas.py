"""Request and response shapes for the rooms API. See docs/api.md and docs/rooms.md.

The log entries are the same frames the WebSocket sends (``message`` and
``notice``), so a client can draw history from either.
"""

from __future__ import annotations

from typing import Any, Literal

from ninja import Field, Schema

from peercircle.programmes.schemas import StrictIn, UtcDateTime
from peercircle.rooms.models import RoomKind

#: The most messages one page of history holds (as over the WebSocket).
HISTORY_PAGE_MAX = 50


class RoomOut(Schema):
    id: int = Field(description="The room's id, for the other rooms endpoints and the WebSocket")
    kind: RoomKind
    title: str
    open: bool = Field(description="Whether it is open now")
    opens_at: UtcDateTime | None = Field(description="Null for rooms that are always open")
    closes_at: UtcDateTime | None = Field(description="Null for rooms that are always open")
    unread: int = Field(description="Messages from others after my read position")


class HistoryQueryIn(Schema):
    before_seq: int | None = Field(
        None, ge=1, le=2**63 - 1, description="Messages before this one; the newest when left out"
    )
    limit: int = Field(HISTORY_PAGE_MAX, ge=1, le=HISTORY_PAGE_MAX)


class LogEntryOut(Schema):
    """A message (``type`` "message") or a notice of something that changed the
    room (``type`` "notice": a message hidden, the room locked or unlocked)."""

    type: Literal["message", "notice"]
    id: int
    seq: int
    sent_at: str
    member: int | None = Field(None, description="Messages: the author's member id in this room")
    author: str | None = Field(None, description="Messages: the author's pseudonym")
    body: str | None = Field(None, description='Messages: the text, or "Hidden by a facilitator"')
    hidden: bool | None = None
    original: str | None = Field(None, description="Moderators only: the text of a hidden message")
    kind: str | None = Field(None, description="Notices: hidden, locked or unlocked")
    text: str | None = Field(None, description="Notices: what happened, in words")
    target: int | None = Field(None, description="Notices of a hidden message: its id")


class HistoryOut(Schema):
    messages: list[LogEntryOut] = Field(description="Oldest first")
    more: bool = Field(description="Whether there is older history before the first")
    last_seq: int = Field(description="The newest seq in the room")


class MessageIn(StrictIn):
    body: str
    client_id: str = Field(
        "",
        max_length=64,
        description="Your own id for the message: sending it again returns the stored one",
    )


class PostedOut(Schema):
    id: int
    seq: int
    #: True when the organisation's policy held it for a facilitator.
    held: bool = False
    #: Shown to the writer at once when screening found risk: a kind message
    #: and the organisation's crisis resources (the ``support`` frame).
    support: dict[str, Any] | None = None


class ReadIn(StrictIn):
    seq: int = Field(ge=0, le=2**63 - 1)


class ReadOut(Schema):
    seq: int = Field(
        description="The position asked for, or the room's last seq if that is lower; "
        "a position already further on is kept"
    )


class RoomErrorOut(Schema):
    detail: str
    code: str
    errors: dict[str, list[str]] = {}
    retry_after: int | None = Field(None, description="rate_limited: seconds to wait")
    until: str | None = Field(None, description="muted: when sending is possible again")
    opens_at: str | None = Field(None, description="closed: when the room opens, if it will")
