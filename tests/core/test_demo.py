"""Demo data: one organisation, a login per role, the three required programmes
and groups on the right schedules, crisis resources marked unverified, live
rooms a demo login can try at any time, and a second run that changes nothing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.test import RequestFactory
from django.utils import timezone

from peercircle.accounts.models import User
from peercircle.core.access import NotFound
from peercircle.core.demo import DEMO_PASSWORD, demo_seed
from peercircle.core.models import CrisisResource, Membership, Organisation
from peercircle.core.roles import Role
from peercircle.programmes.models import Enrolment, EnrolmentStatus, Group, GroupKind
from peercircle.rooms.access import room_seat
from peercircle.rooms.models import Pairing, Room, RoomKind, RoomPolicy
from peercircle.rooms.selectors import log_before, rooms_for

LONDON = ZoneInfo("Europe/London")


@pytest.fixture(scope="module")
def _seeded_once(module_transaction):
    return demo_seed()


@pytest.fixture
def seeded(_seeded_once, db):
    """The demo, seeded once for the module; each test runs in a savepoint."""
    return _seeded_once


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_a_second_run_changes_nothing(seeded):
    before = _row_counts()
    again = demo_seed()
    assert again.made == {}
    assert "nothing changed" in again.summary()
    assert _row_counts() == before


def test_there_is_one_organisation_in_leeds_time(seeded):
    organisation = Organisation.objects.get()
    assert organisation.name == "Riverside Peer Support"
    assert organisation.timezone == "Europe/London"
    assert organisation.country == "GB"


def test_every_role_has_a_demo_login_named_after_it(seeded):
    for role in Role:
        request = RequestFactory().post("/account/login/")
        user = authenticate(request, username=role.value, password=DEMO_PASSWORD)
        assert user is not None, f"no demo login for {role.value}"
        membership = Membership.objects.filter(user=user, organisation=seeded.organisation)
        assert membership.filter(role=role.value).exists()
        assert user.pseudonym.lower() != role.value


def test_only_the_admin_login_is_a_django_superuser(seeded):
    admin = Membership.objects.get(role="admin", user__username="admin").user
    assert admin.is_staff and admin.is_superuser
    others = Membership.objects.exclude(user__username="admin").select_related("user")
    assert not [m.user.username for m in others if m.user.is_staff or m.user.is_superuser]


def _local(value: dt.datetime) -> dt.datetime:
    return value.astimezone(LONDON)


def test_mens_group_meets_in_person_in_leeds_every_monday_seven_to_nine(seeded):
    group = Group.objects.get(programme__focus="men", area__icontains="Leeds")
    assert group.kind == GroupKind.ROLLING
    assert group.delivery == "in_person"
    assert "Leeds" in group.address
    assert 53.70 < group.latitude < 53.90 and -1.70 < group.longitude < -1.40
    sessions = list(group.sessions.order_by("starts_at")[:6])
    assert len(sessions) == 6
    for session in sessions:
        start, end = _local(session.starts_at), _local(session.ends_at)
        assert (start.weekday(), start.time(), end.time()) == (0, dt.time(19), dt.time(21))
    pairs = zip(sessions, sessions[1:], strict=False)
    assert {(b.starts_at.date() - a.starts_at.date()).days for a, b in pairs} == {7}


def test_perinatal_programme_offers_groups_and_one_to_one_with_a_weekly_online_group(seeded):
    group = Group.objects.get(programme__focus="perinatal", delivery="online")
    programme = group.programme
    assert programme.offers_groups and programme.offers_one_to_one
    assert group.kind == GroupKind.ROLLING
    starts = [_local(s.starts_at) for s in group.sessions.order_by("starts_at")[:4]]
    assert len({s.weekday() for s in starts}) == 1
    assert {(b - a).days for a, b in zip(starts, starts[1:], strict=False)} == {7}


def test_recovery_course_runs_ten_weeks_in_person_from_next_week(seeded):
    group = Group.objects.get(programme__focus="recovery")
    assert group.kind == GroupKind.COURSE
    assert group.course_weeks == 10
    assert group.delivery == "in_person"
    sessions = list(group.sessions.order_by("number"))
    assert [s.number for s in sessions] == list(range(1, 11))
    today = dt.datetime.now(LONDON).date()
    next_monday = today + dt.timedelta(days=7 - today.weekday())
    first = _local(sessions[0].starts_at).date()
    assert next_monday <= first < next_monday + dt.timedelta(days=7)


def test_finder_has_groups_around_yorkshire_and_an_online_carers_group(seeded):
    areas = " ".join(Group.objects.filter(listed=True).values_list("area", flat=True))
    for town in ("Leeds", "Bradford", "Wakefield", "Harrogate", "York"):
        assert town in areas
    assert Group.objects.filter(programme__focus="carers", delivery="online").exists()


def test_there_are_enrolments_and_a_small_waiting_list(seeded):
    assert Enrolment.objects.filter(status=EnrolmentStatus.ACTIVE).count() >= 5
    waiting = Enrolment.objects.filter(status=EnrolmentStatus.WAITING).count()
    assert 1 <= waiting <= 5
    assert Enrolment.objects.filter(
        user__username="participant", status=EnrolmentStatus.ACTIVE
    ).exists()


def test_pseudonyms_do_not_name_places(seeded):
    pseudonyms = [m.user.pseudonym for m in Membership.objects.select_related("user")]
    for place in ("Leeds", "Armley", "Bradford", "Wakefield", "Harrogate", "York", " from "):
        assert not [p for p in pseudonyms if place.lower() in p.lower()]


def test_uk_crisis_resources_are_there_and_marked_unverified(seeded):
    resources = list(CrisisResource.objects.filter(organisation=seeded.organisation))
    numbers = {r.phone for r in resources} | {r.text_number for r in resources}
    assert {"116 123", "111", "85258", "999"} <= numbers
    assert any("option 2" in (r.name + r.description) for r in resources)
    for resource in resources:
        assert resource.verified_at is None
        assert (
            "check" in resource.description.lower() and "real use" in resource.description.lower()
        )


def test_a_demo_login_can_try_a_live_group_room_at_any_time(seeded):
    participant = User.objects.get(username="participant")
    group = Group.objects.get(name="Men's Online Check-in")
    assert group.delivery == "online"
    assert RoomPolicy.objects.get(organisation=seeded.organisation).standing_group_rooms
    entries = [e for e in rooms_for(participant) if e.kind == RoomKind.STANDING]
    assert [e.title for e in entries] == ["Men's Online Check-in: between sessions"]
    assert entries[0].is_open(timezone.now()) and entries[0].unread >= 3
    # Open whatever the time of day: no session window applies to this room.
    late = timezone.now() + dt.timedelta(days=3, hours=7)
    seat = room_seat(participant, entries[0].room_id, now=late)
    page, _ = log_before(seat.room.pk, None)
    authors = {m["author"] for m in page}
    assert len(page) >= 3 and {"Quiet Oak", "Kestrel"} <= authors
    assert "Fellwalker" not in authors  # the demo participant has not said anything yet


def test_the_demo_participant_and_volunteer_are_paired_and_have_talked(seeded):
    pairing = Pairing.objects.get(
        participant__username="participant", volunteer__username="volunteer"
    )
    assert pairing.is_active and pairing.created_by.username == "coordinator"
    for username in ("participant", "volunteer"):
        seat = room_seat(User.objects.get(username=username), pairing.room.pk)
        assert not seat.overseer
    page, _ = log_before(pairing.room.pk, None)
    assert [m["author"] for m in page] == ["Quiet Oak", "Fellwalker", "Quiet Oak"]


def test_volunteers_find_a_message_in_the_supporters_room(seeded):
    room = Room.objects.get(organisation=seeded.organisation, kind=RoomKind.SUPPORTERS)
    room_seat(User.objects.get(username="volunteer"), room.pk)
    page, _ = log_before(room.pk, None)
    assert page and all(m["type"] == "message" for m in page)
    with pytest.raises(NotFound):
        room_seat(User.objects.get(username="participant"), room.pk)


def test_the_safeguarding_lead_is_on_duty_and_has_a_concern_to_pick_up(seeded):
    from django.utils import timezone

    from peercircle.safety.models import Alert
    from peercircle.safety.services import rota_at

    lead = User.objects.get(username="safeguarding_lead")
    admin = User.objects.get(username="admin")
    assert rota_at(seeded.organisation.pk, timezone.now())[:2] == [lead.pk, admin.pk]
    alert = Alert.objects.get(organisation=seeded.organisation)
    assert alert.source == "concern" and alert.state == "open"
    assert alert.assigned_to == lead and alert.raised_by.username == "volunteer"
    assert alert.person.pseudonym == "Thistle"


def test_the_demo_participant_has_progress_to_see_and_questionnaires_to_try(seeded):
    from peercircle.questionnaires.selectors import due_for, progress

    participant = User.objects.get(username="participant")
    series = {s.instrument: s for s in progress(participant)}
    assert [p.value for p in series["phq9"].points] == [17, 11]
    assert series["phq9"].change == "improved"
    assert [p.value for p in series["gad7"].points] == [13, 7]
    due = {(a.instrument, a.label) for a in due_for(participant)}
    assert ("phq9", "Baseline") in due and ("ons4", "Week 12") in due
