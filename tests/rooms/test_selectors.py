"""A person's rooms ("My rooms"): what is listed, open or not, and unread counts."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from peercircle.programmes.models import Session
from peercircle.rooms import selectors, services
from peercircle.rooms.access import room_seat
from peercircle.rooms.models import RoomPolicy


def _post(user, room, text):
    seat = room_seat(user, room.pk)
    if seat.member_id is None:
        services.member_enter(seat=seat, user=user)
        seat = room_seat(user, room.pk)
    return services.message_send(seat=seat, author=user, body=text).message


def test_a_member_sees_the_live_session_room_with_unread_messages(
    room, participant, volunteer, second_member
):
    _post(volunteer, room, "Welcome, everyone")
    _post(second_member, room, "Hi all")
    entries = selectors.rooms_for(participant)
    live = [e for e in entries if e.kind == "session"]
    assert len(live) == 1
    assert live[0].url_name == "rooms:session" and live[0].url_arg == room.session_id
    assert live[0].is_open(timezone.now())
    assert live[0].unread == 2
    # Reading moves the count; one's own messages never count.
    seat = room_seat(participant, room.pk)
    services.member_enter(seat=seat, user=participant)
    services.read_position(seat=room_seat(participant, room.pk), seq=1)
    _post(participant, room, "Hello")
    assert [e.unread for e in selectors.rooms_for(participant) if e.kind == "session"] == [1]


def test_a_session_later_in_the_week_is_listed_as_not_open_yet(online_group, participant):
    from peercircle.programmes.services import enrolment_join

    enrolment_join(user=participant, group=online_group)
    entries = [e for e in selectors.rooms_for(participant) if e.kind == "session"]
    assert len(entries) == 1
    assert not entries[0].is_open(timezone.now())
    session = Session.objects.get(pk=entries[0].url_arg)
    assert entries[0].opens_at == session.starts_at - dt.timedelta(minutes=15)


def test_standing_rooms_pairings_and_the_supporters_room(
    org, online_group, participant, volunteer, coordinator
):
    from peercircle.programmes.services import enrolment_join

    enrolment_join(user=participant, group=online_group)
    assert not [e for e in selectors.rooms_for(participant) if e.kind == "standing"]
    RoomPolicy.objects.create(organisation=org, standing_group_rooms=True)
    services.pairing_create(
        actor=coordinator,
        organisation=org,
        participant_id=participant.pk,
        volunteer_id=volunteer.pk,
    )
    kinds = sorted(e.kind for e in selectors.rooms_for(participant))
    assert kinds == ["pairing", "session", "standing"]
    pairing_entry = next(e for e in selectors.rooms_for(participant) if e.kind == "pairing")
    assert pairing_entry.title == "One-to-one with Alex"
    volunteer_kinds = sorted(e.kind for e in selectors.rooms_for(volunteer))
    assert volunteer_kinds == ["pairing", "session", "standing", "supporters"]


def test_people_outside_the_organisation_see_none_of_its_rooms(
    room, org, other_org, outsider, evaluator
):
    # The outsider coordinates another organisation: only that one's supporters' room.
    assert [(e.kind, e.url_arg) for e in selectors.rooms_for(outsider)] == [
        ("supporters", other_org.pk)
    ]
    assert selectors.rooms_for(evaluator) == []


def test_my_rooms_takes_a_fixed_number_of_queries(
    django_assert_max_num_queries, org, room, participant, volunteer, coordinator, make_member
):
    from peercircle.programmes.services import enrolment_join

    for _ in range(3):
        other = make_member()
        services.pairing_create(
            actor=coordinator, organisation=org, participant_id=other.pk, volunteer_id=volunteer.pk
        )
        enrolment_join(user=other, group=room.group)
    with django_assert_max_num_queries(12):
        entries = selectors.rooms_for(volunteer)
    assert len(entries) == 1 + 3 + 1  # session, three pairings, supporters
