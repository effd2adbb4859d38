"""JSON API for questionnaires: instruments, programmes' schedules, and a
person's own questionnaires (due, sent, and sending one). See docs/api.md and
docs/questionnaires.md.

Thin, like the pages: parse, one access check, one service or selector. A
schedule is for coordinators and administrators of the programme's
organisation; for everyone else it is the same 404 as a programme that does
not exist. Someone else's questionnaire is 404 too. Refusals from the services
(``QuestionnaireError``) become the statuses in ``QUESTIONNAIRE_ERROR_STATUS``,
by the handler in ``peercircle.api``; nothing is stored when one is refused.

Instrument texts come only from the code (``services.shipped_texts``): the
texts an organisation loads under its licence never leave its own pages.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from peercircle.core.access import NotFound
from peercircle.measures import INSTRUMENTS, Instrument, instruments
from peercircle.programmes.access import access_programme_manage
from peercircle.programmes.schemas import ErrorOut, ValidationErrorOut
from peercircle.questionnaires import selectors, services
from peercircle.questionnaires.access import access_schedule_point_manage
from peercircle.questionnaires.models import Response
from peercircle.questionnaires.schemas import (
    DueOut,
    InstrumentOut,
    ResponseIn,
    ResponseOut,
    SchedulePointIn,
    SchedulePointOut,
    SubmittedOut,
)

router = Router(tags=["questionnaires"])

#: The HTTP status for each ``QuestionnaireError`` code; any other is 422.
QUESTIONNAIRE_ERROR_STATUS: dict[str, int] = {
    "duplicate": 409,  # the same time point twice
    "done": 409,  # sent already
    "closed": 409,  # its window has passed
}
#: Which request field a refusal with this code is about; others are "__all__",
#: or "answers" when the refusal names a question.
QUESTIONNAIRE_ERROR_FIELD: dict[str, str] = {"instrument": "instrument", "needs_text": "instrument"}

ERRORS: dict[int, Any] = {
    401: ErrorOut,
    404: ErrorOut,
    409: ValidationErrorOut,
    422: ValidationErrorOut,
}


# --- shaping ----------------------------------------------------------------------


def _bands(bands: Any) -> list[dict[str, Any]]:
    return [{"low": b.low, "high": b.high, "label": b.label} for b in bands]


def _instrument(spec: Instrument) -> dict[str, Any]:
    texts = services.shipped_texts(spec.code)
    return {
        "code": spec.code,
        "name": spec.name,
        "short_name": spec.short_name,
        "items": spec.items,
        "option_values": [list(values) for values in spec.option_values],
        "reversed_items": list(spec.reversed_items),
        "max_missing": spec.max_missing,
        "missing_rule": spec.missing_rule,
        "has_total": spec.has_total,
        "min_total": spec.min_total if spec.has_total else None,
        "max_total": spec.max_total if spec.has_total else None,
        "bands": _bands(spec.bands),
        "item_keys": list(spec.item_keys) if spec.item_keys else None,
        "item_bands": [_bands(b) for b in spec.item_bands] if spec.item_bands else None,
        "risk_items": list(spec.risk_items),
        "reliable_change": spec.reliable_change,
        "caseness": spec.caseness,
        "direction": spec.direction,
        "citation": spec.citation,
        "licence": spec.licence,
        "needs_licensed_text": spec.needs_licensed_text,
        "texts": None
        if texts is None
        else {
            "instructions": texts.instructions,
            "items": list(texts.items),
            "options": [list(labels) for labels in texts.options],
            "copyright_notice": texts.copyright_notice,
        },
    }


def _point(point: Any) -> dict[str, Any]:
    return {
        "id": point.pk,
        "programme_id": point.programme_id,
        "instrument": point.instrument,
        "label": point.label,
        "anchor": point.anchor,
        "offset_days": point.offset_days,
        "window_days": point.window_days,
        "when": point.when,
    }


def _response(response: Response) -> dict[str, Any]:
    return {
        "id": response.pk,
        "assignment_id": response.assignment_id,
        "instrument": response.instrument,
        "instrument_name": instruments.get(response.instrument).short_name,
        "time_point": response.time_point,
        "submitted_at": response.submitted_at,
        "total": response.total,
        "metric": response.metric,
        "band": response.band or None,
        "risk": response.risk,
        "items": response.detail or {},
        "answers": list(response.answers),
        "declined": list(response.declined),
    }


# --- instruments --------------------------------------------------------------------


@router.get("/instruments", response={200: list[InstrumentOut], 401: ErrorOut})
def instruments_list(request: HttpRequest) -> list[dict[str, Any]]:
    """Every instrument: scoring, bands, risk questions, reliable change, caseness,
    citation and licence, and its wording where the wording is shipped."""
    return [_instrument(spec) for spec in INSTRUMENTS.values()]


@router.get("/instruments/{code}", response={200: InstrumentOut, 401: ErrorOut, 404: ErrorOut})
def instrument_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    spec = INSTRUMENTS.get(code)
    if spec is None:
        raise NotFound()
    return _instrument(spec)


# --- schedules (coordinators) ---------------------------------------------------------


@router.get(
    "/programmes/{programme_id}/schedule",
    response={200: list[SchedulePointOut], **ERRORS},
    tags=["staff"],
)
def schedule_list(request: HttpRequest, programme_id: int) -> list[dict[str, Any]]:
    """Coordinators: the programme's time points, in the order they come."""
    programme = access_programme_manage(request.user, programme_id)
    return [_point(point) for point in selectors.schedule_for(programme.pk)]


@router.post(
    "/programmes/{programme_id}/schedule",
    response={201: SchedulePointOut, **ERRORS},
    tags=["staff"],
)
def schedule_add(
    request: HttpRequest, programme_id: int, payload: SchedulePointIn
) -> Status[dict[str, Any]]:
    """Coordinators: add a time point. Only instruments whose texts are ready may
    be scheduled (422, code ``needs_text``); the same one twice is 409 ``duplicate``."""
    programme = access_programme_manage(request.user, programme_id)
    point = services.schedule_point_add(actor=request.user, programme=programme, **payload.dict())
    return Status(201, _point(point))


@router.delete("/schedule-points/{point_id}", response={204: None, **ERRORS}, tags=["staff"])
def schedule_remove(request: HttpRequest, point_id: int) -> Status[None]:
    """Coordinators: stop scheduling a time point. What was already sent stays open."""
    point = access_schedule_point_manage(request.user, point_id)
    services.schedule_point_remove(actor=request.user, point=point)
    return Status(204, None)


# --- my questionnaires ---------------------------------------------------------------


@router.get("/questionnaires/due", response={200: list[DueOut], 401: ErrorOut})
def questionnaires_due(request: HttpRequest) -> list[dict[str, Any]]:
    """My questionnaires open now, soonest closing first."""
    return [
        {
            "id": a.pk,
            "instrument": a.instrument,
            "instrument_name": instruments.get(a.instrument).short_name,
            "time_point": a.label,
            "state": a.state,
            "due_at": a.due_at,
            "closes_at": a.closes_at,
            "group": a.group.name if a.group else None,
            "texts_shipped": services.shipped_texts(a.instrument) is not None,
        }
        for a in selectors.due_for(request.user)
    ]


@router.get("/questionnaires/responses", response={200: list[ResponseOut], 401: ErrorOut})
def questionnaires_responses(request: HttpRequest) -> list[dict[str, Any]]:
    """My questionnaires sent, newest first (the latest 50), with their scores."""
    return [_response(response) for response in selectors.done_for(request.user)]


@router.post("/questionnaires/{assignment_id}/response", response={201: SubmittedOut, **ERRORS})
def questionnaire_submit(
    request: HttpRequest, assignment_id: int, payload: ResponseIn
) -> Status[dict[str, Any]]:
    """Send my answers to one of my questionnaires, all at once: 201 with the
    score. When a risk question is answered above its lowest option, ``risk``
    is true, a safeguarding lead is told, and ``crisis_resources`` says where
    to get help now. A bad answer is 422 naming the question (``item``), and
    nothing is stored."""
    assignment = services.open_assignment(request.user, assignment_id)
    submitted = services.response_submit(
        person=request.user,
        assignment=assignment,
        answers=payload.answers,
        declined=payload.declined,
    )
    return Status(
        201, {**_response(submitted.response), "crisis_resources": submitted.crisis_resources}
    )
