"""Reading volunteer data: a volunteer's own records, training status and
certificate, the coordinator's overview of everyone with their flags, the
supporters' network, and hours and activity for funders.
See docs/volunteers.md.

Callers have fetched profiles through ``volunteers.access``. Reads of
sensitive parts (lived experience, screening, supervision notes) are audited.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from peercircle.core.audit import audit_read
from peercircle.core.models import Organisation
from peercircle.volunteers import rules
from peercircle.volunteers.gate import Verdict, latest_check, may_support, organisation_today
from peercircle.volunteers.models import (
    ActivityKind,
    ActivityLog,
    BackgroundCheck,
    DebriefOffer,
    DebriefState,
    ModuleCompletion,
    PeerEvent,
    State,
    Supervision,
    SupervisionAction,
    SupervisionAttendee,
    SupervisionState,
    TrainingModule,
    VolunteerEvent,
    VolunteerPolicy,
    VolunteerProfile,
    WellbeingCheckIn,
)
from peercircle.volunteers.services import VOLUNTEERING, policy_for

#: Flag a background check this many days before it expires.
CHECK_WARNING_DAYS = 30
#: Check-ins looked at for the wellbeing trend (the latest and the ones before it).
TREND_CHECKINS = 4


def profile_for(person: Any, organisation: Organisation | int) -> VolunteerProfile | None:
    organisation_id = organisation.pk if isinstance(organisation, Organisation) else organisation
    return (
        VolunteerProfile.objects.select_related("person", "organisation")
        .filter(organisation_id=organisation_id, person_id=person.pk)
        .first()
    )


def profiles_of(person: Any) -> list[VolunteerProfile]:
    """The person's own volunteer profiles, one per organisation, by organisation name."""
    if person is None or not getattr(person, "is_authenticated", False):
        return []
    return list(
        VolunteerProfile.objects.select_related("organisation")
        .filter(person_id=person.pk)
        .order_by("organisation__name", "id")
    )


def history(profile: VolunteerProfile) -> list[VolunteerEvent]:
    """Every move in the pipeline, oldest first, with who made it."""
    return list(profile.events.select_related("actor").order_by("at", "id"))


# --- training -------------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleStatus:
    module: TrainingModule
    #: "not started", "waiting for sign-off", "signed off", "refresher due soon",
    #: "refresher overdue"
    status: str
    signed: ModuleCompletion | None
    waiting: ModuleCompletion | None
    required: bool

    @property
    def refresher_due_on(self) -> date | None:
        return self.signed.refresher_due_on if self.signed else None

    @property
    def current(self) -> bool:
        return self.status in ("signed off", "refresher due soon")


def training_status(
    profile: VolunteerProfile, today: date | None = None, *, notice_days: int | None = None
) -> list[ModuleStatus]:
    """Each active module of the organisation with where the volunteer is with
    it, in curriculum order. ``required``: needed for a role they want."""
    today = today or organisation_today(profile.organisation)
    if notice_days is None:
        notice_days = policy_for(profile.organisation_id).refresher_notice_days
    modules = list(
        TrainingModule.objects.filter(
            organisation_id=profile.organisation_id, is_active=True
        ).order_by("position", "id")
    )
    signed: dict[int, ModuleCompletion] = {}
    waiting: dict[int, ModuleCompletion] = {}
    for completion in (
        ModuleCompletion.objects.filter(profile=profile)
        .select_related("signed_off_by")
        .order_by("signed_off_at", "id")
    ):
        if completion.signed_off_at is None:
            waiting[completion.module_id] = completion
        else:
            signed[completion.module_id] = completion
    wanted = tuple(profile.roles_wanted or ())
    found = []
    for module in modules:
        done, pending = signed.get(module.pk), waiting.get(module.pk)
        due = done.refresher_due_on if done else None
        if done is None:
            status = "waiting for sign-off" if pending else "not started"
        elif due is not None and due < today:
            status = "waiting for sign-off" if pending else "refresher overdue"
        elif due is not None and due <= today + timedelta(days=notice_days):
            status = "refresher due soon"
        else:
            status = "signed off"
        found.append(
            ModuleStatus(
                module=module,
                status=status,
                signed=done,
                waiting=pending,
                required=any(module.required_for_role(role) for role in wanted),
            )
        )
    return found


@dataclass(frozen=True)
class CertificateLine:
    title: str
    version: int
    completed_on: date
    signed_off_on: date
    signed_off_by: str
    refresher_due_on: date | None


@dataclass(frozen=True)
class Certificate:
    """What a printable training certificate says."""

    name: str
    organisation: str
    lines: tuple[CertificateLine, ...]
    issued_on: date


def certificate_for(profile: VolunteerProfile, today: date | None = None) -> Certificate:
    """The volunteer's signed-off modules (the latest sign-off of each), for a
    printable certificate. Names are pseudonyms."""
    organisation = profile.organisation
    today = today or organisation_today(organisation)
    latest: dict[int, ModuleCompletion] = {}
    for completion in (
        ModuleCompletion.objects.filter(profile=profile, signed_off_at__isnull=False)
        .select_related("module", "signed_off_by")
        .order_by("signed_off_at", "id")
    ):
        latest[completion.module_id] = completion
    lines = []
    for completion in sorted(latest.values(), key=lambda c: (c.module.position, c.module.title)):
        assert completion.signed_off_at is not None
        lines.append(
            CertificateLine(
                title=completion.module.title,
                version=completion.module_version,
                completed_on=organisation_today(organisation, completion.completed_at),
                signed_off_on=organisation_today(organisation, completion.signed_off_at),
                signed_off_by=(
                    completion.signed_off_by.pseudonym if completion.signed_off_by else ""
                ),
                refresher_due_on=completion.refresher_due_on,
            )
        )
    return Certificate(
        name=profile.person.pseudonym,
        organisation=organisation.name,
        lines=tuple(lines),
        issued_on=today,
    )


def refreshers_due(
    organisation: Organisation, *, within_days: int = 30, today: date | None = None
) -> list[ModuleCompletion]:
    """Latest sign-offs whose refresher is due within ``within_days`` (or
    overdue), for volunteers still volunteering."""
    today = today or organisation_today(organisation)
    found = (
        ModuleCompletion.objects.filter(
            profile__organisation=organisation,
            profile__state__in=VOLUNTEERING,
            module__is_active=True,
            signed_off_at__isnull=False,
            refresher_due_on__lte=today + timedelta(days=within_days),
        )
        .select_related("profile__person", "module")
        .order_by("refresher_due_on", "id")
    )
    newer = {
        (profile_id, module_id): last
        for profile_id, module_id, last in ModuleCompletion.objects.filter(
            profile__organisation=organisation
        )
        .values_list("profile_id", "module_id")
        .annotate(last=Max("completed_at"))
    }
    return [c for c in found if newer.get((c.profile_id, c.module_id)) == c.completed_at]


# --- a volunteer's own records ---------------------------------------------------------------


@dataclass(frozen=True)
class CheckSummary:
    """What a volunteer sees of their own background check (not the notes)."""

    kind: str
    checked_on: date
    expires_on: date
    cleared: bool
    expired: bool


@dataclass
class MyVolunteering:
    profile: VolunteerProfile
    history: list[VolunteerEvent]
    training: list[ModuleStatus]
    check: CheckSummary | None
    supervisions_upcoming: list[Supervision]
    supervisions_past: list[Supervision]
    actions_open: list[SupervisionAction]
    checkins: list[WellbeingCheckIn]
    hours_this_month: Decimal
    contacts_this_month: int
    debriefs_open: list[DebriefOffer]
    may_facilitate: Verdict
    may_support_one_to_one: Verdict
    events: list[PeerEvent] = field(default_factory=list)


def _month_totals(profile_ids: list[int], start: date, end: date) -> dict[int, tuple[Decimal, int]]:
    return {
        row["profile_id"]: (row["hours"] or Decimal("0"), row["contacts"] or 0)
        for row in ActivityLog.objects.filter(profile_id__in=profile_ids, on__gte=start, on__lt=end)
        .values("profile_id")
        .annotate(hours=Sum("hours"), contacts=Sum("contacts"))
    }


def my_volunteering(profile: VolunteerProfile, *, now: datetime | None = None) -> MyVolunteering:
    """Everything a volunteer sees of their own record. Supervision notes,
    references, interview notes and check details are not in it."""
    now = now or timezone.now()
    organisation = profile.organisation
    today = organisation_today(organisation, now)
    start, end = rules.month_bounds(today)
    check = latest_check(profile)
    supervisions = list(
        Supervision.objects.filter(seats__profile=profile)
        .exclude(state=SupervisionState.CANCELLED)
        .select_related("supervisor")
        .order_by("scheduled_at", "id")
        .defer("notes")
    )
    actions = list(
        SupervisionAction.objects.filter(
            Q(profile=profile) | Q(profile__isnull=True, supervision__seats__profile=profile),
            done_at__isnull=True,
        )
        .exclude(supervision__state=SupervisionState.CANCELLED)
        .distinct()
        .order_by("due_on", "id")
    )
    hours, contacts = _month_totals([profile.pk], start, end).get(profile.pk, (Decimal("0"), 0))
    return MyVolunteering(
        profile=profile,
        history=history(profile),
        training=training_status(profile, today),
        check=(
            CheckSummary(
                kind=check.kind,
                checked_on=check.checked_on,
                expires_on=check.expires_on,
                cleared=check.cleared,
                expired=check.expires_on < today,
            )
            if check is not None
            else None
        ),
        supervisions_upcoming=[
            s
            for s in supervisions
            if s.state == SupervisionState.SCHEDULED and s.scheduled_at >= now
        ],
        supervisions_past=[s for s in supervisions if s.state == SupervisionState.DONE],
        actions_open=actions,
        checkins=list(profile.checkins.order_by("-at", "-id")[:12]),
        hours_this_month=hours,
        contacts_this_month=contacts,
        debriefs_open=list(
            profile.debriefs.filter(
                state__in=[DebriefState.OFFERED, DebriefState.ACCEPTED]
            ).order_by("-offered_at")
        ),
        may_facilitate=may_support(profile.person, organisation, rules.FACILITATE, today=today),
        may_support_one_to_one=may_support(
            profile.person, organisation, rules.ONE_TO_ONE, today=today
        ),
        events=peer_events_upcoming(organisation, now=now),
    )


@dataclass(frozen=True)
class Caseload:
    """The groups a volunteer facilitates and the people they support one to
    one now, against their limit (their own, or the organisation's)."""

    groups: int
    pairings: int
    limit: int

    @property
    def total(self) -> int:
        return self.groups + self.pairings


def caseload_for(profile: VolunteerProfile) -> Caseload:
    """One volunteer's caseload, counted as the overview counts it."""
    from peercircle.programmes.models import Facilitation
    from peercircle.rooms.models import Pairing

    limit = profile.caseload_limit
    if limit is None:
        limit = policy_for(profile.organisation_id).caseload_limit
    return Caseload(
        groups=Facilitation.objects.filter(
            group__organisation_id=profile.organisation_id,
            group__is_active=True,
            user_id=profile.person_id,
        ).count(),
        pairings=Pairing.objects.filter(
            organisation_id=profile.organisation_id,
            volunteer_id=profile.person_id,
            ended_at__isnull=True,
        ).count(),
        limit=limit,
    )


def activity_this_month(
    profile: VolunteerProfile, *, now: datetime | None = None
) -> list[ActivityLog]:
    """The volunteer's activity entries in the organisation's current month, newest first."""
    today = organisation_today(profile.organisation, now or timezone.now())
    start, end = rules.month_bounds(today)
    return list(
        ActivityLog.objects.filter(profile=profile, on__gte=start, on__lt=end).order_by(
            "-on", "-id"
        )
    )


def checkins_recent(profile: VolunteerProfile, *, limit: int = 12) -> list[WellbeingCheckIn]:
    """The volunteer's latest wellbeing check-ins, newest first."""
    return list(profile.checkins.order_by("-at", "-id")[:limit])


def debriefs_not_done(profile: VolunteerProfile) -> list[DebriefOffer]:
    """The volunteer's debrief offers that have not taken place, newest first:
    offered, accepted, or declined (they can change their mind until it is done)."""
    return list(profile.debriefs.exclude(state=DebriefState.DONE).order_by("-offered_at", "-id"))


# --- sensitive reads for staff -------------------------------------------------------------


@dataclass(frozen=True)
class Application:
    lived_experience: str
    about: str
    languages: list[str]
    availability: list[str]
    roles_wanted: list[str]


def application_read(actor: Any, profile: VolunteerProfile) -> Application:
    """The application's words, for a coordinator (audited) or the volunteer."""
    if actor.pk != profile.person_id:
        audit_read(
            actor=actor, obj=profile, organisation=profile.organisation_id, what="application"
        )
    return Application(
        lived_experience=profile.lived_experience,
        about=profile.about,
        languages=list(profile.languages),
        availability=list(profile.availability),
        roles_wanted=list(profile.roles_wanted),
    )


@dataclass(frozen=True)
class Screening:
    references: list[Any]
    checks: list[BackgroundCheck]
    interviews: list[Any]


def screening_read(actor: Any, profile: VolunteerProfile) -> Screening:
    """References, checks and interviews with their notes: staff only (the
    caller used ``access_profile_manage``); the read is audited."""
    audit_read(actor=actor, obj=profile, organisation=profile.organisation_id, what="screening")
    return Screening(
        references=list(profile.references.order_by("created_at", "id")),
        checks=list(profile.background_checks.order_by("-checked_on", "-id")),
        interviews=list(profile.interviews.select_related("interviewer").order_by("-held_on")),
    )


def supervision_notes_read(actor: Any, supervision: Supervision) -> str:
    """The supervisor's private notes (the caller used ``access_supervision_notes``)."""
    audit_read(
        actor=actor,
        obj=supervision,
        organisation=supervision.organisation_id,
        what="supervision_notes",
    )
    return supervision.notes


# --- the coordinator's overview -------------------------------------------------------------


@dataclass(frozen=True)
class Flag:
    #: over_caseload, no_supervision, safeguarding, wellbeing, wants_chat,
    #: needs_cover, check_expiring
    code: str
    words: str


@dataclass
class OverviewRow:
    profile: VolunteerProfile
    state: str
    caseload: int
    caseload_limit: int
    groups: int
    pairings: int
    hours_this_month: Decimal
    contacts_this_month: int
    last_supervision: datetime | None
    check_expires_on: date | None
    flags: list[Flag] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.profile.person.pseudonym


def _weeks_words(delta: timedelta) -> str:
    weeks = delta.days // 7
    return f"{weeks} week{'s' if weeks != 1 else ''}"


def overview(
    organisation: Organisation, *, now: datetime | None = None, include_left: bool = False
) -> list[OverviewRow]:
    """Every volunteer of the organisation with their state, caseload, hours
    and contacts this month, last supervision, check expiry and flags. A
    fixed number of queries however many volunteers there are."""
    from peercircle.programmes.models import Facilitation
    from peercircle.rooms.models import Pairing

    now = now or timezone.now()
    today = organisation_today(organisation, now)
    policy: VolunteerPolicy = policy_for(organisation.pk)
    profiles_query = VolunteerProfile.objects.filter(organisation=organisation).select_related(
        "person", "organisation"
    )
    if not include_left:
        profiles_query = profiles_query.exclude(state=State.LEFT)
    profiles = sorted(profiles_query, key=lambda p: p.person.pseudonym.casefold())
    if not profiles:
        return []
    ids = [p.pk for p in profiles]
    people = [p.person_id for p in profiles]

    pairings = dict(
        Pairing.objects.filter(
            organisation=organisation, volunteer_id__in=people, ended_at__isnull=True
        )
        .values("volunteer_id")
        .annotate(n=Count("id"))
        .values_list("volunteer_id", "n")
    )
    groups = dict(
        Facilitation.objects.filter(
            group__organisation=organisation, group__is_active=True, user_id__in=people
        )
        .values("user_id")
        .annotate(n=Count("id"))
        .values_list("user_id", "n")
    )
    start, end = rules.month_bounds(today)
    totals = _month_totals(ids, start, end)
    last_supervision = dict(
        SupervisionAttendee.objects.filter(
            profile_id__in=ids, attended=True, supervision__state=SupervisionState.DONE
        )
        .values("profile_id")
        .annotate(last=Max("supervision__done_at"))
        .values_list("profile_id", "last")
    )
    checks: dict[int, BackgroundCheck] = {}
    for check in BackgroundCheck.objects.filter(profile_id__in=ids).order_by("checked_on", "id"):
        checks[check.profile_id] = check  # the latest wins
    trend_since = now - timedelta(days=365)
    checkins: dict[int, list[WellbeingCheckIn]] = defaultdict(list)
    open_chats: dict[int, WellbeingCheckIn] = {}
    for checkin in (
        WellbeingCheckIn.objects.filter(profile_id__in=ids)
        .filter(Q(at__gte=trend_since) | Q(wants_chat=True, chat_answered_at__isnull=True))
        .order_by("at", "id")
    ):
        if checkin.at >= trend_since:
            checkins[checkin.profile_id].append(checkin)
        if checkin.wants_chat and checkin.chat_answered_at is None:
            open_chats[checkin.profile_id] = checkin
    debriefs: dict[int, list[DebriefOffer]] = defaultdict(list)
    for offer in DebriefOffer.objects.filter(
        profile_id__in=ids, offered_at__gte=now - timedelta(days=policy.debrief_days)
    ).select_related("alert"):
        debriefs[offer.profile_id].append(offer)

    rows = []
    for profile in profiles:
        limit = (
            profile.caseload_limit if profile.caseload_limit is not None else policy.caseload_limit
        )
        n_groups = groups.get(profile.person_id, 0)
        n_pairings = pairings.get(profile.person_id, 0)
        hours, contacts = totals.get(profile.pk, (Decimal("0"), 0))
        check = checks.get(profile.pk)
        row = OverviewRow(
            profile=profile,
            state=profile.state,
            caseload=n_groups + n_pairings,
            caseload_limit=limit,
            groups=n_groups,
            pairings=n_pairings,
            hours_this_month=hours,
            contacts_this_month=contacts,
            last_supervision=last_supervision.get(profile.pk),
            check_expires_on=check.expires_on if check else None,
        )
        row.flags = _flags(
            profile,
            row,
            policy=policy,
            now=now,
            today=today,
            check=check,
            checkins=checkins.get(profile.pk, [])[-TREND_CHECKINS:],
            open_chat=open_chats.get(profile.pk),
            debriefs=debriefs.get(profile.pk, []),
        )
        rows.append(row)
    return rows


def _flags(
    profile: VolunteerProfile,
    row: OverviewRow,
    *,
    policy: VolunteerPolicy,
    now: datetime,
    today: date,
    check: BackgroundCheck | None,
    checkins: list[WellbeingCheckIn],
    open_chat: WellbeingCheckIn | None,
    debriefs: list[DebriefOffer],
) -> list[Flag]:
    flags: list[Flag] = []
    if row.caseload > row.caseload_limit:
        flags.append(
            Flag(
                "over_caseload",
                f"Over their caseload limit: {row.caseload} (groups and people one to one) "
                f"against a limit of {row.caseload_limit}.",
            )
        )
    if profile.state == State.ACTIVE:
        weeks = timedelta(weeks=policy.supervision_weeks)
        last = row.last_supervision
        if last is None and profile.applied_at <= now - weeks:
            flags.append(Flag("no_supervision", "No supervision on record."))
        elif last is not None and last <= now - weeks:
            flags.append(Flag("no_supervision", f"No supervision for {_weeks_words(now - last)}."))
        if (
            check is not None
            and check.cleared
            and today <= check.expires_on <= today + timedelta(days=CHECK_WARNING_DAYS)
        ):
            flags.append(
                Flag(
                    "check_expiring",
                    f"Background check expires on {rules.day_words(check.expires_on)}.",
                )
            )
        elif check is not None and check.expires_on < today:
            flags.append(
                Flag(
                    "check_expiring",
                    f"Background check expired on {rules.day_words(check.expires_on)}: they "
                    "can't take on new groups or pairings.",
                )
            )
    for offer in debriefs:
        if offer.state in (DebriefState.DONE, DebriefState.DECLINED):
            continue
        answer = {
            DebriefState.OFFERED: "offered, not answered yet",
            DebriefState.ACCEPTED: "they said yes: arrange it",
        }[DebriefState(offer.state)]
        flags.append(
            Flag(
                "safeguarding",
                f"Part of {'an' if offer.alert.level == 'imminent' else 'a'} "
                f"{offer.alert.level} safeguarding alert on "
                f"{rules.day_words(organisation_today(profile.organisation, offer.offered_at))}; "
                f"debrief {answer}.",
            )
        )
    reasons = rules.wellbeing_falling(
        [
            rules.Ons4(
                satisfied=c.satisfied, worthwhile=c.worthwhile, happy=c.happy, anxious=c.anxious
            )
            for c in checkins
        ],
        drop=policy.wellbeing_drop,
        anxiety_high=policy.anxiety_high,
        anxious_checkins=policy.anxious_checkins,
    )
    if reasons:
        flags.append(Flag("wellbeing", "Wellbeing may be falling: " + "; ".join(reasons) + "."))
    if open_chat is not None:
        flags.append(
            Flag(
                "wants_chat",
                "Would like a chat (check-in of "
                f"{rules.day_words(organisation_today(profile.organisation, open_chat.at))}).",
            )
        )
    if profile.state == State.PAUSED and (row.groups or row.pairings):
        flags.append(
            Flag(
                "needs_cover",
                f"Paused with {row.groups} group{'s' if row.groups != 1 else ''} and "
                f"{row.pairings} one-to-one pairing{'s' if row.pairings != 1 else ''}: "
                "arrange cover.",
            )
        )
    return flags


def flags_for(profile: VolunteerProfile, *, now: datetime | None = None) -> list[Flag]:
    """One volunteer's flags, as the overview shows them."""
    for row in overview(profile.organisation, now=now, include_left=True):
        if row.profile.pk == profile.pk:
            return row.flags
    return []  # pragma: no cover - the profile is in its organisation's overview


# --- the supporters' network ----------------------------------------------------------------


def peer_events_upcoming(
    organisation: Organisation | int, *, now: datetime | None = None, limit: int = 20
) -> list[PeerEvent]:
    now = now or timezone.now()
    organisation_id = organisation.pk if isinstance(organisation, Organisation) else organisation
    return list(
        PeerEvent.objects.filter(organisation_id=organisation_id, cancelled_at__isnull=True)
        .filter(
            Q(ends_at__gte=now) | Q(ends_at__isnull=True, starts_at__gte=now - timedelta(hours=2))
        )
        .order_by("starts_at", "id")[:limit]
    )


@dataclass(frozen=True)
class Network:
    """The volunteers' own room (in ``rooms``; None until someone opens it) and
    the peer events coming up."""

    room_id: int | None
    events: list[PeerEvent]


def network_for(organisation: Organisation, *, now: datetime | None = None) -> Network:
    from peercircle.rooms.models import Room, RoomKind

    room_id = (
        Room.objects.filter(organisation=organisation, kind=RoomKind.SUPPORTERS)
        .values_list("pk", flat=True)
        .first()
    )
    return Network(room_id=room_id, events=peer_events_upcoming(organisation, now=now))


# --- hours and activity for funders ----------------------------------------------------------

EXPORT_KINDS = [kind.value for kind in ActivityKind]


def activity_export_rows(
    organisation: Organisation, *, start: date, end: date
) -> tuple[list[str], list[list[Any]]]:
    """Hours and contacts per volunteer (by pseudonym) per month, for months
    from ``start``'s to ``end``'s inclusive: a header and rows, ready for CSV.
    Hours are split by kind of activity, then totalled; a last row per month
    totals everyone. Volunteers with no activity in a month have no row."""
    if end < start:
        raise ValueError("The export ends before it starts.")
    first = start.replace(day=1)
    after = rules.month_bounds(end)[1]
    entries = (
        ActivityLog.objects.filter(profile__organisation=organisation, on__gte=first, on__lt=after)
        .values("profile_id", "profile__person__pseudonym", "on", "kind")
        .annotate(hours=Sum("hours"), contacts=Sum("contacts"))
    )
    table: dict[tuple[str, int], dict[str, Any]] = {}
    names: dict[int, str] = {}
    for entry in entries:
        month = entry["on"].strftime("%Y-%m")
        key = (month, entry["profile_id"])
        names[entry["profile_id"]] = entry["profile__person__pseudonym"]
        row = table.setdefault(key, {"hours": defaultdict(Decimal), "contacts": 0, "days": set()})
        row["hours"][entry["kind"]] += entry["hours"] or Decimal("0")
        row["contacts"] += entry["contacts"] or 0
        row["days"].add(entry["on"])
    header = [
        "month",
        "volunteer",
        *[f"hours_{kind}" for kind in EXPORT_KINDS],
        "hours_total",
        "contacts",
        "days_active",
    ]
    rows: list[list[Any]] = []
    for month in sorted({month for month, _ in table}):
        month_total = {kind: Decimal("0") for kind in EXPORT_KINDS}
        month_contacts, month_days = 0, 0
        keys = sorted((k for k in table if k[0] == month), key=lambda k: names[k[1]].casefold())
        for key in keys:
            data = table[key]
            hours = [data["hours"].get(kind, Decimal("0")) for kind in EXPORT_KINDS]
            for kind, value in zip(EXPORT_KINDS, hours, strict=True):
                month_total[kind] += value
            month_contacts += data["contacts"]
            month_days += len(data["days"])
            rows.append(
                [
                    month,
                    names[key[1]],
                    *hours,
                    sum(hours, Decimal("0")),
                    data["contacts"],
                    len(data["days"]),
                ]
            )
        totals = [month_total[kind] for kind in EXPORT_KINDS]
        rows.append(
            [
                month,
                "All volunteers",
                *totals,
                sum(totals, Decimal("0")),
                month_contacts,
                month_days,
            ]
        )
    return header, rows


def activity_export_csv(organisation: Organisation, *, start: date, end: date) -> str:
    header, rows = activity_export_rows(organisation, start=start, end=end)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()
