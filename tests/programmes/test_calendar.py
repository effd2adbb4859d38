"""The personal iCalendar feed, through HTTP, parsed with icalendar."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.urls import reverse
from icalendar import Calendar

from peercircle.programmes.calendar import feed_build, session_uid
from peercircle.programmes.services import enrolment_join, group_create, session_cancel
from tests.factories import UserFactory

LONDON = ZoneInfo("Europe/London")


def feed_url(user) -> str:
    return reverse("public:calendar_feed", args=[user.calendar_token])


def events(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_feed_has_the_members_sessions_in_utc(client, group, participant):
    enrolment_join(user=participant, group=group)
    found = events(client.get(feed_url(participant)))
    sessions = list(group.sessions.order_by("starts_at"))
    assert set(found) == {session_uid(s) for s in sessions}
    for session in sessions:
        event = found[session_uid(session)]
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert start.utcoffset() == dt.timedelta(0)
        assert start == session.starts_at and end == session.ends_at
        # A Monday 19:00 group: 19:00 in London whatever the season.
        assert start.astimezone(LONDON).time() == dt.time(19, 0)
        assert start.astimezone(LONDON).weekday() == 0
        assert str(event["SUMMARY"]) == "Monday Men's Group"
        assert str(event["STATUS"]) == "CONFIRMED"
    # Written as UTC ("Z") times, which every calendar app reads the same way.
    first = sessions[0].starts_at.astimezone(dt.UTC)
    assert f"DTSTART:{first:%Y%m%dT%H%M%S}Z".encode() in client.get(feed_url(participant)).content


def test_feed_gives_the_address_to_members_and_no_one_elses_name(
    client, group, participant, make_member
):
    enrolment_join(user=participant, group=group)
    other = make_member()
    other.pseudonym, other.real_name = "Zebedee", "Zachary Quartermaine"
    other.save()
    enrolment_join(user=other, group=group)
    response = client.get(feed_url(participant))
    event = next(iter(events(response).values()))
    assert str(event["LOCATION"]) == "Riverside Community Centre, 1 River Street, Leeds"
    body = response.content.decode()
    assert "Zebedee" not in body and "Zachary" not in body
    assert participant.pseudonym not in body


def test_uids_are_stable_between_fetches(client, group, participant):
    enrolment_join(user=participant, group=group)
    first = set(events(client.get(feed_url(participant))))
    second = set(events(client.get(feed_url(participant))))
    assert first == second and len(first) > 0


def test_cancelled_sessions_are_marked_cancelled(client, group, participant, coordinator):
    enrolment_join(user=participant, group=group)
    session = group.sessions.order_by("starts_at").first()
    session_cancel(actor=coordinator, session=session, reason="Hall closed")
    event = events(client.get(feed_url(participant)))[session_uid(session)]
    assert str(event["STATUS"]) == "CANCELLED"
    assert "Hall closed" in str(event["DESCRIPTION"])


def test_waiting_list_and_left_groups_are_not_in_the_feed(client, group, make_member):
    members = [make_member() for _ in range(4)]
    enrolments = [enrolment_join(user=m, group=group) for m in members]
    assert events(client.get(feed_url(members[3]))) == {}  # waiting
    from peercircle.programmes.services import enrolment_leave

    enrolment_leave(user=members[0], enrolment=enrolments[0])
    assert events(client.get(feed_url(members[0]))) == {}  # left


def test_online_group_gives_its_link_to_members(client, programme, coordinator, participant):
    online = group_create(
        actor=coordinator,
        programme=programme,
        name="Online Evening",
        delivery="online",
        online_link="https://meet.example.org/abc",
        weekday=3,
        start_time=dt.time(20, 0),
        start_date=dt.date.today() + dt.timedelta(days=1),
    )
    enrolment_join(user=participant, group=online)
    event = next(iter(events(client.get(feed_url(participant))).values()))
    assert str(event["LOCATION"]) == "Online"
    assert str(event["URL"]) == "https://meet.example.org/abc"


def test_unknown_token_is_not_found(client, db):
    UserFactory()
    assert client.get("/me/calendar/not-a-real-token.ics").status_code == 404


def test_inactive_accounts_have_no_feed(client, group, participant):
    enrolment_join(user=participant, group=group)
    participant.is_active = False
    participant.save()
    assert client.get(feed_url(participant)).status_code == 404


def test_feed_build_across_the_autumn_change(programme, coordinator):
    # Pure feed building over the 25 October 2026 change: UTC hour moves, local does not.
    course = group_create(
        actor=coordinator,
        programme=programme,
        name="Autumn course",
        kind="course",
        course_weeks=4,
        delivery="online",
        weekday=0,
        start_time=dt.time(19, 0),
        start_date=dt.date(2026, 10, 12),
    )
    sessions = list(course.sessions.select_related("group").order_by("starts_at"))
    calendar = Calendar.from_ical(feed_build(sessions=sessions))
    starts = [e.decoded("DTSTART") for e in calendar.walk("VEVENT")]
    assert [s.astimezone(dt.UTC).hour for s in starts] == [18, 18, 19, 19]
    assert {s.astimezone(LONDON).hour for s in starts} == {19}
    assert str(calendar["VERSION"]) == "2.0" and "PeerCircle" in str(calendar["PRODID"])
