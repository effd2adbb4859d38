"""The participant's questionnaire pages at /questionnaires/: "My check-ins",
one questionnaire on one screen (answers saved as they go by
``static/peercircle/questionnaire.js``, or all at once by the Submit button),
thanks with crisis resources after a risk answer, "My progress" with charts
drawn on the server, and the mechanism check-in after a group session or a
one-to-one contact. See docs/questionnaires.md.

Views parse, make one access check (``NotFound`` for "not there" and "not
yours" alike), call the services and selectors, and render. What a person
chose is never lost: a refused submission comes back with every answer still
chosen and the question that needs them named and linked.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from peercircle.core.access import roles_by_organisation
from peercircle.core.context_processors import crisis_resources_for
from peercircle.core.models import Organisation
from peercircle.measures import instruments
from peercircle.questionnaires import access, charts, selectors, services
from peercircle.questionnaires.models import (
    MECHANISM_ITEMS,
    MECHANISM_OPTIONS,
    Assignment,
    AssignmentState,
)
from peercircle.questionnaires.services import DECLINE, QuestionnaireError

T = "questionnaires/"
GET_POST = require_http_methods(["GET", "POST"])
#: Refusals that end the questionnaire rather than ask for a change.
FINAL = ("done", "closed", "needs_text")
#: ONS4 items by key, in words for people (the instrument reports them one by one).
ONS4_NAMES = {
    "satisfied": "Life satisfaction",
    "worthwhile": "Feeling the things you do are worthwhile",
    "happy": "Happiness yesterday",
    "anxious": "Anxiety yesterday",
}


def _organisation_timezone(organisation_id: int | None) -> str:
    zone = (
        Organisation.objects.filter(pk=organisation_id).values_list("timezone", flat=True).first()
    )
    return zone or settings.TIME_ZONE


def _person_timezone(person: Any) -> str:
    """The time zone of the person's (first) organisation, for dates on their pages."""
    organisations = sorted(roles_by_organisation(person))
    return _organisation_timezone(organisations[0] if organisations else None)


def _minutes(code: str) -> int:
    """A fair guess at how long it takes: about 15 seconds a question."""
    return max(1, round(instruments.get(code).items / 4))


# --- My check-ins --------------------------------------------------------------------


@never_cache
@require_GET
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    person = request.user
    due = selectors.due_for(person)
    prefetch_related_objects(due, "organisation")
    for assignment in due:
        spec = instruments.get(assignment.instrument)
        assignment.instrument_name = spec.name
        assignment.question_count = spec.items
        assignment.minutes = _minutes(assignment.instrument)
    sent = selectors.done_for(person, limit=10)
    for response in sent:
        response.instrument_name = instruments.get(response.instrument).short_name
    context = {
        "due": due,
        "sent": sent,
        "sessions": selectors.checkin_offers(person),
        "pairings": selectors.pairing_checkin_offers(person),
        "tz": _person_timezone(person),
    }
    return render(request, T + "mine.html", context)


# --- answering -------------------------------------------------------------------------


def _posted_answers(data: Any, count: int) -> dict[int, str]:
    """``item-N`` fields of the form: the chosen option's index or "decline"."""
    posted = {}
    for number in range(1, count + 1):
        value = data.get(f"item-{number}", "")
        if value != "":
            posted[number] = value
    return posted


def _items(
    texts: services.Texts,
    code: str,
    chosen: dict[int, str],
    errors: dict[int, str],
) -> list[dict[str, Any]]:
    """What the template draws for each question."""
    spec = instruments.get(code)
    return [
        {
            "number": number,
            "text": text,
            "options": [
                {"value": str(index), "label": label, "checked": chosen.get(number) == str(index)}
                for index, label in enumerate(texts.options[number - 1])
            ],
            "may_decline": spec.max_missing > 0,
            "declined": chosen.get(number) == DECLINE,
            "error": errors.get(number, ""),
        }
        for number, text in enumerate(texts.items, start=1)
    ]


def _saved_choices(assignment: Assignment) -> dict[int, str]:
    saved = selectors.saved_response(assignment)
    if saved is None:
        return {}
    chosen = {
        number: str(value)
        for number, value in enumerate(saved.answers, start=1)
        if isinstance(value, int)
    }
    chosen.update(dict.fromkeys(saved.declined, DECLINE))
    return chosen


def _ended(request: HttpRequest, assignment: Assignment, message: str, code: str) -> HttpResponse:
    """A questionnaire that cannot be answered now: sent already, closed, or
    its texts are missing. A plain message, not an error page."""
    return render(
        request,
        T + "ended.html",
        {
            "assignment": assignment,
            "instrument_name": instruments.get(assignment.instrument).short_name,
            "message": message,
            "code": code,
        },
    )


def _ended_reason(assignment: Assignment) -> QuestionnaireError | None:
    if assignment.state == AssignmentState.COMPLETED:
        return QuestionnaireError("You have sent this questionnaire already. Thank you.", "done")
    if assignment.state == AssignmentState.MISSED or assignment.closes_at <= timezone.now():
        return QuestionnaireError(
            "This questionnaire has closed, so it can no longer be answered. It makes no "
            "difference to your support.",
            "closed",
        )
    return None


@never_cache
@GET_POST
@login_required
def answer(request: HttpRequest, assignment_id: int) -> HttpResponse:
    person = request.user
    assignment = services.open_assignment(person, assignment_id)
    ended = _ended_reason(assignment)
    if ended is not None:
        return _ended(request, assignment, ended.text, ended.code)
    texts = services.texts_for(assignment.organisation_id, assignment.instrument)
    if texts is None:
        return _ended(
            request,
            assignment,
            "This questionnaire cannot be shown yet. Please try again later.",
            "needs_text",
        )
    spec = instruments.get(assignment.instrument)
    chosen = _saved_choices(assignment)
    errors: dict[int, str] = {}
    general: list[str] = []
    if request.method == "POST":
        posted = _posted_answers(request.POST, spec.items)
        chosen.update(posted)
        for number, value in posted.items():
            try:
                services.answer_save(person=person, assignment=assignment, item=number, value=value)
            except QuestionnaireError as refused:
                if refused.code in FINAL:
                    return _ended(request, assignment, refused.text, refused.code)
                errors[number] = refused.text
        if not errors:
            try:
                services.response_submit(person=person, assignment=assignment)
            except QuestionnaireError as refused:
                if refused.code in FINAL:
                    return _ended(request, assignment, refused.text, refused.code)
                if refused.item:
                    errors[refused.item] = refused.text
                else:
                    general.append(refused.text)
            else:
                selectors.due_count_forget(person)
                return redirect("questionnaires:done", assignment_id=assignment.pk)
        # Name every question still open, not only the first the service met.
        for number in range(1, spec.items + 1):
            if number not in chosen and number not in errors:
                errors[number] = f"Question {number} of {spec.short_name} is not answered yet."
    items = _items(texts, assignment.instrument, chosen, errors)
    context = {
        "assignment": assignment,
        "spec": spec,
        "texts": texts,
        "items": items,
        "answered": len(chosen),
        "errors": [(number, errors[number]) for number in sorted(errors)],
        "general_errors": general,
        "tz": _organisation_timezone(assignment.organisation_id),
        "minutes": _minutes(assignment.instrument),
    }
    return render(request, T + "answer.html", context, status=400 if errors or general else 200)


@require_POST
@login_required
def save(request: HttpRequest, assignment_id: int) -> JsonResponse:
    """One answer as it is chosen, from questionnaire.js. JSON in
    (``{"item": 3, "value": "2"}``; "decline" or "" to clear) or a form; JSON out:
    ``{"ok": true, "item": 3, "answered": 4, "of": 9}`` or
    ``{"ok": false, "item": 3, "error": "...", "code": "invalid"}``."""
    assignment = services.open_assignment(request.user, assignment_id)
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            data = None
        if not isinstance(data, dict):
            return JsonResponse(
                {"ok": False, "error": "Send one answer as a JSON object.", "code": "invalid"},
                status=400,
            )
    else:
        data = request.POST
    item, value = data.get("item"), data.get("value")
    try:
        response = services.answer_save(
            person=request.user, assignment=assignment, item=item, value=value
        )
    except QuestionnaireError as refused:
        return JsonResponse(
            {"ok": False, "item": refused.item, "error": refused.text, "code": refused.code},
            status=409 if refused.code in FINAL else 400,
        )
    answered = sum(1 for a in response.answers if a is not None) + len(response.declined)
    return JsonResponse(
        {"ok": True, "item": int(item), "answered": answered, "of": len(response.answers)}
    )


@never_cache
@require_GET
@login_required
def done(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """Thanks; and after a risk answer, help at once and word that someone will be in touch."""
    assignment = services.open_assignment(request.user, assignment_id)
    response = selectors.saved_response(assignment)
    if response is None or response.submitted_at is None:
        return redirect("questionnaires:answer", assignment_id=assignment.pk)
    context = {
        "assignment": assignment,
        "response": response,
        "instrument_name": instruments.get(assignment.instrument).short_name,
        "crisis": crisis_resources_for(assignment.organisation_id) if response.risk else [],
        "tz": _organisation_timezone(assignment.organisation_id),
    }
    return render(request, T + "done.html", context)


# --- My progress -----------------------------------------------------------------------


def _value(value: float) -> str:
    return charts._number(value)


def _chart(series: selectors.Series, number: int) -> dict[str, Any]:
    """One series as the page shows it: the chart, a sentence, and a table."""
    name = ONS4_NAMES.get(series.item, series.item) if series.item else series.short_name
    first, latest = series.points[0], series.points[-1]
    direction = "Higher scores are better." if series.higher_is_better else "Lower is better."
    if series.item:
        direction = "Higher is better." if series.higher_is_better else "Lower means less anxious."
    elif not series.higher_is_better:
        direction = "Lower scores mean fewer difficulties."
    if len(series.points) == 1:
        summary = (
            f"You have one {name} score so far: {_value(first.value)}"
            f"{f' ({first.band})' if first.band else ''}, at {first.label}."
        )
    else:
        summary = (
            f"Your first {name} score was {_value(first.value)}"
            f"{f' ({first.band})' if first.band else ''} at {first.label}; your latest is "
            f"{_value(latest.value)}{f' ({latest.band})' if latest.band else ''} at "
            f"{latest.label}."
        )
    dates = [dateformat.format(timezone.localtime(p.at), "j M") for p in series.points]
    svg = charts.progress_svg(
        chart_id=f"chart-{number}",
        title=f"{name}: your scores over time",
        description=f"{summary} {direction}",
        points=[
            charts.ChartPoint(label=p.label, date=d, value=p.value)
            for p, d in zip(series.points, dates, strict=True)
        ],
        minimum=series.minimum,
        maximum=series.maximum,
        bands=series.bands,
        higher_is_better=series.higher_is_better,
    )
    return {
        "id": f"chart-{number}",
        "name": name,
        "full_name": series.name if not series.item else "",
        "series": series,
        "svg": mark_safe(svg),  # noqa: S308 - charts.py escapes every text it draws
        "summary": summary,
        "direction": direction,
        "change_words": series.change_words,
        "rows": [
            {"at": p.at, "label": p.label, "value": _value(p.value), "band": p.band}
            for p in series.points
        ],
    }


@never_cache
@require_GET
@login_required
def progress(request: HttpRequest) -> HttpResponse:
    tz = _person_timezone(request.user)
    with timezone.override(tz):
        blocks = [
            _chart(series, number)
            for number, series in enumerate(selectors.progress(request.user), start=1)
            if series.points
        ]
    # ONS4's four items sit together under one heading.
    groups: list[dict[str, Any]] = []
    for block in blocks:
        instrument = block["series"].instrument
        if groups and groups[-1]["instrument"] == instrument and block["series"].item:
            groups[-1]["charts"].append(block)
            continue
        spec = instruments.get(instrument)
        groups.append(
            {
                "instrument": instrument,
                "heading": spec.name,
                "per_item": bool(block["series"].item),
                "charts": [block],
            }
        )
    return render(request, T + "progress.html", {"groups": groups, "tz": tz})


# --- the mechanism check-in ---------------------------------------------------------------


def _next_or(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _checkin(
    request: HttpRequest, *, session: Any = None, pairing: Any = None, about: str
) -> HttpResponse:
    back = _next_or(request, reverse("questionnaires:mine"))
    if selectors.checked_in(request.user, session=session, pairing=pairing):
        return render(request, T + "checkin_sent.html", {"about": about, "back": back})
    chosen: dict[str, str] = {}
    error = ""
    if request.method == "POST":
        chosen = {
            key: request.POST.get(key, "") for key, _ in MECHANISM_ITEMS if request.POST.get(key)
        }
        try:
            services.checkin_submit(
                person=request.user, answers=chosen, session=session, pairing=pairing
            )
        except QuestionnaireError as refused:
            if refused.code == "duplicate":
                return render(request, T + "checkin_sent.html", {"about": about, "back": back})
            error = refused.text
        else:
            messages.success(request, "Thank you. Your check-in is saved.")
            return redirect(back)
    statements = [
        {
            "key": key,
            "text": text,
            "options": [
                {"value": str(n), "label": label, "checked": chosen.get(key) == str(n)}
                for n, label in enumerate(MECHANISM_OPTIONS, start=1)
            ],
        }
        for key, text in MECHANISM_ITEMS
    ]
    context = {
        "about": about,
        "statements": statements,
        "error": error,
        "back": back,
        "next": request.POST.get("next") or request.GET.get("next") or "",
    }
    return render(request, T + "checkin.html", context, status=400 if error else 200)


@GET_POST
@login_required
def checkin_session(request: HttpRequest, session_id: int) -> HttpResponse:
    session = access.access_checkin_session(request.user, session_id)
    with timezone.override(_organisation_timezone(session.group.organisation_id)):
        when = dateformat.format(timezone.localtime(session.starts_at), "l j F")
    return _checkin(request, session=session, about=f"{session.group.name} on {when}")


@GET_POST
@login_required
def checkin_pairing(request: HttpRequest, pairing_id: int) -> HttpResponse:
    pairing = access.access_checkin_pairing(request.user, pairing_id)
    other = pairing.volunteer if request.user.pk == pairing.participant_id else pairing.participant
    return _checkin(
        request, pairing=pairing, about=f"your one-to-one support with {other.pseudonym}"
    )
