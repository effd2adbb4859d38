"""The questionnaires' staff pages at /manage/questionnaires/: instruments and
their texts, each programme's schedule, response rates, overdue questionnaires
and the mechanism check-in. See docs/questionnaires.md.

Like the rest of the back office, each view parses, makes one access check
(``NotFound`` for "not there" and "not yours" alike), calls one service or
selector and renders. Coordinators and administrators see everything here;
evaluators see instruments, response rates and check-in means only, with
figures about fewer than ``SMALL_CELL`` people hidden (questionnaires/access.py).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from peercircle.core.access import (
    NotFound,
    access_organisation,
    can_manage_programmes,
    organisations_where,
)
from peercircle.measures import instruments as measures
from peercircle.programmes.access import access_programme_manage
from peercircle.programmes.selectors import organisation_programmes, organisations_by_id
from peercircle.questionnaires import selectors, services
from peercircle.questionnaires.access import (
    MANAGES_QUESTIONNAIRES,
    READS_RATES,
    SMALL_CELL,
    access_schedule_point_manage,
)
from peercircle.questionnaires.forms_manage import SchedulePointForm

T = "questionnaires/manage/"
GET_POST = require_http_methods(["GET", "POST"])
#: The example texts file shipped with the code, for the "how to load texts" note.
EXAMPLE_FILE = "docs/examples/instrument-texts.example.json"


def _data(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _name(code: str) -> str:
    return measures.get(code).short_name


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The organisations whose questionnaires this person may see."""
    user = request.user
    organisation_ids = organisations_where(user, READS_RATES)
    if not organisation_ids:
        raise NotFound()
    rows = [
        {"organisation": organisation, "manages": can_manage_programmes(user, organisation.pk)}
        for organisation in organisations_by_id(organisation_ids)
    ]
    return render(request, T + "index.html", {"rows": rows})


@login_required
def organisation(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Instruments with citation, licence and status; programmes' schedules (managers)."""
    organisation = access_organisation(request.user, organisation_id, roles=READS_RATES)
    manages = can_manage_programmes(request.user, organisation.pk)
    programmes = []
    if manages:
        counts = selectors.schedule_counts(organisation.pk)
        programmes = organisation_programmes(organisation.pk)
        for programme in programmes:
            programme.schedule_count = counts.get(programme.pk, 0)
    context = {
        "organisation": organisation,
        "manages": manages,
        "instruments": selectors.instruments_overview(organisation.pk),
        "programmes": programmes,
        "example_file": EXAMPLE_FILE,
    }
    return render(request, T + "organisation.html", context)


@login_required
@GET_POST
def schedule(request: HttpRequest, programme_id: int) -> HttpResponse:
    """A programme's time points, and a form to add one."""
    programme = access_programme_manage(request.user, programme_id)
    instruments = selectors.instruments_overview(programme.organisation_id)
    form = SchedulePointForm(_data(request), instruments=instruments)
    if request.method == "POST" and form.is_valid():
        try:
            point = services.schedule_point_add(
                actor=request.user, programme=programme, **form.service_fields()
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request,
                f"{point.label}: {_name(point.instrument)} {point.when}, open for "
                f"{point.window_days} days, is in the schedule. People are asked from the "
                "next hourly run.",
            )
            return redirect("questionnaires_manage:schedule", programme_id=programme.pk)
    points = selectors.schedule_for(programme.pk)
    for point in points:
        point.instrument_name = _name(point.instrument)
    context = {
        "programme": programme,
        "organisation": programme.organisation,
        "form": form,
        "points": points,
        "waiting": [row for row in instruments if not row.ready],
    }
    return render(request, T + "schedule.html", context)


@login_required
@require_POST
def schedule_remove(request: HttpRequest, point_id: int) -> HttpResponse:
    point = access_schedule_point_manage(request.user, point_id)
    services.schedule_point_remove(actor=request.user, point=point)
    messages.success(
        request,
        f"{point.label} ({_name(point.instrument)}) is no longer in the schedule. "
        "Questionnaires already sent stay open, and answers are kept.",
    )
    return redirect("questionnaires_manage:schedule", programme_id=point.programme_id)


@login_required
def rates(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Response rates per group and time point, and check-in means per group."""
    organisation = access_organisation(request.user, organisation_id, roles=READS_RATES)
    manages = can_manage_programmes(request.user, organisation.pk)
    hide_small = not manages
    rows = [
        {
            "rate": rate,
            "hidden": hide_small and selectors.is_small(*rate.counts, at_least=SMALL_CELL),
        }
        for rate in selectors.response_rates(organisation.pk)
    ]
    checkins = [
        {**row, "hidden": hide_small and row["people"] < SMALL_CELL}
        for row in selectors.mechanism_summary(organisation.pk)
    ]
    context = {
        "organisation": organisation,
        "manages": manages,
        "hide_small": hide_small,
        "small_cell": SMALL_CELL,
        "rows": rows,
        "checkins": checkins,
    }
    return render(request, T + "rates.html", context)


@login_required
def overdue(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Questionnaires still open after their reminder: by pseudonym, for a friendly word."""
    organisation = access_organisation(request.user, organisation_id, roles=MANAGES_QUESTIONNAIRES)
    rows = selectors.overdue(organisation.pk)
    for row in rows:
        row.instrument_name = _name(row.instrument)
    return render(request, T + "overdue.html", {"organisation": organisation, "rows": rows})
