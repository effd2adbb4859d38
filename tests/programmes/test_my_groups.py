"""My groups: enrolments in plain words, offers, leaving, apologies, through HTTP."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from peercircle.programmes.models import Attendance, EnrolmentStatus, Group
from peercircle.programmes.services import enrolment_join, enrolment_leave, group_create
from tests.factories import ProgrammeFactory, next_weekday

MY_GROUPS = reverse("public:my_groups")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def fill(group, make_member, count):
    members = [make_member() for _ in range(count)]
    return members, [enrolment_join(user=m, group=group) for m in members]


def test_my_groups_needs_sign_in(client, db):
    response = client.get(MY_GROUPS)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_nothing_joined_points_to_the_finder(participant):
    html = signed_in(participant).get(MY_GROUPS).content.decode()
    assert "You have not joined any groups yet." in html


def test_member_sees_status_and_upcoming_sessions_with_apologies(group, participant):
    enrolment_join(user=participant, group=group)
    html = signed_in(participant).get(MY_GROUPS).content.decode()
    assert "Monday Men&#x27;s Group" in html
    assert "You are a member." in html
    assert html.count("Send apologies<span") == 4  # the next four sessions


def test_waiting_list_shows_position(group, make_member):
    members, _ = fill(group, make_member, 5)
    html = signed_in(members[4]).get(MY_GROUPS).content.decode()
    assert "You are on the waiting list, number 2." in html
    assert "Send apologies" not in html


def test_offer_can_be_accepted_from_my_groups(group, make_member):
    members, enrolments = fill(group, make_member, 4)
    enrolment_leave(user=members[0], enrolment=enrolments[0])
    waiting = enrolments[3]
    client = signed_in(members[3])
    html = client.get(MY_GROUPS).content.decode()
    assert "A place is offered to you until" in html
    accept = reverse("public:offer_accept", args=[waiting.pk])
    assert f'action="{accept}"' in html
    response = client.post(accept, follow=True)
    assert (
        "The place is yours: you are now a member of Monday Men&#x27;s Group."
        in response.content.decode()
    )
    waiting.refresh_from_db()
    assert waiting.status == EnrolmentStatus.ACTIVE


def test_declining_an_offer_passes_the_place_on(group, make_member):
    members, enrolments = fill(group, make_member, 5)
    enrolment_leave(user=members[0], enrolment=enrolments[0])
    response = signed_in(members[3]).post(
        reverse("public:offer_decline", args=[enrolments[3].pk]), follow=True
    )
    assert "You have turned down the place" in response.content.decode()
    enrolments[3].refresh_from_db()
    enrolments[4].refresh_from_db()
    assert enrolments[3].status == EnrolmentStatus.LEFT
    assert enrolments[4].status == EnrolmentStatus.OFFERED
    assert Group.objects.get(pk=group.pk).places_taken == 3


def test_accepting_with_nothing_on_offer_says_so(group, participant):
    enrolment = enrolment_join(user=participant, group=group)
    response = signed_in(participant).post(
        reverse("public:offer_accept", args=[enrolment.pk]), follow=True
    )
    assert "There is no place on offer to accept." in response.content.decode()


def test_leaving_frees_the_place(group, participant):
    enrolment = enrolment_join(user=participant, group=group)
    page = reverse("public:group_detail", args=[group.pk, group.slug])
    response = signed_in(participant).post(
        reverse("public:enrolment_leave", args=[enrolment.pk]), {"next": page}, follow=True
    )
    assert response.redirect_chain[-1][0] == page
    assert "You have left Monday Men&#x27;s Group." in response.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.LEFT
    assert Group.objects.get(pk=group.pk).places_taken == 0


def test_next_must_stay_on_this_site(group, participant):
    enrolment = enrolment_join(user=participant, group=group)
    response = signed_in(participant).post(
        reverse("public:enrolment_leave", args=[enrolment.pk]), {"next": "https://evil.example/"}
    )
    assert response.url == MY_GROUPS


def test_someone_elses_enrolment_is_not_found(group, participant, make_member, outsider):
    enrolment = enrolment_join(user=participant, group=group)
    for intruder in (make_member(), outsider):
        client = signed_in(intruder)
        for name in ("enrolment_leave", "offer_accept", "offer_decline"):
            assert client.post(reverse(f"public:{name}", args=[enrolment.pk])).status_code == 404
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE


def test_changes_are_posts_only(group, participant):
    enrolment = enrolment_join(user=participant, group=group)
    client = signed_in(participant)
    assert client.get(reverse("public:enrolment_leave", args=[enrolment.pk])).status_code == 405
    assert client.get(reverse("public:calendar_reset")).status_code == 405


def test_sending_apologies(group, participant):
    enrolment_join(user=participant, group=group)
    session = group.sessions.order_by("starts_at").first()
    client = signed_in(participant)
    response = client.post(reverse("public:apologies_send", args=[session.pk]), follow=True)
    html = response.content.decode()
    assert "Thank you for letting us know you cannot come on Monday" in html
    assert "You sent apologies" in html
    assert Attendance.objects.get(session=session, user=participant).status == "apologies"


def test_apologies_only_from_members(group, participant, make_member):
    enrolment_join(user=participant, group=group)
    session = group.sessions.first()
    stranger = make_member()
    response = signed_in(stranger).post(reverse("public:apologies_send", args=[session.pk]))
    assert response.status_code == 404
    assert not Attendance.objects.exists()


def test_calendar_address_is_shown_and_can_be_reset(participant):
    client = signed_in(participant)
    old = participant.calendar_token
    html = client.get(MY_GROUPS).content.decode()
    assert f"/me/calendar/{old}.ics" in html
    assert f"webcal://testserver/me/calendar/{old}.ics" in html
    response = client.post(reverse("public:calendar_reset"), follow=True)
    participant.refresh_from_db()
    assert participant.calendar_token != old
    assert "Your calendar has a new address." in response.content.decode()
    assert f"/me/calendar/{participant.calendar_token}.ics" in response.content.decode()
    assert client.get(f"/me/calendar/{old}.ics").status_code == 404


def _my_groups_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(MY_GROUPS).status_code == 200
    return len(queries)


def test_my_groups_query_count_does_not_grow_with_groups(
    org, coordinator, participant, make_member
):
    programme = ProgrammeFactory(organisation=org)

    def add_groups(count, start):
        for n in range(start, start + count):
            group = group_create(
                actor=coordinator,
                programme=programme,
                name=f"Group {n}",
                delivery="online",
                capacity=1,
                weekday=n % 7,
                start_time=dt.time(18, 0),
                start_date=next_weekday(n % 7),
            )
            holder = make_member() if n % 3 else None
            first = enrolment_join(user=holder, group=group) if holder else None
            enrolment_join(user=participant, group=group)  # member, or waiting behind holder
            if n % 3 == 2:  # the holder leaves, so the place is offered
                enrolment_leave(user=holder, enrolment=first)

    client = signed_in(participant)
    add_groups(3, 0)
    client.get(MY_GROUPS)
    few = _my_groups_queries(client)
    add_groups(27, 3)
    html = client.get(MY_GROUPS).content.decode()
    assert html.count("You are a member.") == 10
    assert html.count("You are on the waiting list, number 1.") == 10
    assert html.count("A place is offered to you until") == 10
    many = _my_groups_queries(client)
    assert few == many
