"""The matching pages, through HTTP: the coordinator's, the participant's and
the volunteer's. A refused form comes back with what was typed."""

from __future__ import annotations

from django.utils.html import escape

from peercircle.matchmaking import services
from peercircle.matchmaking.models import ChangeRequest, Proposal, RequestState, SupportRequest
from peercircle.rooms.models import Pairing, Room
from tests.matchmaking.conftest import ask

ASK_FORM = {
    "languages": "English, Polish",
    "slots": ["mon-evening", "sat-morning"],
    "formats": ["online"],
    "town": "",
    "tags": ["new_dad"],
    "gender_preference": "man",
    "gender_strength": "nice",
    "tag_preference": "",
    "tag_strength": "nice",
    "note": "Evenings after the baby is asleep are best.",
}


def test_participant_asks_and_sees_where_it_stands(client, org, participant):
    client.force_login(participant)
    page = client.get("/support/")
    assert page.status_code == 200
    assert f"/support/{org.pk}/ask/" in page.content.decode()

    response = client.post(f"/support/{org.pk}/ask/", ASK_FORM)

    assert response.status_code == 302
    request = SupportRequest.objects.get(person=participant)
    assert request.languages == ["English", "Polish"]
    assert request.slots == ["mon-evening", "sat-morning"]
    assert request.note == "Evenings after the baby is asleep are best."
    home = client.get("/support/").content.decode()
    assert "You have asked for a peer supporter" in home
    assert "Monday evening, Saturday morning" in home
    # Changing it shows what was asked, and saves the change.
    form = client.get(f"/support/{org.pk}/ask/").content.decode()
    assert "Change what you asked for" in form and 'value="English, Polish"' in form
    client.post(f"/support/{org.pk}/ask/", {**ASK_FORM, "languages": "English"})
    request.refresh_from_db()
    assert request.languages == ["English"]


def test_bad_request_keeps_what_was_typed_and_stores_nothing(client, org, participant):
    client.force_login(participant)
    response = client.post(
        f"/support/{org.pk}/ask/",
        {**ASK_FORM, "formats": ["in_person", "online"], "town": "Atlantis", "slots": []},
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body
    assert "We could not find a town called “Atlantis”" in body
    assert "Choose at least one time" in body
    assert 'value="English, Polish"' in body and 'value="Atlantis"' in body
    assert "Evenings after the baby is asleep are best." in body
    assert 'value="in_person" id="ask-formats_0" checked' in body
    assert 'value="phone" id="ask-formats_2" checked' not in body
    assert not SupportRequest.objects.exists()


def test_withdraw(client, org, participant):
    request = ask(participant, org)
    client.force_login(participant)
    response = client.post(f"/support/requests/{request.pk}/withdraw/")
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.state == RequestState.WITHDRAWN


def test_coordinator_runs_a_round_and_accepts(
    client, org, coordinator, participant, volunteer, alex_profile, django_assert_max_num_queries
):
    ask(participant, org)
    client.force_login(coordinator)
    page = client.get(f"/manage/matching/{org.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "<strong>1</strong> person is waiting" in body and "As many people as possible" in body

    assert (
        client.post(f"/manage/matching/{org.pk}/run/", {"objective": "best_total"}).status_code
        == 302
    )
    with django_assert_max_num_queries(20):
        body = client.get(f"/manage/matching/{org.pk}/").content.decode()
    proposal = Proposal.objects.get()
    assert "Sam with Alex" in body
    assert "Both free on Monday evenings" in body
    assert f"/manage/matching/proposals/{proposal.pk}/accept/" in body

    assert client.post(f"/manage/matching/proposals/{proposal.pk}/accept/").status_code == 302
    pairing = Pairing.objects.get(participant=participant, volunteer=volunteer)
    room = Room.objects.get(pairing=pairing)
    client.force_login(participant)
    home = client.get("/support/").content.decode()
    assert "Alex" in home and f"/rooms/{room.pk}/" in home


def test_bad_objective_keeps_the_page_with_the_reason(client, org, coordinator, participant):
    ask(participant, org)
    client.force_login(coordinator)
    response = client.post(f"/manage/matching/{org.pk}/run/", {"objective": "fastest"})
    assert response.status_code == 400
    assert "Choose how to match from the two ways shown." in response.content.decode()


def test_change_lists_who_fits_and_refuses_one_who_does_not(
    client, org, coordinator, participant, alex_profile, heron
):
    ask(participant, org)
    services.round_run(actor=coordinator, organisation=org, objective="best_total")
    proposal = Proposal.objects.get()
    client.force_login(coordinator)

    page = client.get(f"/manage/matching/proposals/{proposal.pk}/change/").content.decode()
    assert f'value="{alex_profile.pk}"' in page
    assert f'value="{heron.pk}"' not in page  # Heron is not free on Monday evenings

    response = client.post(
        f"/manage/matching/proposals/{proposal.pk}/change/", {"profile": heron.pk}
    )
    assert response.status_code == 400
    assert "Heron does not fit" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.state == "proposed" and not Pairing.objects.exists()

    response = client.post(
        f"/manage/matching/proposals/{proposal.pk}/change/", {"profile": alex_profile.pk}
    )
    assert response.status_code == 302
    assert Pairing.objects.filter(participant=participant).exists()


def test_reject_needs_a_reason(client, org, coordinator, participant, alex_profile):
    ask(participant, org)
    services.round_run(actor=coordinator, organisation=org, objective="best_total")
    proposal = Proposal.objects.get()
    client.force_login(coordinator)
    url = f"/manage/matching/proposals/{proposal.pk}/reject/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400 and "Say briefly why" in response.content.decode()
    assert client.post(url, {"reason": "They are neighbours."}).status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == "rejected" and proposal.reason == "They are neighbours."


def test_asking_to_change_and_the_coordinator_resolving(
    client, org, coordinator, participant, volunteer
):
    from peercircle.rooms.services import pairing_create

    pairing = pairing_create(
        actor=coordinator, organisation=org, participant_id=participant.pk,
        volunteer_id=volunteer.pk,
    )  # fmt: skip
    client.force_login(participant)
    url = f"/support/pairings/{pairing.pk}/change/"
    page = client.get(url).content.decode()
    assert "What you would prefer in a new supporter" in page
    response = client.post(url, {"kind": "", "note": "We never find a time."})
    assert response.status_code == 400 and "We never find a time." in response.content.decode()
    assert client.post(url, {"kind": "change", "note": "We never find a time."}).status_code == 302
    change = ChangeRequest.objects.get()

    client.force_login(volunteer)
    assert "What you would prefer" not in client.get(url).content.decode()

    client.force_login(coordinator)
    assert (
        f"/manage/matching/change-requests/{change.pk}/"
        in client.get(f"/manage/matching/{org.pk}/").content.decode()
    )
    resolve = f"/manage/matching/change-requests/{change.pk}/"
    assert "We never find a time." in client.get(resolve).content.decode()
    response = client.post(resolve, {"outcome": "rematch", "reason": "Asked to change."})
    assert response.status_code == 400 and "not made from a request" in response.content.decode()
    assert client.post(resolve, {"outcome": "ended", "reason": "Asked."}).status_code == 302
    pairing.refresh_from_db()
    assert pairing.ended_at is not None


def test_volunteer_offer_page(client, org, volunteer, alex_profile):
    client.force_login(volunteer)
    page = client.get("/support/offer/")
    assert page.status_code == 200
    url = f"/support/offer/{alex_profile.pk}/"
    response = client.post(url, {"formats": ["in_person"], "tags": ["carer"], "town": ""})
    assert response.status_code == 400
    body = response.content.decode()
    assert "say which town" in body and 'value="carer"' in body
    assert client.post(url, {"formats": ["in_person"], "town": "Leeds"}).status_code == 302
    alex_profile.supporter_offer.refresh_from_db()
    assert alex_profile.supporter_offer.town == "Leeds"


def test_others_get_the_same_404(client, org, participant, outsider, volunteer, alex_profile):
    request = ask(participant, org)
    for person in (outsider, volunteer):
        client.force_login(person)
        assert client.post(f"/support/requests/{request.pk}/withdraw/").status_code == 404
        assert client.get(f"/manage/matching/{org.pk}/").status_code == 404
    client.force_login(outsider)
    assert client.get(f"/support/{org.pk}/ask/").status_code == 404
    assert client.post(f"/support/offer/{alex_profile.pk}/", {}).status_code == 404
    assert client.get("/support/offer/").status_code == 404


def test_groups_that_may_suit_them_are_suggested(client, org, participant, group, private_group):
    ask(participant, org, formats=["in_person", "online"], town="Leeds")
    client.force_login(participant)
    body = client.get("/support/").content.decode()
    assert "Groups that may suit you" in body
    assert escape(group.name) in body and f"/groups/{group.pk}/" in body
    assert escape(private_group.name) not in body  # unlisted
    from peercircle.programmes.services import enrolment_join

    enrolment_join(user=participant, group=group)
    assert escape(group.name) not in client.get("/support/").content.decode()  # a member now


def test_after_support_ends_they_can_ask_again(client, org, coordinator, participant, alex_profile):
    from peercircle.rooms.services import pairing_end

    request = ask(participant, org, tags=["psychosis"])
    services.proposal_accept(
        actor=coordinator,
        proposal=services.round_run(
            actor=coordinator, organisation=org, objective="best_total"
        ).proposals.get(),
    )
    request.refresh_from_db()
    pairing_end(actor=coordinator, pairing=request.pairing, reason="Support finished well.")
    client.force_login(participant)
    home = client.get("/support/").content.decode()
    assert f"/support/{org.pk}/ask/" in home and "You have been matched" not in home

    response = client.post(f"/support/{org.pk}/ask/", ASK_FORM)

    assert response.status_code == 302
    request.refresh_from_db()
    assert request.state == RequestState.ENDED
    assert SupportRequest.objects.filter(person=participant, state="waiting").exists()
    # What people are going through stays out of the audit log.
    from peercircle.core.models import AuditEvent

    details = " ".join(str(e.detail) for e in AuditEvent.objects.all())
    assert "psychosis" not in details and "new_dad" not in details
