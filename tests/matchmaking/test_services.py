"""Services of one-to-one matching in the platform, on a real database."""

from __future__ import annotations

import pytest
from django.core import mail

from peercircle.accounts.consent import Purpose
from peercircle.accounts.services import consent_give
from peercircle.core.models import AuditEvent
from peercircle.matchmaking import services
from peercircle.matchmaking.models import (
    ChangeRequest,
    MatchingRound,
    Proposal,
    RequestState,
    SupportRequest,
)
from peercircle.matchmaking.services import MatchmakingError
from peercircle.rooms.models import Pairing, Room
from peercircle.rooms.services import pairing_create
from tests.matchmaking.conftest import ask, supporter


def proposals_of(matching_round):
    return {p.request.person.pseudonym: p for p in matching_round.proposals.select_related(
        "request__person", "profile__person")}  # fmt: skip


def unmatched_codes(matching_round):
    people = dict(SupportRequest.objects.values_list("pk", "person__pseudonym"))
    return {people[row["request"]]: row["code"] for row in matching_round.unmatched}


# --- rounds ------------------------------------------------------------------------------


def test_round_honours_languages_times_preferences_and_the_gate(
    org, coordinator, alex_profile, heron, trainee, member
):
    ana = ask(member("Ana"), org)
    ask(
        member("Bea", gender="woman"), org, languages=["Urdu"], slots=["tue-evening"],
        formats=["in_person"], town="Bradford", tags=["new_mum"],
        gender_preference="woman", gender_strength="must",
    )  # fmt: skip
    ask(member("Cal"), org, gender_preference="woman", gender_strength="must")
    ask(member("Dee"), org, languages=["French"])

    matching_round = services.round_run(actor=coordinator, organisation=org, objective="best_total")

    found = proposals_of(matching_round)
    assert set(found) == {"Ana", "Bea"}
    assert found["Ana"].profile == alex_profile
    assert found["Bea"].profile == heron
    assert found["Bea"].format == "in_person" and found["Bea"].distance_km < 15
    assert "both new mums" in found["Bea"].reasons
    assert unmatched_codes(matching_round) == {"Cal": "must_preference", "Dee": "no_language"}
    # The trainee is free on Monday evenings too, but the gate keeps them out.
    assert not Proposal.objects.filter(profile=trainee).exists()
    assert matching_round.supporters_count == 2
    ana.refresh_from_db()
    assert ana.state == RequestState.PROPOSED
    assert SupportRequest.objects.get(person__pseudonym="Dee").state == RequestState.WAITING
    assert AuditEvent.objects.filter(action="matching.round_run").count() == 1


def test_a_language_matches_however_it_is_written(org, coordinator, member):
    # A supporter who wrote "Welsh" and a participant who wrote "Cymraeg" (its
    # own name) share a language; "Polski " and "pl" are Polish too.
    cymraeg = supporter(org, coordinator, "gwen", "Gwen", languages=("Welsh",))
    polski = supporter(org, coordinator, "kasia", "Kasia", languages=("pl",))
    ask(member("Ifan"), org, languages=["Cymraeg"])
    ask(member("Marek"), org, languages=["Polski "])
    ask(member("Tesfay"), org, languages=["Tigrinya"])

    found = proposals_of(
        services.round_run(actor=coordinator, organisation=org, objective="best_total")
    )

    assert found["Ifan"].profile == cymraeg
    assert found["Marek"].profile == polski
    assert "Tesfay" not in found


def test_round_respects_free_places_and_spreads_the_load(org, coordinator, member):
    oak = supporter(org, coordinator, "oak", "Oak", limit=1)
    ash = supporter(org, coordinator, "ash", "Ash", limit=3)
    elm = supporter(org, coordinator, "elm", "Elm", limit=3)
    for name in ("Ana", "Ben", "Cat", "Dan", "Eli", "Fay", "Gus", "Hal"):
        ask(member(name), org)

    matching_round = services.round_run(
        actor=coordinator, organisation=org, objective="most_matched"
    )

    per_supporter = {}
    for proposal in matching_round.proposals.all():
        per_supporter[proposal.profile_id] = per_supporter.get(proposal.profile_id, 0) + 1
    assert per_supporter == {oak.pk: 1, ash.pk: 3, elm.pk: 3}
    assert list(unmatched_codes(matching_round).values()) == ["taken"]


def test_round_spreads_people_between_equal_supporters(org, coordinator, member):
    oak = supporter(org, coordinator, "oak", "Oak")
    ash = supporter(org, coordinator, "ash", "Ash")
    ask(member("Ana"), org)
    ask(member("Ben"), org)

    matching_round = services.round_run(actor=coordinator, organisation=org, objective="best_total")

    assert sorted(p.profile_id for p in matching_round.proposals.all()) == sorted([oak.pk, ash.pk])


def test_existing_caseload_counts_against_places(org, coordinator, member, make_member):
    oak = supporter(org, coordinator, "oak", "Oak", limit=1)
    pairing_create(
        actor=coordinator, organisation=org, participant_id=make_member().pk,
        volunteer_id=oak.person_id,
    )  # fmt: skip
    ask(member("Ana"), org)

    matching_round = services.round_run(
        actor=coordinator, organisation=org, objective="most_matched"
    )

    assert not matching_round.proposals.exists()
    assert unmatched_codes(matching_round) == {"Ana": "no_places"}


def test_a_new_round_supersedes_undecided_suggestions(org, coordinator, alex_profile, member):
    ask(member("Ana"), org)
    first = services.round_run(actor=coordinator, organisation=org, objective="best_total")
    second = services.round_run(actor=coordinator, organisation=org, objective="most_matched")

    assert first.proposals.get().state == "superseded"
    assert second.proposals.get().state == "proposed"


def test_only_coordinators_run_rounds_and_an_empty_round_is_refused(
    org, coordinator, volunteer, outsider, member
):
    with pytest.raises(MatchmakingError, match="No one is waiting"):
        services.round_run(actor=coordinator, organisation=org, objective="best_total")
    ask(member("Ana"), org)
    for actor in (volunteer, outsider):
        with pytest.raises(MatchmakingError, match="coordinators"):
            services.round_run(actor=actor, organisation=org, objective="best_total")
    with pytest.raises(MatchmakingError) as caught:
        services.round_run(actor=coordinator, organisation=org, objective="fastest")
    assert "objective" in caught.value.message_dict
    assert not MatchingRound.objects.exists()


# --- decisions ---------------------------------------------------------------------------


def test_accept_pairs_them_opens_the_conversation_and_tells_them(
    org, coordinator, volunteer, alex_profile, member, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    ana = member("Ana")
    consent_give(user=ana, organisation=org, purpose=Purpose.CONTACT)
    request = ask(ana, org)
    proposal = services.round_run(
        actor=coordinator, organisation=org, objective="best_total"
    ).proposals.get()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_accept(actor=coordinator, proposal=proposal)

    request.refresh_from_db()
    proposal.refresh_from_db()
    assert proposal.state == "accepted" and proposal.decided_by == coordinator
    assert request.state == RequestState.MATCHED
    pairing = request.pairing
    assert (pairing.participant, pairing.volunteer) == (ana, volunteer)
    assert Room.objects.filter(pairing=pairing, kind="pairing").exists()
    # Only Ana agreed to be contacted: one email, to her, naming her supporter.
    assert [m.to for m in mail.outbox] == [[ana.email]]
    assert volunteer.pseudonym in mail.outbox[0].body
    assert AuditEvent.objects.filter(action="matching.proposal_accept").exists()


def test_accept_checks_free_places_again_and_changes_nothing_if_full(
    org, coordinator, alex_profile, member, make_member
):
    request = ask(member("Ana"), org)
    proposal = services.round_run(
        actor=coordinator, organisation=org, objective="best_total"
    ).proposals.get()
    type(alex_profile).objects.filter(pk=alex_profile.pk).update(caseload_limit=1)
    pairing_create(
        actor=coordinator, organisation=org, participant_id=make_member().pk,
        volunteer_id=alex_profile.person_id,
    )  # fmt: skip

    with pytest.raises(MatchmakingError, match="no free places"):
        services.proposal_accept(actor=coordinator, proposal=proposal)

    proposal.refresh_from_db()
    request.refresh_from_db()
    assert proposal.state == "proposed" and request.state == RequestState.PROPOSED
    assert not Pairing.objects.filter(participant=request.person).exists()


def test_accept_checks_the_gate_again(org, coordinator, alex_profile, member):
    from peercircle.volunteers import services as volunteering

    ask(member("Ana"), org)
    proposal = services.round_run(
        actor=coordinator, organisation=org, objective="best_total"
    ).proposals.get()
    volunteering.volunteer_pause(actor=alex_profile.person, profile=alex_profile)

    with pytest.raises(MatchmakingError, match="not an active volunteer"):
        services.proposal_accept(actor=coordinator, proposal=proposal)
    assert not Pairing.objects.exists()


def test_change_to_a_supporter_who_does_not_fit_is_refused_and_nothing_changes(
    org, coordinator, alex_profile, heron, member
):
    request = ask(member("Ana"), org)
    proposal = services.round_run(
        actor=coordinator, organisation=org, objective="best_total"
    ).proposals.get()
    assert proposal.profile == alex_profile

    # Heron is free on Tuesday evenings and Saturday mornings; Ana on Monday evenings.
    with pytest.raises(MatchmakingError, match="Heron does not fit.*time"):
        services.proposal_change(actor=coordinator, proposal=proposal, profile=heron)

    proposal.refresh_from_db()
    request.refresh_from_db()
    assert proposal.state == "proposed" and request.state == RequestState.PROPOSED
    assert Proposal.objects.count() == 1 and not Pairing.objects.exists()


def test_change_to_a_supporter_who_fits_pairs_them_and_keeps_the_suggestion(
    org, coordinator, alex_profile, member
):
    oak = supporter(org, coordinator, "oak", "Oak")
    request = ask(member("Ana"), org)
    proposal = services.round_run(
        actor=coordinator, organisation=org, objective="best_total"
    ).proposals.get()
    other = oak if proposal.profile == alex_profile else alex_profile

    chosen = services.proposal_change(actor=coordinator, proposal=proposal, profile=other)

    proposal.refresh_from_db()
    request.refresh_from_db()
    assert proposal.state == "superseded" and "instead" in proposal.reason
    assert chosen.state == "accepted" and chosen.profile == other and chosen.reasons
    assert request.pairing.volunteer_id == other.person_id


def test_reject_puts_the_request_back_and_the_pair_is_not_suggested_again(
    org, coordinator, alex_profile, member
):
    request = ask(member("Ana"), org)
    proposal = services.round_run(
        actor=coordinator, organisation=org, objective="best_total"
    ).proposals.get()

    with pytest.raises(MatchmakingError) as caught:
        services.proposal_reject(actor=coordinator, proposal=proposal, reason="  ")
    assert "reason" in caught.value.message_dict
    services.proposal_reject(actor=coordinator, proposal=proposal, reason="They know each other.")

    request.refresh_from_db()
    assert request.state == RequestState.WAITING
    again = services.round_run(actor=coordinator, organisation=org, objective="most_matched")
    assert not again.proposals.exists()
    assert unmatched_codes(again) == {"Ana": "excluded"}
    with pytest.raises(MatchmakingError, match="already been decided"):
        services.proposal_accept(actor=coordinator, proposal=proposal)


def test_only_coordinators_decide(org, coordinator, volunteer, participant, alex_profile, member):
    ask(member("Ana"), org)
    proposal = services.round_run(
        actor=coordinator, organisation=org, objective="best_total"
    ).proposals.get()
    for actor in (volunteer, participant):
        with pytest.raises(MatchmakingError, match="coordinators"):
            services.proposal_accept(actor=actor, proposal=proposal)
        with pytest.raises(MatchmakingError, match="coordinators"):
            services.proposal_reject(actor=actor, proposal=proposal, reason="No.")
    assert Proposal.objects.get().state == "proposed"


# --- change requests ---------------------------------------------------------------------


def matched(org, coordinator, person):
    request = ask(person, org)
    proposal = services.round_run(
        actor=coordinator, organisation=org, objective="best_total"
    ).proposals.get()
    services.proposal_accept(actor=coordinator, proposal=proposal)
    request.refresh_from_db()
    return request


def test_participant_asks_for_a_change_and_waits_again_with_what_they_prefer(
    org, coordinator, volunteer, alex_profile, member
):
    oak = supporter(org, coordinator, "oak", "Oak", limit=0)
    ana = member("Ana")
    request = matched(org, coordinator, ana)
    pairing = request.pairing

    change = services.change_request_submit(
        actor=ana, pairing=pairing, kind="change", note="We don't click.",
        prefer="Someone older, please.",
    )  # fmt: skip
    with pytest.raises(MatchmakingError, match="already asked"):
        services.change_request_submit(actor=ana, pairing=pairing, kind="end")
    with pytest.raises(MatchmakingError) as caught:
        services.change_request_resolve(actor=coordinator, change=change, outcome="rematch",
                                         reason="")  # fmt: skip
    assert "reason" in caught.value.message_dict
    services.change_request_resolve(
        actor=coordinator, change=change, outcome="rematch", reason="Asked for a change."
    )

    change.refresh_from_db()
    request.refresh_from_db()
    pairing.refresh_from_db()
    assert change.state == "rematch" and change.resolved_by == coordinator
    assert pairing.ended_at is not None
    assert request.state == RequestState.WAITING and request.pairing is None
    assert request.note == "Someone older, please."
    # Oak now has a place; the earlier supporter is not suggested again.
    type(oak).objects.filter(pk=oak.pk).update(caseload_limit=2)
    again = services.round_run(actor=coordinator, organisation=org, objective="best_total")
    assert again.proposals.get().profile == oak
    assert AuditEvent.objects.filter(action="matching.change_request_resolve").exists()


def test_volunteer_asks_to_end_and_the_coordinator_ends_it(
    org, coordinator, volunteer, alex_profile, member
):
    request = matched(org, coordinator, member("Ana"))
    change = services.change_request_submit(
        actor=volunteer, pairing=request.pairing, kind="end", prefer="ignored for volunteers"
    )
    assert change.prefer == ""

    services.change_request_resolve(
        actor=coordinator, change=change, outcome="ended", reason="The volunteer is moving away."
    )

    request.refresh_from_db()
    assert request.state == RequestState.ENDED
    assert request.pairing.ended_reason == "The volunteer is moving away."
    with pytest.raises(MatchmakingError, match="already ended"):
        services.change_request_submit(actor=volunteer, pairing=request.pairing, kind="end")


def test_others_cannot_ask_and_a_hand_made_pairing_cannot_be_rematched(
    org, coordinator, volunteer, participant, outsider
):
    pairing = pairing_create(
        actor=coordinator, organisation=org, participant_id=participant.pk,
        volunteer_id=volunteer.pk,
    )  # fmt: skip
    for actor in (coordinator, outsider):
        with pytest.raises(MatchmakingError, match="two people"):
            services.change_request_submit(actor=actor, pairing=pairing, kind="end")
    change = services.change_request_submit(actor=participant, pairing=pairing, kind="change")
    with pytest.raises(MatchmakingError, match="not made from a request"):
        services.change_request_resolve(
            actor=coordinator, change=change, outcome="rematch", reason="Asked."
        )
    pairing.refresh_from_db()
    assert pairing.ended_at is None
    assert ChangeRequest.objects.get().state == "open"


# --- bad input ---------------------------------------------------------------------------


def test_bad_requests_say_what_is_wrong_per_field_and_store_nothing(org, participant, outsider):
    with pytest.raises(MatchmakingError) as caught:
        ask(participant, org, languages=[" "], slots=["mon-midnight"], formats=["in_person"])
    assert set(caught.value.message_dict) == {"languages", "slots", "town"}
    with pytest.raises(MatchmakingError) as caught:
        ask(participant, org, formats=["in_person", "carrier_pigeon"], town="Atlantis",
            gender_preference="woman", tags=["unknown"])  # fmt: skip
    assert set(caught.value.message_dict) == {"formats", "tags", "gender_strength", "town"}
    with pytest.raises(MatchmakingError) as caught:
        ask(participant, org, formats=["in_person"], town="Atlantis")
    assert "Atlantis" in caught.value.message_dict["town"][0]
    with pytest.raises(MatchmakingError, match="Only members"):
        ask(outsider, org)
    assert not SupportRequest.objects.exists()


def test_one_open_request_per_person_and_a_withdrawn_one_frees_the_way(org, participant):
    request = ask(participant, org, formats=["in_person", "online"], town="leeds")
    assert (request.town, round(request.latitude, 2)) == ("Leeds", 53.8)
    with pytest.raises(MatchmakingError, match="already asked"):
        ask(participant, org)
    services.request_withdraw(actor=participant, request=request)
    assert ask(participant, org).state == RequestState.WAITING


def test_update_changes_the_request_and_sets_an_open_suggestion_aside(
    org, coordinator, alex_profile, participant, volunteer
):
    request = ask(participant, org)
    proposal = services.round_run(
        actor=coordinator, organisation=org, objective="best_total"
    ).proposals.get()
    with pytest.raises(MatchmakingError, match="Only the person"):
        services.request_update(actor=volunteer, request=request, **{**_ask(), "slots": []})
    services.request_update(actor=participant, request=request, **{**_ask(), "tags": ["carer"]})

    request.refresh_from_db()
    proposal.refresh_from_db()
    assert request.tags == ["carer"] and request.state == RequestState.WAITING
    assert proposal.state == "superseded"


def _ask():
    from tests.matchmaking.conftest import ASK

    return dict(ASK)


def test_offer_update_checks_its_fields(org, volunteer, alex_profile, participant):
    with pytest.raises(MatchmakingError) as caught:
        services.offer_update(actor=volunteer, profile=alex_profile, formats=["in_person"])
    assert "town" in caught.value.message_dict
    with pytest.raises(MatchmakingError, match="Only the volunteer"):
        services.offer_update(actor=participant, profile=alex_profile, formats=["online"])
    offer = services.offer_update(
        actor=volunteer, profile=alex_profile, formats=["phone"], tags=["carer"]
    )
    assert (offer.formats, offer.tags, offer.town) == (["phone"], ["carer"], "")
