"""Reads for one-to-one matching: what the coordinator's page, the
participant's page and the volunteer's page show. See docs/matching.md,
"In the platform"."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from peercircle.core.models import Organisation
from peercircle.matching import Fit
from peercircle.matchmaking import services
from peercircle.matchmaking.models import (
    OPEN_STATES,
    ChangeRequest,
    ChangeState,
    MatchingRound,
    Proposal,
    ProposalState,
    RequestState,
    SupportRequest,
)
from peercircle.matchmaking.vocabulary import FORMAT_LABELS, SLOT_LABELS, TAG_LABELS
from peercircle.rooms.models import Pairing, Room
from peercircle.volunteers.models import State, VolunteerProfile


def format_words(code: str) -> str:
    return {"in_person": "in person", "online": "online", "phone": "by phone"}.get(code, code)


def waiting_count(organisation: Organisation) -> int:
    return SupportRequest.objects.filter(
        organisation=organisation, state__in=[RequestState.WAITING, RequestState.PROPOSED]
    ).count()


@dataclass
class RoundView:
    round: MatchingRound
    proposals: list[Proposal]
    unmatched: list[dict[str, Any]]


def latest_round(organisation: Organisation) -> RoundView | None:
    """The latest round, its proposals and who it left waiting, with why."""
    matching_round = (
        MatchingRound.objects.filter(organisation=organisation).select_related("run_by").first()
    )
    if matching_round is None:
        return None
    proposals = list(
        matching_round.proposals.select_related(
            "request__person", "profile__person", "decided_by"
        ).order_by("-score", "id")
    )
    for proposal in proposals:
        proposal.format_words = format_words(proposal.format)
    people = dict(
        SupportRequest.objects.filter(
            pk__in=[row["request"] for row in matching_round.unmatched]
        ).values_list("pk", "person__pseudonym")
    )
    unmatched = [
        {**row, "name": people.get(row["request"], "Someone who has since withdrawn")}
        for row in matching_round.unmatched
    ]
    return RoundView(round=matching_round, proposals=proposals, unmatched=unmatched)


def open_change_requests(organisation: Organisation) -> list[ChangeRequest]:
    return list(
        ChangeRequest.objects.filter(organisation=organisation, state=ChangeState.OPEN)
        .select_related("pairing__participant", "pairing__volunteer", "asked_by")
        .order_by("asked_at", "id")
    )


@dataclass
class Alternative:
    profile: VolunteerProfile
    fit: Fit
    places: int


def alternatives_for(proposal: Proposal) -> list[Alternative]:
    """Supporters who could take this request now, best fit first, with reasons."""
    found = []
    organisation = proposal.request.organisation
    for candidate in services.candidates_for(organisation):
        try:
            fit = services.check_pair(proposal.request, candidate.profile)
        except services.MatchmakingError:
            continue
        found.append(Alternative(candidate.profile, fit, candidate.places))
    found.sort(key=lambda a: (-a.fit.score, a.profile.person.pseudonym.casefold()))
    return found


def describe(request: SupportRequest) -> dict[str, str]:
    """A request in words, for the person and the coordinator."""
    return {
        "languages": ", ".join(request.languages),
        "times": ", ".join(SLOT_LABELS.get(s, s) for s in request.slots),
        "ways": ", ".join(FORMAT_LABELS.get(f, f).lower() for f in request.formats)
        + (f" (near {request.town})" if request.town else ""),
        "experience": ", ".join(TAG_LABELS.get(t, t) for t in request.tags),
    }


def room_ids(pairings: list[Pairing]) -> dict[int, int]:
    return dict(Room.objects.filter(pairing__in=pairings).values_list("pairing_id", "pk"))


@dataclass
class OrganisationSupport:
    """What one organisation's part of the participant's page shows."""

    organisation: Organisation
    request: SupportRequest | None
    described: dict[str, str]
    pairings: list[Pairing] = field(default_factory=list)


def my_support(user: Any, organisation_ids: list[int]) -> list[OrganisationSupport]:
    """The person's open request and their pairings as a participant, per organisation."""
    organisations = Organisation.objects.filter(pk__in=organisation_ids).order_by("name")
    # A matched request whose pairing has ended no longer stands: they may ask again.
    requests = {
        r.organisation_id: r
        for r in SupportRequest.objects.filter(person=user, state__in=OPEN_STATES).exclude(
            state=RequestState.MATCHED, pairing__ended_at__isnull=False
        )
    }
    pairings = list(
        Pairing.objects.filter(participant=user, organisation_id__in=organisation_ids)
        .select_related("volunteer")
        .order_by("-started_at")
    )
    rooms = room_ids(pairings)
    asked = set(
        ChangeRequest.objects.filter(
            pairing__in=pairings, asked_by=user, state=ChangeState.OPEN
        ).values_list("pairing_id", flat=True)
    )
    for pairing in pairings:
        pairing.room_id = rooms.get(pairing.pk)
        pairing.asked = pairing.pk in asked
    found = []
    for organisation in organisations:
        request = requests.get(organisation.pk)
        found.append(
            OrganisationSupport(
                organisation=organisation,
                request=request,
                described=describe(request) if request else {},
                pairings=[p for p in pairings if p.organisation_id == organisation.pk],
            )
        )
    return found


def supporting(user: Any) -> list[Pairing]:
    """The volunteer's own pairings, active first."""
    pairings = list(
        Pairing.objects.filter(volunteer=user)
        .select_related("participant", "organisation")
        .order_by("ended_at", "-started_at")
    )
    rooms = room_ids(pairings)
    asked = set(
        ChangeRequest.objects.filter(
            pairing__in=pairings, asked_by=user, state=ChangeState.OPEN
        ).values_list("pairing_id", flat=True)
    )
    for pairing in pairings:
        pairing.room_id = rooms.get(pairing.pk)
        pairing.asked = pairing.pk in asked
    return pairings


def own_profiles(user: Any) -> list[VolunteerProfile]:
    return list(
        VolunteerProfile.objects.filter(person=user)
        .exclude(state=State.LEFT)
        .select_related("organisation")
        .order_by("organisation__name")
    )


def open_proposals(organisation: Organisation) -> int:
    return Proposal.objects.filter(
        request__organisation=organisation, state=ProposalState.PROPOSED
    ).count()
