"""Pages for live rooms: "My rooms", the room itself, and the no-JavaScript
fallbacks of its composer and moderation. The live part of the page is
``static/peercircle/room.js`` speaking the WebSocket protocol in docs/rooms.md
("The room page" there says what the page shows and how it reconnects).

Views are thin: parse, check the seat with ``rooms.access.room_seat``, call the
services and selectors, render. The routes that find a room by its session,
group or organisation check that the person may be in it *before* the room row
is made, so that nobody outside can cause one to exist.
"""

from __future__ import annotations

import contextlib
import dataclasses
import uuid
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from peercircle.core.access import NotFound, access_organisation
from peercircle.core.roles import Role
from peercircle.programmes.models import Group, Session
from peercircle.rooms import selectors, services
from peercircle.rooms.access import (
    MODERATING_ROLES,
    ONLINE,
    RoomClosed,
    Seat,
    may_enter_group_rooms,
    room_seat,
)
from peercircle.rooms.models import Room, RoomKind
from peercircle.rooms.services import RoomError

# --- helpers ------------------------------------------------------------------------


def _int_or_none(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _title(room: Room, user: Any) -> str:
    """The room's name as the person sees it (pseudonyms only)."""
    if room.kind == RoomKind.SESSION and room.group is not None and room.session is not None:
        return f"{room.group.name}: session {room.session.number}"
    if room.kind == RoomKind.STANDING and room.group is not None:
        return f"{room.group.name}: between sessions"
    if room.kind == RoomKind.PAIRING and room.pairing is not None:
        pairing = room.pairing
        if user.pk == pairing.participant_id:
            return f"One-to-one with {pairing.volunteer.pseudonym}"
        if user.pk == pairing.volunteer_id:
            return f"One-to-one with {pairing.participant.pseudonym}"
        return (
            f"One-to-one conversation of {pairing.participant.pseudonym} "
            f"and {pairing.volunteer.pseudonym}"
        )
    return "Supporters' room"


def _room_url(room_id: int) -> str:
    return reverse("rooms:room", args=[room_id])


def _closed_page(
    request: HttpRequest, room_id: int, closed: RoomClosed, *, unsent: str = ""
) -> HttpResponse:
    """A room the person may enter, but not now. Only called after ``room_seat``
    has said the person may be in the room, so the title is theirs to see."""
    room = (
        Room.objects.select_related(
            "organisation", "group", "session", "pairing__participant", "pairing__volunteer"
        )
        .filter(pk=room_id)
        .first()
    )
    if room is None:  # pragma: no cover - room_seat has just found it
        raise NotFound()
    return render(
        request,
        "rooms/closed.html",
        {
            "room": room,
            "title": _title(room, request.user),
            "reason": closed.message,
            "opens_at": closed.opens_at,
            "unsent": unsent,
        },
    )


def _room_page(
    request: HttpRequest,
    seat: Seat,
    *,
    draft: str = "",
    error: str = "",
    client_id: str = "",
) -> HttpResponse:
    room = seat.room
    member = services.member_enter(seat=seat, user=request.user)
    before = _int_or_none(request.GET.get("before"))
    history, more = selectors.log_before(
        room.pk, before, moderator=seat.moderator, member=seat.member_id
    )
    for row in history:
        row["at"] = datetime.fromisoformat(row["sent_at"])
    context: dict[str, Any] = {
        "room": room,
        "seat": seat,
        "member": member,
        "title": _title(room, request.user),
        "history": history,
        "more": more,
        "older": before is not None,
        "first_seq": history[0]["seq"] if history else None,
        "last_id": history[-1]["id"] if history else 0,
        "present": selectors.present(room.pk),
        "muted": seat.muted(),
        "draft": draft,
        "error": error,
        # A fresh id for each form drawn: a form sent twice (a double click, a
        # reload of the POST) is stored once.
        "client_id": client_id or uuid.uuid4().hex,
        "is_pairing": room.kind == RoomKind.PAIRING,
        # The volunteer in a one-to-one may raise a concern about the participant.
        "supported": (
            room.pairing.participant
            if room.kind == RoomKind.PAIRING
            and room.pairing is not None
            and room.pairing.volunteer_id == request.user.pk
            else None
        ),
        "overseer": seat.overseer,
        "can_write": seat.moderator or not room.locked,
    }
    if seat.moderator:
        context["members"] = [m for m in selectors.members(room.pk) if m.user_id != seat.user_id]
        context["reports"] = selectors.open_reports(room.pk)
        context["now"] = timezone.now()
    return render(request, "rooms/room.html", context)


def _enter(request: HttpRequest, room: Room) -> HttpResponse:
    """Send the person on to a room that exists, if they may be in it."""
    with contextlib.suppress(RoomClosed):  # the room page says when it opens
        room_seat(request.user, room.pk)
    return redirect(_room_url(room.pk))


# --- pages --------------------------------------------------------------------------


@require_GET
@login_required
def my_rooms(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = [
        {
            "entry": entry,
            "url": reverse(entry.url_name, args=[entry.url_arg]),
            "open": entry.is_open(now),
            "closed": entry.closes_at is not None and entry.closes_at <= now,
        }
        for entry in selectors.rooms_for(request.user, now=now)
    ]
    return render(request, "rooms/my_rooms.html", {"rows": rows, "now": now})


@require_GET
@login_required
def room(request: HttpRequest, room_id: int) -> HttpResponse:
    try:
        seat = room_seat(request.user, room_id)
    except RoomClosed as closed:
        return _closed_page(request, room_id, closed)
    return _room_page(request, seat)


@require_GET
@login_required
def session_room(request: HttpRequest, session_id: int) -> HttpResponse:
    session = Session.objects.select_related("group").filter(pk=session_id).first()
    if session is None or not may_enter_group_rooms(request.user, session.group):
        raise NotFound()
    try:
        room = services.room_for_session(session=session)
    except RoomError:
        raise NotFound() from None
    return _enter(request, room)


@require_GET
@login_required
def standing_room(request: HttpRequest, group_id: int) -> HttpResponse:
    group = Group.objects.filter(pk=group_id).first()
    if (
        group is None
        or group.delivery not in ONLINE
        or not may_enter_group_rooms(request.user, group)
    ):
        raise NotFound()
    return _enter(request, services.room_standing(group=group))


@require_GET
@login_required
def supporters_room(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = access_organisation(
        request.user, organisation_id, roles=MODERATING_ROLES | {Role.VOLUNTEER}
    )
    return _enter(request, services.room_supporters(organisation=organisation))


# --- without JavaScript ----------------------------------------------------------


@require_POST
@login_required
def send(request: HttpRequest, room_id: int) -> HttpResponse:
    """The composer as a plain form. On a refusal the page comes back with the
    reason and the person's text still in the box."""
    body = request.POST.get("body", "")
    client_id = request.POST.get("client_id", "")[:64]
    try:
        seat = room_seat(request.user, room_id)
    except RoomClosed as closed:
        return _closed_page(request, room_id, closed, unsent=body)
    if seat.member_id is None:
        member = services.member_enter(seat=seat, user=request.user)
        seat = dataclasses.replace(seat, member_id=member.pk)
    try:
        services.message_send(seat=seat, author=request.user, body=body, client_id=client_id)
    except RoomError as refused:
        return _room_page(request, seat, draft=body, error=refused.message, client_id=client_id)
    return redirect(_room_url(seat.room.pk) + "#composer")


@require_POST
@login_required
def hide(request: HttpRequest, room_id: int, message_id: int) -> HttpResponse:
    try:
        seat = room_seat(request.user, room_id)
    except RoomClosed:
        return redirect(_room_url(room_id))  # the room page says why
    if not seat.moderator:
        raise NotFound()
    try:
        services.message_hide(seat=seat, actor=request.user, message_id=message_id)
    except RoomError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, "The message is hidden.")
    return redirect(_room_url(seat.room.pk))


@require_POST
@login_required
def report_dismiss(request: HttpRequest, room_id: int, report_id: int) -> HttpResponse:
    try:
        seat = room_seat(request.user, room_id)
    except RoomClosed:
        return redirect(_room_url(room_id))  # the room page says why
    if not seat.moderator:
        raise NotFound()
    try:
        services.report_dismiss(seat=seat, actor=request.user, report_id=report_id)
    except RoomError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, "The report is dismissed; the message stays.")
    return redirect(_room_url(seat.room.pk) + "#reports")
