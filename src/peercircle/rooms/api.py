"""JSON API for live rooms: my rooms, history, sending, read position.
See docs/api.md and docs/rooms.md ("Back office and API").

The same seat check, services and selectors as the WebSocket consumer: a
message sent here is stored, screened and broadcast to the room on commit
exactly as one sent over the socket. A room that does not exist and a room
that is not yours are the same 404; a room you may enter but that is not open
now is 409 ``closed``. Refusals from the services (``RoomError``) become the
statuses in ``ROOM_ERROR_STATUS``, by the handler in ``peercircle.api``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status

from peercircle.programmes.models import Group, Session
from peercircle.programmes.schemas import ErrorOut
from peercircle.rooms import selectors, services
from peercircle.rooms.access import Seat, room_seat
from peercircle.rooms.models import RoomKind
from peercircle.rooms.schemas import (
    HistoryOut,
    HistoryQueryIn,
    MessageIn,
    PostedOut,
    ReadIn,
    ReadOut,
    RoomErrorOut,
    RoomOut,
)
from peercircle.rooms.selectors import RoomEntry

router = Router(tags=["rooms"])

#: The HTTP status for each ``RoomError`` code.
ROOM_ERROR_STATUS: dict[str, int] = {
    "bad_frame": 422,
    "empty": 422,
    "too_long": 422,
    "rate_limited": 429,
    "muted": 403,
    "locked": 403,
    "not_allowed": 403,
    "not_found": 404,
    "closed": 409,
}
#: Which request field a 422 is about.
ROOM_ERROR_FIELD: dict[str, str] = {"empty": "body", "too_long": "body"}

ROOM_ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 409: RoomErrorOut, 422: RoomErrorOut}
SEND_ERRORS: dict[int, Any] = {**ROOM_ERRORS, 403: RoomErrorOut, 429: RoomErrorOut}


def _seat(request: HttpRequest, room_id: int) -> Seat:
    """The person's seat, entering the room as the socket does: their member row
    is made the first time, and a coordinator's or safeguarding lead's read of
    a one-to-one conversation that is not theirs is audited."""
    seat = room_seat(request.user, room_id)
    member = services.member_enter(seat=seat, user=request.user)
    return dataclasses.replace(seat, member_id=member.pk)


def _with_room(entry: RoomEntry) -> RoomEntry:
    """Rooms are made on first use. Every entry of ``rooms_for`` is a room the
    person may be in, so listing them may make them."""
    if entry.room_id is not None:
        return entry
    if entry.kind == RoomKind.SESSION:
        session = Session.objects.select_related("group").get(pk=entry.url_arg)
        room = services.room_for_session(session=session)
    elif entry.kind == RoomKind.STANDING:
        room = services.room_standing(group=Group.objects.get(pk=entry.url_arg))
    else:
        room = services.room_supporters(organisation=entry.url_arg)
    return dataclasses.replace(entry, room_id=room.pk)


@router.get("/rooms", response={200: list[RoomOut], 401: ErrorOut})
def rooms_list(request: HttpRequest) -> list[dict[str, Any]]:
    """My rooms, those open now first: group session rooms (the next session of
    each online group), rooms between sessions where the organisation has them,
    one-to-one conversations, and the supporters' room for volunteers."""
    now = timezone.now()
    return [
        {
            "id": entry.room_id,
            "kind": entry.kind,
            "title": entry.title,
            "open": entry.is_open(now),
            "opens_at": entry.opens_at,
            "closes_at": entry.closes_at,
            "unread": entry.unread,
        }
        for entry in map(_with_room, selectors.rooms_for(request.user, now=now))
    ]


@router.get(
    "/rooms/{room_id}/messages", response={200: HistoryOut, **ROOM_ERRORS}, exclude_none=True
)
def room_messages(
    request: HttpRequest, room_id: int, page: Query[HistoryQueryIn]
) -> dict[str, Any]:
    """A page of the room's history before ``before_seq`` (the newest page
    without it), oldest first; ``more`` says whether there is older history."""
    seat = _seat(request, room_id)
    messages, more = selectors.log_before(
        seat.room.pk,
        page.before_seq,
        limit=page.limit,
        moderator=seat.moderator,
        member=seat.member_id,
    )
    return {"messages": messages, "more": more, "last_seq": seat.room.last_seq}


@router.post("/rooms/{room_id}/messages", response={201: PostedOut, 200: PostedOut, **SEND_ERRORS})
def room_message_send(
    request: HttpRequest, room_id: int, payload: MessageIn
) -> Status[dict[str, Any]]:
    """Send a message: 201 with its ``id`` and ``seq``. Sending the same
    ``client_id`` again returns the stored message with 200 instead of storing
    it twice, so a client may safely retry."""
    seat = _seat(request, room_id)
    posted = services.message_send(
        seat=seat, author=request.user, body=payload.body, client_id=payload.client_id
    )
    status = 201 if posted.created else 200
    return Status(
        status,
        {
            "id": posted.message.pk,
            "seq": posted.message.seq,
            "held": posted.message.held,
            "support": posted.support,
        },
    )


@router.post("/rooms/{room_id}/read", response={200: ReadOut, **ROOM_ERRORS})
def room_read(request: HttpRequest, room_id: int, payload: ReadIn) -> dict[str, int]:
    """Move my read position forward to ``seq`` (never back, never past the end)."""
    seat = _seat(request, room_id)
    return {"seq": services.read_position(seat=seat, seq=payload.seq)}
