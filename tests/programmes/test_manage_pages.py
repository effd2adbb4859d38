"""The coordinator back office through HTTP, as each persona. See docs/programmes.md."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from peercircle.core.models import AuditEvent
from peercircle.programmes.models import (
    Attendance,
    Enrolment,
    EnrolmentStatus,
    Facilitation,
    Group,
    Programme,
    Session,
    SessionStatus,
)
from peercircle.programmes.services import enrolment_join, group_create, register_take
from tests.conftest import member_with_consent
from tests.factories import next_weekday


def _page(client, user, url, method="get", data=None, **extra):
    client.force_login(user)
    return getattr(client, method)(url, data or {}, **extra)


@pytest.fixture
def other_group(programme, coordinator):
    """A group of Riverside's that the volunteer does not facilitate."""
    return group_create(
        actor=coordinator,
        programme=programme,
        name="Thursday Online Group",
        delivery="online",
        capacity=8,
        weekday=3,
        start_time=dt.time(18, 30),
        start_date=next_weekday(3),
    )


@pytest.fixture
def members(group, make_member):
    """Three members (the group is full) and two people waiting."""
    people = [make_member() for _ in range(5)]
    for person in people:
        enrolment_join(user=person, group=group)
    _backdate(group)
    return people


def _backdate(group, days=90):
    """Make current members have joined long ago, so past sessions are on their register."""
    Enrolment.objects.filter(group=group, joined_at__isnull=False).update(
        joined_at=F("joined_at") - dt.timedelta(days=days)
    )


@pytest.fixture
def session(group):
    return group.sessions.order_by("starts_at").first()


def _past_session(group, weeks_ago=1, number=None):
    """A session that has happened (made directly: services only make future ones)."""
    starts = timezone.now() - dt.timedelta(weeks=weeks_ago)
    number = number or 100 + weeks_ago
    return Session.objects.create(
        group=group, number=number, starts_at=starts, ends_at=starts + dt.timedelta(hours=2)
    )


def test_dashboard_shows_coordinator_the_groups_with_counts_and_next_session(
    client, coordinator, group, members
):
    response = _page(client, coordinator, reverse("manage:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Riverside Peer Support" in html
    assert "Monday Men&#x27;s Group" in html
    overview = response.context["organisations"][0]["groups"]
    assert [(g.members, g.waiting, g.offered) for g in overview] == [(3, 2, 0)]
    assert overview[0].next_session_at is not None
    assert "kind check-in" in html


def test_dashboard_lists_members_who_missed_two_sessions_for_a_kind_check_in(
    client, coordinator, group, members
):
    first, second = _past_session(group, weeks_ago=2), _past_session(group, weeks_ago=1)
    for past in (first, second):
        register_take(
            actor=coordinator,
            session=past,
            marks={members[0].pk: "absent", members[1].pk: "present"},
        )
    response = _page(client, coordinator, reverse("manage:dashboard"))
    follow_up = response.context["organisations"][0]["follow_up"]
    assert [row["pseudonym"] for row in follow_up] == [members[0].pseudonym]
    assert members[0].pseudonym in response.content.decode()


def test_volunteer_dashboard_shows_only_the_groups_they_facilitate(
    client, volunteer, group, other_group
):
    response = _page(client, volunteer, reverse("manage:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["organisations"] == []
    assert [g.pk for g in response.context["facilitated"]] == [group.pk]
    assert "Thursday Online Group" not in html
    assert "Add a programme" not in html
    first = group.sessions.order_by("starts_at").first()
    assert reverse("manage:register", args=[first.pk]) in html


@pytest.mark.parametrize("persona", ["participant", "evaluator", "safeguarding_lead"])
def test_dashboard_is_not_found_for_people_who_do_not_run_groups(client, request, persona, group):
    response = _page(client, request.getfixturevalue(persona), reverse("manage:dashboard"))
    assert response.status_code == 404


def test_outsider_dashboard_shows_nothing_of_riverside(client, outsider, group, members):
    response = _page(client, outsider, reverse("manage:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Riverside" not in html
    assert "Monday Men" not in html


def _every_page(org, programme, group, session, enrolment, member):
    """(method, url) for each page and action of the back office on Riverside's data."""
    return [
        ("get", reverse("manage:programme_create", args=[org.pk])),
        ("post", reverse("manage:programme_create", args=[org.pk])),
        ("get", reverse("manage:programme_edit", args=[programme.pk])),
        ("post", reverse("manage:programme_edit", args=[programme.pk])),
        ("get", reverse("manage:group_create", args=[programme.pk])),
        ("post", reverse("manage:group_create", args=[programme.pk])),
        ("get", reverse("manage:group_detail", args=[group.pk])),
        ("get", reverse("manage:group_edit", args=[group.pk])),
        ("post", reverse("manage:group_edit", args=[group.pk])),
        ("get", reverse("manage:enrolment_remove", args=[enrolment.pk])),
        ("post", reverse("manage:enrolment_remove", args=[enrolment.pk])),
        ("get", reverse("manage:contact_details", args=[org.pk, member.pk])),
        ("get", reverse("manage:session_cancel", args=[session.pk])),
        ("post", reverse("manage:session_cancel", args=[session.pk])),
        ("post", reverse("manage:session_reinstate", args=[session.pk])),
        ("get", reverse("manage:register", args=[session.pk])),
        ("post", reverse("manage:register", args=[session.pk])),
        ("post", reverse("manage:register_row", args=[session.pk, member.pk])),
    ]


POST_DATA = {"name": "Taken over", "reason": "because", "capacity": "99", f"mark-{0}": "present"}


@pytest.mark.parametrize("persona", ["outsider", "participant", "evaluator"])
def test_every_page_and_action_is_not_found_for_outsider_participant_and_evaluator(
    client, request, persona, org, programme, group, session, members
):
    user = request.getfixturevalue(persona)
    enrolment = Enrolment.objects.get(group=group, user=members[0])
    audit_before = AuditEvent.objects.count()
    data = {**POST_DATA, f"mark-{members[0].pk}": "absent"}
    for method, url in _every_page(org, programme, group, session, enrolment, members[0]):
        response = _page(client, user, url, method, data if method == "post" else None)
        assert response.status_code == 404, (persona, method, url)
    assert AuditEvent.objects.count() == audit_before
    assert not Attendance.objects.exists()
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert Group.objects.get(pk=group.pk).capacity == 3


def test_pages_for_things_that_do_not_exist_look_the_same_as_forbidden_ones(
    client, coordinator, group
):
    for url in [
        "/manage/groups/999999/",
        "/manage/sessions/999999/register/",
        "/manage/programmes/999999/edit/",
    ]:
        assert _page(client, coordinator, url).status_code == 404


def test_facilitator_can_take_the_register_of_their_group(client, volunteer, group, members):
    past = _past_session(group)
    url = reverse("manage:register", args=[past.pk])
    assert _page(client, volunteer, url).status_code == 200
    response = client.post(
        url, {f"mark-{members[0].pk}": "present", f"mark-{members[1].pk}": "apologies"}
    )
    assert response.status_code == 302
    marks = dict(Attendance.objects.filter(session=past).values_list("user_id", "status"))
    assert marks == {members[0].pk: "present", members[1].pk: "apologies"}


def test_facilitator_cannot_take_another_groups_register_nor_edit_groups(
    client, volunteer, org, programme, group, other_group, members
):
    other_session = other_group.sessions.first()
    enrolment = Enrolment.objects.get(group=group, user=members[0])
    # Alex's own volunteering (application, training) is in the log already.
    audited = AuditEvent.objects.filter(actor=volunteer).count()
    forbidden = [
        ("get", reverse("manage:register", args=[other_session.pk])),
        ("post", reverse("manage:register", args=[other_session.pk])),
        ("get", reverse("manage:group_detail", args=[other_group.pk])),
        ("get", reverse("manage:group_edit", args=[group.pk])),
        ("post", reverse("manage:group_edit", args=[group.pk])),
        ("get", reverse("manage:group_create", args=[programme.pk])),
        ("post", reverse("manage:group_create", args=[programme.pk])),
        ("get", reverse("manage:programme_create", args=[org.pk])),
        ("get", reverse("manage:session_cancel", args=[group.sessions.first().pk])),
        ("post", reverse("manage:session_cancel", args=[group.sessions.first().pk])),
        ("post", reverse("manage:enrolment_remove", args=[enrolment.pk])),
        ("get", reverse("manage:contact_details", args=[org.pk, members[0].pk])),
    ]
    for method, url in forbidden:
        response = _page(
            client,
            volunteer,
            url,
            method,
            {**POST_DATA, "reason": "x"} if method == "post" else None,
        )
        assert response.status_code == 404, (method, url)
    assert AuditEvent.objects.filter(actor=volunteer).count() == audited


def test_facilitator_sees_members_by_pseudonym_without_contact_details_or_management(
    client, volunteer, group, members
):
    response = _page(client, volunteer, reverse("manage:group_detail", args=[group.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert members[0].pseudonym in html
    assert members[0].real_name not in html
    assert "Contact details" not in html
    assert "Edit group" not in html
    assert "/remove/" not in html and "/cancel/" not in html


def test_coordinator_creates_a_programme(client, coordinator, org):
    url = reverse("manage:programme_create", args=[org.pk])
    assert _page(client, coordinator, url).status_code == 200
    response = client.post(
        url,
        {
            "name": "New Parents Circle",
            "focus": "perinatal",
            "description": "For new and expectant parents.",
            "min_age": "16",
            "perinatal_stages": ["pregnant", "postnatal"],
            "offers_groups": "on",
            "offers_one_to_one": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    programme = Programme.objects.get(organisation=org, name="New Parents Circle")
    assert programme.perinatal_stages == ["pregnant", "postnatal"]
    assert programme.min_age == 16 and programme.max_age is None
    assert programme.offers_one_to_one


def test_programme_with_bad_input_shows_errors_keeps_what_was_typed_and_saves_nothing(
    client, coordinator, org
):
    url = reverse("manage:programme_create", args=[org.pk])
    response = _page(
        client,
        coordinator,
        url,
        "post",
        {"name": "Young Adults", "focus": "young_adults", "min_age": "30", "max_age": "18"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "max_age" in form.errors and "offers_groups" in form.errors
    html = response.content.decode()
    assert "There is a problem" in html
    assert 'value="Young Adults"' in html
    assert not Programme.objects.filter(name="Young Adults").exists()


def test_coordinator_edits_a_programme(client, coordinator, programme):
    url = reverse("manage:programme_edit", args=[programme.pk])
    response = _page(client, coordinator, url)
    assert response.status_code == 200
    assert response.context["form"].initial["genders"] == ["man"]
    data = {
        "name": "Men's Circle",
        "focus": "men",
        "genders": ["man"],
        "min_age": "18",
        "offers_groups": "on",
    }
    assert client.post(url, data).status_code == 302
    programme.refresh_from_db()
    assert programme.name == "Men's Circle"
    assert programme.is_active is False  # unticked


GROUP_POST = {
    "name": "Tuesday Carers' Course",
    "description": "Six weeks together.",
    "kind": "course",
    "delivery": "hybrid",
    "venue_name": "Library",
    "address": "2 High Street",
    "area": "Leeds",
    "latitude": "53.8",
    "longitude": "-1.55",
    "online_link": "https://meet.example.org/carers",
    "language": "en",
    "capacity": "8",
    "weekday": "1",
    "start_time": "18:30",
    "duration_minutes": "90",
    "course_weeks": "6",
    "listed": "on",
    "is_active": "on",
}


def test_coordinator_creates_a_course_with_facilitators_and_its_sessions(
    client, coordinator, volunteer, programme
):
    url = reverse("manage:group_create", args=[programme.pk])
    assert _page(client, coordinator, url).status_code == 200
    data = {
        **GROUP_POST,
        "start_date": next_weekday(1).isoformat(),
        "facilitators": [str(volunteer.pk)],
    }
    response = client.post(url, data)
    assert response.status_code == 302
    group = Group.objects.get(name="Tuesday Carers' Course")
    assert response["Location"] == reverse("manage:group_detail", args=[group.pk])
    assert group.sessions.count() == 6
    assert list(group.facilitations.values_list("user_id", flat=True)) == [volunteer.pk]


def test_create_group_with_bad_input_shows_field_errors_and_creates_nothing(
    client, coordinator, programme
):
    url = reverse("manage:group_create", args=[programme.pk])
    data = {
        **GROUP_POST,
        "start_date": next_weekday(1).isoformat(),
        "delivery": "in_person",
        "latitude": "",
        "capacity": "0",
        "course_weeks": "",
    }
    before = (Group.objects.count(), Session.objects.count(), AuditEvent.objects.count())
    response = _page(client, coordinator, url, "post", data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) >= {"capacity", "course_weeks", "latitude"}
    assert "A course runs for between 1 and 52 weekly sessions." in errors["course_weeks"]
    html = response.content.decode()
    assert 'href="#id_capacity"' in html
    assert 'aria-invalid="true"' in html
    assert "Tuesday Carers&#x27; Course" in html  # what was typed is still there
    assert (Group.objects.count(), Session.objects.count(), AuditEvent.objects.count()) == before


def test_create_group_refuses_a_facilitator_from_another_organisation(
    client, coordinator, outsider, programme
):
    url = reverse("manage:group_create", args=[programme.pk])
    data = {
        **GROUP_POST,
        "start_date": next_weekday(1).isoformat(),
        "facilitators": [str(outsider.pk)],
    }
    response = _page(client, coordinator, url, "post", data)
    assert response.status_code == 200
    assert "facilitators" in response.context["form"].errors
    assert not Group.objects.filter(name=GROUP_POST["name"]).exists()


def _group_data(group, **changes):
    data = {
        "name": group.name,
        "kind": group.kind,
        "delivery": group.delivery,
        "venue_name": group.venue_name,
        "address": group.address,
        "area": group.area,
        "latitude": str(group.latitude or ""),
        "longitude": str(group.longitude or ""),
        "language": group.language,
        "capacity": str(group.capacity),
        "weekday": str(group.weekday),
        "start_time": group.start_time.strftime("%H:%M"),
        "duration_minutes": str(group.duration_minutes),
        "start_date": group.start_date.isoformat(),
        "listed": "on",
        "is_active": "on",
        "facilitators": [str(pk) for pk in group.facilitations.values_list("user_id", flat=True)],
    }
    return {**data, **changes}


def test_capacity_below_places_held_is_refused_in_plain_words(client, coordinator, group, members):
    url = reverse("manage:group_edit", args=[group.pk])
    response = _page(
        client, coordinator, url, "post", _group_data(group, capacity="2", name="Renamed")
    )
    assert response.status_code == 200
    assert (
        "3 people hold places in this group, so capacity cannot go below 3"
        in response.content.decode()
    )
    group.refresh_from_db()
    assert (group.capacity, group.name) == (3, "Monday Men's Group")


def test_raising_capacity_offers_places_to_people_waiting(client, coordinator, group, members):
    url = reverse("manage:group_edit", args=[group.pk])
    response = _page(client, coordinator, url, "post", _group_data(group, capacity="4"))
    assert response.status_code == 302
    statuses = dict(Enrolment.objects.filter(group=group).values_list("user_id", "status"))
    assert statuses[members[3].pk] == EnrolmentStatus.OFFERED
    assert statuses[members[4].pk] == EnrolmentStatus.WAITING


def test_group_edit_replaces_facilitators(client, coordinator, volunteer, group):
    url = reverse("manage:group_edit", args=[group.pk])
    response = _page(
        client, coordinator, url, "post", _group_data(group, facilitators=[str(coordinator.pk)])
    )
    assert response.status_code == 302
    assert list(Facilitation.objects.filter(group=group).values_list("user_id", flat=True)) == [
        coordinator.pk
    ]


def test_group_page_shows_members_offers_and_waiting_list_in_order(
    client, coordinator, group, members
):
    response = _page(client, coordinator, reverse("manage:group_detail", args=[group.pk]))
    assert response.status_code == 200
    assert [e.user_id for e in response.context["members"]] == sorted(
        [m.pk for m in members[:3]], key=lambda pk: next(m.pseudonym for m in members if m.pk == pk)
    )
    assert [e.user_id for e in response.context["waiting"]] == [members[3].pk, members[4].pk]
    html = response.content.decode()
    assert "Contact details" in html
    assert members[0].real_name not in html  # pseudonyms only, until someone opens the details


def test_removing_a_member_offers_the_place_to_the_first_person_waiting(
    client, coordinator, group, members
):
    enrolment = Enrolment.objects.get(group=group, user=members[0])
    url = reverse("manage:enrolment_remove", args=[enrolment.pk])
    assert _page(client, coordinator, url).status_code == 200
    response = client.post(url, {"reason": "Asked to stop coming"})
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.REMOVED
    assert enrolment.ended_reason == "Asked to stop coming"
    assert Enrolment.objects.get(group=group, user=members[3]).status == EnrolmentStatus.OFFERED
    assert Enrolment.objects.get(group=group, user=members[4]).status == EnrolmentStatus.WAITING


def test_removing_without_a_reason_is_refused_and_changes_nothing(
    client, coordinator, group, members
):
    enrolment = Enrolment.objects.get(group=group, user=members[0])
    response = _page(
        client,
        coordinator,
        reverse("manage:enrolment_remove", args=[enrolment.pk]),
        "post",
        {"reason": " "},
    )
    assert response.status_code == 200
    assert "Say briefly why" in response.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE


def test_cancel_session_needs_a_reason_then_cancels_and_can_be_reinstated(
    client, coordinator, group, session
):
    url = reverse("manage:session_cancel", args=[session.pk])
    assert _page(client, coordinator, url).status_code == 200
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 200
    assert "reason" in refused.context["form"].errors
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED

    assert client.post(url, {"reason": "Venue flooded"}).status_code == 302
    session.refresh_from_db()
    assert (session.status, session.cancelled_reason) == (SessionStatus.CANCELLED, "Venue flooded")
    page = client.get(reverse("manage:group_detail", args=[group.pk])).content.decode()
    assert "Cancelled: Venue flooded" in page

    assert client.post(reverse("manage:session_reinstate", args=[session.pk])).status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED


def test_register_full_form_saves_each_mark_and_shows_them_again(
    client, coordinator, group, members
):
    past = _past_session(group)
    url = reverse("manage:register", args=[past.pk])
    page = _page(client, coordinator, url)
    assert [e.user_id for e, _ in page.context["form"].rows] == [
        e.user_id
        for e in Enrolment.objects.filter(group=group, status="active").order_by("user__pseudonym")
    ]
    marks = {members[0].pk: "present", members[1].pk: "absent", members[2].pk: "apologies"}
    response = client.post(url, {f"mark-{pk}": status for pk, status in marks.items()})
    assert response.status_code == 302
    assert dict(Attendance.objects.filter(session=past).values_list("user_id", "status")) == marks
    again = client.get(url).content.decode()
    assert (
        f'name="mark-{members[1].pk}" value="absent" id="id_mark-{members[1].pk}_1" checked'
        in again
    )


def test_register_row_saves_one_mark_through_htmx(client, coordinator, group, members):
    past = _past_session(group)
    url = reverse("manage:register_row", args=[past.pk, members[0].pk])
    response = _page(
        client,
        coordinator,
        url,
        "post",
        {f"mark-{members[0].pk}": "present"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Saved" in response.content.decode()
    assert list(Attendance.objects.filter(session=past).values_list("user_id", "status")) == [
        (members[0].pk, "present")
    ]
    past.refresh_from_db()
    assert past.register_taken_at is not None


def test_register_row_with_a_bad_mark_says_not_saved(client, coordinator, group, members):
    past = _past_session(group)
    url = reverse("manage:register_row", args=[past.pk, members[0].pk])
    response = _page(
        client,
        coordinator,
        url,
        "post",
        {f"mark-{members[0].pk}": "asleep"},
        HTTP_HX_REQUEST="true",
    )
    assert "Not saved" in response.content.decode()
    assert not Attendance.objects.exists()


def test_register_row_for_someone_not_in_the_group_is_not_found(
    client, coordinator, group, members, make_member
):
    stranger = make_member()
    past = _past_session(group)
    url = reverse("manage:register_row", args=[past.pk, stranger.pk])
    response = _page(
        client, coordinator, url, "post", {f"mark-{stranger.pk}": "present"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 404
    assert not Attendance.objects.exists()


def test_register_page_has_row_saves_and_a_submit_button(client, coordinator, group, members):
    past = _past_session(group)
    html = _page(client, coordinator, reverse("manage:register", args=[past.pk])).content.decode()
    assert f'hx-post="{reverse("manage:register_row", args=[past.pk, members[0].pk])}"' in html
    assert f'hx-params="mark-{members[0].pk}"' in html
    assert '<button type="submit">Save register</button>' in html
    assert "<caption>" in html and 'scope="row"' in html


def test_opening_contact_details_is_audited(client, coordinator, org, group, members):
    url = reverse("manage:contact_details", args=[org.pk, members[0].pk])
    response = _page(client, coordinator, url)
    assert response.status_code == 200
    assert members[0].real_name in response.content.decode()
    event = AuditEvent.objects.get(action="read.contact_details")
    assert (event.actor_id, event.object_id, event.organisation_id) == (
        coordinator.pk,
        str(members[0].pk),
        org.pk,
    )


def test_contact_details_of_someone_outside_the_organisation_are_not_found(
    client, coordinator, org, outsider
):
    response = _page(
        client, coordinator, reverse("manage:contact_details", args=[org.pk, outsider.pk])
    )
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="read.contact_details").exists()


# --- query counts -----------------------------------------------------------------


def _grow(org, programme, coordinator, *, groups, members_per_group, past_sessions):
    for n in range(groups):
        extra = group_create(
            actor=coordinator,
            programme=programme,
            name=f"Extra group {n}",
            delivery="online",
            capacity=max(1, members_per_group - 1),
            weekday=n % 7,
            start_time=dt.time(10, 0),
            start_date=next_weekday(n % 7),
        )
        people = [
            member_with_consent(org, context={"gender": "man", "year_of_birth": 1980})
            for _ in range(members_per_group)
        ]
        for person in people:
            enrolment_join(user=person, group=extra)
        _backdate(extra)
        joined = [p.pk for p in people][: extra.capacity]
        for week in range(past_sessions):
            past = _past_session(extra, weeks_ago=week + 1)
            register_take(actor=coordinator, session=past, marks={pk: "absent" for pk in joined})


def _queries(client, url):
    client.get(
        url
    )  # warm the per-minute caches (crisis resources) so both counts compare like with like
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_dashboard_queries_do_not_grow_with_data(client, coordinator, org, programme, group):
    client.force_login(coordinator)
    url = reverse("manage:dashboard")
    _grow(org, programme, coordinator, groups=1, members_per_group=2, past_sessions=1)
    small = _queries(client, url)
    _grow(org, programme, coordinator, groups=6, members_per_group=5, past_sessions=3)
    large = _queries(client, url)
    assert large == small
    assert len(client.get(url).context["organisations"][0]["follow_up"]) > 6


def test_group_page_queries_do_not_grow_with_data(client, coordinator, group, make_member):
    client.force_login(coordinator)
    url = reverse("manage:group_detail", args=[group.pk])
    first = make_member()
    enrolment_join(user=first, group=group)
    _backdate(group)
    register_take(
        actor=coordinator, session=_past_session(group, weeks_ago=1), marks={first.pk: "absent"}
    )
    small = _queries(client, url)
    people = [make_member() for _ in range(8)]
    for person in people:
        enrolment_join(user=person, group=group)
    _backdate(group)
    joined = list(
        Enrolment.objects.filter(group=group, status="active").values_list("user_id", flat=True)
    )
    for week in range(2, 9):
        register_take(
            actor=coordinator,
            session=_past_session(group, weeks_ago=week),
            marks=dict.fromkeys(joined, "absent"),
        )
    large = _queries(client, url)
    assert large == small
    response = client.get(url)
    assert len(response.context["waiting"]) == 6 and len(response.context["follow_up"]) == 3
