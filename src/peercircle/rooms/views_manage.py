"""The rooms back office at /manage/rooms/: one-to-one pairings, room settings
and reported messages. See docs/rooms.md ("Back office and API").

Like the rest of the back office, each view parses, makes one access check
(``NotFound`` for "not there" and "not yours" alike), calls one service or
selector and renders. Pairings and room settings are for coordinators and
administrators; reported messages also for safeguarding leads.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods, require_POST

from peercircle.core.access import (
    NotFound,
    access_organisation,
    can_manage_programmes,
    organisations_where,
)
from peercircle.core.audit import audit_read
from peercircle.core.roles import MANAGES_PROGRAMMES
from peercircle.programmes.forms_manage import ReasonForm
from peercircle.programmes.selectors import organisations_by_id
from peercircle.rooms import selectors, services
from peercircle.rooms.access import (
    MODERATING_ROLES,
    access_pairing_manage,
    access_report_moderate,
)
from peercircle.rooms.forms_manage import PairingForm, RoomPolicyForm
from peercircle.rooms.models import Pairing, Room, RoomKind
from peercircle.rooms.services import RoomError

T = "rooms/manage/"
GET_POST = require_http_methods(["GET", "POST"])


def _data(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def conversation_url(room_id: int) -> str:
    """The room page of a conversation (``rooms:room``)."""
    try:
        return reverse("rooms:room", args=[room_id])
    except NoReverseMatch:  # the room pages are not mounted in this configuration
        return f"/rooms/{room_id}/"


def room_label(room: Room) -> str:
    """Which room, in words. Needs the room's group, session and pairing loaded."""
    if room.kind == RoomKind.SESSION and room.group and room.session:
        return f"{room.group.name}, session {room.session.number}"
    if room.kind == RoomKind.STANDING and room.group:
        return f"{room.group.name}, between sessions"
    if room.kind == RoomKind.PAIRING and room.pairing:
        pairing = room.pairing
        return f"One-to-one: {pairing.participant.pseudonym} and {pairing.volunteer.pseudonym}"
    return room.get_kind_display()


# --- overview ---------------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The live rooms pages a person may use, per organisation."""
    user = request.user
    organisation_ids = organisations_where(user, MODERATING_ROLES)
    if not organisation_ids:
        raise NotFound()
    counts = selectors.open_report_counts(organisation_ids)
    rows = [
        {
            "organisation": organisation,
            "manages": can_manage_programmes(user, organisation.pk),
            "open_reports": counts.get(organisation.pk, 0),
        }
        for organisation in organisations_by_id(organisation_ids)
    ]
    return render(request, T + "index.html", {"rows": rows})


# --- pairings ---------------------------------------------------------------------


def _with_links(pairings: list[Pairing]) -> list[Pairing]:
    for pairing in pairings:
        room = getattr(pairing, "room", None)
        pairing.conversation_url = conversation_url(room.pk) if room else ""
    return pairings


@login_required
@GET_POST
def pairings(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Active and ended one-to-one pairings, and a form to pair two people by hand."""
    organisation = access_organisation(request.user, organisation_id, roles=MANAGES_PROGRAMMES)
    participants, volunteers = selectors.pairing_choices(organisation.pk)
    form = PairingForm(_data(request), participants=participants, volunteers=volunteers)
    if request.method == "POST" and form.is_valid():
        try:
            pairing = services.pairing_create(
                actor=request.user, organisation=organisation, **form.service_fields()
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            names = dict(participants) | dict(volunteers)
            messages.success(
                request,
                f"{names.get(pairing.participant_id, 'The participant')} and "
                f"{names.get(pairing.volunteer_id, 'the volunteer')} are paired; "
                "their conversation is open.",
            )
            return redirect("rooms_manage:pairings", organisation_id=organisation.pk)
    every = _with_links(selectors.pairings_for_organisation(organisation.pk))
    active = sorted((p for p in every if p.is_active), key=lambda p: p.started_at, reverse=True)
    ended = sorted((p for p in every if not p.is_active), key=lambda p: p.ended_at, reverse=True)
    context = {"organisation": organisation, "form": form, "active": active, "ended": ended}
    return render(request, T + "pairings.html", context)


@login_required
@GET_POST
def pairing_end(request: HttpRequest, pairing_id: int) -> HttpResponse:
    pairing = access_pairing_manage(request.user, pairing_id)
    form = ReasonForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.pairing_end(
                actor=request.user, pairing=pairing, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request,
                f"The one-to-one support of {pairing.participant.pseudonym} by "
                f"{pairing.volunteer.pseudonym} has ended. Their conversation is closed "
                "and kept in the record.",
            )
            return redirect("rooms_manage:pairings", organisation_id=pairing.organisation_id)
    return render(request, T + "pairing_end.html", {"form": form, "pairing": pairing})


# --- room settings ------------------------------------------------------------------


@login_required
@GET_POST
def room_settings(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = access_organisation(request.user, organisation_id, roles=MANAGES_PROGRAMMES)
    policy = selectors.policy_for_organisation(organisation.pk)
    form = RoomPolicyForm(
        _data(request),
        initial={name: getattr(policy, name) for name in RoomPolicyForm.base_fields},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.room_policy_update(
                actor=request.user, organisation=organisation, **form.service_fields()
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, "Room settings saved. They apply from now on.")
            return redirect("rooms_manage:settings", organisation_id=organisation.pk)
    return render(request, T + "settings.html", {"form": form, "organisation": organisation})


# --- reported messages --------------------------------------------------------------


@login_required
def reports(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Open reports across the organisation's rooms, oldest first."""
    organisation = access_organisation(request.user, organisation_id, roles=MODERATING_ROLES)
    rows = selectors.open_reports_for_organisation(organisation.pk)
    conversations: dict[int, Room] = {}
    for report in rows:
        room = report.message.room
        report.room_label = room_label(room)
        report.room_url = conversation_url(room.pk)
        if room.kind == RoomKind.PAIRING:
            conversations[room.pk] = room
    # A reported message from a one-to-one conversation is a read of that
    # conversation by someone outside it: in the audit log, as on the room page.
    for room in conversations.values():
        audit_read(
            actor=request.user, obj=room, organisation=organisation, what="reported_messages"
        )
    return render(request, T + "reports.html", {"organisation": organisation, "reports": rows})


@login_required
@require_POST
def report_hide(request: HttpRequest, report_id: int) -> HttpResponse:
    report, seat = access_report_moderate(request.user, report_id)
    try:
        services.message_hide(
            seat=seat,
            actor=request.user,
            message_id=report.message_id,
            reason=request.POST.get("reason", "")[:240],
        )
    except RoomError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            "The message is hidden. People in the room now see “Hidden by a facilitator” "
            "in its place; the text is kept for the record.",
        )
    return redirect("rooms_manage:reports", organisation_id=seat.room.organisation_id)


@login_required
@require_POST
def report_dismiss(request: HttpRequest, report_id: int) -> HttpResponse:
    report, seat = access_report_moderate(request.user, report_id)
    try:
        services.report_dismiss(seat=seat, actor=request.user, report_id=report.pk)
    except RoomError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, "Report dismissed. The message stays as it was.")
    return redirect("rooms_manage:reports", organisation_id=seat.room.organisation_id)
