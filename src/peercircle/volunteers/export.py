"""A volunteer's own records for their personal-data export
(``accounts.selectors.user_data_for_export``; docs/data-protection.md).

What they wrote and what was recorded about their volunteering, with nobody
else in it: no coordinator, referee or supervisor is named, and the staff's
own working notes (references, interview and check notes, supervision notes)
are not included, as they are about or by other people; a volunteer can ask
their coordinator for them.
"""

from __future__ import annotations

from typing import Any

from peercircle.accounts.selectors import iso_or_none
from peercircle.volunteers.models import (
    ActivityLog,
    BackgroundCheck,
    DebriefOffer,
    ModuleCompletion,
    SupervisionAction,
    SupervisionAttendee,
    VolunteerEvent,
    VolunteerProfile,
    WellbeingCheckIn,
)


def volunteering_for_export(person: Any) -> list[dict[str, Any]]:
    """One entry per organisation the person applied to volunteer with."""
    profiles = list(
        VolunteerProfile.objects.filter(person_id=person.pk)
        .select_related("organisation")
        .order_by("applied_at", "id")
    )
    ids = [p.pk for p in profiles]

    def by_profile(queryset: Any) -> dict[int, list[Any]]:
        grouped: dict[int, list[Any]] = {pk: [] for pk in ids}
        for row in queryset:
            grouped[row.profile_id].append(row)
        return grouped

    events = by_profile(VolunteerEvent.objects.filter(profile_id__in=ids).order_by("at", "id"))
    completions = by_profile(
        ModuleCompletion.objects.filter(profile_id__in=ids)
        .select_related("module")
        .order_by("completed_at", "id")
    )
    checks = by_profile(
        BackgroundCheck.objects.filter(profile_id__in=ids).order_by("checked_on", "id")
    )
    checkins = by_profile(WellbeingCheckIn.objects.filter(profile_id__in=ids).order_by("at", "id"))
    activity = by_profile(ActivityLog.objects.filter(profile_id__in=ids).order_by("on", "id"))
    seats = by_profile(
        SupervisionAttendee.objects.filter(profile_id__in=ids)
        .select_related("supervision")
        .order_by("supervision__scheduled_at", "id")
    )
    actions = by_profile(
        SupervisionAction.objects.filter(profile_id__in=ids).order_by("created_at", "id")
    )
    debriefs = by_profile(
        DebriefOffer.objects.filter(profile_id__in=ids).order_by("offered_at", "id")
    )
    return [
        {
            "organisation": profile.organisation.name,
            "state": profile.state,
            "applied_at": iso_or_none(profile.applied_at),
            "state_changed_at": iso_or_none(profile.state_changed_at),
            "lived_experience": profile.lived_experience,
            "about": profile.about,
            "languages": list(profile.languages),
            "availability": list(profile.availability),
            "roles_wanted": list(profile.roles_wanted),
            "caseload_limit": profile.caseload_limit,
            # Each move along the way, with the reason given (not who gave it).
            "history": [
                {
                    "kind": e.kind,
                    "from_state": e.from_state,
                    "to_state": e.to_state,
                    "at": iso_or_none(e.at),
                    "reason": e.reason,
                }
                for e in events[profile.pk]
            ],
            "training": [
                {
                    "module": c.module.title,
                    "module_version": c.module_version,
                    "reflection": c.reflection,
                    "completed_at": iso_or_none(c.completed_at),
                    "signed_off_at": iso_or_none(c.signed_off_at),
                    "refresher_due_on": iso_or_none(c.refresher_due_on),
                }
                for c in completions[profile.pk]
            ],
            "background_checks": [
                {
                    "kind": c.kind,
                    "checked_on": iso_or_none(c.checked_on),
                    "expires_on": iso_or_none(c.expires_on),
                    "outcome": c.outcome,
                }
                for c in checks[profile.pk]
            ],
            "wellbeing_checkins": [
                {
                    "at": iso_or_none(c.at),
                    "satisfied": c.satisfied,
                    "worthwhile": c.worthwhile,
                    "happy": c.happy,
                    "anxious": c.anxious,
                    "workload": c.workload,
                    "wanted_a_chat": c.wants_chat,
                    "note": c.note,
                }
                for c in checkins[profile.pk]
            ],
            "activity": [
                {
                    "on": iso_or_none(a.on),
                    "kind": a.kind,
                    "hours": str(a.hours),
                    "contacts": a.contacts,
                }
                for a in activity[profile.pk]
            ],
            "supervision": [
                {
                    "kind": s.supervision.kind,
                    "scheduled_at": iso_or_none(s.supervision.scheduled_at),
                    "state": s.supervision.state,
                    "attended": s.attended,
                }
                for s in seats[profile.pk]
            ],
            "supervision_actions": [
                {"text": a.text, "due_on": iso_or_none(a.due_on), "done_at": iso_or_none(a.done_at)}
                for a in actions[profile.pk]
            ],
            "debriefs_offered": [
                {
                    "offered_at": iso_or_none(d.offered_at),
                    "state": d.state,
                    "done_at": iso_or_none(d.done_at),
                }
                for d in debriefs[profile.pk]
            ],
        }
        for profile in profiles
    ]
