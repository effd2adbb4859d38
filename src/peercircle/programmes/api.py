"""JSON API for programmes, groups, sessions, enrolment and attendance. See docs/api.md.

Thin, like the pages: parse, call one ``access_*`` function, call one service or
selector, shape the answer. Operations are signed-in by default (the router is
mounted with session auth in ``peercircle.api``); public reads say ``auth=None``.

When an access check refuses, the answer is 404 unless the person holds a role
in the thing's organisation and could see the thing anyway (a listed group, a
publicly listed programme): then it is 403, because hiding what they can
already see protects nothing and "you need a coordinator role" is more useful.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.errors import HttpError

from peercircle.core.access import NotFound, access_organisation, can_manage_programmes, roles_in
from peercircle.core.models import Organisation
from peercircle.core.roles import MANAGES_PROGRAMMES
from peercircle.programmes import geo, selectors, services
from peercircle.programmes.access import (
    access_group_manage,
    access_group_register,
    access_group_view,
    access_own_enrolment,
    access_programme_manage,
    access_session_manage,
    access_session_member,
    access_session_register,
    is_facilitator,
)
from peercircle.programmes.models import (
    Enrolment,
    EnrolmentStatus,
    Group,
    Programme,
    Session,
    SessionStatus,
)
from peercircle.programmes.schemas import (
    AttendanceOut,
    EnrolmentOut,
    ErrorOut,
    FinderOut,
    FinderQueryIn,
    GroupCreateIn,
    GroupDetailOut,
    GroupEnrolmentsOut,
    GroupStaffOut,
    GroupUpdateIn,
    MyEnrolmentOut,
    ProgrammeCreateIn,
    ProgrammeListItem,
    ProgrammeStaffOut,
    ProgrammeUpdateIn,
    RegisterIn,
    RegisterOut,
    SessionCancelIn,
    SessionOut,
    ValidationErrorOut,
)

router = Router(tags=["programmes"])

NEEDS_COORDINATOR = "Only a coordinator of this organisation can do this."
NEEDS_REGISTER_ROLE = (
    "Only the organisation's coordinators and this group's facilitators can do this."
)

# The error answers every operation can give, for the OpenAPI document.
PUBLIC_ERRORS: dict[int, Any] = {404: ErrorOut, 422: ValidationErrorOut}
SIGNED_IN_ERRORS: dict[int, Any] = {
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ValidationErrorOut,
}
MEMBER_ERRORS: dict[int, Any] = {**SIGNED_IN_ERRORS, 409: ValidationErrorOut}


# --- refusals ---------------------------------------------------------------------


def _refuse(user: Any, organisation_id: int | None, *, visible: bool, message: str) -> NoReturn:
    """After an access check said no: 403 for someone of the organisation who can
    see the thing anyway, the same 404 as "missing" for everyone else."""
    if organisation_id is not None and visible and roles_in(user, organisation_id):
        raise HttpError(403, message)
    raise NotFound()


def _group_visible(user: Any, group_id: Any) -> Group | None:
    try:
        return access_group_view(user, group_id)
    except NotFound:
        return None


def _refuse_for_group(user: Any, group_id: Any, message: str) -> NoReturn:
    group = _group_visible(user, group_id)
    _refuse(
        user, group.organisation_id if group else None, visible=group is not None, message=message
    )


def _refuse_for_session(user: Any, session_id: int, message: str) -> NoReturn:
    group_id = Session.objects.filter(pk=session_id).values_list("group_id", flat=True).first()
    if group_id is None:
        raise NotFound()
    _refuse_for_group(user, group_id, message)


def _public_programmes() -> QuerySet[Programme]:
    """Active programmes with at least one listed, active group: what anyone may see."""
    listed = Q(groups__listed=True, groups__is_active=True)
    return (
        Programme.objects.filter(is_active=True)
        .annotate(listed_groups=Count("groups", filter=listed))
        .filter(listed_groups__gt=0)
    )


def _refuse_for_programme(user: Any, programme_id: Any) -> NoReturn:
    organisation_id = (
        _public_programmes()
        .filter(pk=programme_id)
        .values_list("organisation_id", flat=True)
        .first()
    )
    _refuse(user, organisation_id, visible=organisation_id is not None, message=NEEDS_COORDINATOR)


def _programme_for_staff(user: Any, programme_id: int) -> Programme:
    try:
        return access_programme_manage(user, programme_id)
    except NotFound:
        _refuse_for_programme(user, programme_id)


# --- shaping ----------------------------------------------------------------------


def _group_summary(group: Group) -> dict[str, Any]:
    """The public face of a group. Needs ``programme`` and ``organisation`` loaded."""
    return {
        "id": group.pk,
        "slug": group.slug,
        "name": group.name,
        "kind": group.kind,
        "delivery": group.delivery,
        "area": group.area,
        "language": group.language,
        "weekday": group.weekday,
        "start_time": group.start_time,
        "duration_minutes": group.duration_minutes,
        "course_weeks": group.course_weeks,
        "places_left": group.places_left,
        "programme": {
            "id": group.programme_id,
            "name": group.programme.name,
            "focus": group.programme.focus,
            "who_for": group.programme.who_for,
        },
        "organisation": group.organisation,
    }


def _group_staff(group: Group) -> dict[str, Any]:
    group = Group.objects.select_related("programme", "organisation").get(pk=group.pk)
    return {
        **_group_summary(group),
        "description": group.description,
        "start_date": group.start_date,
        "venue_name": group.venue_name,
        "address": group.address,
        "online_link": group.online_link,
        "latitude": group.latitude,
        "longitude": group.longitude,
        "capacity": group.capacity,
        "listed": group.listed,
        "is_active": group.is_active,
    }


def _enrolment(enrolment: Enrolment, *, waiting_position: int | None = None) -> dict[str, Any]:
    return {
        "id": enrolment.pk,
        "group_id": enrolment.group_id,
        "status": enrolment.status,
        "joined_at": enrolment.joined_at,
        "waiting_since": enrolment.waiting_since,
        "offer_expires_at": enrolment.offer_expires_at,
        "ended_at": enrolment.ended_at,
        "waiting_position": waiting_position,
    }


def _enrolment_with_position(enrolment: Enrolment) -> dict[str, Any]:
    return _enrolment(enrolment, waiting_position=selectors.waiting_position(enrolment))


def _register(session: Session) -> dict[str, Any]:
    lines = selectors.session_register(session)
    return {
        "session": session,
        "register_taken_at": session.register_taken_at,
        "lines": [
            {"user_id": e.user_id, "pseudonym": e.user.pseudonym, "status": status or None}
            for e, status in lines
        ],
    }


# --- public reads -------------------------------------------------------------------


@router.get(
    "/groups", response={200: FinderOut, 422: ValidationErrorOut}, auth=None, tags=["finder"]
)
def groups_find(request: HttpRequest, filters: Query[FinderQueryIn]) -> dict[str, Any]:
    """The public group finder: listed, active groups; never addresses.

    Give ``lat`` and ``lon`` or a ``place`` name to search by distance (in-person
    groups within ``radius_km``, nearest first, then online groups)."""
    latitude, longitude = filters.lat, filters.lon
    if (latitude is None) != (longitude is None):
        missing = "lon" if longitude is None else "lat"
        raise ValidationError({missing: ["Give both lat and lon, or neither."]})
    if filters.place.strip():
        if latitude is not None:
            raise ValidationError({"place": ["Give a place name or lat and lon, not both."]})
        place = geo.find_place(filters.place)
        if place is None:
            name = filters.place.strip()
            message = f"We do not know a place called “{name}”. Try the nearest town or city."
            raise ValidationError({"place": [message]})
        latitude, longitude = place.latitude, place.longitude
    page = selectors.finder_search_cached(
        selectors.FinderQuery(
            text=filters.q.strip(),
            focus=filters.focus or "",
            delivery=filters.delivery or "",
            language=filters.language.strip(),
            weekday=filters.weekday,
            latitude=latitude,
            longitude=longitude,
            radius_km=filters.radius_km,
            page=filters.page,
        )
    )
    items = [
        {
            **_group_summary(hit.group),
            "distance_km": hit.distance_km,
            "next_session": hit.next_session,
        }
        for hit in page.hits
    ]
    return {"items": items, "total": page.total, "page": page.page, "pages": page.pages}


@router.get(
    "/groups/{group_id}",
    response={200: GroupDetailOut, **PUBLIC_ERRORS},
    auth=None,
    tags=["finder"],
)
def group_detail(request: HttpRequest, group_id: int) -> dict[str, Any]:
    """A group. Public when listed; otherwise for its members and the organisation's
    staff. The venue, address and online link are only for active members, the
    group's facilitators and the organisation's coordinators."""
    user = request.user
    group = access_group_view(user, group_id)
    enrolment = selectors.enrolment_for(user, group)
    is_member = enrolment is not None and enrolment.status == EnrolmentStatus.ACTIVE
    sees_venue = (
        is_member
        or can_manage_programmes(user, group.organisation_id)
        or is_facilitator(user, group)
    )
    upcoming = selectors.group_upcoming_sessions(group, limit=10)
    next_session = next(
        (s.starts_at for s in upcoming if s.status == SessionStatus.SCHEDULED), None
    )
    return {
        **_group_summary(group),
        "description": group.description,
        "start_date": group.start_date,
        "facilitators": selectors.group_facilitator_pseudonyms(group),
        "next_session": next_session,
        "venue_name": group.venue_name if sees_venue else None,
        "address": group.address if sees_venue else None,
        "online_link": group.online_link if sees_venue else None,
        "my_enrolment": None
        if enrolment is None
        else {
            "id": enrolment.pk,
            "status": enrolment.status,
            "waiting_position": selectors.waiting_position(enrolment),
            "offer_expires_at": enrolment.offer_expires_at,
        },
    }


@router.get(
    "/groups/{group_id}/sessions", response={200: list[SessionOut], **PUBLIC_ERRORS}, auth=None
)
def group_sessions(request: HttpRequest, group_id: int, limit: int = 10) -> list[Session]:
    """Sessions still to come (cancelled ones included, with the reason); at most 52."""
    group = access_group_view(request.user, group_id)
    return selectors.group_upcoming_sessions(group, limit=max(1, min(limit, 52)))


@router.get("/programmes", response={200: list[ProgrammeListItem], **PUBLIC_ERRORS}, auth=None)
def programmes_list(request: HttpRequest, organisation: str = "") -> list[Programme]:
    """Active programmes that have listed groups, optionally of one organisation (by slug)."""
    programmes = (
        _public_programmes().select_related("organisation").order_by("organisation__name", "name")
    )
    if organisation:
        if not Organisation.objects.filter(slug=organisation).exists():
            raise NotFound()
        programmes = programmes.filter(organisation__slug=organisation)
    return list(programmes)


# --- staff: programmes, groups, sessions -----------------------------------------------


@router.post("/programmes", response={201: ProgrammeStaffOut, **SIGNED_IN_ERRORS}, tags=["staff"])
def programme_create(request: HttpRequest, payload: ProgrammeCreateIn) -> Status[Programme]:
    """Coordinators: a new programme in their organisation (by slug)."""
    user = request.user
    organisation = Organisation.objects.filter(slug=payload.organisation).first()
    if organisation is None:
        raise NotFound()
    try:
        access_organisation(user, organisation.pk, roles=MANAGES_PROGRAMMES)
    except NotFound:
        _refuse(user, organisation.pk, visible=True, message=NEEDS_COORDINATOR)
    fields = payload.dict(exclude_unset=True, exclude={"organisation"})
    return Status(201, services.programme_create(actor=user, organisation=organisation, **fields))


@router.patch(
    "/programmes/{programme_id}",
    response={200: ProgrammeStaffOut, **SIGNED_IN_ERRORS},
    tags=["staff"],
)
def programme_update(
    request: HttpRequest, programme_id: int, payload: ProgrammeUpdateIn
) -> Programme:
    """Coordinators: change a programme; only the fields sent change."""
    programme = _programme_for_staff(request.user, programme_id)
    return services.programme_update(
        actor=request.user, programme=programme, **payload.dict(exclude_unset=True)
    )


@router.post("/groups", response={201: GroupStaffOut, **SIGNED_IN_ERRORS}, tags=["staff"])
def group_create(request: HttpRequest, payload: GroupCreateIn) -> Status[dict[str, Any]]:
    """Coordinators: a new group in one of their programmes; its sessions are made at once."""
    programme = _programme_for_staff(request.user, payload.programme_id)
    fields = payload.dict(exclude_unset=True, exclude={"programme_id", "facilitator_ids"})
    group = services.group_create(
        actor=request.user,
        programme=programme,
        facilitator_ids=payload.facilitator_ids or [],
        **fields,
    )
    return Status(201, _group_staff(group))


@router.patch(
    "/groups/{group_id}", response={200: GroupStaffOut, **SIGNED_IN_ERRORS}, tags=["staff"]
)
def group_update(request: HttpRequest, group_id: int, payload: GroupUpdateIn) -> dict[str, Any]:
    """Coordinators: change a group; only the fields sent change. ``facilitator_ids``
    replaces the facilitators."""
    user = request.user
    try:
        group = access_group_manage(user, group_id)
    except NotFound:
        _refuse_for_group(user, group_id, NEEDS_COORDINATOR)
    fields = payload.dict(exclude_unset=True, exclude={"facilitator_ids"})
    if "facilitator_ids" in payload.model_fields_set:
        fields["facilitator_ids"] = payload.facilitator_ids or []
    return _group_staff(services.group_update(actor=user, group=group, **fields))


@router.post(
    "/sessions/{session_id}/cancel", response={200: SessionOut, **SIGNED_IN_ERRORS}, tags=["staff"]
)
def session_cancel(request: HttpRequest, session_id: int, payload: SessionCancelIn) -> Session:
    """Coordinators: cancel a session that has not happened, saying why (members see the reason)."""
    user = request.user
    try:
        session = access_session_manage(user, session_id)
    except NotFound:
        _refuse_for_session(user, session_id, NEEDS_COORDINATOR)
    return services.session_cancel(actor=user, session=session, reason=payload.reason)


@router.post(
    "/sessions/{session_id}/reinstate",
    response={200: SessionOut, **SIGNED_IN_ERRORS},
    tags=["staff"],
)
def session_reinstate(request: HttpRequest, session_id: int) -> Session:
    """Coordinators: undo a cancellation."""
    user = request.user
    try:
        session = access_session_manage(user, session_id)
    except NotFound:
        _refuse_for_session(user, session_id, NEEDS_COORDINATOR)
    return services.session_reinstate(actor=user, session=session)


@router.get(
    "/groups/{group_id}/enrolments",
    response={200: GroupEnrolmentsOut, **SIGNED_IN_ERRORS},
    tags=["staff"],
)
def group_enrolments(request: HttpRequest, group_id: int) -> dict[str, Any]:
    """Coordinators and the group's facilitators: who holds a place and who is waiting,
    in the order places will be offered. Pseudonyms only."""
    user = request.user
    try:
        group = access_group_register(user, group_id)
    except NotFound:
        _refuse_for_group(user, group_id, NEEDS_REGISTER_ROLE)
    members = [
        {
            "enrolment_id": e.pk,
            "user_id": e.user_id,
            "pseudonym": e.user.pseudonym,
            "status": e.status,
            "joined_at": e.joined_at,
            "offer_expires_at": e.offer_expires_at,
        }
        for e in selectors.group_members(group)
    ]
    waiting = [
        {
            "enrolment_id": e.pk,
            "user_id": e.user_id,
            "pseudonym": e.user.pseudonym,
            "position": position,
            "waiting_since": e.waiting_since,
        }
        for position, e in enumerate(selectors.group_waiting_list(group), start=1)
    ]
    return {"members": members, "waiting": waiting}


# --- members: enrolment -----------------------------------------------------------------


@router.post(
    "/groups/{group_id}/enrolment",
    response={201: EnrolmentOut, **MEMBER_ERRORS},
    tags=["enrolment"],
)
def enrolment_join(request: HttpRequest, group_id: int) -> Status[dict[str, Any]]:
    """Join a group: a place if one is free, otherwise the waiting list (``status``
    says which). Needs the person's consent to the organisation keeping their
    details (422, code ``consent``); joining twice is 409, code ``duplicate``."""
    group = access_group_view(request.user, group_id)
    joined = services.enrolment_join(user=request.user, group=group)
    return Status(201, _enrolment_with_position(joined))


@router.delete(
    "/groups/{group_id}/enrolment",
    response={200: EnrolmentOut, **MEMBER_ERRORS},
    tags=["enrolment"],
)
def enrolment_leave(request: HttpRequest, group_id: int) -> dict[str, Any]:
    """Leave a group or its waiting list. A freed place goes to the person waiting longest."""
    group = access_group_view(request.user, group_id)
    enrolment = selectors.enrolment_for(request.user, group)
    if enrolment is None:
        raise NotFound()
    return _enrolment_with_position(
        services.enrolment_leave(user=request.user, enrolment=enrolment)
    )


@router.post(
    "/enrolments/{enrolment_id}/accept",
    response={200: EnrolmentOut, **MEMBER_ERRORS},
    tags=["enrolment"],
)
def enrolment_accept(request: HttpRequest, enrolment_id: int) -> dict[str, Any]:
    """Take up a place offered from the waiting list."""
    enrolment = access_own_enrolment(request.user, enrolment_id)
    return _enrolment_with_position(
        services.enrolment_accept_offer(user=request.user, enrolment=enrolment)
    )


@router.post(
    "/enrolments/{enrolment_id}/decline",
    response={200: EnrolmentOut, **MEMBER_ERRORS},
    tags=["enrolment"],
)
def enrolment_decline(request: HttpRequest, enrolment_id: int) -> dict[str, Any]:
    """Turn down a place offered from the waiting list; it goes to the next person."""
    enrolment = access_own_enrolment(request.user, enrolment_id)
    return _enrolment_with_position(
        services.enrolment_decline_offer(user=request.user, enrolment=enrolment)
    )


@router.get(
    "/me/enrolments", response={200: list[MyEnrolmentOut], 401: ErrorOut}, tags=["enrolment"]
)
def my_enrolments(request: HttpRequest) -> list[dict[str, Any]]:
    """The signed-in person's groups, waiting lists and offers, with the next few sessions."""
    enrolments = selectors.my_enrolments(request.user)
    positions = selectors.waiting_positions(enrolments)
    return [
        {
            **_enrolment(e, waiting_position=positions.get(e.pk)),
            "group": _group_summary(e.group),
            "upcoming_sessions": e.group.upcoming_sessions,
        }
        for e in enrolments
    ]


# --- attendance ---------------------------------------------------------------------------


@router.get(
    "/sessions/{session_id}/attendance",
    response={200: RegisterOut, **SIGNED_IN_ERRORS},
    tags=["attendance"],
)
def register_read(request: HttpRequest, session_id: int) -> dict[str, Any]:
    """Coordinators and the group's facilitators: the register, pseudonyms only."""
    user = request.user
    try:
        session = access_session_register(user, session_id)
    except NotFound:
        _refuse_for_session(user, session_id, NEEDS_REGISTER_ROLE)
    return _register(session)


@router.put(
    "/sessions/{session_id}/attendance",
    response={200: RegisterOut, **SIGNED_IN_ERRORS},
    tags=["attendance"],
)
def register_take(request: HttpRequest, session_id: int, payload: RegisterIn) -> dict[str, Any]:
    """Coordinators and the group's facilitators: mark people present, absent or
    sent apologies (``{"marks": {"<user_id>": "present"}}``); unmarked people keep their mark."""
    user = request.user
    try:
        session = access_session_register(user, session_id)
    except NotFound:
        _refuse_for_session(user, session_id, NEEDS_REGISTER_ROLE)
    services.register_take(actor=user, session=session, marks=payload.marks)
    session.refresh_from_db(fields=["register_taken_at"])
    return _register(session)


@router.post(
    "/sessions/{session_id}/apologies",
    response={200: AttendanceOut, **MEMBER_ERRORS},
    tags=["attendance"],
)
def apologies_send(request: HttpRequest, session_id: int) -> dict[str, Any]:
    """A member of the group says in advance they cannot come."""
    session = access_session_member(request.user, session_id)
    record = services.apologies_send(user=request.user, session=session)
    return {"session_id": record.session_id, "status": record.status}
