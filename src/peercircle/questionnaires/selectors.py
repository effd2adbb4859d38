"""Reading questionnaire data: what is due for a person, their progress over
time, check-ins on offer, and for coordinators response rates and overdue
questionnaires. See docs/questionnaires.md."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from peercircle.measures import change, instruments
from peercircle.questionnaires.models import (
    OPEN_STATES,
    Assignment,
    AssignmentState,
    InstrumentText,
    MechanismCheckIn,
    Response,
    SchedulePoint,
)
from peercircle.questionnaires.services import CHECKIN_DAYS, shipped_texts


def due_for(person: Any, now: datetime | None = None) -> list[Assignment]:
    """The person's questionnaires open now, soonest closing first."""
    now = now or timezone.now()
    return list(
        Assignment.objects.filter(person_id=person.pk, state__in=OPEN_STATES, closes_at__gt=now)
        .select_related("group")
        .order_by("closes_at", "id")
    )


def due_count(person: Any) -> int:
    return Assignment.objects.filter(
        person_id=person.pk, state__in=OPEN_STATES, closes_at__gt=timezone.now()
    ).count()


#: The navigation's count of open questionnaires is drawn on every page, so it
#: is kept this long (and forgotten when the person sends one).
NAV_COUNT_SECONDS = 60


def _nav_count_key(person_id: int) -> str:
    return f"questionnaires-due:{person_id}"


def due_count_for_nav(person: Any) -> int:
    from django.core.cache import cache

    key = _nav_count_key(person.pk)
    count = cache.get(key)
    if count is None:
        count = due_count(person)
        cache.set(key, count, NAV_COUNT_SECONDS)
    return count


def due_count_forget(person: Any) -> None:
    from django.core.cache import cache

    cache.delete(_nav_count_key(person.pk))


def done_for(person: Any, limit: int = 50) -> list[Response]:
    return list(
        Response.objects.filter(person_id=person.pk, submitted_at__isnull=False).order_by(
            "-submitted_at"
        )[:limit]
    )


# --- progress ---------------------------------------------------------------------

#: Plain, non-alarming words for a change between the first and latest score.
CHANGE_WORDS = {
    "recovered": "a big step: your score has moved by more than everyday ups and downs, and out of "
    "the range where people often look for extra support",
    "improved": "better by more than everyday ups and downs",
    "unchanged": "about the same: any difference is within everyday ups and downs",
    "deteriorated": "harder than before, by more than everyday ups and downs. That happens, and "
    "it can help to talk to your facilitator or someone you trust",
}


@dataclass(frozen=True)
class Point:
    at: datetime
    label: str
    value: float
    band: str


@dataclass
class Series:
    instrument: str
    name: str
    short_name: str
    minimum: float
    maximum: float
    higher_is_better: bool
    bands: list[tuple[float, float, str]]
    points: list[Point] = field(default_factory=list)
    change: str | None = None
    change_words: str = ""
    #: ONS4: one series per item, kept under the instrument's name.
    item: str = ""


def progress(person: Any) -> list[Series]:
    """The person's submitted scores, one series per instrument (per item for
    ONS4), oldest first, with the change from the first to the latest."""
    rows = Response.objects.filter(person_id=person.pk, submitted_at__isnull=False).order_by(
        "submitted_at", "id"
    )
    series: dict[tuple[str, str], Series] = {}
    for row in rows:
        spec = instruments.get(row.instrument)
        if not spec.has_total:
            for key, item in (row.detail or {}).items():
                index = (spec.item_keys or ()).index(key) if key in (spec.item_keys or ()) else 0
                s = series.get((row.instrument, key))
                if s is None:
                    bands = (spec.item_bands or ((),))[index]
                    s = series[(row.instrument, key)] = Series(
                        instrument=row.instrument,
                        name=f"{spec.name}: {key}",
                        short_name=f"{spec.short_name} {key}",
                        minimum=0,
                        maximum=10,
                        higher_is_better=key != "anxious",
                        bands=[(b.low, b.high, b.label) for b in bands],
                        item=key,
                    )
                s.points.append(
                    Point(
                        row.submitted_at, row.time_point, float(item["value"]), item["band"] or ""
                    )
                )
            continue
        s = series.get((row.instrument, ""))
        if s is None:
            metric = spec.metric_table is not None
            s = series[(row.instrument, "")] = Series(
                instrument=row.instrument,
                name=spec.name,
                short_name=spec.short_name,
                minimum=min(spec.metric_table) if metric else spec.min_total,
                maximum=max(spec.metric_table) if metric else spec.max_total,
                higher_is_better=spec.higher_is_better,
                bands=[(b.low, b.high, b.label) for b in spec.bands],
            )
        value = row.metric if row.metric is not None else row.total
        if value is None:
            continue
        s.points.append(Point(row.submitted_at, row.time_point, float(value), row.band))
    for s in series.values():
        if len(s.points) >= 2 and not s.item and instruments.get(s.instrument).reliable_change:
            s.change = change(s.instrument, before=s.points[0].value, after=s.points[-1].value)
            s.change_words = CHANGE_WORDS[s.change]
    return list(series.values())


# --- check-ins -----------------------------------------------------------------------


def checkin_offers(person: Any, now: datetime | None = None) -> list[Any]:
    """Sessions of the person's groups that ended in the last ``CHECKIN_DAYS``
    and have no check-in from them yet, newest first."""
    from django.db.models import Exists, Min, OuterRef

    from peercircle.programmes.models import Attendance, Enrolment, EnrolmentStatus, Session

    now = now or timezone.now()
    # The same rules as services.may_check_in_session, in one query.
    memberships = Enrolment.objects.filter(
        user_id=person.pk,
        status__in=[EnrolmentStatus.ACTIVE, EnrolmentStatus.LEFT],
        joined_at__isnull=False,
    )
    joined = dict(
        memberships.values("group_id")
        .annotate(first=Min("joined_at"))
        .values_list("group_id", "first")
    )
    done = MechanismCheckIn.objects.filter(person_id=person.pk, session__isnull=False).values(
        "session_id"
    )
    away = Attendance.objects.filter(
        session=OuterRef("pk"), user_id=person.pk, status__in=["absent", "apologies"]
    )
    sessions = (
        Session.objects.filter(
            group_id__in=list(joined),
            starts_at__lte=now,
            ends_at__lte=now,
            ends_at__gte=now - timedelta(days=CHECKIN_DAYS),
        )
        .exclude(status="cancelled")
        .exclude(pk__in=done)
        .exclude(Exists(away))
        .select_related("group")
        .order_by("-ends_at")
    )
    return [s for s in sessions[:10] if joined[s.group_id] <= s.ends_at]


def pairing_checkin_offers(person: Any) -> list[Any]:
    """The person's one-to-one support (as the participant) still going and
    with no check-in from them today."""
    from peercircle.rooms.models import Pairing

    done_today = MechanismCheckIn.objects.filter(
        person_id=person.pk, pairing__isnull=False, contact_date=timezone.localdate()
    ).values("pairing_id")
    return list(
        Pairing.objects.filter(participant_id=person.pk, ended_at__isnull=True)
        .exclude(pk__in=done_today)
        .select_related("volunteer")
        .order_by("-started_at")
    )


def checked_in(person: Any, *, session: Any = None, pairing: Any = None) -> bool:
    """Whether the person has sent their check-in for this session, or for
    this pairing today (one a day)."""
    rows = MechanismCheckIn.objects.filter(person_id=person.pk)
    if session is not None:
        return rows.filter(session_id=session.pk).exists()
    return rows.filter(pairing_id=pairing.pk, contact_date=timezone.localdate()).exists()


def saved_response(assignment: Assignment) -> Response | None:
    """The answers saved so far (or sent) for one of the person's own
    questionnaires; None before the first answer."""
    return Response.objects.filter(assignment_id=assignment.pk).first()


# --- for coordinators ---------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    group_id: int | None
    group: str
    instrument: str
    time_point: str
    due: int
    completed: int
    missed: int
    open: int

    @property
    def percent(self) -> int | None:
        closed = self.completed + self.missed
        return round(100 * self.completed / closed) if closed else None

    @property
    def counts(self) -> tuple[int, int, int, int]:
        return (self.due, self.completed, self.missed, self.open)


def is_small(*counts: int, at_least: int) -> bool:
    """Whether any of ``counts`` is about 1 to ``at_least - 1`` people: a figure
    evaluators may not see, as one of several would give the others away."""
    return any(0 < count < at_least for count in counts)


def response_rates(organisation_id: int) -> list[Rate]:
    """Per group and time point: questionnaires made, completed, missed, still open."""
    rows = (
        Assignment.objects.filter(organisation_id=organisation_id)
        .values("group_id", "group__name", "instrument", "label")
        .annotate(
            due=Count("id"),
            completed=Count("id", filter=Q(state=AssignmentState.COMPLETED)),
            missed=Count("id", filter=Q(state=AssignmentState.MISSED)),
            open=Count("id", filter=Q(state__in=OPEN_STATES)),
        )
        .order_by("group__name", "label", "instrument")
    )
    return [
        Rate(
            group_id=row["group_id"],
            group=row["group__name"] or "No group",
            instrument=instruments.get(row["instrument"]).short_name,
            time_point=row["label"],
            due=row["due"],
            completed=row["completed"],
            missed=row["missed"],
            open=row["open"],
        )
        for row in rows
    ]


def overdue(organisation_id: int, now: datetime | None = None) -> list[Assignment]:
    """Open questionnaires past their reminder time: worth a friendly word."""
    from peercircle.questionnaires.services import REMIND_AFTER

    now = now or timezone.now()
    return list(
        Assignment.objects.filter(
            organisation_id=organisation_id,
            state__in=OPEN_STATES,
            due_at__lte=now - REMIND_AFTER,
            closes_at__gt=now,
        )
        .select_related("person", "group")
        .order_by("closes_at")[:200]
    )


def mechanism_summary(organisation_id: int) -> list[dict[str, Any]]:
    """Per group: how many check-ins, from how many people, and the mean of
    each statement answered."""
    from peercircle.questionnaires.models import MECHANISM_ITEMS

    sums: dict[Any, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    names: dict[Any, str] = {}
    counts: dict[Any, int] = defaultdict(int)
    people: dict[Any, set[int]] = defaultdict(set)
    for row in MechanismCheckIn.objects.filter(organisation_id=organisation_id).values(
        "group_id", "group__name", "answers", "person_id"
    ):
        key = row["group_id"]
        names[key] = row["group__name"] or "One-to-one support"
        counts[key] += 1
        people[key].add(row["person_id"])
        for item, value in (row["answers"] or {}).items():
            sums[key][item].append(int(value))
    return [
        {
            "group": names[key],
            "count": counts[key],
            # How many different people: small groups are hidden from evaluators.
            "people": len(people[key]),
            "means": [
                (
                    statement,
                    round(sum(sums[key][item]) / len(sums[key][item]), 1)
                    if sums[key][item]
                    else None,
                )
                for item, statement in MECHANISM_ITEMS
            ],
        }
        for key in sorted(names, key=lambda k: names[k])
    ]


# --- the staff side: instruments and schedules -------------------------------------------


@dataclass(frozen=True)
class InstrumentRow:
    """One instrument as coordinators see it: where its texts come from and
    whether it can be scheduled at this organisation."""

    code: str
    name: str
    short_name: str
    items: int
    citation: str
    licence: str
    needs_licensed_text: bool
    #: "ready", "needs licensed text" or "needs text" (as ``services.instrument_status``).
    status: str
    #: "shipped" (in the code), "loaded" (by this organisation) or "" (none yet).
    texts: str
    loaded_version: str = ""
    loaded_at: datetime | None = None

    @property
    def ready(self) -> bool:
        return self.status == "ready"


def instruments_overview(organisation_id: int) -> list[InstrumentRow]:
    """Every instrument with its status at this organisation (1 query)."""
    loaded = {
        row["instrument"]: row
        for row in InstrumentText.objects.filter(organisation_id=organisation_id).values(
            "instrument", "version", "loaded_at"
        )
    }
    rows = []
    for spec in instruments.INSTRUMENTS.values():
        mine = loaded.get(spec.code)
        shipped = shipped_texts(spec.code) is not None
        if mine is not None or shipped:
            status = "ready"
        else:
            status = "needs licensed text" if spec.needs_licensed_text else "needs text"
        rows.append(
            InstrumentRow(
                code=spec.code,
                name=spec.name,
                short_name=spec.short_name,
                items=spec.items,
                citation=spec.citation,
                licence=spec.licence,
                needs_licensed_text=spec.needs_licensed_text,
                status=status,
                texts="loaded" if mine is not None else ("shipped" if shipped else ""),
                loaded_version=mine["version"] if mine else "",
                loaded_at=mine["loaded_at"] if mine else None,
            )
        )
    return rows


def schedule_for(programme_id: int) -> list[SchedulePoint]:
    """A programme's active time points, in the order they come (1 query)."""
    return list(SchedulePoint.objects.filter(programme_id=programme_id, is_active=True))


def schedule_counts(organisation_id: int) -> dict[int, int]:
    """Active time points per programme of the organisation (1 query)."""
    rows = (
        SchedulePoint.objects.filter(programme__organisation_id=organisation_id, is_active=True)
        .values("programme_id")
        .annotate(n=Count("id"))
    )
    return {row["programme_id"]: row["n"] for row in rows}
