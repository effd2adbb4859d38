"""Writes for programmes, groups, sessions, enrolment and attendance.

Every function is keyword-only, runs in a transaction, audits what it changed,
and raises ``ValidationError`` (a message per field, in plain words) before it
writes anything. See docs/programmes.md for the enrolment state machine.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from peercircle.accounts.consent import Purpose
from peercircle.accounts.models import ContextProfile
from peercircle.accounts.services import has_consent
from peercircle.core.audit import audit_record
from peercircle.core.models import Organisation
from peercircle.programmes import eligibility, schedule
from peercircle.programmes.models import (
    Attendance,
    AttendanceStatus,
    Delivery,
    Enrolment,
    EnrolmentStatus,
    Facilitation,
    Group,
    GroupKind,
    Programme,
    Session,
    SessionStatus,
)
from peercircle.programmes.signals import enrolment_ended

PROGRAMME_FIELDS = {
    "name",
    "focus",
    "description",
    "min_age",
    "max_age",
    "genders",
    "perinatal_stages",
    "offers_groups",
    "offers_one_to_one",
    "is_active",
}
GROUP_FIELDS = {
    "name",
    "kind",
    "description",
    "delivery",
    "venue_name",
    "address",
    "area",
    "latitude",
    "longitude",
    "online_link",
    "language",
    "capacity",
    "weekday",
    "start_time",
    "duration_minutes",
    "start_date",
    "course_weeks",
    "listed",
    "is_active",
}
SCHEDULE_FIELDS = {
    "weekday",
    "start_time",
    "duration_minutes",
    "start_date",
    "course_weeks",
    "kind",
}


def _finder_changed() -> None:
    """What the public finder lists has changed: drop its cached searches.

    Now, so that this transaction reads its own change, and again on commit, so
    that a search cached by someone else in between (from the data before the
    commit) is dropped too."""
    from peercircle.programmes.selectors import finder_cache_bump

    finder_cache_bump()
    transaction.on_commit(finder_cache_bump)


class EnrolmentError(ValidationError):
    """Joining or leaving cannot happen; the message says why in plain words."""


def _unique_slug(
    model, organisation: Organisation, name: str, exclude_pk: int | None = None
) -> str:
    base = slugify(name)[:70] or "untitled"
    slug, n = base, 2
    queryset = model.objects.filter(organisation=organisation)
    if exclude_pk:
        queryset = queryset.exclude(pk=exclude_pk)
    while queryset.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


# --- programmes -----------------------------------------------------------------


def _clean_programme(data: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if not str(data.get("name", "")).strip():
        errors["name"] = ["Give the programme a name."]
    min_age, max_age = data.get("min_age"), data.get("max_age")
    if min_age is not None and max_age is not None and min_age > max_age:
        errors["max_age"] = ["The oldest age must not be lower than the youngest."]
    if not data.get("offers_groups") and not data.get("offers_one_to_one"):
        errors["offers_groups"] = [
            "Choose at least one format: groups, one-to-one support, or both."
        ]
    for field, allowed in (
        ("genders", eligibility.GENDER_WORDS),
        ("perinatal_stages", eligibility.STAGE_WORDS),
    ):
        unknown = [value for value in data.get(field) or [] if value not in allowed]
        if unknown:
            errors[field] = [f"Unknown choice: {', '.join(map(str, unknown))}."]
    if errors:
        raise ValidationError(errors)


def programme_create(*, actor: Any, organisation: Organisation, **fields: Any) -> Programme:
    unknown = set(fields) - PROGRAMME_FIELDS
    if unknown:
        raise ValueError(f"Unknown programme fields: {sorted(unknown)}")
    data = {"offers_groups": True, "offers_one_to_one": False, **fields}
    _clean_programme(data)
    with transaction.atomic():
        programme = Programme(organisation=organisation, **data)
        programme.slug = _unique_slug(Programme, organisation, programme.name)
        programme.save()
        audit_record(
            actor=actor, action="programme.create", obj=programme, organisation=organisation
        )
        _finder_changed()
    return programme


def programme_update(*, actor: Any, programme: Programme, **fields: Any) -> Programme:
    unknown = set(fields) - PROGRAMME_FIELDS
    if unknown:
        raise ValueError(f"Unknown programme fields: {sorted(unknown)}")
    data = {name: getattr(programme, name) for name in PROGRAMME_FIELDS} | fields
    _clean_programme(data)
    with transaction.atomic():
        programme = Programme.objects.select_for_update().get(pk=programme.pk)
        changed = [name for name, value in fields.items() if getattr(programme, name) != value]
        for name in changed:
            setattr(programme, name, fields[name])
        if changed:
            programme.save(update_fields=[*changed, "updated_at"])
            audit_record(
                actor=actor,
                action="programme.update",
                obj=programme,
                organisation=programme.organisation_id,
                detail={"fields": sorted(changed)},
            )
            _finder_changed()
    return programme


# --- groups and sessions ----------------------------------------------------------


def _clean_group(data: dict[str, Any], *, places_taken: int = 0) -> None:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not str(data.get("name", "")).strip():
        add("name", "Give the group a name.")
    kind = data.get("kind")
    if kind not in GroupKind.values:
        add("kind", "Choose whether this is a rolling group or a course.")
    delivery = data.get("delivery")
    if delivery not in Delivery.values:
        add("delivery", "Choose in person, online, or both.")
    capacity = data.get("capacity")
    if not isinstance(capacity, int) or capacity < 1:
        add("capacity", "Capacity must be a whole number of at least 1.")
    elif capacity < places_taken:
        add(
            "capacity",
            f"{places_taken} people hold places in this group, so capacity cannot go below "
            f"{places_taken}. Ask someone to move group first.",
        )
    weekday = data.get("weekday")
    if not isinstance(weekday, int) or not 0 <= weekday <= 6:
        add("weekday", "Choose the day of the week the group meets.")
    if not isinstance(data.get("start_time"), time):
        add("start_time", "Give the time the group starts, for example 19:00.")
    duration = data.get("duration_minutes")
    if not isinstance(duration, int) or not 15 <= duration <= 8 * 60:
        add("duration_minutes", "A session lasts between 15 minutes and 8 hours.")
    if not isinstance(data.get("start_date"), date):
        add("start_date", "Give the date of the first week the group meets.")
    weeks = data.get("course_weeks")
    if kind == GroupKind.COURSE:
        if not isinstance(weeks, int) or not 1 <= weeks <= 52:
            add("course_weeks", "A course runs for between 1 and 52 weekly sessions.")
    elif weeks not in (None, ""):
        add(
            "course_weeks",
            "Only a course has a fixed number of weeks; leave this empty for a rolling group.",
        )
    lat, lon = data.get("latitude"), data.get("longitude")
    if delivery in (Delivery.IN_PERSON, Delivery.HYBRID):
        if lat is None or lon is None:
            add(
                "latitude",
                "Groups that meet in person need the venue's location (latitude and longitude).",
            )
        if not str(data.get("venue_name", "")).strip():
            add("venue_name", "Groups that meet in person need a venue name.")
    if lat is not None and not -90 <= lat <= 90:
        add("latitude", "Latitude must be between -90 and 90.")
    if lon is not None and not -180 <= lon <= 180:
        add("longitude", "Longitude must be between -180 and 180.")
    if errors:
        raise ValidationError(errors)


def group_create(
    *, actor: Any, programme: Programme, facilitator_ids: list[int] | None = None, **fields: Any
) -> Group:
    unknown = set(fields) - GROUP_FIELDS
    if unknown:
        raise ValueError(f"Unknown group fields: {sorted(unknown)}")
    data: dict[str, Any] = {
        "kind": GroupKind.ROLLING,
        "delivery": Delivery.IN_PERSON,
        "capacity": 12,
        "duration_minutes": 120,
        "language": programme.organisation.default_language,
        **fields,
    }
    if data["kind"] == GroupKind.ROLLING:
        data.setdefault("course_weeks", None)
    _clean_group(data)
    if not programme.offers_groups:
        raise ValidationError(
            {"programme": ["This programme does not offer groups; change the programme first."]}
        )
    facilitator_ids = _check_facilitators(programme.organisation_id, facilitator_ids or [])
    with transaction.atomic():
        group = Group(organisation=programme.organisation, programme=programme, **data)
        group.slug = _unique_slug(Group, programme.organisation, group.name)
        group.save()
        Facilitation.objects.bulk_create(
            [Facilitation(group=group, user_id=uid) for uid in facilitator_ids]
        )
        sessions_generate(group=group)
        audit_record(
            actor=actor, action="group.create", obj=group, organisation=group.organisation_id
        )
        _finder_changed()
    return group


def group_update(
    *, actor: Any, group: Group, facilitator_ids: list[int] | None = None, **fields: Any
) -> Group:
    """Change a group. Capacity can rise (places go to the waiting list) or fall
    to no fewer than the places held. A schedule change regenerates future
    sessions that have no register yet. With ``facilitator_ids``, the
    facilitators are replaced in the same transaction. Locks the group row."""
    unknown = set(fields) - GROUP_FIELDS
    if unknown:
        raise ValueError(f"Unknown group fields: {sorted(unknown)}")
    if facilitator_ids is not None:
        facilitator_ids = _check_facilitators(
            group.organisation_id, facilitator_ids, already=_facilitator_ids(group)
        )
    with transaction.atomic():
        group = Group.objects.select_for_update().select_related("organisation").get(pk=group.pk)
        data = {name: getattr(group, name) for name in GROUP_FIELDS} | fields
        if data["kind"] == GroupKind.ROLLING:
            data["course_weeks"] = None
            fields = {**fields, "course_weeks": None} if group.course_weeks is not None else fields
        _clean_group(data, places_taken=group.places_taken)
        if (
            "kind" in fields
            and fields["kind"] != group.kind
            and group.sessions.filter(attendance__isnull=False).exists()
        ):
            raise ValidationError(
                {
                    "kind": [
                        "Registers have been taken, so this group cannot change between "
                        "rolling and course."
                    ]
                }
            )
        changed = [name for name, value in fields.items() if getattr(group, name) != value]
        if facilitator_ids is not None:
            current = sorted(
                Facilitation.objects.filter(group=group).values_list("user_id", flat=True)
            )
            if current != facilitator_ids:
                facilitators_set(actor=actor, group=group, user_ids=facilitator_ids)
        for name in changed:
            setattr(group, name, fields[name])
        if not changed:
            return group
        group.save(update_fields=[*changed, "updated_at"])
        if SCHEDULE_FIELDS & set(changed):
            _sessions_reschedule(group)
        audit_record(
            actor=actor,
            action="group.update",
            obj=group,
            organisation=group.organisation_id,
            detail={"fields": sorted(changed)},
        )
        _finder_changed()
        if "capacity" in changed:
            offers_make(group=group)
    return group


def _check_facilitators(
    organisation_id: int, user_ids: list[int], *, already: list[int] | None = None
) -> list[int]:
    """The distinct ids, sorted, if each is a volunteer or coordinator of the
    organisation, and each one not ``already`` facilitating passes the
    volunteers' gate (active, trained, checked; docs/volunteers.md)."""
    from peercircle.core.models import Membership
    from peercircle.core.roles import Role

    ids = sorted(set(user_ids))
    if not ids:
        return ids
    allowed = set(
        Membership.objects.filter(
            organisation_id=organisation_id,
            user_id__in=ids,
            role__in=[Role.VOLUNTEER, Role.COORDINATOR],
        ).values_list("user_id", flat=True)
    )
    if set(ids) - allowed:
        raise ValidationError(
            {
                "facilitators": [
                    "Facilitators must be volunteers or coordinators of this organisation."
                ]
            }
        )
    newcomers = [uid for uid in ids if uid not in set(already or ())]
    if newcomers:
        _gate_facilitators(organisation_id, newcomers)
    return ids


def _gate_facilitators(organisation_id: int, user_ids: list[int]) -> None:
    """Only active volunteers with a current check and current training may
    start facilitating; coordinators and administrators pass as staff."""
    from peercircle.accounts.models import User
    from peercircle.volunteers.gate import may_support

    organisation = Organisation.objects.get(pk=organisation_id)
    refused = [
        verdict.message
        for verdict in (
            may_support(user, organisation, "facilitate")
            for user in User.objects.filter(pk__in=user_ids).order_by("pk")
        )
        if not verdict.allowed
    ]
    if refused:
        raise ValidationError({"facilitators": refused})


def _facilitator_ids(group: Group) -> list[int]:
    return sorted(Facilitation.objects.filter(group=group).values_list("user_id", flat=True))


def facilitators_set(*, actor: Any, group: Group, user_ids: list[int]) -> None:
    user_ids = _check_facilitators(group.organisation_id, user_ids, already=_facilitator_ids(group))
    with transaction.atomic():
        Facilitation.objects.filter(group=group).exclude(user_id__in=user_ids).delete()
        existing = set(Facilitation.objects.filter(group=group).values_list("user_id", flat=True))
        Facilitation.objects.bulk_create(
            [Facilitation(group=group, user_id=uid) for uid in user_ids if uid not in existing]
        )
        audit_record(
            actor=actor,
            action="group.facilitators",
            obj=group,
            organisation=group.organisation_id,
            detail={"user_ids": sorted(user_ids)},
        )


def _slots_for(group: Group, *, from_day: date) -> list[schedule.Slot]:
    zone = ZoneInfo(group.organisation.timezone)
    if group.kind == GroupKind.COURSE:
        return schedule.course_slots(
            start_date=group.start_date,
            weekday=group.weekday,
            start=group.start_time,
            duration=group.duration,
            zone=zone,
            count=group.course_weeks or 0,
        )
    horizon = timezone.localdate() + timedelta(weeks=settings.SESSION_HORIZON_WEEKS)
    return schedule.rolling_slots(
        from_day=max(group.start_date, from_day),
        until_day=horizon,
        weekday=group.weekday,
        start=group.start_time,
        duration=group.duration,
        zone=zone,
    )


def sessions_generate(*, group: Group) -> int:
    """Create the sessions a group's schedule calls for and that do not exist yet.

    A course gets all its sessions; a rolling group gets sessions up to the
    horizon (SESSION_HORIZON_WEEKS), extended by a daily task. Returns how many
    were created. Idempotent.
    """
    existing = set(group.sessions.values_list("starts_at", flat=True))
    last = group.sessions.order_by("-number").values_list("number", "starts_at").first()
    number, last_start = (last[0], last[1]) if last else (0, None)
    from_day = group.start_date
    if last_start is not None:
        from_day = (
            (last_start + timedelta(days=1))
            .astimezone(ZoneInfo(group.organisation.timezone))
            .date()
        )
    zone = ZoneInfo(group.organisation.timezone)
    slots = _slots_for(group, from_day=from_day)
    new = []
    for slot in slots:
        # Compare local dates, not instants: after a change of start time a
        # course's slot on the same day as its last kept session must not become
        # a second session that day (and end the course a week early).
        if slot.starts_at in existing or (
            last_start is not None and slot.starts_at.astimezone(zone).date() < from_day
        ):
            continue
        if group.kind == GroupKind.COURSE and number >= (group.course_weeks or 0):
            break
        number += 1
        new.append(
            Session(group=group, number=number, starts_at=slot.starts_at, ends_at=slot.ends_at)
        )
    Session.objects.bulk_create(new)
    if new:
        _finder_changed()
    return len(new)


def _sessions_reschedule(group: Group) -> None:
    """After a schedule change: drop future sessions nobody has a register for, regenerate."""
    now = timezone.now()
    group.sessions.filter(
        starts_at__gt=now, attendance__isnull=True, register_taken_at__isnull=True
    ).delete()
    if group.kind == GroupKind.COURSE:
        kept = group.sessions.count()
        if kept > (group.course_weeks or 0):
            raise ValidationError(
                {"course_weeks": ["Some sessions beyond the new length already have registers."]}
            )
    sessions_generate(group=group)


def session_cancel(*, actor: Any, session: Session, reason: str) -> Session:
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"reason": ["Say briefly why the session is cancelled; members will see it."]}
        )
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=session.pk)
        if session.status == SessionStatus.CANCELLED:
            return session
        if session.ends_at < timezone.now():
            raise ValidationError(
                {"reason": ["This session has already happened, so it cannot be cancelled."]}
            )
        session.status = SessionStatus.CANCELLED
        session.cancelled_reason = reason[:240]
        session.save(update_fields=["status", "cancelled_reason"])
        audit_record(
            actor=actor,
            action="session.cancel",
            obj=session,
            organisation=session.group.organisation_id,
            detail={"reason": reason[:240]},
        )
        _finder_changed()
        _missed_recount_session(session)
    return session


def session_reinstate(*, actor: Any, session: Session) -> Session:
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=session.pk)
        if session.status != SessionStatus.CANCELLED:
            return session
        session.status = SessionStatus.SCHEDULED
        session.cancelled_reason = ""
        session.save(update_fields=["status", "cancelled_reason"])
        audit_record(
            actor=actor,
            action="session.reinstate",
            obj=session,
            organisation=session.group.organisation_id,
        )
        _finder_changed()
        _missed_recount_session(session)
    return session


# --- enrolment ----------------------------------------------------------------


def _age(profile: ContextProfile | None) -> int | None:
    if profile is None or profile.year_of_birth is None:
        return None
    # Year of birth only: someone may be a year younger than this; the rules
    # are for guidance and a coordinator can enrol anyone by hand.
    return timezone.localdate().year - profile.year_of_birth


def eligibility_for(*, user: Any, programme: Programme) -> eligibility.Verdict:
    profile = ContextProfile.objects.filter(user=user).first()
    person = eligibility.Person(
        age=_age(profile),
        gender=profile.gender if profile else "",
        perinatal_stage=profile.perinatal_stage if profile else "",
    )
    return eligibility.check(programme.rules, person)


def _course_started(group: Group) -> bool:
    if group.kind != GroupKind.COURSE:
        return False
    first = group.sessions.order_by("number").values_list("starts_at", flat=True).first()
    return first is not None and first <= timezone.now()


def enrolment_join(*, user: Any, group: Group, check_eligibility: bool = True) -> Enrolment:
    """Join a group: a place if one is free, otherwise the waiting list.

    The place is claimed with one atomic UPDATE guarded by ``places_taken <
    capacity`` (and a check constraint), so simultaneous joins for the last place
    give one member and one person waiting, on any database.
    """
    if not group.is_active:
        raise EnrolmentError("This group is not taking new members.")
    if _course_started(group):
        raise EnrolmentError(
            "This course has already started, so it is closed to new members. "
            "Ask the coordinator about the next one."
        )
    if not has_consent(user=user, organisation=group.organisation_id, purpose=Purpose.SERVICE):
        raise EnrolmentError(
            "Please agree to how we keep your details before joining a group.", code="consent"
        )
    if check_eligibility:
        verdict = eligibility_for(user=user, programme=group.programme)
        if verdict.missing:
            raise EnrolmentError(
                "This group is for a particular group of people; please tell us a little more "
                "about you first.",
                code="missing_context",
                params={"fields": verdict.missing},
            )
        if not verdict.eligible:
            raise EnrolmentError(" ".join(verdict.reasons), code="ineligible")
    now = timezone.now()
    try:
        with transaction.atomic():
            claimed = Group.objects.filter(pk=group.pk, places_taken__lt=F("capacity")).update(
                places_taken=F("places_taken") + 1
            )
            has_queue = Enrolment.objects.filter(
                group=group, status=EnrolmentStatus.WAITING
            ).exists()
            if claimed and has_queue:
                # People are already waiting: this place is theirs, in order.
                Group.objects.filter(pk=group.pk).update(places_taken=F("places_taken") - 1)
                claimed = 0
            if claimed:
                enrolment = Enrolment.objects.create(
                    group=group, user=user, status=EnrolmentStatus.ACTIVE, joined_at=now
                )
            else:
                enrolment = Enrolment.objects.create(
                    group=group, user=user, status=EnrolmentStatus.WAITING, waiting_since=now
                )
            audit_record(
                actor=user,
                action="enrolment.join",
                obj=enrolment,
                organisation=group.organisation_id,
                detail={"status": enrolment.status},
            )
            _finder_changed()  # places left are on the public page
    except IntegrityError as exc:
        raise EnrolmentError(
            "You are already a member of this group or on its waiting list.", code="duplicate"
        ) from exc
    group.refresh_from_db(fields=["places_taken"])
    return enrolment


def _release_place(group_id: int) -> None:
    Group.objects.filter(pk=group_id, places_taken__gt=0).update(places_taken=F("places_taken") - 1)


def _end(
    enrolment: Enrolment, *, actor: Any, status: EnrolmentStatus, reason: str, action: str
) -> Enrolment:
    with transaction.atomic():
        enrolment = (
            Enrolment.objects.select_for_update().select_related("group").get(pk=enrolment.pk)
        )
        if enrolment.status not in (
            EnrolmentStatus.ACTIVE,
            EnrolmentStatus.WAITING,
            EnrolmentStatus.OFFERED,
        ):
            raise EnrolmentError("This membership has already ended.")
        held_place = enrolment.status in (EnrolmentStatus.ACTIVE, EnrolmentStatus.OFFERED)
        enrolment.status = status
        enrolment.ended_at = timezone.now()
        enrolment.ended_reason = reason[:240]
        enrolment.save(update_fields=["status", "ended_at", "ended_reason"])
        audit_record(
            actor=actor,
            action=action,
            obj=enrolment,
            organisation=enrolment.group.organisation_id,
            detail={"reason": reason[:240]},
        )
        if held_place:
            _finder_changed()
            _release_place(enrolment.group_id)
            offers_make(group=enrolment.group)
        enrolment_ended.send(sender=Enrolment, enrolment=enrolment)
    return enrolment


def enrolment_leave(*, user: Any, enrolment: Enrolment) -> Enrolment:
    return _end(
        enrolment,
        actor=user,
        status=EnrolmentStatus.LEFT,
        reason="Left the group",
        action="enrolment.leave",
    )


def enrolment_remove(*, actor: Any, enrolment: Enrolment, reason: str) -> Enrolment:
    if not reason.strip():
        raise ValidationError({"reason": ["Say briefly why; it stays in the record."]})
    return _end(
        enrolment,
        actor=actor,
        status=EnrolmentStatus.REMOVED,
        reason=reason.strip(),
        action="enrolment.remove",
    )


def offers_make(*, group: Group) -> list[Enrolment]:
    """Offer free places to the people waiting longest. Runs inside the caller's
    transaction; each place is claimed with the same atomic UPDATE as a join."""
    if _course_started(group):
        return []
    offered = []
    expires = timezone.now() + timedelta(days=settings.ENROLMENT_OFFER_DAYS)
    while True:
        candidate = (
            Enrolment.objects.select_for_update()
            .filter(group_id=group.pk, status=EnrolmentStatus.WAITING)
            .order_by("waiting_since", "id")
            .first()
        )
        if candidate is None:
            break
        claimed = Group.objects.filter(pk=group.pk, places_taken__lt=F("capacity")).update(
            places_taken=F("places_taken") + 1
        )
        if not claimed:
            break
        candidate.status = EnrolmentStatus.OFFERED
        candidate.offered_at = timezone.now()
        candidate.offer_expires_at = expires
        candidate.save(update_fields=["status", "offered_at", "offer_expires_at"])
        audit_record(
            actor=None, action="enrolment.offer", obj=candidate, organisation=group.organisation_id
        )
        offered.append(candidate)
    if offered:
        from peercircle.programmes.tasks import notify_place_offered

        ids = [e.pk for e in offered]
        transaction.on_commit(lambda: [notify_place_offered.enqueue(enrolment_id=i) for i in ids])
    return offered


def enrolment_accept_offer(*, user: Any, enrolment: Enrolment) -> Enrolment:
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if enrolment.status != EnrolmentStatus.OFFERED:
            raise EnrolmentError("There is no place on offer to accept.")
        if enrolment.offer_expires_at and enrolment.offer_expires_at < timezone.now():
            raise EnrolmentError(
                "Sorry, this offer has lapsed. You can join the waiting list again."
            )
        enrolment.status = EnrolmentStatus.ACTIVE
        enrolment.joined_at = timezone.now()
        enrolment.save(update_fields=["status", "joined_at"])
        audit_record(
            actor=user,
            action="enrolment.accept",
            obj=enrolment,
            organisation=enrolment.group.organisation_id,
        )
    return enrolment


def enrolment_decline_offer(*, user: Any, enrolment: Enrolment) -> Enrolment:
    if enrolment.status != EnrolmentStatus.OFFERED:
        raise EnrolmentError("There is no place on offer to decline.")
    return _end(
        enrolment,
        actor=user,
        status=EnrolmentStatus.LEFT,
        reason="Declined the offer of a place",
        action="enrolment.decline",
    )


def offers_expire(*, now: datetime | None = None) -> int:
    """Lapse offers past their expiry and offer the places on. Returns how many lapsed."""
    now = now or timezone.now()
    lapsed = 0
    for enrolment_id in Enrolment.objects.filter(
        status=EnrolmentStatus.OFFERED, offer_expires_at__lt=now
    ).values_list("id", flat=True):
        enrolment = Enrolment.objects.get(pk=enrolment_id)
        try:
            _end(
                enrolment,
                actor=None,
                status=EnrolmentStatus.LEFT,
                reason="The offer of a place lapsed",
                action="enrolment.lapse",
            )
            lapsed += 1
        except EnrolmentError:
            continue
    return lapsed


# --- attendance -------------------------------------------------------------------


def register_take(*, actor: Any, session: Session, marks: dict[int, str]) -> list[Attendance]:
    """Record attendance for a session in one go: ``{user_id: status}``.

    Everyone marked must be (or have been) a member of the group.
    """
    bad_status = {
        uid: status for uid, status in marks.items() if status not in AttendanceStatus.values
    }
    if bad_status:
        raise ValidationError({"marks": ["Each person is present, absent or sent apologies."]})
    if session.status == SessionStatus.CANCELLED:
        raise ValidationError({"session": ["This session was cancelled, so it has no register."]})
    members = set(
        Enrolment.objects.filter(
            group_id=session.group_id, joined_at__isnull=False, user_id__in=marks
        ).values_list("user_id", flat=True)
    )
    strangers = set(marks) - members
    if strangers:
        raise ValidationError({"marks": ["Only members of the group can be on its register."]})
    now = timezone.now()
    with transaction.atomic():
        existing = {
            a.user_id: a
            for a in Attendance.objects.select_for_update().filter(
                session=session, user_id__in=marks
            )
        }
        saved = []
        for user_id, status in marks.items():
            record = existing.get(user_id)
            if record is None:
                record = Attendance(
                    session=session, user_id=user_id, status=status, recorded_by=actor
                )
                record.save()
            elif record.status != status:
                record.status, record.recorded_by = status, actor
                record.save(update_fields=["status", "recorded_by", "recorded_at"])
            saved.append(record)
        Session.objects.filter(pk=session.pk).update(register_taken_at=now)
        _missed_recount(group_id=session.group_id, user_ids=list(marks))
        audit_record(
            actor=actor,
            action="register.take",
            obj=session,
            organisation=session.group.organisation_id,
            detail={"marks": {str(k): v for k, v in marks.items()}},
        )
    return saved


def apologies_send(*, user: Any, session: Session) -> Attendance:
    """A member says in advance that they cannot come."""
    if not Enrolment.objects.filter(
        group_id=session.group_id, user=user, status=EnrolmentStatus.ACTIVE
    ).exists():
        raise EnrolmentError("Only members of the group can send apologies.")
    if session.starts_at <= timezone.now():
        raise EnrolmentError("This session has started; apologies are for sessions still to come.")
    with transaction.atomic():
        record, _ = Attendance.objects.update_or_create(
            session=session,
            user=user,
            defaults={"status": AttendanceStatus.APOLOGIES, "recorded_by": user},
        )
        _missed_recount(group_id=session.group_id, user_ids=[user.pk])
        audit_record(
            actor=user,
            action="attendance.apologies",
            obj=session,
            organisation=session.group.organisation_id,
        )
    return record


def _missed_recount(*, group_id: int, user_ids: list[int]) -> None:
    """Store on each person's enrolment how many registered sessions in a row,
    most recent first, they were marked absent at.

    Counts sessions that have started, are not cancelled and have a register;
    apologies end a run (the person told us). Called inside the transaction of
    every change to marks or to whether a session counts, so the back office's
    follow-up list is a plain indexed read.
    """
    if not user_ids:
        return
    marks = (
        Attendance.objects.filter(
            session__group_id=group_id,
            user_id__in=user_ids,
            session__status=SessionStatus.SCHEDULED,
            session__register_taken_at__isnull=False,
            session__starts_at__lte=timezone.now(),
        )
        .order_by("user_id", "-session__starts_at", "-session_id")
        .values_list("user_id", "status")
    )
    counts = dict.fromkeys(user_ids, 0)
    finished: set[int] = set()
    for user_id, status in marks:
        if user_id in finished:
            continue
        if status == AttendanceStatus.ABSENT:
            counts[user_id] = min(counts[user_id] + 1, 255)
        else:
            finished.add(user_id)
    by_count: dict[int, list[int]] = {}
    for user_id, count in counts.items():
        by_count.setdefault(count, []).append(user_id)
    for count, ids in by_count.items():
        Enrolment.objects.filter(group_id=group_id, user_id__in=ids).exclude(
            missed_in_a_row=count
        ).update(missed_in_a_row=count)


def _missed_recount_session(session: Session) -> None:
    """A session started or stopped counting (cancelled, reinstated)."""
    user_ids = list(Attendance.objects.filter(session=session).values_list("user_id", flat=True))
    _missed_recount(group_id=session.group_id, user_ids=user_ids)


def missed_recount_early_registers(*, days: int = 3) -> int:
    """Count registers taken before their session started, now that it has.

    ``_missed_recount`` leaves sessions that have not started out of the count;
    the daily task brings in those that started since. Returns how many.
    """
    now = timezone.now()
    sessions = Session.objects.filter(
        status=SessionStatus.SCHEDULED,
        starts_at__lte=now,
        starts_at__gte=now - timedelta(days=days),
        register_taken_at__lt=F("starts_at"),
    )
    count = 0
    for session in sessions:
        with transaction.atomic():
            _missed_recount_session(session)
        count += 1
    return count
