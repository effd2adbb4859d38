"""The room pages through HTTP: "My rooms", the live room as first drawn, the
routes that find a room by its session, group or organisation, and the
no-JavaScript composer and moderation forms."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from django.utils.html import escape

from peercircle.core.models import AuditEvent
from peercircle.programmes.models import Session
from peercircle.programmes.services import group_create, session_cancel
from peercircle.rooms import services
from peercircle.rooms.access import room_seat
from peercircle.rooms.events import HIDDEN_TEXT
from peercircle.rooms.models import Message, MessageKind, MessageReport, Room, RoomPolicy
from tests.factories import CrisisResourceFactory, MembershipFactory, UserFactory, next_weekday

pytestmark = pytest.mark.django_db


def seated(user, room_id):
    seat = room_seat(user, room_id)
    if seat.member_id is None:
        services.member_enter(seat=seat, user=user)
        seat = room_seat(user, room_id)
    return seat


def post(user, room, text):
    return services.message_send(seat=seated(user, room.pk), author=user, body=text).message


def room_url(room):
    return f"/rooms/{room.pk}/"


def textarea(html):
    found = re.search(r'<textarea id="composer-body"[^>]*>(.*?)</textarea>', html, re.S)
    assert found, "no composer on the page"
    return found.group(1)


# --- My rooms ---------------------------------------------------------------------


def test_my_rooms_lists_the_open_session_room_with_its_unread_messages(
    client, room, participant, second_member, django_assert_max_num_queries
):
    post(second_member, room, "hello everyone")
    post(second_member, room, "anyone here?")
    post(participant, room, "my own words are not unread")
    client.force_login(participant)
    with django_assert_max_num_queries(20):
        response = client.get("/rooms/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Online Men&#x27;s Group: session 90" in html
    assert "Open now" in html
    assert "2 new messages" in html
    assert f'href="/rooms/session/{room.session_id}/"' in html


def test_my_rooms_says_when_a_later_session_room_opens(client, online_group, participant):
    from peercircle.programmes.services import enrolment_join

    enrolment_join(user=participant, group=online_group)
    now = timezone.now()
    Session.objects.filter(group=online_group).delete()
    Session.objects.create(
        group=online_group,
        number=91,
        starts_at=now + dt.timedelta(days=2),
        ends_at=now + dt.timedelta(days=2, hours=1),
    )
    client.force_login(participant)
    html = client.get("/rooms/").content.decode()
    assert "session 91" in html and "Opens" in html and "Open now" not in html


def test_my_rooms_needs_sign_in(client, db):
    response = client.get("/rooms/")
    assert response.status_code == 302 and "/account/login/" in response["Location"]


def test_the_main_navigation_links_to_my_rooms_for_signed_in_people(client, participant):
    client.force_login(participant)
    assert 'href="/rooms/"' in client.get("/me/groups/").content.decode()


# --- the room page ----------------------------------------------------------------


def test_room_page_shows_history_composer_presence_and_crisis_help(
    client, org, room, participant, second_member
):
    CrisisResourceFactory(organisation=org, name="Samaritans", phone="116 123")
    post(second_member, room, "first <b>words</b>")
    client.force_login(participant)
    response = client.get(room_url(room))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="log"' in html and 'aria-live="polite"' in html and 'role="status"' in html
    assert escape("first <b>words</b>") in html and "<b>words</b>" not in html
    assert 'id="composer-body"' in html and f'action="/rooms/{room.pk}/send/"' in html
    last = Message.objects.get(room=room, seq=1)
    assert f'data-last-id="{last.pk}"' in html
    assert f'data-ws-path="/ws/rooms/{room.pk}/"' in html
    assert "If you need help now" in html and 'href="tel:116123"' in html
    assert "peercircle/room.js" in html
    # A participant has no facilitator tools.
    assert "Facilitating" not in html and "/hide/" not in html


def test_room_page_makes_the_persons_member_row(client, room, participant):
    client.force_login(participant)
    client.get(room_url(room))
    assert room_seat(participant, room.pk).member_id is not None


def test_an_outsider_gets_the_same_404_as_for_a_room_that_does_not_exist(
    client, room, outsider, evaluator
):
    client.force_login(outsider)
    not_theirs = client.get(room_url(room))
    missing = client.get("/rooms/999999/")
    assert not_theirs.status_code == missing.status_code == 404
    assert not_theirs.content == missing.content
    client.force_login(evaluator)
    assert client.get(room_url(room)).status_code == 404


def test_facilitators_see_member_controls_and_open_reports(
    client, room, participant, second_member, volunteer
):
    message = post(second_member, room, "something worrying")
    services.message_report(
        seat=seated(participant, room.pk), actor=participant, message_id=message.pk, reason="unkind"
    )
    client.force_login(volunteer)
    html = client.get(room_url(room)).content.decode()
    assert "Facilitating" in html and 'data-moderator="true"' in html
    assert 'id="room-members"' in html and ">Kit<" in html and ">Sam<" in html
    assert "Sam reported it: unkind" in html
    assert f'action="/rooms/{room.pk}/messages/{message.pk}/hide/"' in html
    report = MessageReport.objects.get()
    assert f'action="/rooms/{room.pk}/reports/{report.pk}/dismiss/"' in html


def test_a_hidden_message_shows_as_hidden_to_members_and_its_text_only_to_facilitators(
    client, room, participant, second_member, volunteer
):
    message = post(second_member, room, "words that hurt")
    services.message_hide(seat=seated(volunteer, room.pk), actor=volunteer, message_id=message.pk)
    client.force_login(participant)
    html = client.get(room_url(room)).content.decode()
    assert HIDDEN_TEXT in html and "words that hurt" not in html
    assert "A facilitator hid a message." in html
    client.force_login(volunteer)
    html = client.get(room_url(room)).content.decode()
    assert HIDDEN_TEXT in html and "words that hurt" in html
    assert "only facilitators see this" in html


def test_earlier_messages_are_a_page_away_without_javascript(client, room, participant):
    seat = seated(participant, room.pk)
    Message.objects.bulk_create(
        Message(
            room=room, seq=seq, member_id=seat.member_id, author=participant, body=f"line {seq}"
        )
        for seq in range(1, 61)
    )
    Room.objects.filter(pk=room.pk).update(last_seq=60)
    client.force_login(participant)
    html = client.get(room_url(room)).content.decode()
    assert "line 60" in html and "line 11<" in html and "line 10<" not in html
    assert 'name="before" value="11"' in html
    html = client.get(room_url(room) + "?before=11").content.decode()
    assert "line 10<" in html and "line 1<" in html and "line 11<" not in html
    assert "Back to the newest messages" in html


def test_a_pairing_room_tells_both_people_who_else_can_read_it(
    client, org, participant, volunteer, coordinator
):
    pairing = services.pairing_create(
        actor=coordinator,
        organisation=org,
        participant_id=participant.pk,
        volunteer_id=volunteer.pk,
    )
    room = pairing.room
    for person, other in ((participant, "Alex"), (volunteer, "Sam")):
        client.force_login(person)
        html = client.get(room_url(room)).content.decode()
        assert f"One-to-one with {other}" in html
        assert "coordinators and the safeguarding lead can read it" in html
    client.force_login(coordinator)
    html = client.get(room_url(room)).content.decode()
    assert "is not yours" in html
    assert AuditEvent.objects.filter(action="read.conversation", actor=coordinator).count() == 1


# --- closed rooms -------------------------------------------------------------------


def test_a_room_before_its_session_says_when_it_opens(client, online_group, participant):
    from peercircle.programmes.services import enrolment_join

    enrolment_join(user=participant, group=online_group)
    starts = timezone.now() + dt.timedelta(days=1)
    session = Session.objects.create(
        group=online_group, number=92, starts_at=starts, ends_at=starts + dt.timedelta(hours=1)
    )
    room = services.room_for_session(session=session)
    client.force_login(participant)
    response = client.get(room_url(room))
    html = response.content.decode()
    assert response.status_code == 200
    assert "opens a little before the session starts" in html
    opens = timezone.localtime(starts - dt.timedelta(minutes=15))
    assert f'It opens at <time datetime="{opens.isoformat()}">{opens:%H:%M}' in html
    assert 'id="composer-body"' not in html


def test_a_finished_session_room_says_it_has_closed_and_shows_no_history(
    client, room, participant, second_member
):
    post(second_member, room, "said during the session")
    now = timezone.now()
    Session.objects.filter(pk=room.session_id).update(
        starts_at=now - dt.timedelta(hours=3), ends_at=now - dt.timedelta(hours=2)
    )
    client.force_login(participant)
    response = client.get(room_url(room))
    html = response.content.decode()
    assert response.status_code == 200
    assert "This session has finished, so its room is closed." in html
    assert "said during the session" not in html
    assert "If you need help now" in html


def test_a_cancelled_session_room_is_closed(client, room, participant, coordinator):
    session_cancel(actor=coordinator, session=room.session, reason="Facilitator unwell")
    client.force_login(participant)
    html = client.get(room_url(room)).content.decode()
    assert "This session was cancelled, so its room is closed." in html


# --- finding a room by its session, group or organisation ---------------------------


def test_the_session_route_sends_members_to_the_room_it_makes(
    client, live_session, online_group, participant
):
    from peercircle.programmes.services import enrolment_join

    enrolment_join(user=participant, group=online_group)
    assert not Room.objects.exists()
    client.force_login(participant)
    response = client.get(f"/rooms/session/{live_session.pk}/")
    room = Room.objects.get(session=live_session)
    assert response.status_code == 302 and response["Location"] == room_url(room)
    # The second visit finds the same room.
    assert client.get(f"/rooms/session/{live_session.pk}/")["Location"] == room_url(room)
    assert Room.objects.count() == 1


@pytest.mark.parametrize("persona", ["outsider", "evaluator", "stranger"])
def test_people_outside_a_group_get_404_and_make_no_room(
    client, persona, live_session, online_group, org, outsider, evaluator
):
    people = {
        "outsider": outsider,
        "evaluator": evaluator,
        # A participant of the organisation who is not in this group.
        "stranger": MembershipFactory(organisation=org, role="participant").user,
    }
    client.force_login(people[persona])
    missing_session = client.get("/rooms/session/999999/")
    session = client.get(f"/rooms/session/{live_session.pk}/")
    standing = client.get(f"/rooms/group/{online_group.pk}/")
    assert session.status_code == standing.status_code == missing_session.status_code == 404
    assert session.content == missing_session.content
    assert not Room.objects.exists()


def test_outsiders_and_participants_make_no_supporters_room(
    client, org, outsider, participant, evaluator
):
    for person in (outsider, participant, evaluator):
        client.force_login(person)
        assert client.get(f"/rooms/supporters/{org.pk}/").status_code == 404
    assert not Room.objects.exists()


def test_volunteers_and_coordinators_reach_the_supporters_room(client, org, volunteer, coordinator):
    client.force_login(volunteer)
    response = client.get(f"/rooms/supporters/{org.pk}/")
    room = Room.objects.get(kind="supporters", organisation=org)
    assert response["Location"] == room_url(room)
    client.force_login(coordinator)
    assert client.get(f"/rooms/supporters/{org.pk}/")["Location"] == room_url(room)
    assert client.get(room_url(room)).status_code == 200


def test_a_session_that_meets_in_person_has_no_room(client, group, participant):
    from peercircle.programmes.services import enrolment_join

    enrolment_join(user=participant, group=group)
    session = group.sessions.first()
    client.force_login(participant)
    assert client.get(f"/rooms/session/{session.pk}/").status_code == 404
    assert client.get(f"/rooms/group/{group.pk}/").status_code == 404
    assert not Room.objects.exists()


def test_the_standing_room_opens_when_the_organisation_allows_it(
    client, org, online_group, participant
):
    from peercircle.programmes.services import enrolment_join

    enrolment_join(user=participant, group=online_group)
    client.force_login(participant)
    response = client.get(f"/rooms/group/{online_group.pk}/")
    room = Room.objects.get(kind="standing", group=online_group)
    assert response["Location"] == room_url(room)
    html = client.get(room_url(room)).content.decode()
    assert "does not have a room between sessions" in html
    RoomPolicy.objects.create(organisation=org, standing_group_rooms=True)
    html = client.get(room_url(room)).content.decode()
    assert "Online Men&#x27;s Group: between sessions" in html and 'id="composer-body"' in html


def test_a_group_of_another_organisation_is_404_for_its_coordinator_too(
    client, other_org, outsider, participant
):
    from peercircle.programmes.services import programme_create

    programme = programme_create(
        actor=outsider, organisation=other_org, name="Hilltop", focus="general"
    )
    group = group_create(
        actor=outsider,
        programme=programme,
        name="Hilltop online",
        delivery="online",
        capacity=5,
        weekday=1,
        start_time=dt.time(10, 0),
        start_date=next_weekday(1),
    )
    client.force_login(participant)
    assert client.get(f"/rooms/group/{group.pk}/").status_code == 404
    client.force_login(outsider)
    assert client.get(f"/rooms/group/{group.pk}/").status_code == 302


# --- the composer without JavaScript ----------------------------------------------


def test_sending_without_javascript_stores_the_message_and_returns_to_the_room(
    client, room, participant
):
    client.force_login(participant)
    response = client.post(
        f"/rooms/{room.pk}/send/", {"body": "hello from a form", "client_id": "form-1"}
    )
    assert response.status_code == 302
    assert response["Location"] == room_url(room) + "#composer"
    message = Message.objects.get(room=room)
    assert message.body == "hello from a form" and message.author == participant
    # The same form sent again (a double click, a reload) is stored once.
    client.post(f"/rooms/{room.pk}/send/", {"body": "hello from a form", "client_id": "form-1"})
    assert Message.objects.filter(room=room).count() == 1
    assert "hello from a form" in client.get(room_url(room)).content.decode()


def test_a_refused_message_comes_back_in_the_box_with_the_reason(
    client, room, participant, settings
):
    settings.ROOMS_MAX_MESSAGE_CHARS = 20
    client.force_login(participant)
    text = "This is far too long for the room & it has <angle> brackets"
    response = client.post(f"/rooms/{room.pk}/send/", {"body": text, "client_id": "form-2"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Messages can be up to 20 characters" in html
    assert textarea(html) == escape(text)
    assert 'name="client_id" value="form-2"' in html
    assert not Message.objects.filter(room=room).exists()


def test_an_empty_message_is_refused_in_plain_words(client, room, participant):
    client.force_login(participant)
    html = client.post(f"/rooms/{room.pk}/send/", {"body": "   "}).content.decode()
    assert "Write something before sending." in html
    assert not Message.objects.exists()


def test_a_paused_conversation_keeps_the_members_text(client, room, participant, volunteer):
    services.room_lock(seat=seated(volunteer, room.pk), actor=volunteer, locked=True)
    client.force_login(participant)
    html = client.get(room_url(room)).content.decode()
    assert "only facilitators can write now" in html
    response = client.post(f"/rooms/{room.pk}/send/", {"body": "may I say something?"})
    html = response.content.decode()
    assert "only facilitators can write now" in html
    assert textarea(html) == "may I say something?"
    assert not Message.objects.filter(kind=MessageKind.TEXT).exists()
    # Facilitators may still write.
    client.force_login(volunteer)
    assert client.post(f"/rooms/{room.pk}/send/", {"body": "a word from me"}).status_code == 302


def test_a_message_sent_after_the_room_closed_is_shown_back_to_its_writer(
    client, room, participant
):
    now = timezone.now()
    Session.objects.filter(pk=room.session_id).update(
        starts_at=now - dt.timedelta(hours=3), ends_at=now - dt.timedelta(hours=2)
    )
    client.force_login(participant)
    response = client.post(f"/rooms/{room.pk}/send/", {"body": "one last thing"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Your message was not sent" in html and "one last thing" in html
    assert not Message.objects.exists()


def test_outsiders_cannot_send(client, room, outsider):
    client.force_login(outsider)
    assert client.post(f"/rooms/{room.pk}/send/", {"body": "hi"}).status_code == 404
    assert not Message.objects.exists()


def test_a_coordinator_can_send_without_having_opened_the_room_first(client, room, coordinator):
    client.force_login(coordinator)
    response = client.post(f"/rooms/{room.pk}/send/", {"body": "welcome, everyone"})
    assert response.status_code == 302
    assert Message.objects.get().author == coordinator


# --- moderation without JavaScript ----------------------------------------------------


def test_a_facilitator_hides_a_message_with_a_form(client, room, second_member, volunteer):
    message = post(second_member, room, "not kind")
    client.force_login(volunteer)
    response = client.post(f"/rooms/{room.pk}/messages/{message.pk}/hide/")
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.hidden_at is not None
    assert AuditEvent.objects.filter(action="room.message_hide").exists()


def test_a_member_cannot_hide_messages(client, room, participant, second_member):
    message = post(second_member, room, "mine to keep")
    client.force_login(participant)
    assert client.post(f"/rooms/{room.pk}/messages/{message.pk}/hide/").status_code == 404
    message.refresh_from_db()
    assert message.hidden_at is None


def test_a_facilitator_dismisses_a_report_and_the_message_stays(
    client, room, participant, second_member, volunteer
):
    message = post(second_member, room, "a clumsy joke")
    report = services.message_report(
        seat=seated(participant, room.pk), actor=participant, message_id=message.pk, reason="rude"
    )
    client.force_login(participant)
    assert client.post(f"/rooms/{room.pk}/reports/{report.pk}/dismiss/").status_code == 404
    client.force_login(volunteer)
    response = client.post(f"/rooms/{room.pk}/reports/{report.pk}/dismiss/")
    assert response.status_code == 302
    report.refresh_from_db()
    message.refresh_from_db()
    assert report.status == "dismissed" and message.hidden_at is None
    html = client.get(room_url(room)).content.decode()
    assert "No open reports." in html


def test_a_room_of_a_person_who_has_left_the_group_is_404(client, room, participant):
    from peercircle.programmes.models import Enrolment
    from peercircle.programmes.services import enrolment_leave

    enrolment_leave(user=participant, enrolment=Enrolment.objects.get(user=participant))
    client.force_login(participant)
    assert client.get(room_url(room)).status_code == 404


def test_a_removed_member_gets_404(client, room, participant, volunteer):
    seat = seated(participant, room.pk)
    services.member_remove(
        seat=seated(volunteer, room.pk),
        actor=volunteer,
        member_id=seat.member_id,
        reason="Repeated abuse",
    )
    client.force_login(participant)
    assert client.get(room_url(room)).status_code == 404


def test_an_organisation_member_with_no_role_in_the_group_sees_nothing(client, org, room):
    person = UserFactory()
    MembershipFactory(user=person, organisation=org, role="volunteer")
    client.force_login(person)
    assert client.get(room_url(room)).status_code == 404
