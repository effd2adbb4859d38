"""JSON API for volunteering: a volunteer's own record, applying, pausing and
the other steps of the pipeline, training completions, wellbeing check-ins and
activity; for coordinators, the overview with its flags, sign-off and the
hours export. See docs/api.md and docs/volunteers.md.

Thin, like the pages: parse, one access check (``volunteers.access``: someone
else's record, or another organisation's, is the same 404 as one that does
not exist), one service or selector. Refusals from the services
(``VolunteerError``) become the statuses in ``VOLUNTEER_ERROR_STATUS`` by the
handler in ``peercircle.api``; nothing is stored when one is refused.

Staff-only words (references, background check details, interview and
supervision notes) are not in this API at all; the application's words are
shown to the volunteer and, audited, to their coordinators.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from peercircle.core.access import NotFound, access_organisation, roles_by_organisation
from peercircle.core.models import Organisation
from peercircle.programmes.schemas import ErrorOut, ValidationErrorOut
from peercircle.volunteers import rules, selectors, services
from peercircle.volunteers.access import (
    access_completion_sign_off,
    access_module,
    access_profile,
)
from peercircle.volunteers.models import VolunteerProfile
from peercircle.volunteers.services import MANAGES_VOLUNTEERS, VolunteerError

router = Router(tags=["volunteers"])

#: The HTTP status for each ``VolunteerError`` code; any other is 422.
VOLUNTEER_ERROR_STATUS: dict[str, int] = {
    "exists": 409,  # applied already
    "order": 409,  # a step out of order
    "forbidden": 403,  # visible to them, but not theirs to do
}

ERRORS: dict[int, Any] = {
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ValidationErrorOut,
    422: ValidationErrorOut,
}


# --- schemas ----------------------------------------------------------------------


class GateOut(Schema):
    allowed: bool
    reasons: list[str] = Field(description="Why not, in plain words; empty when allowed")


class ModuleStatusOut(Schema):
    module_id: int
    title: str
    version: int
    status: str = Field(
        description='"not started", "waiting for sign-off", "signed off", '
        '"refresher due soon" or "refresher overdue"'
    )
    required: bool = Field(description="Needed for a role they want")
    completed_at: datetime | None
    signed_off_at: datetime | None
    refresher_due_on: date | None


class CheckOut(Schema):
    kind: str
    checked_on: date
    expires_on: date
    cleared: bool
    expired: bool


class VolunteeringOut(Schema):
    id: int
    organisation_id: int
    organisation_name: str
    pseudonym: str
    state: str
    state_words: str
    paused_from: str
    applied_at: datetime
    state_changed_at: datetime
    languages: list[str]
    availability: list[str]
    roles_wanted: list[str]
    may_facilitate: GateOut
    may_support_one_to_one: GateOut
    hours_this_month: Decimal
    contacts_this_month: int
    check: CheckOut | None
    training: list[ModuleStatusOut]


class EventOut(Schema):
    kind: str
    from_state: str
    to_state: str
    at: datetime
    by: str | None
    reason: str


class VolunteerOut(VolunteeringOut):
    lived_experience: str
    about: str
    history: list[EventOut]


class ApplicationIn(Schema):
    organisation_id: int
    lived_experience: str = Field(description="The lived experience they are willing to share")
    languages: list[str] = Field(description="Languages they can support people in")
    availability: list[str] = Field(description="Times they are usually free")
    roles_wanted: list[str] = Field(description='"facilitate" and/or "one_to_one"')
    about: str = ""


class MoveIn(Schema):
    to: Literal["screening", "training", "active", "paused", "left"] = Field(
        description="The state to move to; resuming is moving back to the state paused from"
    )
    reason: str = ""


class CompletionIn(Schema):
    reflection: str = Field(description="A few lines of reflection on the module")


class CompletionOut(Schema):
    id: int
    module_id: int
    module_version: int
    completed_at: datetime
    signed_off_at: datetime | None
    refresher_due_on: date | None


class CheckInIn(Schema):
    ons4: list[int] = Field(description="The four ONS wellbeing answers, each 0 to 10")
    workload: dict[str, int] = Field(
        description="Each workload statement's key with its answer, 1 (not at all) to 5"
    )
    wants_chat: bool = False
    note: str = ""


class CheckInOut(Schema):
    id: int
    at: datetime
    wants_chat: bool


class ActivityIn(Schema):
    on: date
    kind: str
    hours: Decimal
    contacts: int = 0


class ActivityOut(Schema):
    id: int
    on: date
    kind: str
    hours: Decimal
    contacts: int


class FlagOut(Schema):
    code: str
    words: str


class OverviewRowOut(Schema):
    id: int
    pseudonym: str
    state: str
    caseload: int
    caseload_limit: int
    groups: int
    pairings: int
    hours_this_month: Decimal
    contacts_this_month: int
    last_supervision: datetime | None
    check_expires_on: date | None
    flags: list[FlagOut]


class ActivityExportOut(Schema):
    header: list[str]
    rows: list[list[Any]]


# --- shaping ----------------------------------------------------------------------


def _gate(verdict: Any) -> dict[str, Any]:
    return {"allowed": verdict.allowed, "reasons": [] if verdict.allowed else list(verdict.reasons)}


def _volunteering(
    profile: VolunteerProfile, mine: selectors.MyVolunteering | None = None
) -> dict[str, Any]:
    if mine is None:
        mine = selectors.my_volunteering(profile)
    return {
        "id": profile.pk,
        "organisation_id": profile.organisation_id,
        "organisation_name": profile.organisation.name,
        "pseudonym": profile.person.pseudonym,
        "state": profile.state,
        "state_words": rules.state_words(profile.state),
        "paused_from": profile.paused_from,
        "applied_at": profile.applied_at,
        "state_changed_at": profile.state_changed_at,
        "languages": list(profile.languages),
        "availability": list(profile.availability),
        "roles_wanted": list(profile.roles_wanted),
        "may_facilitate": _gate(mine.may_facilitate),
        "may_support_one_to_one": _gate(mine.may_support_one_to_one),
        "hours_this_month": mine.hours_this_month,
        "contacts_this_month": mine.contacts_this_month,
        "check": None
        if mine.check is None
        else {
            "kind": mine.check.kind,
            "checked_on": mine.check.checked_on,
            "expires_on": mine.check.expires_on,
            "cleared": mine.check.cleared,
            "expired": mine.check.expired,
        },
        "training": [
            {
                "module_id": item.module.pk,
                "title": item.module.title,
                "version": item.module.version,
                "status": item.status,
                "required": item.required,
                "completed_at": (item.waiting or item.signed).completed_at
                if (item.waiting or item.signed)
                else None,
                "signed_off_at": item.signed.signed_off_at if item.signed else None,
                "refresher_due_on": item.refresher_due_on,
            }
            for item in mine.training
        ],
    }


def _volunteer(actor: Any, profile: VolunteerProfile) -> dict[str, Any]:
    application = selectors.application_read(actor, profile)  # audited for staff
    mine = selectors.my_volunteering(profile)  # its history is the record's history
    body = _volunteering(profile, mine)
    body.update(
        lived_experience=application.lived_experience,
        about=application.about,
        history=[
            {
                "kind": event.kind,
                "from_state": event.from_state,
                "to_state": event.to_state,
                "at": event.at,
                "by": event.actor.pseudonym if event.actor_id else None,
                "reason": event.reason,
            }
            for event in mine.history
        ],
    )
    return body


def _completion(completion: Any) -> dict[str, Any]:
    return {
        "id": completion.pk,
        "module_id": completion.module_id,
        "module_version": completion.module_version,
        "completed_at": completion.completed_at,
        "signed_off_at": completion.signed_off_at,
        "refresher_due_on": completion.refresher_due_on,
    }


# --- a volunteer's own ------------------------------------------------------------------


@router.get("/volunteering", response=list[VolunteeringOut], url_name="volunteering_mine")
def volunteering_mine(request: HttpRequest) -> list[dict[str, Any]]:
    """The signed-in person's own volunteering, one entry per organisation
    (none if they have never applied)."""
    profiles = VolunteerProfile.objects.filter(person=request.user).select_related(
        "person", "organisation"
    )
    return [_volunteering(profile) for profile in profiles.order_by("organisation__name", "id")]


@router.post(
    "/volunteering/applications",
    response={201: VolunteerOut, **ERRORS},
    url_name="volunteering_apply",
)
def volunteering_apply(request: HttpRequest, payload: ApplicationIn) -> Status:
    """Apply to volunteer with an organisation the person belongs to (any role).
    Incomplete applications are refused with a message per field; applying twice
    is 409."""
    if payload.organisation_id not in roles_by_organisation(request.user):
        raise NotFound()
    organisation = Organisation.objects.get(pk=payload.organisation_id)
    profile = services.application_submit(
        person=request.user,
        organisation=organisation,
        lived_experience=payload.lived_experience,
        languages=payload.languages,
        availability=payload.availability,
        roles_wanted=payload.roles_wanted,
        about=payload.about,
    )
    profile = access_profile(request.user, profile.pk)
    return Status(201, _volunteer(request.user, profile))


@router.get(
    "/volunteers/{profile_id}", response={200: VolunteerOut, **ERRORS}, url_name="volunteer"
)
def volunteer(request: HttpRequest, profile_id: int) -> dict[str, Any]:
    """A volunteer's record: their own, or (audited) one of a coordinator's organisation."""
    return _volunteer(request.user, access_profile(request.user, profile_id))


@router.post(
    "/volunteers/{profile_id}/state",
    response={200: VolunteerOut, **ERRORS},
    url_name="volunteer_move",
)
def volunteer_move(request: HttpRequest, profile_id: int, payload: MoveIn) -> dict[str, Any]:
    """Move a volunteer on: a coordinator takes the steps in (screening,
    training, active); the volunteer or a coordinator pauses, resumes or
    leaves. A volunteer pausing themselves needs no reason. Out of order is 409
    with the reason; unmet conditions (references, checks, training) are 422
    with each one named."""
    profile = access_profile(request.user, profile_id)
    services.volunteer_move(
        actor=request.user, profile=profile, to=payload.to, reason=payload.reason
    )
    return _volunteer(request.user, access_profile(request.user, profile_id))


@router.post(
    "/volunteers/{profile_id}/modules/{module_id}/completion",
    response={201: CompletionOut, **ERRORS},
    url_name="module_complete",
)
def module_complete(
    request: HttpRequest, profile_id: int, module_id: int, payload: CompletionIn
) -> Status:
    """Mark a training module complete with a reflection (the volunteer only).
    A completion still waiting for sign-off is updated rather than repeated."""
    profile = access_profile(request.user, profile_id)
    module = access_module(request.user, module_id)
    completion = services.module_complete(
        actor=request.user, profile=profile, module=module, reflection=payload.reflection
    )
    return Status(201, _completion(completion))


@router.post(
    "/volunteers/{profile_id}/check-ins",
    response={201: CheckInOut, **ERRORS},
    url_name="volunteer_checkin",
)
def volunteer_checkin(request: HttpRequest, profile_id: int, payload: CheckInIn) -> Status:
    """A wellbeing check-in (the volunteer's own): ONS4, workload, "I'd like a chat"."""
    profile = access_profile(request.user, profile_id)
    try:
        checkin = services.checkin_submit(
            actor=request.user,
            profile=profile,
            ons4=payload.ons4,
            workload=payload.workload,
            wants_chat=payload.wants_chat,
            note=payload.note,
        )
    except ValueError as unknown:  # a workload key that is not one of the statements
        raise VolunteerError({"workload": [str(unknown)]}) from None
    return Status(201, {"id": checkin.pk, "at": checkin.at, "wants_chat": checkin.wants_chat})


@router.post(
    "/volunteers/{profile_id}/activity",
    response={201: ActivityOut, **ERRORS},
    url_name="volunteer_activity",
)
def volunteer_activity(request: HttpRequest, profile_id: int, payload: ActivityIn) -> Status:
    """Log hours and people supported on one day (the volunteer or a coordinator)."""
    profile = access_profile(request.user, profile_id)
    entry = services.activity_log(
        actor=request.user,
        profile=profile,
        on=payload.on,
        kind=payload.kind,
        hours=payload.hours,
        contacts=payload.contacts,
    )
    return Status(
        201,
        {
            "id": entry.pk,
            "on": entry.on,
            "kind": entry.kind,
            "hours": entry.hours,
            "contacts": entry.contacts,
        },
    )


# --- coordinators ------------------------------------------------------------------------


@router.get(
    "/organisations/{organisation_id}/volunteers",
    response={200: list[OverviewRowOut], **ERRORS},
    url_name="volunteers_overview",
)
def volunteers_overview(request: HttpRequest, organisation_id: int) -> list[dict[str, Any]]:
    """Every volunteer of the organisation (not those who left) with caseload,
    hours and contacts this month, last supervision, check expiry and flags."""
    organisation = access_organisation(request.user, organisation_id, roles=MANAGES_VOLUNTEERS)
    return [
        {
            "id": row.profile.pk,
            "pseudonym": row.name,
            "state": row.state,
            "caseload": row.caseload,
            "caseload_limit": row.caseload_limit,
            "groups": row.groups,
            "pairings": row.pairings,
            "hours_this_month": row.hours_this_month,
            "contacts_this_month": row.contacts_this_month,
            "last_supervision": row.last_supervision,
            "check_expires_on": row.check_expires_on,
            "flags": [{"code": flag.code, "words": flag.words} for flag in row.flags],
        }
        for row in selectors.overview(organisation)
    ]


@router.post(
    "/volunteer-completions/{completion_id}/sign-off",
    response={200: CompletionOut, **ERRORS},
    url_name="completion_sign_off",
)
def completion_sign_off(request: HttpRequest, completion_id: int) -> dict[str, Any]:
    """A coordinator signs a completed module off; its refresher falls due later."""
    completion = access_completion_sign_off(request.user, completion_id)
    return _completion(services.module_sign_off(actor=request.user, completion=completion))


@router.get(
    "/organisations/{organisation_id}/volunteer-activity",
    response={200: ActivityExportOut, **ERRORS},
    url_name="volunteer_activity_export",
)
def volunteer_activity_export(
    request: HttpRequest, organisation_id: int, start: date, end: date
) -> dict[str, Any]:
    """Hours and contacts per volunteer (by pseudonym) per month from
    ``start``'s month to ``end``'s, with a total row per month: for funders."""
    organisation = access_organisation(request.user, organisation_id, roles=MANAGES_VOLUNTEERS)
    if end < start:
        raise VolunteerError({"end": ["The end date is before the start date."]})
    header, rows = selectors.activity_export_rows(organisation, start=start, end=end)
    return {"header": header, "rows": rows}
