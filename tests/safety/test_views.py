"""The safeguarding pages: the alert page and its audit, the steps from the
page, keeping what a person wrote when a step is refused, raising a concern
and who may, and a held message shown or kept back. See docs/safety.md."""

from __future__ import annotations

import pytest
from django.urls import reverse

from peercircle.core.models import AuditEvent
from peercircle.rooms import services as room_services
from peercircle.rooms.access import room_seat
from peercircle.rooms.models import Message
from peercircle.safety import services
from peercircle.safety.models import Alert, SafetyPolicy, Source, State
from tests.conftest import member_with_consent

pytestmark = pytest.mark.django_db


@pytest.fixture
def alert(org, participant, safeguarding_lead):
    return services.raise_alert(
        organisation_id=org.pk,
        source=Source.MESSAGE,
        level="high",
        categories=["suicide"],
        person=participant,
        evidence=[
            {
                "rule": "en.suicide.wish",
                "category": "suicide",
                "level": "high",
                "start": 10,
                "end": 22,
                "text": "want to die",
            }
        ],
        excerpt="Honestly I want to die <b>today</b>",
    )


def alert_url(alert, step=""):
    return reverse("safety:" + (step or "alert"), args=[alert.pk])


def test_the_alert_page_shows_what_fired_and_every_view_is_audited(
    client, alert, safeguarding_lead
):
    client.force_login(safeguarding_lead)
    for _ in range(2):
        response = client.get(alert_url(alert))
        assert response.status_code == 200
    html = response.content.decode()
    assert '<mark class="fired">I want to di</mark>' not in html  # spans are offsets, not words
    assert '<mark class="fired">' in html
    # Message text is escaped, never taken as HTML.
    assert "<b>today</b>" not in html and "&lt;b&gt;today&lt;/b&gt;" in html
    assert "en.suicide.wish" in html
    reads = AuditEvent.objects.filter(action="read.alert", actor=safeguarding_lead)
    assert reads.count() == 2


def test_people_without_the_role_get_the_same_not_found_as_for_no_alert(
    client, alert, volunteer, coordinator, participant, outsider
):
    for person in (volunteer, coordinator, participant, outsider):
        client.force_login(person)
        assert client.get(alert_url(alert)).status_code == 404
        assert client.get(reverse("safety:alert", args=[alert.pk + 999])).status_code == 404
        assert client.post(alert_url(alert, "acknowledge")).status_code == 404
    assert not AuditEvent.objects.filter(action="read.alert").exists()
    alert.refresh_from_db()
    assert alert.state == State.OPEN


def test_acknowledge_then_close_with_an_outcome_from_the_page(client, alert, safeguarding_lead):
    client.force_login(safeguarding_lead)
    response = client.post(alert_url(alert, "acknowledge"))
    assert response.status_code == 302
    response = client.post(
        alert_url(alert, "close"),
        {"outcome": "contacted", "note": "Phoned Sam; safe with family tonight."},
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert (alert.state, alert.outcome) == (State.CLOSED, "contacted")
    html = client.get(alert_url(alert)).content.decode()
    assert "Phoned Sam; safe with family tonight." in html


def test_a_refused_close_keeps_the_note_that_was_written(client, alert, safeguarding_lead):
    client.force_login(safeguarding_lead)
    note = "Long careful note about what happened on the call"
    response = client.post(alert_url(alert, "close"), {"outcome": "no-such-outcome", "note": note})
    assert response.status_code == 400
    html = response.content.decode()
    assert note in html
    alert.refresh_from_db()
    assert alert.state == State.OPEN


def test_a_volunteer_raises_a_concern_about_someone_in_their_group(
    client, org, room, participant, volunteer, safeguarding_lead, live_session
):
    client.force_login(volunteer)
    url = reverse("safety:concern_new")
    query = {
        "organisation": org.pk,
        "person": participant.pk,
        "session": live_session.pk,
        "next": "/manage/",
    }
    response = client.get(url, query)
    assert response.status_code == 200
    assert "Sam" in response.content.decode()

    # Words missing: the page says so and keeps the choices made.
    response = client.post(url, {**query, "level": "high", "note": "  "})
    assert response.status_code == 400
    assert Alert.objects.count() == 0

    response = client.post(
        url,
        {
            **query,
            "level": "high",
            "categories": ["self_harm"],
            "note": "Sam showed fresh cuts on his arm after the session.",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/manage/"
    alert = Alert.objects.get()
    assert (alert.source, alert.person, alert.raised_by) == (Source.CONCERN, participant, volunteer)
    assert alert.session == live_session and alert.assigned_to == safeguarding_lead


def test_a_concern_about_someone_a_volunteer_does_not_support_is_not_found(
    client, org, room, volunteer
):
    stranger = member_with_consent(org, pseudonym="Quinn")
    client.force_login(volunteer)
    query = {"organisation": org.pk, "person": stranger.pk}
    assert client.get(reverse("safety:concern_new"), query).status_code == 404
    response = client.post(
        reverse("safety:concern_new"), {**query, "level": "high", "note": "worried"}
    )
    assert response.status_code == 404
    assert Alert.objects.count() == 0


def test_a_concern_from_a_message_names_its_writer_by_their_place_in_the_room(
    client, org, room, participant, volunteer
):
    seat = room_seat(participant, room.pk)
    room_services.member_enter(seat=seat, user=participant)
    seat = room_seat(participant, room.pk)
    posted = room_services.message_send(
        seat=seat, author=participant, body="nobody would notice if I was gone", client_id="c1"
    )
    client.force_login(volunteer)
    response = client.post(
        reverse("safety:concern_new"),
        {
            "organisation": org.pk,
            "room": room.pk,
            "member": seat.member_id,
            "message": posted.message.pk,
            "level": "high",
            "note": "This worried me; he went quiet afterwards.",
        },
    )
    assert response.status_code == 302
    alert = Alert.objects.get(source=Source.CONCERN)
    assert alert.person == participant and alert.message_id == posted.message.pk
    # A place in another room does not name anyone.
    response = client.get(
        reverse("safety:concern_new"),
        {"organisation": org.pk, "room": room.pk, "member": seat.member_id + 999},
    )
    assert response.status_code == 404


def test_a_held_message_is_kept_back_or_shown_from_the_alert_page(
    client, org, room, participant, safeguarding_lead, settings
):
    settings.ROOMS_SCREENING_HOOK = "tests.safety.test_rooms_live.high_risk"
    SafetyPolicy.objects.update_or_create(
        organisation=org, defaults={"hold_high_risk_messages": True}
    )
    seat = room_seat(participant, room.pk)
    room_services.member_enter(seat=seat, user=participant)
    posted = room_services.message_send(
        seat=room_seat(participant, room.pk), author=participant, body="held words", client_id="c1"
    )
    assert posted.message.held is True
    alert = Alert.objects.get(message=posted.message)

    # Kept back: it stays held, and the alert's history says who decided.
    client.force_login(safeguarding_lead)
    response = client.post(alert_url(alert, "held"), {"decision": "keep"})
    assert response.status_code == 302
    assert Message.objects.get(pk=posted.message.pk).held is True
    assert "Held message kept from the room" in client.get(alert_url(alert)).content.decode()

    # Shown later, from the same page: the room gets it in its place.
    response = client.post(alert_url(alert, "held"), {"decision": "show"})
    assert response.status_code == 302
    assert Message.objects.get(pk=posted.message.pk).held is False
    alert.refresh_from_db()
    assert alert.message_held is False
    html = client.get(alert_url(alert)).content.decode()
    assert "This message is held back" not in html
