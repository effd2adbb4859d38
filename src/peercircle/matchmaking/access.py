"""Who may see which matching records, and permission-checked fetches.

Requests and proposals: the organisation's coordinators and administrators,
and (for a request) the person who asked. A pairing's "ask to end or change":
its participant and its volunteer only. A volunteer's offer: the volunteer.
Everyone else gets ``NotFound``, the same as for something that does not
exist. See docs/matching.md, "In the platform".
"""

from __future__ import annotations

from typing import Any

from peercircle.core.access import (
    NotFound,
    access_organisation,
    has_role,
    id_or_not_found,
    signed_in_pk,
)
from peercircle.core.models import Organisation
from peercircle.core.roles import MANAGES_PROGRAMMES, Role
from peercircle.matchmaking.models import ChangeRequest, Proposal, SupportRequest
from peercircle.rooms.models import Pairing
from peercircle.volunteers.models import State, VolunteerProfile


def access_organisation_manage(user: Any, organisation_id: Any) -> Organisation:
    """An organisation whose matching this coordinator or administrator runs."""
    return access_organisation(user, organisation_id, roles=MANAGES_PROGRAMMES)


def access_organisation_member(user: Any, organisation_id: Any) -> Organisation:
    """An organisation where the person is a participant (and so may ask)."""
    return access_organisation(user, organisation_id, roles={Role.PARTICIPANT})


def access_request_own(user: Any, request_id: Any) -> SupportRequest:
    """A support request of the person who asked."""
    request = (
        SupportRequest.objects.select_related("organisation")
        .filter(pk=id_or_not_found(request_id))
        .first()
    )
    if request is None:
        raise NotFound()
    if request.person_id != signed_in_pk(user):
        raise NotFound()
    return request


def access_proposal_manage(user: Any, proposal_id: Any) -> Proposal:
    """A proposal of an organisation this coordinator or administrator runs."""
    proposal = (
        Proposal.objects.select_related(
            "request__person", "request__organisation", "profile__person", "round"
        )
        .filter(pk=id_or_not_found(proposal_id))
        .first()
    )
    if proposal is None:
        raise NotFound()
    if not has_role(user, proposal.request.organisation_id, MANAGES_PROGRAMMES):
        raise NotFound()
    return proposal


def access_change_request_manage(user: Any, change_id: Any) -> ChangeRequest:
    change = (
        ChangeRequest.objects.select_related(
            "pairing__participant", "pairing__volunteer", "asked_by", "organisation"
        )
        .filter(pk=id_or_not_found(change_id))
        .first()
    )
    if change is None:
        raise NotFound()
    if not has_role(user, change.organisation_id, MANAGES_PROGRAMMES):
        raise NotFound()
    return change


def access_pairing_side(user: Any, pairing_id: Any) -> Pairing:
    """A pairing the person is in, as participant or volunteer."""
    pairing = (
        Pairing.objects.select_related("participant", "volunteer", "organisation")
        .filter(pk=id_or_not_found(pairing_id))
        .first()
    )
    if pairing is None:
        raise NotFound()
    if signed_in_pk(user) not in (pairing.participant_id, pairing.volunteer_id):
        raise NotFound()
    return pairing


def access_profile_own(user: Any, profile_id: Any) -> VolunteerProfile:
    """The volunteer's own profile (not one they have left)."""
    profile = (
        VolunteerProfile.objects.select_related("organisation", "person")
        .filter(pk=id_or_not_found(profile_id))
        .first()
    )
    if profile is None or profile.person_id != signed_in_pk(user) or profile.state == State.LEFT:
        raise NotFound()
    return profile
