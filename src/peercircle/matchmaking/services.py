"""Writes for one-to-one matching in the platform: requests, offers, matching
rounds, decisions on proposals, and change requests on pairings.

Every change is in a transaction and audited (``core.audit.audit_record``); a
refusal raises ``MatchmakingError`` with plain words, per field where it is
about one, and leaves nothing half-written. See docs/matching.md, "In the
platform".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from peercircle.accounts.models import Gender
from peercircle.core.access import has_role
from peercircle.core.audit import audit_record
from peercircle.core.models import Membership, Organisation
from peercircle.core.roles import MANAGES_PROGRAMMES, Role
from peercircle.matching import OBJECTIVES, Fit, Participant, Preference, Supporter, Weights
from peercircle.matching import fit as engine_fit
from peercircle.matching import match as engine_match
from peercircle.matchmaking.models import (
    OPEN_STATES,
    ChangeKind,
    ChangeRequest,
    ChangeState,
    MatchingRound,
    Proposal,
    ProposalState,
    RequestState,
    SupporterOffer,
    SupportRequest,
)
from peercircle.matchmaking.vocabulary import (
    FORMAT_CODES,
    SLOT_CODES,
    TAG_CODES,
    TAG_WORDS,
    language_key,
    volunteer_slot,
)
from peercircle.rooms.models import Pairing
from peercircle.volunteers.models import State, VolunteerProfile

MAX_LANGUAGES = 12
MAX_NOTE = 2000
MAX_REASON = 240
#: Genders a participant may ask for in a supporter (the context profile's words).
GENDERS = {g.value: g.label for g in Gender if g.value}
#: Ways of meeting a volunteer offers when they have not said (no place needed).
DEFAULT_FORMATS = ("online", "phone")


class MatchmakingError(ValidationError):
    """A matching step that cannot be done; the message says why in plain words."""

    def __init__(self, message: Any) -> None:
        super().__init__(message)

    @property
    def text(self) -> str:
        return " ".join(self.messages)


# --- who may -----------------------------------------------------------------------------


def _org_id(organisation: Organisation | int) -> int:
    return organisation.pk if isinstance(organisation, Organisation) else organisation


def manages_matching(user: Any, organisation: Organisation | int) -> bool:
    return has_role(user, _org_id(organisation), MANAGES_PROGRAMMES)


def _require_manager(actor: Any, organisation: Organisation | int) -> None:
    if not manages_matching(actor, organisation):
        raise MatchmakingError("Only the organisation's coordinators can do this.")


def _holds(user_id: int, organisation: Organisation | int, role: Role) -> bool:
    return Membership.objects.filter(
        user_id=user_id, organisation_id=_org_id(organisation), role=role
    ).exists()


# --- requests ----------------------------------------------------------------------------


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    return [str(item).strip() for item in value if str(item).strip()]


def _town(
    data: dict[str, Any], formats: list[str], errors: dict[str, list[str]], missing: str
) -> Any:
    """The gazetteer's place for the town given, needed only to meet in person;
    ``missing`` is said when none is given. None when not needed or not found
    (the reason then in ``errors["town"]``)."""
    from peercircle.programmes.geo import find_place

    town = " ".join(str(data.get("town") or "").split())
    if "in_person" not in formats:
        return None
    if not town:
        errors["town"] = [missing]
        return None
    place = find_place(town)
    if place is None:
        errors["town"] = [
            f"We could not find a town called “{town[:80]}”. Try the nearest town or city."
        ]
    return place


def _clean_request(data: dict[str, Any]) -> dict[str, Any]:
    """The request's fields, checked; a ``MatchmakingError`` per field if not."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}

    languages: list[str] = []
    seen: set[str] = set()
    for item in _strings(data.get("languages")):
        key = language_key(item)
        if key not in seen:
            seen.add(key)
            languages.append(" ".join(item.split()))
    if not languages:
        errors["languages"] = ["Say which languages you can talk in, for example English."]
    elif len(languages) > MAX_LANGUAGES or any(len(item) > 40 for item in languages):
        errors["languages"] = [f"List up to {MAX_LANGUAGES} languages, each in up to 40 letters."]
    clean["languages"] = languages

    slots = list(dict.fromkeys(_strings(data.get("slots"))))
    if not slots:
        errors["slots"] = ["Choose at least one time in the week when you are usually free."]
    elif any(slot not in SLOT_CODES for slot in slots):
        errors["slots"] = ["Choose the times from the list."]
    clean["slots"] = [slot for slot in SLOT_CODES if slot in slots]

    formats = list(dict.fromkeys(_strings(data.get("formats"))))
    if not formats:
        errors["formats"] = ["Choose at least one way to meet: in person, online or by phone."]
    elif any(item not in FORMAT_CODES for item in formats):
        errors["formats"] = ["Choose the ways to meet from the list."]
    clean["formats"] = [item for item in FORMAT_CODES if item in formats]

    place = _town(data, formats, errors, "To meet in person, say which town you live in or near.")
    clean["town"] = place.name if place else ""
    clean["latitude"] = place.latitude if place else None
    clean["longitude"] = place.longitude if place else None

    tags = list(dict.fromkeys(_strings(data.get("tags"))))
    if any(tag not in TAG_CODES for tag in tags):
        errors["tags"] = ["Choose from the list."]
    clean["tags"] = [tag for tag in TAG_CODES if tag in tags]

    for kind, allowed, message in (
        ("gender", GENDERS, "Choose a gender from the list, or no preference."),
        ("tag", TAG_CODES, "Choose an experience from the list, or no preference."),
    ):
        value = str(data.get(f"{kind}_preference") or "").strip()
        strength = str(data.get(f"{kind}_strength") or "").strip()
        if value and value not in allowed:
            errors[f"{kind}_preference"] = [message]
        if value and strength not in ("must", "nice"):
            errors[f"{kind}_strength"] = ["Say whether it must be so, or you would prefer it."]
        clean[f"{kind}_preference"] = value
        clean[f"{kind}_strength"] = strength if value else ""

    note = str(data.get("note") or "").strip()
    if len(note) > MAX_NOTE:
        errors["note"] = [f"Keep it to {MAX_NOTE} characters or fewer."]
    clean["note"] = note
    if errors:
        raise MatchmakingError(errors)
    return clean


REQUEST_FIELDS = (
    "languages",
    "slots",
    "formats",
    "town",
    "tags",
    "gender_preference",
    "gender_strength",
    "tag_preference",
    "tag_strength",
    "note",
)


def _close_finished(person: Any, organisation: Organisation) -> None:
    """A matched request whose pairing has ended no longer counts as open."""
    SupportRequest.objects.filter(
        organisation=organisation,
        person=person,
        state=RequestState.MATCHED,
        pairing__ended_at__isnull=False,
    ).update(state=RequestState.ENDED, state_changed_at=timezone.now())


def request_submit(*, person: Any, organisation: Organisation, **data: Any) -> SupportRequest:
    """A participant asks for one-to-one support. One open request per
    person and organisation."""
    if not _holds(person.pk, organisation, Role.PARTICIPANT):
        raise MatchmakingError("Only members of this organisation can ask for a peer supporter.")
    clean = _clean_request(data)
    with transaction.atomic():
        _close_finished(person, organisation)
        if SupportRequest.objects.filter(
            organisation=organisation, person=person, state__in=OPEN_STATES
        ).exists():
            raise MatchmakingError(
                "You have already asked for a peer supporter here. You can change what you "
                "asked for, or withdraw it."
            )
        try:
            with transaction.atomic():
                request = SupportRequest.objects.create(
                    organisation=organisation,
                    person=person,
                    state_changed_at=timezone.now(),
                    **clean,
                )
        except IntegrityError:
            raise MatchmakingError("You have already asked for a peer supporter here.") from None
        audit_record(
            actor=person,
            action="matching.request_submit",
            obj=request,
            organisation=organisation,
            detail={"formats": clean["formats"]},
        )
    return request


def _locked_request(request: SupportRequest) -> SupportRequest:
    return SupportRequest.objects.select_for_update().get(pk=request.pk)


def _supersede_open(request: SupportRequest, why: str) -> int:
    return Proposal.objects.filter(request=request, state=ProposalState.PROPOSED).update(
        state=ProposalState.SUPERSEDED, decided_at=timezone.now(), reason=why
    )


def request_update(*, actor: Any, request: SupportRequest, **data: Any) -> SupportRequest:
    """The person changes what they asked for, while it is still waiting (or
    suggested: the suggestion is then set aside and they wait again)."""
    if actor.pk != request.person_id:
        raise MatchmakingError("Only the person who asked can change their request.")
    clean = _clean_request(data)
    with transaction.atomic():
        request = _locked_request(request)
        if request.state not in (RequestState.WAITING, RequestState.PROPOSED):
            raise MatchmakingError("This request can no longer be changed.")
        _supersede_open(request, "The person changed their request.")
        for name, value in clean.items():
            setattr(request, name, value)
        request.state = RequestState.WAITING
        request.state_changed_at = timezone.now()
        request.save(update_fields=[*clean, "state", "state_changed_at"])
        audit_record(
            actor=actor,
            action="matching.request_update",
            obj=request,
            organisation=request.organisation_id,
        )
    return request


def request_withdraw(*, actor: Any, request: SupportRequest) -> SupportRequest:
    """The person (or a coordinator) withdraws a request that is not matched yet."""
    if actor.pk != request.person_id and not manages_matching(actor, request.organisation_id):
        raise MatchmakingError("Only the person who asked can withdraw their request.")
    with transaction.atomic():
        request = _locked_request(request)
        if request.state not in (RequestState.WAITING, RequestState.PROPOSED):
            raise MatchmakingError(
                "This request is not waiting any more, so it cannot be withdrawn."
            )
        _supersede_open(request, "The request was withdrawn.")
        request.state = RequestState.WITHDRAWN
        request.state_changed_at = timezone.now()
        request.save(update_fields=["state", "state_changed_at"])
        audit_record(
            actor=actor,
            action="matching.request_withdraw",
            obj=request,
            organisation=request.organisation_id,
        )
    return request


# --- offers ------------------------------------------------------------------------------


def offer_for(profile: VolunteerProfile) -> SupporterOffer:
    """The volunteer's offer, or the default (online and phone, unsaved)."""
    offer = SupporterOffer.objects.filter(profile=profile).first()
    return offer or SupporterOffer(profile=profile, formats=list(DEFAULT_FORMATS))


def offer_update(*, actor: Any, profile: VolunteerProfile, **data: Any) -> SupporterOffer:
    """A volunteer says how they can meet, their lived experience, and where."""
    if actor.pk != profile.person_id:
        raise MatchmakingError("Only the volunteer can change what they offer.")
    errors: dict[str, list[str]] = {}
    formats = list(dict.fromkeys(_strings(data.get("formats"))))
    if not formats:
        errors["formats"] = ["Choose at least one way you can meet people."]
    elif any(item not in FORMAT_CODES for item in formats):
        errors["formats"] = ["Choose the ways to meet from the list."]
    tags = list(dict.fromkeys(_strings(data.get("tags"))))
    if any(tag not in TAG_CODES for tag in tags):
        errors["tags"] = ["Choose from the list."]
    place = _town(
        data, formats, errors, "To meet people in person, say which town you are in or near."
    )
    if errors:
        raise MatchmakingError(errors)
    with transaction.atomic():
        offer, _ = SupporterOffer.objects.select_for_update().get_or_create(profile=profile)
        offer.formats = [item for item in FORMAT_CODES if item in formats]
        offer.tags = [tag for tag in TAG_CODES if tag in tags]
        offer.town = place.name if place else ""
        offer.latitude = place.latitude if place else None
        offer.longitude = place.longitude if place else None
        offer.save()
        audit_record(
            actor=actor,
            action="matching.offer_update",
            obj=offer,
            organisation=profile.organisation_id,
            detail={"formats": offer.formats},
        )
    return offer


# --- engine records ----------------------------------------------------------------------


def _preferences(request: SupportRequest) -> tuple[Preference, ...]:
    found = []
    if request.gender_preference:
        found.append(Preference("gender", request.gender_preference, request.gender_strength))
    if request.tag_preference:
        found.append(Preference("tag", request.tag_preference, request.tag_strength))
    return tuple(found)


def engine_participant(request: SupportRequest, exclusions: set[int] | None = None) -> Participant:
    return Participant(
        id=request.pk,
        languages={language_key(item) for item in request.languages},
        slots=set(request.slots),
        formats=set(request.formats),
        location=request.location,
        tags=set(request.tags),
        preferences=_preferences(request),
        exclusions=exclusions or set(),
    )


def engine_supporter(
    profile: VolunteerProfile, offer: SupporterOffer, *, gender: str, places: int, caseload: int
) -> Supporter:
    slots = {volunteer_slot(item) for item in profile.availability}
    return Supporter(
        id=profile.pk,
        languages={language_key(item) for item in profile.languages if str(item).strip()},
        slots={slot for slot in slots if slot in SLOT_CODES},
        formats=set(offer.formats),
        location=offer.location if "in_person" in offer.formats else None,
        places=max(0, places),
        caseload=max(0, caseload),
        tags={tag for tag in offer.tags if tag in TAG_CODES},
        gender=gender or None,
    )


def _gender_of(user: Any) -> str:
    context = getattr(user, "context", None) if user is not None else None
    try:
        return (context.gender if context is not None else "") or ""
    except Exception:  # no context profile
        return ""


@dataclass
class Candidate:
    """A volunteer who may take one-to-one pairings now, with their room."""

    profile: VolunteerProfile
    offer: SupporterOffer
    gender: str
    caseload: int
    limit: int

    @property
    def places(self) -> int:
        return max(0, self.limit - self.caseload)

    def supporter(self) -> Supporter:
        return engine_supporter(
            self.profile, self.offer, gender=self.gender, places=self.places, caseload=self.caseload
        )


def candidates_for(organisation: Organisation) -> list[Candidate]:
    """Active volunteers who want one-to-one work, hold the volunteer role and
    pass the gate today, with their caseload as the volunteers' overview counts it."""
    from peercircle.volunteers.gate import may_support
    from peercircle.volunteers.selectors import overview

    volunteers = set(
        Membership.objects.filter(organisation=organisation, role=Role.VOLUNTEER).values_list(
            "user_id", flat=True
        )
    )
    offers = {
        offer.profile_id: offer
        for offer in SupporterOffer.objects.filter(profile__organisation=organisation)
    }
    found = []
    for row in overview(organisation):
        profile = row.profile
        if profile.state != State.ACTIVE or "one_to_one" not in (profile.roles_wanted or []):
            continue
        if profile.person_id not in volunteers:
            continue
        if not may_support(profile.person, organisation, "one_to_one").allowed:
            continue
        found.append(
            Candidate(
                profile=profile,
                offer=offers.get(profile.pk) or SupporterOffer(formats=list(DEFAULT_FORMATS)),
                gender=_gender_of(profile.person),
                caseload=row.caseload,
                limit=row.caseload_limit,
            )
        )
    return found


def _exclusions(requests: list[SupportRequest], candidates: list[Candidate]) -> dict[int, set[int]]:
    """For each request, the supporters it may not be given: rejected before
    for it, paired with the person before (ended) or now, or the person themselves."""
    by_person = {c.profile.person_id: c.profile.pk for c in candidates}
    found: dict[int, set[int]] = {r.pk: set() for r in requests}
    for request_id, profile_id in Proposal.objects.filter(
        request__in=requests, state=ProposalState.REJECTED
    ).values_list("request_id", "profile_id"):
        found[request_id].add(profile_id)
    people = {r.person_id: r.pk for r in requests}
    organisation_ids = {r.organisation_id for r in requests}
    for participant_id, volunteer_id in Pairing.objects.filter(
        organisation_id__in=organisation_ids, participant_id__in=list(people)
    ).values_list("participant_id", "volunteer_id"):
        if volunteer_id in by_person:
            found[people[participant_id]].add(by_person[volunteer_id])
    for request in requests:
        if request.person_id in by_person:
            found[request.pk].add(by_person[request.person_id])
    return found


# --- rounds ------------------------------------------------------------------------------


def round_run(
    *,
    actor: Any,
    organisation: Organisation,
    objective: str,
    weights: Weights | None = None,
) -> MatchingRound:
    """Run the engine for everyone waiting (or with an undecided suggestion)
    and store its proposals and who is left waiting, with why. Suggestions
    not yet decided from earlier rounds are superseded."""
    _require_manager(actor, organisation)
    if objective not in OBJECTIVES:
        raise MatchmakingError({"objective": ["Choose how to match from the two ways shown."]})
    weights = weights or Weights()
    with transaction.atomic():
        requests = list(
            SupportRequest.objects.select_for_update()
            .filter(
                organisation=organisation,
                state__in=[RequestState.WAITING, RequestState.PROPOSED],
            )
            .order_by("created_at", "id")
        )
        if not requests:
            raise MatchmakingError("No one is waiting for a peer supporter just now.")
        Proposal.objects.filter(request__in=requests, state=ProposalState.PROPOSED).update(
            state=ProposalState.SUPERSEDED,
            decided_at=timezone.now(),
            reason="A newer matching round replaced this suggestion.",
        )
        candidates = candidates_for(organisation)
        exclusions = _exclusions(requests, candidates)
        participants = [engine_participant(r, exclusions[r.pk]) for r in requests]
        supporters = [c.supporter() for c in candidates]
        result = engine_match(
            participants, supporters, weights=weights, objective=objective, vocabulary=TAG_WORDS
        )
        now = timezone.now()
        matching_round = MatchingRound.objects.create(
            organisation=organisation,
            objective=objective,
            weights=asdict(weights),
            run_by=actor,
            run_at=now,
            total_score=result.total_score,
            optimal=result.optimal,
            unmatched=[
                {"request": u.participant_id, "code": u.code, "reason": u.reason}
                for u in result.unmatched
            ],
            requests_count=len(requests),
            supporters_count=len(candidates),
        )
        Proposal.objects.bulk_create(
            [
                Proposal(
                    round=matching_round,
                    request_id=pair.participant_id,
                    profile_id=pair.supporter_id,
                    score=pair.score,
                    format=pair.format,
                    distance_km=pair.distance_km,
                    reasons=list(pair.reasons),
                )
                for pair in result.pairs
            ]
        )
        proposed = [pair.participant_id for pair in result.pairs]
        SupportRequest.objects.filter(pk__in=proposed).update(
            state=RequestState.PROPOSED, state_changed_at=now
        )
        SupportRequest.objects.filter(pk__in=[r.pk for r in requests]).exclude(
            pk__in=proposed
        ).update(state=RequestState.WAITING, state_changed_at=now)
        audit_record(
            actor=actor,
            action="matching.round_run",
            obj=matching_round,
            organisation=organisation,
            detail={
                "objective": objective,
                "requests": len(requests),
                "supporters": len(candidates),
                "proposals": len(result.pairs),
                "unmatched": len(result.unmatched),
            },
        )
    return matching_round


# --- decisions on proposals --------------------------------------------------------------


def check_pair(request: SupportRequest, profile: VolunteerProfile) -> Fit:
    """Whether this supporter can take this request now: the gate, free
    places, exclusions and the engine's hard constraints. Returns the fit;
    raises ``MatchmakingError`` with plain words if not."""
    from peercircle.volunteers.gate import may_support
    from peercircle.volunteers.selectors import caseload_for

    name = profile.person.pseudonym
    if profile.organisation_id != request.organisation_id:
        raise MatchmakingError(f"{name} is not a volunteer of this organisation.")
    if profile.state != State.ACTIVE:
        raise MatchmakingError(f"{name} is not an active volunteer just now.")
    if "one_to_one" not in (profile.roles_wanted or []):
        raise MatchmakingError(f"{name} has not offered one-to-one support.")
    if profile.person_id == request.person_id:
        raise MatchmakingError("A person cannot be their own peer supporter.")
    if not _holds(profile.person_id, request.organisation_id, Role.VOLUNTEER):
        raise MatchmakingError(f"{name} does not hold the volunteer role here.")
    verdict = may_support(profile.person, request.organisation_id, "one_to_one")
    if not verdict.allowed:
        raise MatchmakingError(verdict.message)
    caseload = caseload_for(profile)
    free = caseload.limit - caseload.total
    if free <= 0:
        raise MatchmakingError(
            f"{name} has no free places: they support {caseload.total} (groups and people one "
            f"to one) against a limit of {caseload.limit}."
        )
    if Proposal.objects.filter(
        request=request, profile=profile, state=ProposalState.REJECTED
    ).exists():
        raise MatchmakingError(f"{name} was turned down for this person before.")
    if Pairing.objects.filter(
        organisation_id=request.organisation_id,
        participant_id=request.person_id,
        volunteer_id=profile.person_id,
    ).exists():
        raise MatchmakingError(
            f"{name} has been paired with this person before, so they are not matched again."
        )
    offer = offer_for(profile)
    result = engine_fit(
        engine_participant(request),
        engine_supporter(
            profile,
            offer,
            gender=_gender_of(profile.person),
            places=free,
            caseload=caseload.total,
        ),  # fmt: skip
        vocabulary=TAG_WORDS,
    )
    if not result.fits:
        raise MatchmakingError(f"{name} does not fit: {'; '.join(result.reasons)}.")
    return result


def _lock_supporter(profile: VolunteerProfile) -> None:
    """Two acceptances for the same supporter run one after the other, so the
    free places each one counts are the places left by the other."""
    VolunteerProfile.objects.select_for_update().filter(pk=profile.pk).first()


def _locked_proposal(proposal: Proposal) -> Proposal:
    proposal = (
        Proposal.objects.select_for_update()
        .select_related("request", "profile__person", "round")
        .get(pk=proposal.pk)
    )
    if proposal.state != ProposalState.PROPOSED:
        raise MatchmakingError(
            f"This suggestion has already been decided ({proposal.get_state_display().lower()})."
        )
    request = _locked_request(proposal.request)
    if request.state != RequestState.PROPOSED:
        raise MatchmakingError("This request is not waiting for a decision any more.")
    proposal.request = request
    return proposal


def _accept(actor: Any, proposal: Proposal, fit: Fit) -> Proposal:
    """Create the pairing for a locked proposal; the caller holds the transaction."""
    from peercircle.rooms.services import pairing_create

    request = proposal.request
    organisation = Organisation.objects.get(pk=request.organisation_id)
    try:
        with transaction.atomic():
            pairing = pairing_create(
                actor=actor,
                organisation=organisation,
                participant_id=request.person_id,
                volunteer_id=proposal.profile.person_id,
            )
    except ValidationError as exc:
        raise MatchmakingError(" ".join(exc.messages)) from None
    now = timezone.now()
    proposal.state = ProposalState.ACCEPTED
    proposal.decided_by = actor
    proposal.decided_at = now
    proposal.save(update_fields=["state", "decided_by", "decided_at"])
    request.state = RequestState.MATCHED
    request.pairing = pairing
    request.state_changed_at = now
    request.save(update_fields=["state", "pairing", "state_changed_at"])
    audit_record(
        actor=actor,
        action="matching.proposal_accept",
        obj=proposal,
        organisation=organisation,
        detail={"request": request.pk, "pairing": pairing.pk, "score": fit.score},
    )
    from peercircle.matchmaking.tasks import notify_matched

    pairing_id = pairing.pk
    transaction.on_commit(lambda: notify_matched.enqueue(pairing_id=pairing_id))
    return proposal


def proposal_accept(*, actor: Any, proposal: Proposal) -> Proposal:
    """Accept a suggestion: re-check the gate, free places and fit now, pair
    them (their conversation opens) and tell them both."""
    _require_manager(actor, proposal.request.organisation_id)
    with transaction.atomic():
        proposal = _locked_proposal(proposal)
        _lock_supporter(proposal.profile)
        fit = check_pair(proposal.request, proposal.profile)
        return _accept(actor, proposal, fit)


def proposal_change(*, actor: Any, proposal: Proposal, profile: VolunteerProfile) -> Proposal:
    """The coordinator picks another supporter: checked like an acceptance,
    refused in plain words if they do not fit; then accepted. The engine's
    suggestion is kept, superseded, for the record."""
    _require_manager(actor, proposal.request.organisation_id)
    with transaction.atomic():
        proposal = _locked_proposal(proposal)
        _lock_supporter(profile)
        if profile.pk == proposal.profile_id:
            return _accept(actor, proposal, check_pair(proposal.request, profile))
        fit = check_pair(proposal.request, profile)
        proposal.state = ProposalState.SUPERSEDED
        proposal.decided_by = actor
        proposal.decided_at = timezone.now()
        proposal.reason = f"The coordinator chose {profile.person.pseudonym} instead."
        proposal.save(update_fields=["state", "decided_by", "decided_at", "reason"])
        chosen = Proposal.objects.create(
            round=proposal.round,
            request=proposal.request,
            profile=profile,
            score=fit.score,
            format=fit.format or "",
            distance_km=fit.distance_km,
            reasons=list(fit.reasons),
        )
        chosen.request = proposal.request
        audit_record(
            actor=actor,
            action="matching.proposal_change",
            obj=chosen,
            organisation=proposal.request.organisation_id,
            detail={"replaces": proposal.pk, "profile": profile.pk},
        )
        return _accept(actor, chosen, fit)


def proposal_reject(*, actor: Any, proposal: Proposal, reason: str) -> Proposal:
    """Turn a suggestion down: the request waits again and this pair is not
    suggested again for it."""
    _require_manager(actor, proposal.request.organisation_id)
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise MatchmakingError({"reason": ["Say briefly why; it stays in the record."]})
    if len(reason) > MAX_REASON:
        raise MatchmakingError({"reason": [f"Keep it to {MAX_REASON} characters or fewer."]})
    with transaction.atomic():
        proposal = _locked_proposal(proposal)
        now = timezone.now()
        proposal.state = ProposalState.REJECTED
        proposal.decided_by = actor
        proposal.decided_at = now
        proposal.reason = reason
        proposal.save(update_fields=["state", "decided_by", "decided_at", "reason"])
        request = proposal.request
        request.state = RequestState.WAITING
        request.state_changed_at = now
        request.save(update_fields=["state", "state_changed_at"])
        audit_record(
            actor=actor,
            action="matching.proposal_reject",
            obj=proposal,
            organisation=request.organisation_id,
            detail={"request": request.pk, "profile": proposal.profile_id, "reason": reason},
        )
    return proposal


# --- change requests ---------------------------------------------------------------------


def change_request_submit(
    *, actor: Any, pairing: Pairing, kind: str, note: str = "", prefer: str = ""
) -> ChangeRequest:
    """Either side of an active pairing asks to end it or change supporter."""
    if actor.pk not in (pairing.participant_id, pairing.volunteer_id):
        raise MatchmakingError("Only the two people in this pairing can ask to change it.")
    errors: dict[str, list[str]] = {}
    if kind not in ChangeKind.values:
        errors["kind"] = ["Choose whether to end the support or change supporter."]
    note = str(note or "").strip()
    prefer = str(prefer or "").strip() if actor.pk == pairing.participant_id else ""
    for name, value in (("note", note), ("prefer", prefer)):
        if len(value) > MAX_NOTE:
            errors[name] = [f"Keep it to {MAX_NOTE} characters or fewer."]
    if errors:
        raise MatchmakingError(errors)
    with transaction.atomic():
        pairing = Pairing.objects.select_for_update().get(pk=pairing.pk)
        if pairing.ended_at is not None:
            raise MatchmakingError("This support has already ended.")
        if ChangeRequest.objects.filter(
            pairing=pairing, asked_by=actor, state=ChangeState.OPEN
        ).exists():
            raise MatchmakingError(
                "You have already asked; a coordinator will be in touch about it."
            )
        change = ChangeRequest.objects.create(
            organisation_id=pairing.organisation_id,
            pairing=pairing,
            asked_by=actor,
            kind=kind,
            note=note,
            prefer=prefer,
            asked_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="matching.change_request_submit",
            obj=change,
            organisation=pairing.organisation_id,
            detail={"pairing": pairing.pk, "kind": kind},
        )
    return change


def change_request_resolve(
    *, actor: Any, change: ChangeRequest, outcome: str, reason: str
) -> ChangeRequest:
    """A coordinator ends the pairing (``ended``), or ends it and puts the
    person's request back to waiting with what they said they would prefer
    (``rematch``). Other open change requests on the pairing close with it."""
    from peercircle.rooms.services import pairing_end

    _require_manager(actor, change.organisation_id)
    errors: dict[str, list[str]] = {}
    if outcome not in (ChangeState.ENDED, ChangeState.REMATCH):
        errors["outcome"] = ["Choose to end the support, or end it and find another supporter."]
    reason = " ".join(str(reason or "").split())
    if not reason:
        errors["reason"] = ["Say briefly why; it stays in the record."]
    elif len(reason) > MAX_REASON:
        errors["reason"] = [f"Keep it to {MAX_REASON} characters or fewer."]
    if errors:
        raise MatchmakingError(errors)
    with transaction.atomic():
        change = ChangeRequest.objects.select_for_update().get(pk=change.pk)
        if change.state != ChangeState.OPEN:
            raise MatchmakingError("This request has already been dealt with.")
        request = (
            SupportRequest.objects.select_for_update()
            .filter(pairing_id=change.pairing_id, state=RequestState.MATCHED)
            .first()
        )
        if outcome == ChangeState.REMATCH and request is None:
            raise MatchmakingError(
                {
                    "outcome": [
                        "This pairing was not made from a request, so there is no request to "
                        "put back. End it; the person can then ask for a supporter again."
                    ]
                }
            )
        pairing = Pairing.objects.select_for_update().get(pk=change.pairing_id)
        if pairing.ended_at is None:
            try:
                pairing_end(actor=actor, pairing=pairing, reason=reason)
            except ValidationError as exc:
                raise MatchmakingError(" ".join(exc.messages)) from None
        now = timezone.now()
        if request is not None:
            if outcome == ChangeState.REMATCH:
                request.state = RequestState.WAITING
                request.pairing = None
                preferred = "; ".join(
                    c.prefer
                    for c in ChangeRequest.objects.filter(
                        pairing_id=change.pairing_id, state=ChangeState.OPEN
                    )
                    if c.prefer
                )
                if preferred:
                    request.note = preferred[:MAX_NOTE]
            else:
                request.state = RequestState.ENDED
            request.state_changed_at = now
            request.save(update_fields=["state", "pairing", "note", "state_changed_at"])
        ChangeRequest.objects.filter(pairing_id=change.pairing_id, state=ChangeState.OPEN).update(
            state=outcome, resolved_by=actor, resolved_at=now
        )
        change.refresh_from_db()
        audit_record(
            actor=actor,
            action="matching.change_request_resolve",
            obj=change,
            organisation=change.organisation_id,
            detail={"pairing": change.pairing_id, "outcome": outcome, "reason": reason},
        )
    return change
