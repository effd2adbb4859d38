"""A debrief is offered, automatically, to a volunteer who was part of a high
or imminent safeguarding alert: facilitating the room or group it came from,
supporting the person one to one, or raising the concern. It never stops the
alert, the coordinator sees it as a flag, and the email says nothing of who or
what it was about."""

from __future__ import annotations

import pytest
from django.core import mail

from peercircle.rooms.models import Room
from peercircle.rooms.services import pairing_create, room_standing
from peercircle.safety import services as safety
from peercircle.safety.models import Alert
from peercircle.volunteers import selectors, services
from peercircle.volunteers.models import DebriefOffer, VolunteerProfile
from peercircle.volunteers.services import VolunteerError
from tests.factories import UserFactory, make_active_volunteer

pytestmark = pytest.mark.django_db


def alert_in(room, person, level="high", session=None):
    return safety.raise_alert(
        organisation_id=room.organisation_id,
        source="message",
        level=level,
        categories=["suicide"],
        person=person,
        excerpt="I can't go on",
        room=room,
        session=session,
    )


@pytest.fixture
def alex(volunteer):
    return VolunteerProfile.objects.get(person=volunteer)


@pytest.fixture
def group_room(group):
    return room_standing(group=group)


def test_a_high_alert_in_a_room_the_volunteer_facilitates_offers_them_a_debrief(
    group_room, participant, alex, safeguarding_lead
):
    alert = alert_in(group_room, participant)
    offer = DebriefOffer.objects.get()
    assert (offer.profile, offer.alert, offer.involvement, offer.state) == (
        alex,
        alert,
        "facilitator",
        "offered",
    )


def test_an_imminent_alert_from_a_session_of_their_group_offers_one_too(
    group, participant, alex, safeguarding_lead
):
    session = group.sessions.first()
    safety.raise_alert(
        organisation_id=group.organisation_id,
        source="concern",
        level="imminent",
        person=participant,
        session=session,
    )
    assert DebriefOffer.objects.get().profile == alex


def test_a_concern_the_volunteer_raised_at_high_offers_them_a_debrief(
    org, participant, volunteer, alex, safeguarding_lead
):
    safety.concern_raise(
        actor=volunteer,
        organisation_id=org.pk,
        person=participant,
        level="high",
        categories=["suicide"],
        note="He said he has a plan for tonight.",
    )
    assert DebriefOffer.objects.get().involvement == "raised_concern"


def test_the_one_to_one_supporter_is_offered_a_debrief(
    org, coordinator, participant, volunteer, alex, safeguarding_lead
):
    pairing = pairing_create(
        actor=coordinator,
        organisation=org,
        participant_id=participant.pk,
        volunteer_id=volunteer.pk,
    )
    alert_in(Room.objects.get(pairing=pairing), participant, level="imminent")
    assert DebriefOffer.objects.get().involvement == "one_to_one"


def test_a_moderate_alert_offers_no_debrief(group_room, participant, alex):
    alert_in(group_room, participant, level="moderate")
    assert not DebriefOffer.objects.exists()


def test_volunteers_who_were_not_part_of_it_are_not_offered_one(
    org, coordinator, group_room, participant, alex
):
    other = UserFactory(pseudonym="Wren")
    from tests.factories import MembershipFactory

    MembershipFactory(user=other, organisation=org, role="volunteer")
    make_active_volunteer(other, org, trainer=coordinator)
    alert_in(group_room, participant)
    assert list(DebriefOffer.objects.values_list("profile__person__pseudonym", flat=True)) == [
        "Alex"
    ]


def test_the_person_the_alert_is_about_is_not_offered_a_debrief_about_themselves(
    group_room, volunteer, alex
):
    alert_in(group_room, volunteer)  # Alex's own message
    assert not DebriefOffer.objects.exists()


def test_offering_twice_makes_one_offer(group_room, participant, alex):
    alert = alert_in(group_room, participant)
    assert services.debriefs_offer_for_alert(alert=alert) == []
    assert DebriefOffer.objects.count() == 1


def test_a_failure_to_offer_never_stops_the_alert_and_the_daily_task_offers_it_later(
    group_room, participant, alex, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("volunteers are down")

    monkeypatch.setattr(services, "debriefs_offer_for_alert", broken)
    alert = alert_in(group_room, participant)
    assert Alert.objects.filter(pk=alert.pk).exists()
    assert not DebriefOffer.objects.exists()
    monkeypatch.undo()
    assert services.debriefs_offer_due() == 1
    assert DebriefOffer.objects.get().alert == alert


def test_the_coordinator_sees_the_debrief_as_a_flag_until_it_is_done(
    org, group_room, participant, volunteer, coordinator, alex
):
    alert_in(group_room, participant)
    flags = {flag.code: flag.words for flag in selectors.flags_for(alex)}
    assert "a high safeguarding alert" in flags["safeguarding"]
    assert "debrief offered, not answered yet" in flags["safeguarding"]
    offer = DebriefOffer.objects.get()
    services.debrief_respond(actor=volunteer, offer=offer, accept=True)
    assert (
        "they said yes: arrange it"
        in {f.code: f.words for f in selectors.flags_for(alex)}["safeguarding"]
    )
    services.debrief_done(actor=coordinator, offer=offer)
    assert "safeguarding" not in {f.code for f in selectors.flags_for(alex)}


def test_only_the_volunteer_answers_and_only_a_coordinator_records_it_done(
    group_room, participant, volunteer, coordinator, alex
):
    alert_in(group_room, participant)
    offer = DebriefOffer.objects.get()
    with pytest.raises(VolunteerError, match="Only the volunteer"):
        services.debrief_respond(actor=coordinator, offer=offer, accept=True)
    with pytest.raises(VolunteerError, match="Only a coordinator"):
        services.debrief_done(actor=volunteer, offer=offer)
    services.debrief_respond(actor=volunteer, offer=offer, accept=False)
    with pytest.raises(VolunteerError, match="said no to this debrief"):
        services.debrief_done(actor=coordinator, offer=offer)


def test_the_email_offers_a_debrief_without_saying_what_happened(
    group_room, participant, volunteer, alex
):
    alert_in(group_room, participant)
    mail.outbox.clear()
    assert services.debriefs_email([DebriefOffer.objects.get().pk]) == 1
    message = mail.outbox[0]
    assert message.to == [volunteer.email]
    assert "debrief" in message.subject.lower()
    assert "can't go on" not in message.body and participant.pseudonym not in message.body
    assert services.debriefs_email([DebriefOffer.objects.get().pk]) == 0  # once
