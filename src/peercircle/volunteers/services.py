"""Everything that changes volunteer data: applying, each move in the
pipeline, screening, the curriculum and training, supervision, wellbeing
check-ins, activity, peer events and debriefs. See docs/volunteers.md.

Every function is keyword-only, checks everything before it writes, runs in
one transaction and writes an audit record; moves in the pipeline also write a
``VolunteerEvent`` (who, when, why). Bad input raises ``VolunteerError`` with a
message in plain words (a message per field where a form has fields), and
nothing is stored. Callers (pages, the API) have fetched the objects through
``volunteers.access``; the rules about who may do what to whom (a volunteer
pauses only themselves, nobody signs off their own training) are checked here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from peercircle.core.access import forget_roles, has_role
from peercircle.core.audit import audit_record
from peercircle.core.models import Organisation
from peercircle.core.roles import MANAGES_PROGRAMMES, Role
from peercircle.measures import instruments, score
from peercircle.volunteers import curriculum, rules
from peercircle.volunteers.gate import (
    NotEligible,
    Verdict,
    activation_reasons,
    may_support,
    organisation_today,
    require_eligible,
)
from peercircle.volunteers.models import (
    AVAILABILITY_CHOICES,
    WORKLOAD_ITEMS,
    ActivityKind,
    ActivityLog,
    BackgroundCheck,
    CheckOutcome,
    DebriefOffer,
    DebriefState,
    EventKind,
    Interview,
    InterviewOutcome,
    ModuleCompletion,
    ModuleRevision,
    PeerEvent,
    Reference,
    ReferenceStatus,
    State,
    Supervision,
    SupervisionAction,
    SupervisionAttendee,
    SupervisionKind,
    SupervisionState,
    TrainingModule,
    VolunteerEvent,
    VolunteerPolicy,
    VolunteerProfile,
    WellbeingCheckIn,
)

__all__ = [
    "NotEligible",
    "Verdict",
    "VolunteerError",
    "may_support",
    "require_eligible",
]

logger = logging.getLogger(__name__)

#: Who runs the pipeline, signs off training, supervises and sees volunteers' records.
MANAGES_VOLUNTEERS = MANAGES_PROGRAMMES
#: Who may be a supervisor.
SUPERVISES = frozenset({Role.COORDINATOR, Role.ADMIN, Role.SAFEGUARDING_LEAD})
#: States in which someone is a volunteer of the organisation (trains,
#: supervises, checks in, logs activity).
VOLUNTEERING = (State.TRAINING, State.ACTIVE, State.PAUSED)
TEXT_LIMIT = 4000
REASON_LIMIT = 1000
MAX_LANGUAGES = 12
MAX_CONTACTS = 500
#: How far back activity may be logged.
ACTIVITY_DAYS_BACK = 366
#: Alert levels that bring a debrief.
DEBRIEF_LEVELS = ("high", "imminent")


class VolunteerError(ValidationError):
    """A volunteer step that cannot be done. ``text`` says why in plain words;
    a form can use ``message_dict`` when the error is about its fields."""

    def __init__(
        self, message: str | dict[str, list[str]], code: str = "invalid", *, summary: str = ""
    ) -> None:
        super().__init__(message, code=code)
        if isinstance(message, dict):
            parts = " ".join(text for texts in message.values() for text in texts)
            self.text = f"{summary} {parts}".strip()
        else:
            self.text = message

    def __str__(self) -> str:
        return self.text


# --- helpers ------------------------------------------------------------------------


def _org_id(organisation: Organisation | int) -> int:
    return organisation.pk if isinstance(organisation, Organisation) else int(organisation)


def _is_manager(actor: Any, organisation_id: int) -> bool:
    return has_role(actor, organisation_id, MANAGES_VOLUNTEERS)


def _require_manager(actor: Any, organisation_id: int, doing: str) -> None:
    if not _is_manager(actor, organisation_id):
        raise VolunteerError(f"Only a coordinator can {doing}.", code="forbidden")


def _is_self(actor: Any, profile: VolunteerProfile) -> bool:
    return actor is not None and getattr(actor, "pk", None) == profile.person_id


def _text(value: Any, *, what: str, required: bool = False, limit: int = TEXT_LIMIT) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        raise VolunteerError(f"Write {what} first.")
    if len(text) > limit:
        raise VolunteerError(
            f"{what[0].upper()}{what[1:]} can be up to {limit:,} characters; "
            f"this has {len(text):,}."
        )
    return text


def _locked(profile: VolunteerProfile) -> VolunteerProfile:
    return (
        VolunteerProfile.objects.select_for_update()
        .select_related("person", "organisation")
        .get(pk=profile.pk)
    )


def _name(profile: VolunteerProfile) -> str:
    return profile.person.pseudonym


def _today(organisation: Organisation, now: datetime | None = None) -> date:
    return organisation_today(organisation, now)


def _aware(value: Any, what: str) -> datetime:
    if not isinstance(value, datetime):
        raise VolunteerError(f"Give the date and time of {what}.")
    if timezone.is_naive(value):
        raise VolunteerError(f"The time of {what} needs a time zone.")
    return value


def _date(value: Any, what: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise VolunteerError(f"Give {what} as a date.")
    return value


def _require_volunteering(profile: VolunteerProfile, doing: str) -> None:
    if profile.state in VOLUNTEERING:
        return
    if profile.state == State.LEFT:
        raise VolunteerError(f"{_name(profile)} has left, so they can't {doing}.")
    raise VolunteerError(
        f"{_name(profile)} can't {doing} yet: that starts once screening is done and "
        "training begins."
    )


# --- the organisation's policy ----------------------------------------------------------

POLICY_FIELDS = {
    "references_required": (0, 5),
    "caseload_limit": (1, 50),
    "supervision_weeks": (1, 52),
    "debrief_days": (1, 90),
    "wellbeing_drop": (1, 10),
    "anxiety_high": (1, 10),
    "anxious_checkins": (1, 10),
    "refresher_notice_days": (1, 120),
}


def policy_for(organisation: Organisation | int) -> VolunteerPolicy:
    """The organisation's policy, or the defaults (unsaved) until one is saved."""
    organisation_id = _org_id(organisation)
    policy = VolunteerPolicy.objects.filter(organisation_id=organisation_id).first()
    return policy or VolunteerPolicy(organisation_id=organisation_id)


def policy_update(*, actor: Any, organisation: Organisation, **fields: Any) -> VolunteerPolicy:
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise ValueError(f"Unknown volunteer policy fields: {sorted(unknown)}")
    _require_manager(actor, organisation.pk, "change how volunteers are looked after")
    errors: dict[str, list[str]] = {}
    for name, value in fields.items():
        low, high = POLICY_FIELDS[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors[name] = [f"Choose a whole number from {low} to {high}."]
    if errors:
        raise VolunteerError(errors)
    with transaction.atomic():
        policy, _ = VolunteerPolicy.objects.select_for_update().get_or_create(
            organisation=organisation
        )
        before = {name: getattr(policy, name) for name in fields}
        for name, value in fields.items():
            setattr(policy, name, value)
        policy.save()
        audit_record(
            actor=actor,
            action="volunteers.policy_update",
            obj=policy,
            organisation=organisation,
            detail={"before": before, "after": fields},
        )
    return policy


# --- applying ----------------------------------------------------------------------------

AVAILABILITY = {value for value, _ in AVAILABILITY_CHOICES}


def _clean_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple | set | frozenset):
        return []
    return [item.strip() for item in value if isinstance(item, str) and item.strip()]


def _clean_application(
    *,
    lived_experience: Any,
    languages: Any,
    availability: Any,
    roles_wanted: Any,
    about: Any,
    partial: bool = False,
) -> dict[str, Any]:
    """The application's fields, cleaned; ``VolunteerError`` naming every field
    that is missing or wrong. With ``partial``, None means "leave as it is"."""
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = {}

    if not (partial and lived_experience is None):
        lived = lived_experience.strip() if isinstance(lived_experience, str) else ""
        if not lived:
            errors["lived_experience"] = [
                "Tell us about the lived experience you are willing to share "
                "(a sentence or two is enough)."
            ]
        elif len(lived) > TEXT_LIMIT:
            errors["lived_experience"] = [
                f"Your lived experience can be up to {TEXT_LIMIT:,} characters; "
                f"this has {len(lived):,}."
            ]
        data["lived_experience"] = lived

    if not (partial and languages is None):
        seen: dict[str, str] = {}
        for language in _clean_list(languages):
            seen.setdefault(language.casefold(), language)
        cleaned = list(seen.values())
        if not cleaned:
            errors["languages"] = ["Add at least one language you could support people in."]
        elif len(cleaned) > MAX_LANGUAGES or any(len(item) > 40 for item in cleaned):
            errors["languages"] = [
                f"List up to {MAX_LANGUAGES} languages, each in up to 40 characters."
            ]
        data["languages"] = cleaned

    if not (partial and availability is None):
        slots = list(dict.fromkeys(_clean_list(availability)))
        unknown = [slot for slot in slots if slot not in AVAILABILITY]
        if unknown:
            errors["availability"] = [
                f"“{unknown[0]}” is not one of the times on the form; choose from the list."
            ]
        elif not slots:
            errors["availability"] = ["Choose at least one time when you are usually free."]
        order = [value for value, _ in AVAILABILITY_CHOICES]
        data["availability"] = sorted(
            (slot for slot in slots if slot in AVAILABILITY), key=order.index
        )

    if not (partial and roles_wanted is None):
        roles = list(dict.fromkeys(_clean_list(roles_wanted)))
        if not roles or set(roles) - set(rules.SUPPORT_ROLES):
            errors["roles_wanted"] = [
                "Choose what you would like to do: facilitate groups, one-to-one support, or both."
            ]
        data["roles_wanted"] = [role for role in rules.SUPPORT_ROLES if role in roles]

    if not (partial and about is None):
        text = about.strip() if isinstance(about, str) else ""
        if len(text) > TEXT_LIMIT:
            errors["about"] = [
                f"This can be up to {TEXT_LIMIT:,} characters; it has {len(text):,}."
            ]
        data["about"] = text

    if errors:
        raise VolunteerError(errors, summary="The application is not complete yet.")
    return data


def _event(
    profile: VolunteerProfile,
    *,
    kind: str,
    from_state: str,
    actor: Any,
    reason: str,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> VolunteerEvent:
    event = VolunteerEvent.objects.create(
        profile=profile,
        kind=kind,
        from_state=from_state,
        to_state=profile.state,
        actor=actor if getattr(actor, "pk", None) else None,
        at=now,
        reason=reason,
        detail=detail or {},
    )
    audit_record(
        actor=actor,
        action=f"volunteers.{kind}",
        obj=profile,
        organisation=profile.organisation_id,
        detail={"from": from_state, "to": profile.state, **(detail or {})},
    )
    return event


def application_submit(
    *,
    person: Any,
    organisation: Organisation,
    lived_experience: Any,
    languages: Any,
    availability: Any,
    roles_wanted: Any,
    about: Any = "",
    now: datetime | None = None,
) -> VolunteerProfile:
    """Apply to volunteer. Someone who left applies again on their old profile
    and starts from applied; anyone else with a profile is told where it is."""
    data = _clean_application(
        lived_experience=lived_experience,
        languages=languages,
        availability=availability,
        roles_wanted=roles_wanted,
        about=about,
    )
    now = now or timezone.now()
    with transaction.atomic():
        profile = (
            VolunteerProfile.objects.select_for_update()
            .filter(organisation=organisation, person=person)
            .first()
        )
        if profile is not None and profile.state != State.LEFT:
            raise VolunteerError(
                f"You have applied to volunteer with {organisation.name} already, and "
                f"you are {rules.state_words(profile.state)} now.",
                code="exists",
            )
        if profile is None:
            try:
                with transaction.atomic():
                    profile = VolunteerProfile.objects.create(
                        organisation=organisation,
                        person=person,
                        state=State.APPLIED,
                        applied_at=now,
                        state_changed_at=now,
                        **data,
                    )
            except IntegrityError:
                raise VolunteerError(
                    f"You have applied to volunteer with {organisation.name} already.",
                    code="exists",
                ) from None
            kind, from_state = EventKind.APPLIED, ""
        else:
            for name, value in data.items():
                setattr(profile, name, value)
            profile.state = State.APPLIED
            profile.paused_from = ""
            profile.applied_at = now
            profile.state_changed_at = now
            profile.save(
                update_fields=[*data, "state", "paused_from", "applied_at", "state_changed_at"]
            )
            kind, from_state = EventKind.REAPPLIED, State.LEFT
        _event(profile, kind=kind, from_state=from_state, actor=person, reason="", now=now)
        # The navigation's "Volunteering" link (context_processors.py) is cached.
        from peercircle.volunteers.context_processors import nav_cache_key

        transaction.on_commit(lambda: cache.delete(nav_cache_key(person.pk)))
    return profile


def application_check(
    *,
    lived_experience: Any,
    languages: Any,
    availability: Any,
    roles_wanted: Any,
    about: Any = "",
) -> None:
    """Check an application's fields as ``application_submit`` does, storing
    nothing: for a form that cannot send it yet (no organisation chosen) and
    still wants to name every field that needs attention at once."""
    _clean_application(
        lived_experience=lived_experience,
        languages=languages,
        availability=availability,
        roles_wanted=roles_wanted,
        about=about,
    )


def profile_update(
    *,
    actor: Any,
    profile: VolunteerProfile,
    lived_experience: Any = None,
    languages: Any = None,
    availability: Any = None,
    roles_wanted: Any = None,
    about: Any = None,
) -> VolunteerProfile:
    """Change what the application says (the volunteer or a coordinator).
    None leaves a field as it is."""
    if not (_is_self(actor, profile) or _is_manager(actor, profile.organisation_id)):
        raise VolunteerError("Only the volunteer or a coordinator can change this.", "forbidden")
    data = _clean_application(
        lived_experience=lived_experience,
        languages=languages,
        availability=availability,
        roles_wanted=roles_wanted,
        about=about,
        partial=True,
    )
    with transaction.atomic():
        profile = _locked(profile)
        if profile.state == State.LEFT:
            raise VolunteerError(f"{_name(profile)} has left; apply again to change this.")
        changed = [name for name, value in data.items() if getattr(profile, name) != value]
        for name in changed:
            setattr(profile, name, data[name])
        if changed:
            profile.save(update_fields=changed)
            audit_record(
                actor=actor,
                action="volunteers.profile_update",
                obj=profile,
                organisation=profile.organisation_id,
                detail={"fields": sorted(changed)},
            )
    return profile


def caseload_limit_set(
    *, actor: Any, profile: VolunteerProfile, limit: int | None
) -> VolunteerProfile:
    """A volunteer's own caseload limit; None goes back to the organisation's."""
    _require_manager(actor, profile.organisation_id, "set a caseload limit")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)):
        raise VolunteerError("A caseload limit is a whole number.")
    if limit is not None and not 0 <= limit <= 50:
        raise VolunteerError("Choose a caseload limit from 0 to 50, or leave it empty.")
    with transaction.atomic():
        profile = _locked(profile)
        before = profile.caseload_limit
        profile.caseload_limit = limit
        profile.save(update_fields=["caseload_limit"])
        audit_record(
            actor=actor,
            action="volunteers.caseload_limit",
            obj=profile,
            organisation=profile.organisation_id,
            detail={"before": before, "after": limit},
        )
    return profile


# --- the pipeline ----------------------------------------------------------------------

#: Words used when a move needs no reason: what the step means.
DEFAULT_REASONS = {
    State.SCREENING: "Screening started.",
    State.TRAINING: "Screening done; training started.",
    State.ACTIVE: "Training and checks done; active.",
}


def _screening_missing(profile: VolunteerProfile) -> list[str]:
    """What screening still needs before training: an interview that says go
    on, and enough satisfactory references."""
    missing: list[str] = []
    interview = profile.interviews.order_by("-held_on", "-id").first()
    if interview is None:
        missing.append("there is no interview on record")
    elif interview.outcome != InterviewOutcome.PROCEED:
        missing.append(
            f"the last interview ({rules.day_words(interview.held_on)}) said "
            f"“{interview.get_outcome_display().lower()}”, not to go on to training"
        )
    needed = policy_for(profile.organisation_id).references_required
    have = profile.references.filter(status=ReferenceStatus.SATISFACTORY).count()
    if have < needed:
        missing.append(
            f"{needed} satisfactory reference{'s are' if needed != 1 else ' is'} needed "
            f"and {have} {'has' if have == 1 else 'have'} come back"
        )
    return missing


def _leave_handover(profile: VolunteerProfile, actor: Any) -> dict[str, Any]:
    """Someone who leaves stops facilitating, their one-to-one pairings end and
    they lose the volunteer role, in the same transaction as the move."""
    from peercircle.accounts.services import membership_revoke
    from peercircle.programmes.models import Facilitation
    from peercircle.rooms.models import Pairing
    from peercircle.rooms.services import pairing_end

    person, organisation = profile.person, profile.organisation
    facilitations = list(
        Facilitation.objects.select_for_update()
        .select_related("group")
        .filter(user=person, group__organisation=organisation)
    )
    group_ids = sorted({facilitation.group_id for facilitation in facilitations})
    for facilitation in facilitations:
        audit_record(
            actor=actor,
            action="group.facilitators",
            obj=facilitation.group,
            organisation=organisation,
            detail={"removed": [person.pk], "why": "the volunteer left"},
        )
    Facilitation.objects.filter(pk__in=[f.pk for f in facilitations]).delete()
    pairing_ids = []
    for pairing in Pairing.objects.filter(
        organisation=organisation, volunteer=person, ended_at__isnull=True
    ):
        pairing_end(actor=actor, pairing=pairing, reason="Their peer supporter has stepped down.")
        pairing_ids.append(pairing.pk)
    membership_revoke(user=person, organisation=organisation, role=Role.VOLUNTEER, actor=actor)
    return {"groups": group_ids, "pairings": pairing_ids}


def volunteer_move(
    *,
    actor: Any,
    profile: VolunteerProfile,
    to: str,
    reason: Any = "",
    now: datetime | None = None,
) -> VolunteerProfile:
    """Move a volunteer to state ``to``: one step on the way in (applied ->
    screening -> training -> active, a coordinator), pause or resume (the
    volunteer themselves with no reason needed, or a coordinator with one), or
    left (either; a coordinator says why). Refuses moves out of order, and a
    step whose conditions are not met, with every reason; nothing changes then.
    Locks the profile row."""
    now = now or timezone.now()
    with transaction.atomic():
        profile = _locked(profile)
        current, paused_from = profile.state, profile.paused_from
        name = _name(profile)
        own = _is_self(actor, profile)
        manager = _is_manager(actor, profile.organisation_id)
        resuming = current == State.PAUSED and to == paused_from
        if to in (State.PAUSED, State.LEFT) or resuming:
            if not (own or manager):
                raise VolunteerError(
                    "Only the volunteer or a coordinator can do this.", code="forbidden"
                )
        elif not manager:
            raise VolunteerError(
                "Only a coordinator can move a volunteer on to the next step.", code="forbidden"
            )
        refused = rules.refusal(current, to, paused_from)
        if refused:
            raise VolunteerError(refused.replace("This volunteer", name), code="order")
        text = _text(reason, what="the reason", limit=REASON_LIMIT)
        if manager and not own and to in (State.PAUSED, State.LEFT) and not text:
            raise VolunteerError(
                f"Say briefly why {name} is {'pausing' if to == State.PAUSED else 'leaving'}; "
                "it stays in their record."
            )
        today = _today(profile.organisation, now)
        if to == State.TRAINING:
            missing = _screening_missing(profile)
            if missing:
                raise VolunteerError(
                    f"{name} can't start training yet: {'; '.join(missing)}.", code="conditions"
                )
        if to == State.ACTIVE and not resuming:
            missing = activation_reasons(profile, today)
            if missing:
                raise VolunteerError(
                    f"{name} can't become active yet: {'; '.join(missing)}.", code="conditions"
                )

        detail: dict[str, Any] = {}
        if to == State.PAUSED:
            kind = EventKind.PAUSED
            profile.paused_from = current
        elif resuming:
            kind = EventKind.RESUMED
            profile.paused_from = ""
        elif to == State.LEFT:
            kind = EventKind.LEFT
            profile.paused_from = ""
            detail = _leave_handover(profile, actor)
        else:
            kind = EventKind.MOVED
            text = text or DEFAULT_REASONS.get(State(to), "")
        profile.state = to
        profile.state_changed_at = now
        profile.save(update_fields=["state", "paused_from", "state_changed_at"])
        if to == State.TRAINING:
            from peercircle.accounts.services import membership_grant

            membership_grant(
                user=profile.person,
                organisation=profile.organisation,
                role=Role.VOLUNTEER,
                actor=actor,
            )
        _event(
            profile, kind=kind, from_state=current, actor=actor, reason=text, now=now, detail=detail
        )
    if own and to in (State.TRAINING, State.LEFT):
        forget_roles(actor)  # the role changed; the actor's cached roles are stale
    return profile


def volunteer_screen(
    *, actor: Any, profile: VolunteerProfile, reason: Any = ""
) -> VolunteerProfile:
    return volunteer_move(actor=actor, profile=profile, to=State.SCREENING, reason=reason)


def volunteer_train(*, actor: Any, profile: VolunteerProfile, reason: Any = "") -> VolunteerProfile:
    return volunteer_move(actor=actor, profile=profile, to=State.TRAINING, reason=reason)


def volunteer_activate(
    *, actor: Any, profile: VolunteerProfile, reason: Any = ""
) -> VolunteerProfile:
    return volunteer_move(actor=actor, profile=profile, to=State.ACTIVE, reason=reason)


def volunteer_pause(*, actor: Any, profile: VolunteerProfile, reason: Any = "") -> VolunteerProfile:
    """Pause: a volunteer may pause themselves at any time, no questions asked."""
    return volunteer_move(actor=actor, profile=profile, to=State.PAUSED, reason=reason)


def volunteer_resume(
    *, actor: Any, profile: VolunteerProfile, reason: Any = ""
) -> VolunteerProfile:
    """Back to where they paused from. Resuming as active does not skip the
    gate: a check or refresher that lapsed meanwhile still keeps them from
    new groups and pairings until it is renewed."""
    profile.refresh_from_db(fields=["state", "paused_from"])
    if profile.state != State.PAUSED:
        raise VolunteerError(f"{profile.person.pseudonym} is not paused.", code="order")
    return volunteer_move(actor=actor, profile=profile, to=profile.paused_from, reason=reason)


def volunteer_leave(*, actor: Any, profile: VolunteerProfile, reason: Any = "") -> VolunteerProfile:
    return volunteer_move(actor=actor, profile=profile, to=State.LEFT, reason=reason)


# --- screening ---------------------------------------------------------------------------


def _screening_profile(actor: Any, profile: VolunteerProfile, doing: str) -> VolunteerProfile:
    _require_manager(actor, profile.organisation_id, doing)
    profile = _locked(profile)
    if profile.state == State.LEFT:
        raise VolunteerError(f"{_name(profile)} has left; their screening is closed.")
    return profile


def reference_add(
    *,
    actor: Any,
    profile: VolunteerProfile,
    referee_name: Any,
    relationship: Any,
    contact: Any = "",
) -> Reference:
    errors: dict[str, list[str]] = {}
    name = referee_name.strip() if isinstance(referee_name, str) else ""
    relation = relationship.strip() if isinstance(relationship, str) else ""
    how = contact.strip() if isinstance(contact, str) else ""
    if not name:
        errors["referee_name"] = ["Give the referee's name."]
    elif len(name) > 200:
        errors["referee_name"] = ["A name can be up to 200 characters."]
    if not relation:
        errors["relationship"] = ["Say how the referee knows them (employer, tutor, ...)."]
    elif len(relation) > 120:
        errors["relationship"] = ["Say it in up to 120 characters."]
    if len(how) > 300:
        errors["contact"] = ["Contact details can be up to 300 characters."]
    if errors:
        raise VolunteerError(errors)
    with transaction.atomic():
        profile = _screening_profile(actor, profile, "add a reference")
        reference = Reference.objects.create(
            profile=profile, referee_name=name, relationship=relation, contact=how, added_by=actor
        )
        audit_record(
            actor=actor,
            action="volunteers.reference_add",
            obj=reference,
            organisation=profile.organisation_id,
            detail={"profile": profile.pk},
        )
    return reference


def reference_receive(
    *,
    actor: Any,
    reference: Reference,
    satisfactory: bool,
    received_on: date | None = None,
    note: Any = "",
) -> Reference:
    """Record that a reference came back, and whether it was satisfactory."""
    text = _text(note, what="the note")
    with transaction.atomic():
        profile = _screening_profile(actor, reference.profile, "record a reference")
        reference = Reference.objects.select_for_update().get(pk=reference.pk)
        if reference.status != ReferenceStatus.REQUESTED:
            raise VolunteerError("This reference has been recorded as received already.")
        today = _today(profile.organisation)
        received_on = _date(received_on or today, "the date it came back")
        if received_on > today:
            raise VolunteerError("A reference can't come back in the future; check the date.")
        reference.status = (
            ReferenceStatus.SATISFACTORY if satisfactory else ReferenceStatus.CONCERNS
        )
        reference.received_on = received_on
        reference.note = text
        reference.save(update_fields=["status", "received_on", "note"])
        audit_record(
            actor=actor,
            action="volunteers.reference_receive",
            obj=reference,
            organisation=profile.organisation_id,
            detail={"status": reference.status},
        )
    return reference


def interview_record(
    *,
    actor: Any,
    profile: VolunteerProfile,
    held_on: Any,
    outcome: Any,
    notes: Any = "",
) -> Interview:
    held_on = _date(held_on, "the day of the interview")
    if outcome not in InterviewOutcome.values:
        raise VolunteerError(
            "Choose the outcome: go on to training, talk again, or not the right time."
        )
    text = _text(notes, what="the interview notes")
    with transaction.atomic():
        profile = _screening_profile(actor, profile, "record an interview")
        if held_on > _today(profile.organisation):
            raise VolunteerError(
                "That date is in the future; record the interview once it has happened."
            )
        interview = Interview.objects.create(
            profile=profile, held_on=held_on, interviewer=actor, outcome=outcome, notes=text
        )
        audit_record(
            actor=actor,
            action="volunteers.interview_record",
            obj=interview,
            organisation=profile.organisation_id,
            detail={"profile": profile.pk, "outcome": outcome},
        )
    return interview


def check_record(
    *,
    actor: Any,
    profile: VolunteerProfile,
    kind: Any,
    checked_on: Any,
    expires_on: Any,
    outcome: Any,
    certificate: Any = "",
    note: Any = "",
    today: date | None = None,
) -> BackgroundCheck:
    """Record a background check with the date it was done and the date it
    must be renewed by. An already-expired check is refused: it could never
    let anyone support people, and recording it would only confuse."""
    errors: dict[str, list[str]] = {}
    what = kind.strip() if isinstance(kind, str) else ""
    if not what:
        errors["kind"] = ["Say what kind of check it was, e.g. Enhanced DBS."]
    elif len(what) > 80:
        errors["kind"] = ["Say it in up to 80 characters."]
    if isinstance(checked_on, datetime) or not isinstance(checked_on, date):
        errors["checked_on"] = ["Give the date of the check."]
    if isinstance(expires_on, datetime) or not isinstance(expires_on, date):
        errors["expires_on"] = ["Give the date the check must be renewed by."]
    if outcome not in CheckOutcome.values:
        errors["outcome"] = ["Choose the outcome: clear, cleared after review, or not cleared."]
    if errors:
        raise VolunteerError(errors)
    today = today or _today(profile.organisation)
    if checked_on > today:
        raise VolunteerError({"checked_on": ["The check's date is in the future; check it."]})
    if expires_on <= checked_on:
        raise VolunteerError(
            {"expires_on": ["The renewal date must be after the date of the check."]}
        )
    if expires_on < today:
        raise VolunteerError(
            {
                "expires_on": [
                    f"That check expired on {rules.day_words(expires_on)}. Record a current "
                    "check: an expired one can't let anyone support people."
                ]
            }
        )
    certificate_text = _text(certificate, what="the certificate number", limit=80)
    note_text = _text(note, what="the note")
    with transaction.atomic():
        profile = _screening_profile(actor, profile, "record a background check")
        check = BackgroundCheck.objects.create(
            profile=profile,
            kind=what,
            checked_on=checked_on,
            expires_on=expires_on,
            outcome=outcome,
            certificate=certificate_text,
            note=note_text,
            recorded_by=actor,
        )
        audit_record(
            actor=actor,
            action="volunteers.check_record",
            obj=check,
            organisation=profile.organisation_id,
            detail={
                "profile": profile.pk,
                "outcome": outcome,
                "expires_on": expires_on.isoformat(),
            },
        )
    return check


# --- the curriculum ------------------------------------------------------------------------

MODULE_CONTENT = ("title", "body", "reflection_prompt", "written_by", "co_produced_with")
MODULE_FIELDS = {*MODULE_CONTENT, "summary", "refresher_months", "required_for", "position"}


def _revision(module: TrainingModule, actor: Any, now: datetime) -> ModuleRevision:
    return ModuleRevision.objects.create(
        module=module,
        version=module.version,
        title=module.title,
        body=module.body,
        reflection_prompt=module.reflection_prompt,
        written_by=module.written_by,
        co_produced_with=module.co_produced_with,
        saved_by=actor if getattr(actor, "pk", None) else None,
        saved_at=now,
    )


def curriculum_seed(*, organisation: Organisation, now: datetime | None = None) -> int:
    """Copy the default curriculum into the organisation's modules: each module
    it does not have yet (by slug), never touching ones it has, even if its
    coordinators edited or retired them. Idempotent; returns how many were made."""
    now = now or timezone.now()
    made = 0
    with transaction.atomic():
        have = set(
            TrainingModule.objects.filter(organisation=organisation).values_list("slug", flat=True)
        )
        for text in curriculum.modules():
            if text.slug in have:
                continue
            try:
                with transaction.atomic():
                    module = TrainingModule.objects.create(
                        organisation=organisation,
                        slug=text.slug,
                        title=text.title,
                        summary=text.summary,
                        body=text.body,
                        reflection_prompt=text.reflection_prompt,
                        written_by=text.written_by,
                        co_produced_with=text.co_produced_with,
                        refresher_months=text.refresher_months,
                        required_for=list(text.required_for),
                        position=text.position,
                        from_default=True,
                    )
                    _revision(module, None, now)
            except IntegrityError:
                continue  # made at the same moment by another process
            made += 1
        if made:
            audit_record(
                actor=None,
                action="volunteers.curriculum_seed",
                organisation=organisation,
                detail={"modules": made},
            )
    return made


def _clean_module(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    limits = {"title": 200, "summary": 300, "written_by": 300, "co_produced_with": 300}
    for name in ("title", "summary", "body", "reflection_prompt", "written_by", "co_produced_with"):
        if name not in data:
            continue
        value = data[name].strip() if isinstance(data[name], str) else ""
        limit = limits.get(name, 60_000)
        if len(value) > limit:
            errors[name] = [f"This can be up to {limit:,} characters."]
        cleaned[name] = value
    required_text = {
        "title": "Give the module a title.",
        "body": "Write the module's text (Markdown).",
        "reflection_prompt": "Every module ends with a short reflection: write its question.",
        "written_by": "Credit who wrote it.",
    }
    for name, message in required_text.items():
        if name in cleaned and not cleaned[name]:
            errors.setdefault(name, []).append(message)
    if "refresher_months" in data:
        months = data["refresher_months"]
        if isinstance(months, bool) or not isinstance(months, int) or not 0 <= months <= 120:
            errors["refresher_months"] = [
                "Give the months until a refresher (0 for none, up to 120)."
            ]
        cleaned["refresher_months"] = months
    if "required_for" in data:
        roles = list(dict.fromkeys(_clean_list(data["required_for"])))
        if set(roles) - set(rules.SUPPORT_ROLES):
            errors["required_for"] = [
                "Required for is facilitating groups, one-to-one support, both or neither."
            ]
        cleaned["required_for"] = [role for role in rules.SUPPORT_ROLES if role in roles]
    if "position" in data:
        position = data["position"]
        if isinstance(position, bool) or not isinstance(position, int) or position < 0:
            errors["position"] = ["The position is a whole number, 0 or more."]
        cleaned["position"] = position
    if errors:
        raise VolunteerError(errors)
    return cleaned


def module_create(
    *, actor: Any, organisation: Organisation, slug: str = "", **fields: Any
) -> TrainingModule:
    from django.utils.text import slugify

    unknown = set(fields) - MODULE_FIELDS
    if unknown:
        raise ValueError(f"Unknown module fields: {sorted(unknown)}")
    _require_manager(actor, organisation.pk, "write training modules")
    data = _clean_module(
        {
            "summary": "",
            "co_produced_with": "",
            "refresher_months": 0,
            "required_for": list(rules.SUPPORT_ROLES),
            **{name: fields.get(name, "") for name in MODULE_CONTENT},
            **fields,
        }
    )
    slug = slugify(slug or data["title"])[:80] or "module"
    now = timezone.now()
    with transaction.atomic():
        if "position" not in data:
            last = (
                TrainingModule.objects.filter(organisation=organisation)
                .order_by("-position")
                .values_list("position", flat=True)
                .first()
            )
            data["position"] = (last or 0) + 1
        base, number = slug, 2
        while TrainingModule.objects.filter(organisation=organisation, slug=slug).exists():
            slug = f"{base[:75]}-{number}"
            number += 1
        module = TrainingModule.objects.create(
            organisation=organisation, slug=slug, updated_by=actor, **data
        )
        _revision(module, actor, now)
        audit_record(
            actor=actor, action="volunteers.module_create", obj=module, organisation=organisation
        )
    return module


def module_update(*, actor: Any, module: TrainingModule, **fields: Any) -> TrainingModule:
    """Change a module. A change to its text, reflection or credits makes a new
    version (kept as a revision); completions keep the version they read."""
    unknown = set(fields) - MODULE_FIELDS
    if unknown:
        raise ValueError(f"Unknown module fields: {sorted(unknown)}")
    _require_manager(actor, module.organisation_id, "edit training modules")
    data = _clean_module(fields)
    now = timezone.now()
    with transaction.atomic():
        module = TrainingModule.objects.select_for_update().get(pk=module.pk)
        changed = [name for name, value in data.items() if getattr(module, name) != value]
        if not changed:
            return module
        for name in changed:
            setattr(module, name, data[name])
        new_version = bool(set(changed) & set(MODULE_CONTENT))
        if new_version:
            module.version += 1
        module.updated_by = actor
        module.save(update_fields=[*changed, "version", "updated_by", "updated_at"])
        if new_version:
            _revision(module, actor, now)
        audit_record(
            actor=actor,
            action="volunteers.module_update",
            obj=module,
            organisation=module.organisation_id,
            detail={"fields": sorted(changed), "version": module.version},
        )
    return module


def module_set_active(*, actor: Any, module: TrainingModule, active: bool) -> TrainingModule:
    """Retire a module (it stops being required; completions stay) or bring it back."""
    _require_manager(actor, module.organisation_id, "retire training modules")
    with transaction.atomic():
        module = TrainingModule.objects.select_for_update().get(pk=module.pk)
        if module.is_active != active:
            module.is_active = active
            module.updated_by = actor
            module.save(update_fields=["is_active", "updated_by", "updated_at"])
            audit_record(
                actor=actor,
                action="volunteers.module_" + ("restore" if active else "retire"),
                obj=module,
                organisation=module.organisation_id,
            )
    return module


# --- training ------------------------------------------------------------------------------


def module_complete(
    *,
    actor: Any,
    profile: VolunteerProfile,
    module: TrainingModule,
    reflection: Any,
    now: datetime | None = None,
) -> ModuleCompletion:
    """The volunteer marks a module complete with their reflection. A
    completion still waiting for sign-off is updated rather than repeated."""
    if not _is_self(actor, profile):
        raise VolunteerError(
            "Only the volunteer can mark their own training complete.", code="forbidden"
        )
    text = _text(reflection, what="a few lines of reflection", required=True)
    now = now or timezone.now()
    with transaction.atomic():
        profile = _locked(profile)
        _require_volunteering(profile, "complete training modules")
        module = TrainingModule.objects.get(pk=module.pk)
        if module.organisation_id != profile.organisation_id or not module.is_active:
            raise VolunteerError("This module is not part of the training any more.")
        completion = (
            ModuleCompletion.objects.select_for_update()
            .filter(profile=profile, module=module, signed_off_at__isnull=True)
            .first()
        )
        if completion is None:
            completion = ModuleCompletion.objects.create(
                profile=profile,
                module=module,
                module_version=module.version,
                reflection=text,
                completed_at=now,
            )
        else:
            completion.module_version = module.version
            completion.reflection = text
            completion.completed_at = now
            completion.save(update_fields=["module_version", "reflection", "completed_at"])
        audit_record(
            actor=actor,
            action="volunteers.module_complete",
            obj=completion,
            organisation=profile.organisation_id,
            detail={"module": module.pk, "version": module.version},
        )
    return completion


def module_sign_off(
    *, actor: Any, completion: ModuleCompletion, now: datetime | None = None
) -> ModuleCompletion:
    """A coordinator signs a completed module off; its refresher falls due
    ``refresher_months`` later. Nobody signs off their own training."""
    now = now or timezone.now()
    with transaction.atomic():
        completion = (
            ModuleCompletion.objects.select_for_update()
            .select_related("profile__organisation", "profile__person", "module")
            .get(pk=completion.pk)
        )
        profile = completion.profile
        _require_manager(actor, profile.organisation_id, "sign off training")
        if _is_self(actor, profile):
            raise VolunteerError(
                "You can't sign off your own training: ask another coordinator.",
                code="forbidden",
            )
        if completion.signed_off_at is not None:
            raise VolunteerError(
                f"This was signed off already, on "
                f"{rules.day_words(_today(profile.organisation, completion.signed_off_at))}."
            )
        if profile.state not in VOLUNTEERING:
            _require_volunteering(profile, "have training signed off")
        module = completion.module
        day = _today(profile.organisation, now)
        completion.signed_off_by = actor
        completion.signed_off_at = now
        completion.refresher_due_on = (
            rules.add_months(day, module.refresher_months) if module.refresher_months else None
        )
        completion.save(update_fields=["signed_off_by", "signed_off_at", "refresher_due_on"])
        audit_record(
            actor=actor,
            action="volunteers.module_sign_off",
            obj=completion,
            organisation=profile.organisation_id,
            detail={
                "module": module.pk,
                "refresher_due_on": (
                    completion.refresher_due_on.isoformat() if completion.refresher_due_on else None
                ),
            },
        )
    return completion


def refreshers_remind(*, now: datetime | None = None) -> int:
    """Email each volunteer whose refresher falls due within their
    organisation's notice period (once per sign-off). The number told."""
    from django.core.mail import send_mail

    now = now or timezone.now()
    horizon = timezone.localdate(now) + timedelta(days=max(POLICY_FIELDS["refresher_notice_days"]))
    candidates = (
        ModuleCompletion.objects.filter(
            signed_off_at__isnull=False,
            reminded_at__isnull=True,
            refresher_due_on__isnull=False,
            refresher_due_on__lte=horizon,
            module__is_active=True,
            profile__state__in=VOLUNTEERING,
        )
        .select_related("profile__person", "profile__organisation", "module")
        .order_by("refresher_due_on", "id")
    )
    told = 0
    policies: dict[int, VolunteerPolicy] = {}
    for completion in candidates:
        profile = completion.profile
        organisation = profile.organisation
        policy = policies.setdefault(organisation.pk, policy_for(organisation.pk))
        today = _today(organisation, now)
        due = completion.refresher_due_on
        assert due is not None
        if due > today + timedelta(days=policy.refresher_notice_days):
            continue
        newer = ModuleCompletion.objects.filter(
            profile=profile, module=completion.module, completed_at__gt=completion.completed_at
        ).exists()
        with transaction.atomic():
            claimed = ModuleCompletion.objects.filter(
                pk=completion.pk, reminded_at__isnull=True
            ).update(reminded_at=now)
            if not claimed or newer:
                continue
            address = profile.person.email
            if address:
                when = "was due" if due < today else "is due"
                send_mail(
                    subject=f"Training refresher: {completion.module.title}",
                    message=(
                        f"Hello {profile.person.pseudonym},\n\n"
                        f"Your refresher of “{completion.module.title}” {when} on "
                        f"{rules.day_words(due)}. Sign in to PeerCircle, read the module again "
                        "(it may have changed) and mark it complete with a short reflection; "
                        f"{organisation.name} will sign it off.\n\n"
                        "Until it is signed off you can carry on with the groups and people "
                        "you support now, but you can't take on new ones after the due date.\n"
                    ),
                    from_email=None,
                    recipient_list=[address],
                )
            told += 1
    return told


# --- supervision ---------------------------------------------------------------------------


def _may_supervise(actor: Any, supervision: Supervision) -> bool:
    return _is_manager(actor, supervision.organisation_id) or (
        actor is not None and supervision.supervisor_id == getattr(actor, "pk", None)
    )


def supervision_schedule(
    *,
    actor: Any,
    organisation: Organisation,
    kind: Any,
    scheduled_at: Any,
    supervisor: Any,
    profiles: Iterable[VolunteerProfile],
    duration_minutes: int = 60,
    place: Any = "",
) -> Supervision:
    """Schedule one-to-one supervision (one volunteer) or group supervision (two or more)."""
    _require_manager(actor, organisation.pk, "schedule supervision")
    errors: dict[str, list[str]] = {}
    if kind not in SupervisionKind.values:
        errors["kind"] = ["Choose one-to-one or group supervision."]
    try:
        when = _aware(scheduled_at, "the supervision")
    except VolunteerError as error:
        errors["scheduled_at"] = [error.text]
        when = None
    if supervisor is None or not has_role(supervisor, organisation.pk, SUPERVISES):
        errors["supervisor"] = [
            "Choose a supervisor from the organisation's coordinators and safeguarding leads."
        ]
    people = list({profile.pk: profile for profile in profiles}.values())
    if not people:
        errors["profiles"] = ["Choose who the supervision is with."]
    elif any(p.organisation_id != organisation.pk or p.state not in VOLUNTEERING for p in people):
        errors["profiles"] = [
            "Supervision is for this organisation's volunteers in training, active or paused."
        ]
    elif kind == SupervisionKind.ONE_TO_ONE and len(people) != 1:
        errors["profiles"] = [
            "One-to-one supervision is with one volunteer; choose group supervision for more."
        ]
    elif kind == SupervisionKind.GROUP and len(people) < 2:
        errors["profiles"] = [
            "Group supervision is with two or more volunteers; choose one to one for one."
        ]
    if "supervisor" not in errors and any(p.person_id == supervisor.pk for p in people):
        errors["supervisor"] = ["Nobody supervises themselves; choose another supervisor."]
    if (
        isinstance(duration_minutes, bool)
        or not isinstance(duration_minutes, int)
        or not (15 <= duration_minutes <= 480)
    ):
        errors["duration_minutes"] = ["Supervision lasts between 15 minutes and 8 hours."]
    where = place.strip() if isinstance(place, str) else ""
    if len(where) > 200:
        errors["place"] = ["Say where in up to 200 characters."]
    if errors:
        raise VolunteerError(errors)
    with transaction.atomic():
        supervision = Supervision.objects.create(
            organisation=organisation,
            kind=kind,
            scheduled_at=when,
            duration_minutes=duration_minutes,
            place=where,
            supervisor=supervisor,
            created_by=actor,
        )
        SupervisionAttendee.objects.bulk_create(
            [SupervisionAttendee(supervision=supervision, profile=p) for p in people]
        )
        audit_record(
            actor=actor,
            action="volunteers.supervision_schedule",
            obj=supervision,
            organisation=organisation,
            detail={"kind": kind, "profiles": sorted(p.pk for p in people)},
        )
    return supervision


def supervision_record(
    *,
    actor: Any,
    supervision: Supervision,
    attended: Iterable[int] | None = None,
    notes: Any = "",
    now: datetime | None = None,
) -> Supervision:
    """Record that supervision happened: who came (profile ids; everyone when
    None) and the supervisor's private notes."""
    if not _may_supervise(actor, supervision):
        raise VolunteerError(
            "Only the supervisor or a coordinator can record supervision.", code="forbidden"
        )
    text = _text(notes, what="the notes", limit=20_000)
    now = now or timezone.now()
    with transaction.atomic():
        supervision = Supervision.objects.select_for_update().get(pk=supervision.pk)
        if supervision.state != SupervisionState.SCHEDULED:
            raise VolunteerError(
                f"This supervision is {supervision.get_state_display().lower()} already."
            )
        if supervision.scheduled_at > now:
            raise VolunteerError(
                "This supervision hasn't happened yet; record it once it has taken place."
            )
        seats = list(SupervisionAttendee.objects.filter(supervision=supervision))
        there = {seat.profile_id for seat in seats} if attended is None else set(attended)
        if there - {seat.profile_id for seat in seats}:
            raise VolunteerError("Only the volunteers invited to this supervision can attend it.")
        if not there:
            raise VolunteerError(
                "Nobody came? Cancel the supervision instead of recording it as done."
            )
        for seat in seats:
            seat.attended = seat.profile_id in there
        SupervisionAttendee.objects.bulk_update(seats, ["attended"])
        supervision.state = SupervisionState.DONE
        supervision.done_at = now
        supervision.notes = text
        supervision.save(update_fields=["state", "done_at", "notes"])
        audit_record(
            actor=actor,
            action="volunteers.supervision_record",
            obj=supervision,
            organisation=supervision.organisation_id,
            detail={"attended": sorted(there)},
        )
    return supervision


def supervision_notes_update(*, actor: Any, supervision: Supervision, notes: Any) -> Supervision:
    if not _may_supervise(actor, supervision):
        raise VolunteerError(
            "Only the supervisor or a coordinator can write supervision notes.", code="forbidden"
        )
    text = _text(notes, what="the notes", limit=20_000)
    with transaction.atomic():
        supervision = Supervision.objects.select_for_update().get(pk=supervision.pk)
        supervision.notes = text
        supervision.save(update_fields=["notes"])
        audit_record(
            actor=actor,
            action="volunteers.supervision_notes",
            obj=supervision,
            organisation=supervision.organisation_id,
        )
    return supervision


def supervision_cancel(*, actor: Any, supervision: Supervision, reason: Any = "") -> Supervision:
    if not _may_supervise(actor, supervision):
        raise VolunteerError(
            "Only the supervisor or a coordinator can cancel supervision.", code="forbidden"
        )
    text = _text(reason, what="the reason", limit=REASON_LIMIT)
    with transaction.atomic():
        supervision = Supervision.objects.select_for_update().get(pk=supervision.pk)
        if supervision.state != SupervisionState.SCHEDULED:
            raise VolunteerError(
                f"This supervision is {supervision.get_state_display().lower()} already."
            )
        supervision.state = SupervisionState.CANCELLED
        supervision.save(update_fields=["state"])
        audit_record(
            actor=actor,
            action="volunteers.supervision_cancel",
            obj=supervision,
            organisation=supervision.organisation_id,
            detail={"reason": text},
        )
    return supervision


def action_add(
    *,
    actor: Any,
    supervision: Supervision,
    text: Any,
    due_on: date | None = None,
    profile: VolunteerProfile | None = None,
) -> SupervisionAction:
    """An action agreed in supervision, for one volunteer (or everyone in it)."""
    if not _may_supervise(actor, supervision):
        raise VolunteerError(
            "Only the supervisor or a coordinator can add agreed actions.", code="forbidden"
        )
    words = _text(text, what="the action", required=True, limit=1000)
    if due_on is not None:
        due_on = _date(due_on, "the date it is due")
    if (
        profile is not None
        and not SupervisionAttendee.objects.filter(
            supervision=supervision, profile=profile
        ).exists()
    ):
        raise VolunteerError("An action is for someone who was part of this supervision.")
    if supervision.state == SupervisionState.CANCELLED:
        raise VolunteerError("This supervision was cancelled.")
    with transaction.atomic():
        action = SupervisionAction.objects.create(
            supervision=supervision, profile=profile, text=words, due_on=due_on
        )
        audit_record(
            actor=actor,
            action="volunteers.action_add",
            obj=action,
            organisation=supervision.organisation_id,
            detail={"profile": profile.pk if profile else None},
        )
    return action


def action_done(
    *, actor: Any, action: SupervisionAction, now: datetime | None = None
) -> SupervisionAction:
    """Mark an agreed action done: the volunteer it is for, the supervisor or a coordinator."""
    supervision = action.supervision
    if action.profile_id is not None:
        theirs = action.profile is not None and _is_self(actor, action.profile)
    else:
        theirs = SupervisionAttendee.objects.filter(
            supervision=supervision, profile__person_id=getattr(actor, "pk", None)
        ).exists()
    if not (theirs or _may_supervise(actor, supervision)):
        raise VolunteerError("This action is someone else's.", code="forbidden")
    now = now or timezone.now()
    with transaction.atomic():
        action = SupervisionAction.objects.select_for_update().get(pk=action.pk)
        if action.done_at is not None:
            raise VolunteerError("This action is marked done already.")
        action.done_at = now
        action.done_by = actor
        action.save(update_fields=["done_at", "done_by"])
        audit_record(
            actor=actor,
            action="volunteers.action_done",
            obj=action,
            organisation=supervision.organisation_id,
        )
    return action


# --- wellbeing -------------------------------------------------------------------------------


def checkin_submit(
    *,
    actor: Any,
    profile: VolunteerProfile,
    ons4: Sequence[Any],
    workload: dict[str, Any],
    wants_chat: bool = False,
    note: Any = "",
    now: datetime | None = None,
) -> WellbeingCheckIn:
    """A volunteer's own wellbeing check-in: the four ONS questions (0 to 10),
    the workload questions (1 to 5) and "I'd like a chat". A missing or
    out-of-range answer is named with its question, and nothing is stored."""
    if not _is_self(actor, profile):
        raise VolunteerError("A wellbeing check-in is the volunteer's own.", code="forbidden")
    spec = instruments.get("ons4")
    questions = spec.item_texts or ()
    answers = list(ons4) if isinstance(ons4, list | tuple) else []
    for number, question in enumerate(questions):
        answer = answers[number] if number < len(answers) else None
        if isinstance(answer, bool) or not isinstance(answer, int) or not 0 <= answer <= 10:
            raise VolunteerError(
                {"ons4": [f"Answer “{question}” with a number from 0 (not at all) to 10."]}
            )
    if len(answers) != len(questions):
        raise VolunteerError({"ons4": ["Answer each of the four wellbeing questions once."]})
    try:
        scored = score("ons4", answers)
    except ValueError as error:  # pragma: no cover - checked above
        raise VolunteerError({"ons4": [str(error)]}) from None
    items = workload if isinstance(workload, dict) else {}
    unknown = set(items) - {key for key, _ in WORKLOAD_ITEMS}
    if unknown:
        raise ValueError(f"Unknown workload items: {sorted(unknown)}")
    cleaned: dict[str, int] = {}
    for key, question in WORKLOAD_ITEMS:
        value = items.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise VolunteerError(
                {"workload": [f"Answer “{question}” from 1 (not at all) to 5 (very much)."]}
            )
        cleaned[key] = value
    text = _text(note, what="your note", limit=2000)
    now = now or timezone.now()
    with transaction.atomic():
        profile = _locked(profile)
        _require_volunteering(profile, "send a wellbeing check-in")
        detail = scored.detail
        checkin = WellbeingCheckIn.objects.create(
            profile=profile,
            at=now,
            satisfied=detail["satisfied"].value,
            worthwhile=detail["worthwhile"].value,
            happy=detail["happy"].value,
            anxious=detail["anxious"].value,
            workload=cleaned,
            wants_chat=bool(wants_chat),
            note=text,
        )
        audit_record(
            actor=actor,
            action="volunteers.checkin",
            obj=checkin,
            organisation=profile.organisation_id,
            detail={"wants_chat": bool(wants_chat)},
        )
    return checkin


def chat_answer(
    *, actor: Any, checkin: WellbeingCheckIn, now: datetime | None = None
) -> WellbeingCheckIn:
    """A coordinator has been in touch about a check-in's "I'd like a chat"."""
    organisation_id = checkin.profile.organisation_id
    _require_manager(actor, organisation_id, "answer a request for a chat")
    now = now or timezone.now()
    with transaction.atomic():
        checkin = WellbeingCheckIn.objects.select_for_update().get(pk=checkin.pk)
        if not checkin.wants_chat:
            raise VolunteerError("This check-in did not ask for a chat.")
        if checkin.chat_answered_at is not None:
            raise VolunteerError("Someone has been in touch about this already.")
        checkin.chat_answered_at = now
        checkin.chat_answered_by = actor
        checkin.save(update_fields=["chat_answered_at", "chat_answered_by"])
        audit_record(
            actor=actor,
            action="volunteers.chat_answer",
            obj=checkin,
            organisation=organisation_id,
        )
    return checkin


# --- activity ------------------------------------------------------------------------------


def activity_log(
    *,
    actor: Any,
    profile: VolunteerProfile,
    on: Any,
    kind: Any,
    hours: Any,
    contacts: Any = 0,
    today: date | None = None,
) -> ActivityLog:
    """Log hours (and people supported) on one day: the volunteer or a coordinator."""
    if not (_is_self(actor, profile) or _is_manager(actor, profile.organisation_id)):
        raise VolunteerError("Only the volunteer or a coordinator can log their activity.")
    errors: dict[str, list[str]] = {}
    if isinstance(on, datetime) or not isinstance(on, date):
        errors["on"] = ["Give the day of the activity."]
    if kind not in ActivityKind.values:
        errors["kind"] = ["Choose what kind of activity it was."]
    try:
        amount = Decimal(str(hours))
    except (InvalidOperation, ValueError):
        amount = Decimal("-1")
    if isinstance(hours, bool) or not amount.is_finite() or not Decimal("0") < amount <= 24:
        errors["hours"] = ["Give the hours as a number more than 0 and up to 24, e.g. 1.5."]
    elif amount != amount.quantize(Decimal("0.01")):
        errors["hours"] = ["Give the hours to two decimal places at most, e.g. 1.25."]
    if (
        isinstance(contacts, bool)
        or not isinstance(contacts, int)
        or not (0 <= contacts <= MAX_CONTACTS)
    ):
        errors["contacts"] = [f"Give the number of people supported, from 0 to {MAX_CONTACTS}."]
    if errors:
        raise VolunteerError(errors)
    today = today or _today(profile.organisation)
    if on > today:
        raise VolunteerError({"on": ["That day is in the future; log activity once it is done."]})
    if on < today - timedelta(days=ACTIVITY_DAYS_BACK):
        raise VolunteerError({"on": ["Activity can be logged for up to a year back."]})
    with transaction.atomic():
        profile = _locked(profile)
        if profile.state in (State.APPLIED, State.SCREENING):
            raise VolunteerError(
                f"{_name(profile)} isn't volunteering yet; activity starts with training."
            )
        that_day = ActivityLog.objects.filter(profile=profile, on=on).aggregate(total=Sum("hours"))[
            "total"
        ] or Decimal("0")
        if that_day + amount > 24:
            raise VolunteerError(
                {
                    "hours": [
                        f"That would make {that_day + amount} hours on {rules.day_words(on)}, "
                        "more than a day has."
                    ]
                }
            )
        entry = ActivityLog.objects.create(
            profile=profile, on=on, kind=kind, hours=amount, contacts=contacts, logged_by=actor
        )
        audit_record(
            actor=actor,
            action="volunteers.activity_log",
            obj=entry,
            organisation=profile.organisation_id,
            detail={"on": on.isoformat(), "kind": kind, "hours": str(amount)},
        )
    return entry


def activity_remove(*, actor: Any, entry: ActivityLog) -> None:
    """Take back an entry logged by mistake: the volunteer or a coordinator."""
    profile = entry.profile
    if not (_is_self(actor, profile) or _is_manager(actor, profile.organisation_id)):
        raise VolunteerError("Only the volunteer or a coordinator can change their activity.")
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="volunteers.activity_remove",
            obj=entry,
            organisation=profile.organisation_id,
            detail={"on": entry.on.isoformat(), "kind": entry.kind, "hours": str(entry.hours)},
        )
        entry.delete()


# --- the supporters' network ----------------------------------------------------------------


def peer_event_create(
    *,
    actor: Any,
    organisation: Organisation,
    title: Any,
    starts_at: Any,
    ends_at: Any = None,
    place: Any = "",
    online_link: Any = "",
    description: Any = "",
    now: datetime | None = None,
) -> PeerEvent:
    _require_manager(actor, organisation.pk, "add events for volunteers")
    from django.core.validators import URLValidator

    errors: dict[str, list[str]] = {}
    name = title.strip() if isinstance(title, str) else ""
    if not name:
        errors["title"] = ["Give the event a name."]
    elif len(name) > 200:
        errors["title"] = ["A name can be up to 200 characters."]
    now = now or timezone.now()
    start = end = None
    try:
        start = _aware(starts_at, "the event")
        if start < now:
            errors["starts_at"] = ["That time has passed; events are for what is coming up."]
    except VolunteerError as error:
        errors["starts_at"] = [error.text]
    if ends_at is not None:
        try:
            end = _aware(ends_at, "the end of the event")
            if start is not None and end <= start:
                errors["ends_at"] = ["An event ends after it starts."]
        except VolunteerError as error:
            errors["ends_at"] = [error.text]
    where = place.strip() if isinstance(place, str) else ""
    link = online_link.strip() if isinstance(online_link, str) else ""
    if link:
        try:
            URLValidator(schemes=["https", "http"])(link)
        except ValidationError:
            errors["online_link"] = ["Give the whole web address, starting https://"]
    if not where and not link:
        errors["place"] = ["Say where it is, or give a link to join online."]
    elif len(where) > 200:
        errors["place"] = ["Say where in up to 200 characters."]
    text = description.strip() if isinstance(description, str) else ""
    if len(text) > TEXT_LIMIT:
        errors["description"] = [f"A description can be up to {TEXT_LIMIT:,} characters."]
    if errors:
        raise VolunteerError(errors)
    with transaction.atomic():
        event = PeerEvent.objects.create(
            organisation=organisation,
            title=name,
            starts_at=start,
            ends_at=end,
            place=where,
            online_link=link,
            description=text,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="volunteers.peer_event_create",
            obj=event,
            organisation=organisation,
        )
    return event


def peer_event_cancel(*, actor: Any, event: PeerEvent, now: datetime | None = None) -> PeerEvent:
    _require_manager(actor, event.organisation_id, "cancel events for volunteers")
    with transaction.atomic():
        event = PeerEvent.objects.select_for_update().get(pk=event.pk)
        if event.cancelled_at is not None:
            raise VolunteerError("This event is cancelled already.")
        event.cancelled_at = now or timezone.now()
        event.save(update_fields=["cancelled_at"])
        audit_record(
            actor=actor,
            action="volunteers.peer_event_cancel",
            obj=event,
            organisation=event.organisation_id,
        )
    return event


# --- debriefs ------------------------------------------------------------------------------


def involved_in_alert(alert: Any) -> dict[int, str]:
    """The people (user ids) who were part of an alert as supporters, and how:
    facilitating its room's or session's group, being the one-to-one
    supporter of its conversation, or raising the concern. Never the person
    the alert is about."""
    from peercircle.programmes.models import Facilitation
    from peercircle.rooms.models import Room

    involved: dict[int, str] = {}
    group_ids: set[int] = set()
    room = None
    if alert.room_id is not None:
        room = Room.objects.select_related("pairing").filter(pk=alert.room_id).first()
    if room is not None:
        if room.pairing_id is not None and room.pairing is not None:
            involved.setdefault(room.pairing.volunteer_id, "one_to_one")
        if room.group_id is not None:
            group_ids.add(room.group_id)
    # A questionnaire answer after a session is not something its facilitators
    # were part of; a message in the session or a concern raised there is.
    if alert.session_id is not None and alert.source != "questionnaire":
        from peercircle.programmes.models import Session

        group_id = Session.objects.filter(pk=alert.session_id).values_list("group_id", flat=True)
        group_ids.update(group_id)
    if group_ids:
        for user_id in Facilitation.objects.filter(group_id__in=group_ids).values_list(
            "user_id", flat=True
        ):
            involved.setdefault(user_id, "facilitator")
    if alert.raised_by_id is not None:
        involved[alert.raised_by_id] = "raised_concern"
    involved.pop(alert.person_id, None)
    return involved


def debriefs_offer_for_alert(*, alert: Any, now: datetime | None = None) -> list[DebriefOffer]:
    """Offer a debrief to every volunteer who was part of a high or imminent
    alert (``involved_in_alert``) and is volunteering (training, active or
    paused). Idempotent: one offer per volunteer and alert. Called by
    ``safety.services.raise_alert`` inside its transaction, and by the daily task."""
    if alert.level not in DEBRIEF_LEVELS:
        return []
    involved = involved_in_alert(alert)
    if not involved:
        return []
    now = now or timezone.now()
    profiles = VolunteerProfile.objects.filter(
        organisation_id=alert.organisation_id, person_id__in=involved, state__in=VOLUNTEERING
    )
    made: list[DebriefOffer] = []
    for profile in profiles:
        offer, created = DebriefOffer.objects.get_or_create(
            profile=profile,
            alert=alert,
            defaults={"involvement": involved[profile.person_id], "offered_at": now},
        )
        if not created:
            continue
        made.append(offer)
        audit_record(
            actor=None,
            action="volunteers.debrief_offer",
            obj=offer,
            organisation=alert.organisation_id,
            detail={"profile": profile.pk, "alert": alert.pk, "involvement": offer.involvement},
        )
    if made:
        ids = [offer.pk for offer in made]

        def enqueue() -> None:
            from peercircle.volunteers.tasks import volunteers_debrief_notify

            volunteers_debrief_notify.enqueue(offer_ids=ids)

        transaction.on_commit(enqueue)
    return made


def debriefs_offer_due(*, now: datetime | None = None) -> int:
    """Offer debriefs for high and imminent alerts of the last days (each
    organisation's ``debrief_days``) that have none yet: a safety net for
    alerts raised before a volunteer's record existed, or if offering failed."""
    from peercircle.safety.models import Alert

    now = now or timezone.now()
    since = now - timedelta(days=max(POLICY_FIELDS["debrief_days"]))
    made = 0
    for alert in Alert.objects.filter(created_at__gte=since, level__in=DEBRIEF_LEVELS).order_by(
        "created_at"
    ):
        days = policy_for(alert.organisation_id).debrief_days
        if alert.created_at < now - timedelta(days=days):
            continue
        with transaction.atomic():
            made += len(debriefs_offer_for_alert(alert=alert, now=now))
    return made


def debriefs_email(offer_ids: Iterable[int]) -> int:
    """Tell each volunteer offered a debrief, by email. The email says nothing
    of who or what the alert was about."""
    from django.core.mail import send_mail

    sent = 0
    for offer in DebriefOffer.objects.filter(
        pk__in=list(offer_ids), emailed_at__isnull=True, state=DebriefState.OFFERED
    ).select_related("profile__person", "profile__organisation"):
        person = offer.profile.person
        if not person.email:
            continue
        send_mail(
            subject="Would you like a debrief?",
            message=(
                f"Hello {person.pseudonym},\n\n"
                "You were part of a difficult safeguarding situation recently. Thank you for "
                "what you did. Situations like this can stay with anyone, so "
                f"{offer.profile.organisation.name} would like to offer you a debrief: a "
                "conversation with a coordinator about how it went and how you are.\n\n"
                "Sign in to PeerCircle to say yes or no, or just reply to your coordinator. "
                "There is no wrong answer, and you can ask for a chat at any time.\n\n"
                "For privacy this email says nothing about who or what it was about.\n"
            ),
            from_email=None,
            recipient_list=[person.email],
        )
        DebriefOffer.objects.filter(pk=offer.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent


def debrief_respond(
    *, actor: Any, offer: DebriefOffer, accept: bool, now: datetime | None = None
) -> DebriefOffer:
    """The volunteer says yes or no to a debrief (and can change their mind
    until it is done)."""
    if not _is_self(actor, offer.profile):
        raise VolunteerError("Only the volunteer can answer their debrief offer.", "forbidden")
    now = now or timezone.now()
    with transaction.atomic():
        offer = DebriefOffer.objects.select_for_update().get(pk=offer.pk)
        if offer.state == DebriefState.DONE:
            raise VolunteerError("This debrief has happened already.")
        offer.state = DebriefState.ACCEPTED if accept else DebriefState.DECLINED
        offer.responded_at = now
        offer.save(update_fields=["state", "responded_at"])
        audit_record(
            actor=actor,
            action="volunteers.debrief_" + ("accept" if accept else "decline"),
            obj=offer,
            organisation=offer.profile.organisation_id,
        )
    return offer


def debrief_done(*, actor: Any, offer: DebriefOffer, now: datetime | None = None) -> DebriefOffer:
    """A coordinator records that the debrief took place."""
    organisation_id = offer.profile.organisation_id
    _require_manager(actor, organisation_id, "record a debrief")
    now = now or timezone.now()
    with transaction.atomic():
        offer = DebriefOffer.objects.select_for_update().get(pk=offer.pk)
        if offer.state == DebriefState.DONE:
            raise VolunteerError("This debrief is recorded as done already.")
        if offer.state == DebriefState.DECLINED:
            raise VolunteerError(
                "The volunteer said no to this debrief; they can change their mind first."
            )
        offer.state = DebriefState.DONE
        offer.done_at = now
        offer.done_by = actor
        offer.save(update_fields=["state", "done_at", "done_by"])
        audit_record(
            actor=actor, action="volunteers.debrief_done", obj=offer, organisation=organisation_id
        )
    return offer
