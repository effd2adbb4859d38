"""The coordinator back office at /manage/. See docs/programmes.md.

Each view parses, makes one access check (``NotFound`` for "not there" and "not
yours" alike), calls one service and renders. A refused service re-renders
the form with what was typed and a message on each field; it has written
nothing, because services validate before they write and run in a transaction.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from peercircle.accounts.access import access_contact_details
from peercircle.core.access import (
    NotFound,
    access_organisation,
    can_manage_programmes,
    can_see_contact_details,
    organisations_where,
)
from peercircle.core.links import url_pattern
from peercircle.core.roles import MANAGES_PROGRAMMES, Role
from peercircle.programmes import selectors, services
from peercircle.programmes.access import (
    access_enrolment_manage,
    access_group_manage,
    access_group_register,
    access_programme_manage,
    access_session_manage,
    access_session_register,
)
from peercircle.programmes.forms_manage import GroupForm, ProgrammeForm, ReasonForm, RegisterForm
from peercircle.programmes.models import EnrolmentStatus, Group, Programme

T = "programmes/manage/"
GET_POST = require_http_methods(["GET", "POST"])


def _data(request: HttpRequest) -> Any:
    """The submitted data on a POST (even an empty one), ``None`` on a GET."""
    return request.POST if request.method == "POST" else None


# --- dashboard --------------------------------------------------------------------


def _with_row_labels(groups: list[Group], timezone_name: str) -> list[Group]:
    """Labels for the groups table, made once here rather than by template
    filters per row: with 200 groups the filters were most of the page's time."""
    zone = ZoneInfo(timezone_name)
    pattern = url_pattern("manage:group_detail", group_id=987654321)
    for group in groups:
        group.detail_url = pattern.format(group_id=group.pk)
        if group.next_session_at:
            local = group.next_session_at.astimezone(zone)
            group.next_session_iso = local.isoformat()
            group.next_session_label = f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"
        else:
            group.next_session_iso = group.next_session_label = ""
    return groups


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Coordinators see their organisations; facilitators see their groups."""
    user = request.user
    managed_ids = organisations_where(user, MANAGES_PROGRAMMES)
    volunteer_ids = [i for i in organisations_where(user, {Role.VOLUNTEER}) if i not in managed_ids]
    facilitated = selectors.facilitated_groups(user, volunteer_ids) if volunteer_ids else []
    if not managed_ids and not facilitated:
        raise NotFound()
    organisations = [
        {
            "organisation": organisation,
            "programmes": selectors.organisation_programmes(organisation.pk),
            "groups": _with_row_labels(
                selectors.organisation_groups_overview(organisation.pk), organisation.timezone
            ),
            "follow_up": selectors.missed_two_in_a_row(organisation_id=organisation.pk),
        }
        for organisation in selectors.organisations_by_id(managed_ids)
    ]
    return render(
        request, T + "dashboard.html", {"organisations": organisations, "facilitated": facilitated}
    )


# --- programmes -------------------------------------------------------------------


@login_required
@GET_POST
def programme_create(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = access_organisation(request.user, organisation_id, roles=MANAGES_PROGRAMMES)
    form = ProgrammeForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            programme = services.programme_create(
                actor=request.user, organisation=organisation, **form.service_fields()
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"Programme “{programme.name}” created.")
            return redirect(reverse("manage:dashboard") + f"#organisation-{organisation.pk}")
    return render(
        request,
        T + "programme_form.html",
        {"form": form, "organisation": organisation, "programme": None},
    )


def _programme_initial(programme: Programme) -> dict[str, Any]:
    return {name: getattr(programme, name) for name in ProgrammeForm.base_fields}


@login_required
@GET_POST
def programme_edit(request: HttpRequest, programme_id: int) -> HttpResponse:
    programme = access_programme_manage(request.user, programme_id)
    form = ProgrammeForm(_data(request), initial=_programme_initial(programme))
    if request.method == "POST" and form.is_valid():
        try:
            programme = services.programme_update(
                actor=request.user, programme=programme, **form.service_fields()
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"Programme “{programme.name}” saved.")
            return redirect(
                reverse("manage:dashboard") + f"#organisation-{programme.organisation_id}"
            )
    context = {"form": form, "organisation": programme.organisation, "programme": programme}
    return render(request, T + "programme_form.html", context)


# --- groups -----------------------------------------------------------------------


@login_required
@GET_POST
def group_create(request: HttpRequest, programme_id: int) -> HttpResponse:
    programme = access_programme_manage(request.user, programme_id)
    form = GroupForm(
        _data(request),
        initial={
            "language": programme.organisation.default_language,
            "kind": "rolling",
            "delivery": "in_person",
        },
        facilitator_choices=selectors.facilitator_choices(programme.organisation_id),
    )
    if request.method == "POST" and form.is_valid():
        try:
            group = services.group_create(
                actor=request.user, programme=programme, **form.service_fields()
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"Group “{group.name}” created with its sessions.")
            return redirect("manage:group_detail", group_id=group.pk)
    return render(
        request, T + "group_form.html", {"form": form, "programme": programme, "group": None}
    )


def _group_initial(group: Group) -> dict[str, Any]:
    initial = {
        name: getattr(group, name) for name in GroupForm.base_fields if name != "facilitators"
    }
    initial["facilitators"] = selectors.group_facilitator_ids(group)
    return initial


@login_required
@GET_POST
def group_edit(request: HttpRequest, group_id: int) -> HttpResponse:
    group = access_group_manage(request.user, group_id)
    form = GroupForm(
        _data(request),
        initial=_group_initial(group),
        facilitator_choices=selectors.facilitator_choices(group.organisation_id),
    )
    if request.method == "POST" and form.is_valid():
        try:
            group = services.group_update(actor=request.user, group=group, **form.service_fields())
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"Group “{group.name}” saved.")
            return redirect("manage:group_detail", group_id=group.pk)
    return render(
        request, T + "group_form.html", {"form": form, "programme": group.programme, "group": group}
    )


@login_required
def group_detail(request: HttpRequest, group_id: int) -> HttpResponse:
    """Coordinators manage the group here; its facilitators see members and registers."""
    group = access_group_register(request.user, group_id)
    can_manage = can_manage_programmes(request.user, group.organisation_id)
    members = selectors.group_members(group)
    earlier, later = selectors.group_sessions_for_staff(group)
    context = {
        "group": group,
        "can_manage": can_manage,
        "can_see_contacts": can_manage
        and can_see_contact_details(request.user, group.organisation_id),
        "members": [e for e in members if e.status == EnrolmentStatus.ACTIVE],
        "offered": [e for e in members if e.status == EnrolmentStatus.OFFERED],
        "waiting": selectors.group_waiting_list(group),
        "facilitators": selectors.group_facilitator_pseudonyms(group),
        "earlier_sessions": earlier,
        "later_sessions": later,
        "follow_up": selectors.missed_two_in_a_row(
            organisation_id=group.organisation_id, group_id=group.pk
        ),
    }
    return render(request, T + "group_detail.html", context)


@login_required
@GET_POST
def enrolment_remove(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    enrolment = access_enrolment_manage(request.user, enrolment_id)
    if enrolment.status not in (
        EnrolmentStatus.ACTIVE,
        EnrolmentStatus.OFFERED,
        EnrolmentStatus.WAITING,
    ):
        raise NotFound()
    form = ReasonForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.enrolment_remove(
                actor=request.user, enrolment=enrolment, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request, f"{enrolment.user.pseudonym} has been removed from {enrolment.group.name}."
            )
            return redirect("manage:group_detail", group_id=enrolment.group_id)
    return render(
        request,
        T + "enrolment_remove.html",
        {"form": form, "enrolment": enrolment, "group": enrolment.group},
    )


@login_required
def contact_details(request: HttpRequest, organisation_id: int, person_id: int) -> HttpResponse:
    """A person's real name and contact details; every opening is in the audit log."""
    person = access_contact_details(request.user, person_id, organisation_id=organisation_id)
    back = request.GET.get("group", "")
    return render(
        request,
        T + "contact_details.html",
        {"person": person, "back_group_id": back if back.isdigit() else ""},
    )


# --- sessions and registers -------------------------------------------------------


@login_required
@GET_POST
def session_cancel(request: HttpRequest, session_id: int) -> HttpResponse:
    session = access_session_manage(request.user, session_id)
    form = ReasonForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.session_cancel(
                actor=request.user, session=session, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"The session on {session.starts_at:%A %d %B} is cancelled.")
            return redirect("manage:group_detail", group_id=session.group_id)
    return render(
        request,
        T + "session_cancel.html",
        {"form": form, "session": session, "group": session.group},
    )


@login_required
@require_POST
def session_reinstate(request: HttpRequest, session_id: int) -> HttpResponse:
    session = access_session_manage(request.user, session_id)
    services.session_reinstate(actor=request.user, session=session)
    messages.success(request, f"The session on {session.starts_at:%A %d %B} is back on.")
    return redirect("manage:group_detail", group_id=session.group_id)


@login_required
@GET_POST
def register(request: HttpRequest, session_id: int) -> HttpResponse:
    """The whole register as one form: works without JavaScript."""
    session = access_session_register(request.user, session_id)
    form = RegisterForm(_data(request), rows=selectors.session_register(session))
    if request.method == "POST" and form.is_valid():
        try:
            services.register_take(actor=request.user, session=session, marks=form.marks())
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, "Register saved.")
            return redirect("manage:register", session_id=session.pk)
    return render(
        request, T + "register.html", {"form": form, "session": session, "group": session.group}
    )


@login_required
@require_POST
def register_row(request: HttpRequest, session_id: int, user_id: int) -> HttpResponse:
    """Save one person's mark (htmx, on change) and send back their row."""
    session = access_session_register(request.user, session_id)
    rows = [row for row in selectors.session_register(session) if row[0].user_id == user_id]
    if not rows:
        raise NotFound()
    form = RegisterForm(request.POST, rows=rows)
    saved = False
    if form.is_valid() and form.marks():
        try:
            services.register_take(actor=request.user, session=session, marks=form.marks())
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            saved = True
    if not request.htmx:
        return redirect("manage:register", session_id=session.pk)
    enrolment, field = form.row_fields()[0]
    context = {
        "enrolment": enrolment,
        "field": field,
        "session": session,
        "saved": saved,
        "form": form,
    }
    return render(request, T + "_register_row_status.html", context)
