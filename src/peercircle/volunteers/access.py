"""Who may see which volunteer records, and permission-checked fetches.

A volunteer sees their own records; coordinators and administrators see the
records of their own organisation's volunteers. Supervision notes,
references, background-check details and interview notes are staff-only.
Everyone else, including other volunteers and staff of other organisations,
gets ``NotFound``, the same as for something that does not exist.
See docs/volunteers.md.
"""

from __future__ import annotations

from typing import Any

from peercircle.core.access import NotFound, has_role, id_or_not_found, signed_in_pk
from peercircle.volunteers.models import (
    ActivityLog,
    BackgroundCheck,
    DebriefOffer,
    Interview,
    ModuleCompletion,
    PeerEvent,
    Reference,
    Supervision,
    SupervisionAction,
    SupervisionAttendee,
    TrainingModule,
    VolunteerProfile,
    WellbeingCheckIn,
)
from peercircle.volunteers.services import MANAGES_VOLUNTEERS, VOLUNTEERING


def _manages(user: Any, organisation_id: int) -> bool:
    return has_role(user, organisation_id, MANAGES_VOLUNTEERS)


def _own_or_managed(user: Any, profile: VolunteerProfile) -> bool:
    return profile.person_id == signed_in_pk(user) or _manages(user, profile.organisation_id)


# --- profiles ---------------------------------------------------------------------------


def access_profile(user: Any, profile_id: Any) -> VolunteerProfile:
    """A volunteer profile: the volunteer's own, or one of a coordinator's organisation."""
    profile = (
        VolunteerProfile.objects.select_related("person", "organisation")
        .filter(pk=id_or_not_found(profile_id))
        .first()
    )
    if profile is None:
        raise NotFound()
    if not _own_or_managed(user, profile):
        raise NotFound()
    return profile


def access_profile_manage(user: Any, profile_id: Any) -> VolunteerProfile:
    """A profile of the coordinator's (or administrator's) organisation."""
    profile = (
        VolunteerProfile.objects.select_related("person", "organisation")
        .filter(pk=id_or_not_found(profile_id))
        .first()
    )
    if profile is None:
        raise NotFound()
    if not _manages(user, profile.organisation_id):
        raise NotFound()
    return profile


def access_own_profile(user: Any, organisation_id: Any) -> VolunteerProfile:
    """The signed-in person's own profile in an organisation."""
    person = signed_in_pk(user)
    if person is None:
        raise NotFound()
    profile = (
        VolunteerProfile.objects.select_related("person", "organisation")
        .filter(organisation_id=id_or_not_found(organisation_id), person_id=person)
        .first()
    )
    if profile is None:
        raise NotFound()
    return profile


# --- screening (staff only) ---------------------------------------------------------------


def access_reference(user: Any, reference_id: Any) -> Reference:
    reference = (
        Reference.objects.select_related("profile").filter(pk=id_or_not_found(reference_id)).first()
    )
    if reference is None:
        raise NotFound()
    if not _manages(user, reference.profile.organisation_id):
        raise NotFound()
    return reference


def access_check(user: Any, check_id: Any) -> BackgroundCheck:
    check = (
        BackgroundCheck.objects.select_related("profile")
        .filter(pk=id_or_not_found(check_id))
        .first()
    )
    if check is None:
        raise NotFound()
    if not _manages(user, check.profile.organisation_id):
        raise NotFound()
    return check


def access_interview(user: Any, interview_id: Any) -> Interview:
    interview = (
        Interview.objects.select_related("profile").filter(pk=id_or_not_found(interview_id)).first()
    )
    if interview is None:
        raise NotFound()
    if not _manages(user, interview.profile.organisation_id):
        raise NotFound()
    return interview


# --- training -------------------------------------------------------------------------------


def access_module(user: Any, module_id: Any) -> TrainingModule:
    """A module to read: for the organisation's coordinators, and for its
    volunteers in training, active or paused (active modules only)."""
    module = TrainingModule.objects.filter(pk=id_or_not_found(module_id)).first()
    if module is None:
        raise NotFound()
    if _manages(user, module.organisation_id):
        return module
    if not module.is_active:
        raise NotFound()
    if not VolunteerProfile.objects.filter(
        organisation_id=module.organisation_id, person_id=signed_in_pk(user), state__in=VOLUNTEERING
    ).exists():
        raise NotFound()
    return module


def access_module_manage(user: Any, module_id: Any) -> TrainingModule:
    module = TrainingModule.objects.filter(pk=id_or_not_found(module_id)).first()
    if module is None:
        raise NotFound()
    if not _manages(user, module.organisation_id):
        raise NotFound()
    return module


def access_completion(user: Any, completion_id: Any) -> ModuleCompletion:
    """A completion with its reflection: the volunteer's own, or for their coordinators."""
    completion = (
        ModuleCompletion.objects.select_related("profile", "module")
        .filter(pk=id_or_not_found(completion_id))
        .first()
    )
    if completion is None:
        raise NotFound()
    if not _own_or_managed(user, completion.profile):
        raise NotFound()
    return completion


def access_completion_sign_off(user: Any, completion_id: Any) -> ModuleCompletion:
    """A completion waiting for sign-off, for a coordinator of its organisation
    who is not the volunteer."""
    completion = (
        ModuleCompletion.objects.select_related("profile", "module")
        .filter(pk=id_or_not_found(completion_id), signed_off_at__isnull=True)
        .first()
    )
    if completion is None:
        raise NotFound()
    if not _manages(user, completion.profile.organisation_id):
        raise NotFound()
    if completion.profile.person_id == signed_in_pk(user):
        raise NotFound()
    return completion


# --- supervision ----------------------------------------------------------------------------


def _attends(user: Any, supervision_id: int) -> bool:
    person = signed_in_pk(user)
    return person is not None and (
        SupervisionAttendee.objects.filter(
            supervision_id=supervision_id, profile__person_id=person
        ).exists()
    )


def access_supervision(user: Any, supervision_id: Any) -> Supervision:
    """A supervision: for its volunteers (without the notes: see
    ``access_supervision_notes``), its supervisor and the organisation's coordinators."""
    supervision = Supervision.objects.filter(pk=id_or_not_found(supervision_id)).first()
    if supervision is None:
        raise NotFound()
    if not (
        supervision.supervisor_id == signed_in_pk(user)
        or _manages(user, supervision.organisation_id)
        or _attends(user, supervision.pk)
    ):
        raise NotFound()
    return supervision


def access_supervision_notes(user: Any, supervision_id: Any) -> Supervision:
    """A supervision whose private notes the user may read: its supervisor and coordinators."""
    supervision = Supervision.objects.filter(pk=id_or_not_found(supervision_id)).first()
    if supervision is None:
        raise NotFound()
    if not (
        supervision.supervisor_id == signed_in_pk(user)
        or _manages(user, supervision.organisation_id)
    ):
        raise NotFound()
    return supervision


def access_action(user: Any, action_id: Any) -> SupervisionAction:
    action = (
        SupervisionAction.objects.select_related("supervision", "profile")
        .filter(pk=id_or_not_found(action_id))
        .first()
    )
    if action is None:
        raise NotFound()
    supervision = action.supervision
    if supervision.supervisor_id == signed_in_pk(user) or _manages(
        user, supervision.organisation_id
    ):
        return action
    if action.profile is not None:
        if action.profile.person_id != signed_in_pk(user):
            raise NotFound()
    elif not _attends(user, supervision.pk):
        raise NotFound()
    return action


# --- wellbeing, activity, debriefs, events -----------------------------------------------------


def access_checkin(user: Any, checkin_id: Any) -> WellbeingCheckIn:
    checkin = (
        WellbeingCheckIn.objects.select_related("profile")
        .filter(pk=id_or_not_found(checkin_id))
        .first()
    )
    if checkin is None:
        raise NotFound()
    if not _own_or_managed(user, checkin.profile):
        raise NotFound()
    return checkin


def access_activity(user: Any, entry_id: Any) -> ActivityLog:
    entry = (
        ActivityLog.objects.select_related("profile").filter(pk=id_or_not_found(entry_id)).first()
    )
    if entry is None:
        raise NotFound()
    if not _own_or_managed(user, entry.profile):
        raise NotFound()
    return entry


def access_debrief(user: Any, offer_id: Any) -> DebriefOffer:
    offer = (
        DebriefOffer.objects.select_related("profile").filter(pk=id_or_not_found(offer_id)).first()
    )
    if offer is None:
        raise NotFound()
    if not _own_or_managed(user, offer.profile):
        raise NotFound()
    return offer


def access_peer_event(user: Any, event_id: Any) -> PeerEvent:
    """A supporters' event: for the organisation's volunteers (training, active
    or paused) and coordinators."""
    event = PeerEvent.objects.filter(pk=id_or_not_found(event_id)).first()
    if event is None:
        raise NotFound()
    if _manages(user, event.organisation_id):
        return event
    if not VolunteerProfile.objects.filter(
        organisation_id=event.organisation_id, person_id=signed_in_pk(user), state__in=VOLUNTEERING
    ).exists():
        raise NotFound()
    return event


def access_peer_event_manage(user: Any, event_id: Any) -> PeerEvent:
    event = PeerEvent.objects.filter(pk=id_or_not_found(event_id)).first()
    if event is None:
        raise NotFound()
    if not _manages(user, event.organisation_id):
        raise NotFound()
    return event
