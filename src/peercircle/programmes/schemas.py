"""Request and response shapes for the programmes API. See docs/api.md.

Input schemas check only shape and type (and the limits the database itself
holds); every business rule is the services' and comes back from them as a
422 with a message per field. Output schemas never carry contact details, and
a group's address and online link only where the router says the person may
see them. Times are ISO 8601 in UTC with an explicit offset.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict, PlainSerializer

from peercircle.programmes.models import AttendanceStatus, Delivery, Focus, GroupKind

# --- shared types ---------------------------------------------------------------

UtcDateTime = Annotated[
    datetime, PlainSerializer(lambda value: value.astimezone(UTC).isoformat(), return_type=str)
]
SMALL_INT_MAX = 32767  # PositiveSmallIntegerField's ceiling on every database


def _web_address(value: str) -> str:
    if value:
        try:
            URLValidator(schemes=["https", "http"])(value)
        except DjangoValidationError:
            raise ValueError("Give a full web address starting with https://") from None
    return value


WebAddress = Annotated[str, Field(max_length=200), AfterValidator(_web_address)]
SmallInt = Annotated[int, Field(ge=0, le=SMALL_INT_MAX)]
#: A row id: the range of a BigAutoField, so a huge number is a 422 and not a database error.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]


class StrictIn(Schema):
    """Input that refuses unknown fields, so a typo is a 422 and not silently ignored."""

    model_config = ConfigDict(extra="forbid")


# --- errors ---------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str


class ValidationErrorOut(Schema):
    detail: str
    code: str = "invalid"
    errors: dict[str, list[str]] = {}


# --- organisations and programmes ---------------------------------------------------


class OrganisationOut(Schema):
    slug: str
    name: str
    country: str
    timezone: str


class ProgrammeOut(Schema):
    id: int
    slug: str
    name: str
    focus: Focus
    description: str
    who_for: str
    offers_groups: bool
    offers_one_to_one: bool
    organisation: OrganisationOut


class ProgrammeListItem(ProgrammeOut):
    listed_groups: int


class ProgrammeStaffOut(ProgrammeOut):
    min_age: int | None
    max_age: int | None
    genders: list[str]
    perinatal_stages: list[str]
    is_active: bool


class ProgrammeFields(StrictIn):
    """Optional fields: only those sent reach the service (None here means "not sent")."""

    name: str = Field(None, max_length=200)
    focus: Focus = Field(None, description="Defaults to general")
    description: str = Field(None)
    min_age: SmallInt | None = None
    max_age: SmallInt | None = None
    genders: list[str] = Field(None, description="Empty means anyone")
    perinatal_stages: list[str] = Field(None, description="Empty means anyone")
    offers_groups: bool = Field(None, description="Defaults to true")
    offers_one_to_one: bool = Field(None, description="Defaults to false")
    is_active: bool = Field(None)


class ProgrammeCreateIn(ProgrammeFields):
    organisation: str = Field(description="The organisation's slug")


class ProgrammeUpdateIn(ProgrammeFields):
    pass


# --- groups ---------------------------------------------------------------------


class ProgrammeBrief(Schema):
    id: int
    name: str
    focus: Focus
    who_for: str


class GroupSummary(Schema):
    """What the public finder shows: never an address, a venue or coordinates."""

    id: int
    slug: str
    name: str
    kind: GroupKind
    delivery: Delivery
    area: str
    language: str
    weekday: int = Field(description="0 is Monday")
    start_time: time = Field(description="Local time in the organisation's time zone")
    duration_minutes: int
    course_weeks: int | None
    places_left: int
    programme: ProgrammeBrief
    organisation: OrganisationOut


class FinderItem(GroupSummary):
    distance_km: float | None = Field(description="Null for online groups or without a location")
    next_session: UtcDateTime | None


class FinderOut(Schema):
    items: list[FinderItem]
    total: int
    page: int
    pages: int


class FinderQueryIn(Schema):
    q: str = Field("", max_length=200, description="Words to look for")
    focus: Focus | None = None
    delivery: Delivery | None = None
    language: str = Field("", max_length=8)
    weekday: int | None = Field(None, ge=0, le=6, description="0 is Monday")
    lat: Latitude | None = None
    lon: Longitude | None = None
    place: str = Field("", max_length=120, description="A town or city name, instead of lat/lon")
    radius_km: float = Field(25.0, gt=0, le=500, allow_inf_nan=False)
    page: int = Field(1, ge=1, le=10_000)


class MyEnrolmentBrief(Schema):
    id: int
    status: str
    waiting_position: int | None = None
    offer_expires_at: UtcDateTime | None = None


class SessionOut(Schema):
    id: int
    number: int
    starts_at: UtcDateTime
    ends_at: UtcDateTime
    status: str
    cancelled_reason: str


class GroupDetailOut(GroupSummary):
    description: str
    start_date: date
    facilitators: list[str] = Field(description="Pseudonyms")
    next_session: UtcDateTime | None
    venue_name: str | None = Field(description="Only for members who have joined, and staff")
    address: str | None = Field(description="Only for members who have joined, and staff")
    online_link: str | None = Field(description="Only for members who have joined, and staff")
    my_enrolment: MyEnrolmentBrief | None


class GroupStaffOut(GroupSummary):
    description: str
    start_date: date
    venue_name: str
    address: str
    online_link: str
    latitude: float | None
    longitude: float | None
    capacity: int
    listed: bool
    is_active: bool


class GroupFields(StrictIn):
    """Every field is optional: only the fields sent are passed to the service,
    which fills in its defaults and checks the rules (a default of None here
    means "not sent"; an explicit null is refused where the field needs a value)."""

    name: str = Field(None, max_length=200)
    kind: GroupKind = Field(None, description="rolling (the default) or course")
    description: str = Field(None)
    delivery: Delivery = Field(None, description="in_person (the default), online or hybrid")
    venue_name: str = Field(None, max_length=200)
    address: str = Field(None, description="Shown only to members who have joined")
    area: str = Field(None, max_length=120, description="Town or neighbourhood, shown publicly")
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    online_link: WebAddress = Field(None, description="Shown only to members who have joined")
    language: str = Field(
        None, min_length=2, max_length=8, description="Defaults to the organisation's"
    )
    capacity: SmallInt = Field(None, description="Defaults to 12")
    weekday: int = Field(None, ge=0, le=6, description="0 is Monday")
    start_time: time = Field(
        None, description="Local time in the organisation's time zone, e.g. 19:00"
    )
    duration_minutes: SmallInt = Field(None, description="Defaults to 120")
    start_date: date = Field(None, description="First week the group meets")
    course_weeks: SmallInt | None = Field(None, description="Only for a course")
    listed: bool = Field(None, description="Shown in the public finder (default true)")
    is_active: bool = Field(None)
    facilitator_ids: list[Id] = Field(
        None, description="Volunteers or coordinators of the organisation"
    )


class GroupCreateIn(GroupFields):
    programme_id: Id


class GroupUpdateIn(GroupFields):
    pass


# --- sessions, enrolment and attendance --------------------------------------------


class SessionCancelIn(StrictIn):
    reason: str = Field("", max_length=1000)


class EnrolmentOut(Schema):
    id: int
    group_id: int
    status: str
    joined_at: UtcDateTime | None
    waiting_since: UtcDateTime | None
    offer_expires_at: UtcDateTime | None
    ended_at: UtcDateTime | None
    waiting_position: int | None = None


class MyEnrolmentOut(EnrolmentOut):
    group: GroupSummary
    upcoming_sessions: list[SessionOut]


class RosterEntry(Schema):
    """A person on a group's list: pseudonym only, never contact details."""

    enrolment_id: int
    user_id: int
    pseudonym: str
    status: str
    joined_at: UtcDateTime | None
    offer_expires_at: UtcDateTime | None


class WaitingEntry(Schema):
    enrolment_id: int
    user_id: int
    pseudonym: str
    position: int
    waiting_since: UtcDateTime


class GroupEnrolmentsOut(Schema):
    members: list[RosterEntry]
    waiting: list[WaitingEntry] = Field(description="In the order places will be offered")


class RegisterLine(Schema):
    user_id: int
    pseudonym: str
    status: AttendanceStatus | None = Field(description="Null until marked")


class RegisterOut(Schema):
    session: SessionOut
    register_taken_at: UtcDateTime | None
    lines: list[RegisterLine]


class RegisterIn(StrictIn):
    marks: dict[Id, str] = Field(description='{"<user_id>": "present" | "absent" | "apologies"}')


class AttendanceOut(Schema):
    session_id: int
    status: AttendanceStatus
