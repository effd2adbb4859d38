"""Screening, supervision, activity and supporters' events: what each service
records, and the plain message for each kind of bad input (nothing stored)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from peercircle.volunteers import selectors, services
from peercircle.volunteers.gate import organisation_today
from peercircle.volunteers.models import (
    ActivityLog,
    BackgroundCheck,
    PeerEvent,
    Reference,
    Supervision,
    VolunteerProfile,
)
from peercircle.volunteers.services import VolunteerError
from tests.factories import make_active_volunteer
from tests.volunteers.conftest import apply

pytestmark = pytest.mark.django_db


@pytest.fixture
def alex(volunteer):
    return VolunteerProfile.objects.get(person=volunteer)


# --- screening ------------------------------------------------------------------------------


def test_a_background_check_is_recorded_with_its_dates(alex, coordinator):
    today = organisation_today(alex.organisation)
    check = services.check_record(
        actor=coordinator,
        profile=alex,
        kind="Enhanced DBS",
        checked_on=today,
        expires_on=today + dt.timedelta(days=1000),
        outcome="cleared_after_review",
        certificate="001234567890",
        note="Old caution, discussed; not relevant to the role.",
    )
    assert check.cleared
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT certificate FROM volunteers_backgroundcheck WHERE id = %s", [check.pk]
        )
        assert "001234567890" not in cursor.fetchone()[0]


@pytest.mark.parametrize(
    ("checked", "expires", "field", "words"),
    [
        (1, 400, "checked_on", "The check's date is in the future"),
        (-30, -40, "expires_on", "The renewal date must be after the date of the check."),
        (-800, -2, "expires_on", "That check expired on "),
    ],
)
def test_bad_check_dates_are_refused_plainly(alex, coordinator, checked, expires, field, words):
    today = organisation_today(alex.organisation)
    before = BackgroundCheck.objects.count()
    with pytest.raises(VolunteerError) as caught:
        services.check_record(
            actor=coordinator,
            profile=alex,
            kind="Enhanced DBS",
            checked_on=today + dt.timedelta(days=checked),
            expires_on=today + dt.timedelta(days=expires),
            outcome="clear",
        )
    assert words in caught.value.message_dict[field][0]
    assert BackgroundCheck.objects.count() == before


def test_an_expired_check_names_its_date(alex, coordinator):
    with pytest.raises(VolunteerError) as caught:
        services.check_record(
            actor=coordinator,
            profile=alex,
            kind="Enhanced DBS",
            checked_on=dt.date(2023, 5, 3),
            expires_on=dt.date(2026, 5, 3),
            outcome="clear",
            today=dt.date(2026, 6, 1),
        )
    assert "That check expired on 3 May 2026." in str(caught.value)


def test_a_check_with_nothing_filled_in_names_every_field(alex, coordinator):
    with pytest.raises(VolunteerError) as caught:
        services.check_record(
            actor=coordinator,
            profile=alex,
            kind="",
            checked_on=None,
            expires_on="soon",
            outcome="fine",
        )
    assert set(caught.value.message_dict) == {"kind", "checked_on", "expires_on", "outcome"}


def test_only_coordinators_record_screening(org, applicant, volunteer):
    profile = apply(applicant, org)
    with pytest.raises(VolunteerError, match="Only a coordinator can add a reference"):
        services.reference_add(
            actor=volunteer, profile=profile, referee_name="X", relationship="friend"
        )
    with pytest.raises(VolunteerError, match="Only a coordinator can record an interview"):
        services.interview_record(
            actor=applicant, profile=profile, held_on=dt.date.today(), outcome="proceed"
        )


def test_a_reference_comes_back_once(org, applicant, coordinator):
    profile = apply(applicant, org)
    with pytest.raises(VolunteerError) as caught:
        services.reference_add(actor=coordinator, profile=profile, referee_name="", relationship="")
    assert set(caught.value.message_dict) == {"referee_name", "relationship"}
    reference = services.reference_add(
        actor=coordinator, profile=profile, referee_name="Dr Lee", relationship="tutor"
    )
    services.reference_receive(actor=coordinator, reference=reference, satisfactory=False)
    assert Reference.objects.get(pk=reference.pk).status == "concerns"
    with pytest.raises(VolunteerError, match="received already"):
        services.reference_receive(actor=coordinator, reference=reference, satisfactory=True)


def test_an_interview_cannot_be_in_the_future_or_have_no_outcome(org, applicant, coordinator):
    profile = apply(applicant, org)
    with pytest.raises(VolunteerError, match="record the interview once it has happened"):
        services.interview_record(
            actor=coordinator,
            profile=profile,
            held_on=dt.date.today() + dt.timedelta(days=3),
            outcome="proceed",
        )
    with pytest.raises(VolunteerError, match="Choose the outcome"):
        services.interview_record(
            actor=coordinator, profile=profile, held_on=dt.date.today(), outcome="maybe"
        )


def test_screening_is_closed_once_someone_has_left(org, applicant, coordinator):
    profile = apply(applicant, org)
    services.volunteer_leave(actor=applicant, profile=profile)
    with pytest.raises(VolunteerError, match="Robin has left; their screening is closed"):
        services.reference_add(
            actor=coordinator, profile=profile, referee_name="X", relationship="friend"
        )


# --- supervision ----------------------------------------------------------------------------


@pytest.fixture
def second(org, coordinator):
    from tests.conftest import _persona

    person = _persona(org, "volunteer", "wren", "Wren")
    return make_active_volunteer(person, org, trainer=coordinator)


def test_supervision_is_scheduled_recorded_and_its_actions_done(
    org, alex, second, coordinator, volunteer
):
    when = timezone.now() - dt.timedelta(hours=2)
    supervision = services.supervision_schedule(
        actor=coordinator,
        organisation=org,
        kind="group",
        scheduled_at=when,
        supervisor=coordinator,
        profiles=[alex, second],
        place="Upstairs room",
    )
    services.supervision_record(
        actor=coordinator, supervision=supervision, attended=[alex.pk], notes="Went well."
    )
    supervision.refresh_from_db()
    assert supervision.state == "done"
    seats = dict(supervision.seats.values_list("profile_id", "attended"))
    assert seats == {alex.pk: True, second.pk: False}
    everyone = services.action_add(
        actor=coordinator, supervision=supervision, text="Read module 3."
    )
    mine = services.action_add(
        actor=coordinator,
        supervision=supervision,
        profile=alex,
        text="Book a day off.",
        due_on=dt.date.today() + dt.timedelta(days=7),
    )
    services.action_done(actor=volunteer, action=mine)
    with pytest.raises(VolunteerError, match="someone else's"):
        services.action_done(
            actor=second.person,
            action=services.action_add(
                actor=coordinator, supervision=supervision, profile=alex, text="Call Jo."
            ),
        )
    services.action_done(actor=second.person, action=everyone)  # for everyone in it
    with pytest.raises(VolunteerError, match="marked done already"):
        services.action_done(actor=volunteer, action=mine)


@pytest.mark.parametrize(
    ("kind", "count", "field", "words"),
    [
        ("one_to_one", 2, "profiles", "One-to-one supervision is with one volunteer"),
        ("group", 1, "profiles", "Group supervision is with two or more volunteers"),
        ("weekly", 1, "kind", "Choose one-to-one or group supervision."),
    ],
)
def test_supervision_with_the_wrong_people_is_refused(
    org, alex, second, coordinator, kind, count, field, words
):
    with pytest.raises(VolunteerError) as caught:
        services.supervision_schedule(
            actor=coordinator,
            organisation=org,
            kind=kind,
            scheduled_at=timezone.now(),
            supervisor=coordinator,
            profiles=[alex, second][:count],
        )
    assert words in caught.value.message_dict[field][0]
    assert not Supervision.objects.exists()


def test_a_supervisor_is_staff_and_supervision_is_for_this_organisations_volunteers(
    org, other_org, alex, volunteer, coordinator, outsider
):
    with pytest.raises(VolunteerError) as caught:
        services.supervision_schedule(
            actor=coordinator,
            organisation=org,
            kind="one_to_one",
            scheduled_at=timezone.now(),
            supervisor=volunteer,
            profiles=[alex],
        )
    assert "coordinators and safeguarding leads" in caught.value.message_dict["supervisor"][0]
    with pytest.raises(VolunteerError, match="Only a coordinator can schedule supervision"):
        services.supervision_schedule(
            actor=outsider,
            organisation=org,
            kind="one_to_one",
            scheduled_at=timezone.now(),
            supervisor=outsider,
            profiles=[alex],
        )


def test_supervision_is_recorded_once_and_only_after_it_happened(org, alex, coordinator):
    later = services.supervision_schedule(
        actor=coordinator,
        organisation=org,
        kind="one_to_one",
        scheduled_at=timezone.now() + dt.timedelta(days=2),
        supervisor=coordinator,
        profiles=[alex],
    )
    with pytest.raises(VolunteerError, match="hasn't happened yet"):
        services.supervision_record(actor=coordinator, supervision=later)
    services.supervision_cancel(actor=coordinator, supervision=later, reason="Jo is off sick.")
    with pytest.raises(VolunteerError, match="cancelled already"):
        services.supervision_record(actor=coordinator, supervision=later)


# --- activity ---------------------------------------------------------------------------------


def test_activity_is_logged_and_bad_input_names_the_field(alex, volunteer):
    today = organisation_today(alex.organisation)
    services.activity_log(
        actor=volunteer, profile=alex, on=today, kind="group_session", hours="2.5", contacts=6
    )
    for kwargs, field in (
        ({"hours": "0"}, "hours"),
        ({"hours": "25"}, "hours"),
        ({"hours": "lots"}, "hours"),
        ({"hours": "1.333"}, "hours"),
        ({"kind": "gardening"}, "kind"),
        ({"contacts": -1}, "contacts"),
        ({"on": today + dt.timedelta(days=1)}, "on"),
        ({"on": today - dt.timedelta(days=400)}, "on"),
        ({"hours": "22"}, "hours"),  # 24.5 hours in one day
    ):
        arguments = {"on": today, "kind": "one_to_one", "hours": "1", "contacts": 1, **kwargs}
        with pytest.raises(VolunteerError) as caught:
            services.activity_log(actor=volunteer, profile=alex, **arguments)
        assert field in caught.value.message_dict, kwargs
    assert ActivityLog.objects.count() == 1


def test_someone_else_cannot_log_alexs_hours(alex, second):
    with pytest.raises(VolunteerError, match="Only the volunteer or a coordinator"):
        services.activity_log(
            actor=second.person,
            profile=alex,
            on=dt.date.today(),
            kind="one_to_one",
            hours="1",
        )


def test_hours_export_for_funders_is_per_volunteer_per_month_with_totals(
    org, alex, second, volunteer, coordinator
):
    today = organisation_today(org)
    first = today.replace(day=1)
    last_month = first - dt.timedelta(days=1)
    for profile, on, kind, hours, contacts in (
        (alex, first, "group_session", "2", 6),
        (alex, first, "one_to_one", "1.25", 1),
        (second, first, "group_session", "2", 8),
        (alex, last_month, "training", "3", 0),
    ):
        services.activity_log(
            actor=coordinator, profile=profile, on=on, kind=kind, hours=hours, contacts=contacts
        )
    header, rows = selectors.activity_export_rows(org, start=last_month, end=today)
    assert header[:3] == ["month", "volunteer", "hours_group_session"]
    by = {(row[0], row[1]): dict(zip(header, row, strict=True)) for row in rows}
    this, before = first.strftime("%Y-%m"), last_month.strftime("%Y-%m")
    assert by[(this, "Alex")]["hours_total"] == Decimal("3.25")
    assert by[(this, "Alex")]["contacts"] == 7
    assert by[(this, "Alex")]["days_active"] == 1
    assert by[(this, "All volunteers")]["hours_total"] == Decimal("5.25")
    assert by[(this, "All volunteers")]["contacts"] == 15
    assert by[(before, "Alex")]["hours_training"] == Decimal("3")
    assert (before, "Wren") not in by  # no activity, no row
    csv_text = selectors.activity_export_csv(org, start=last_month, end=today)
    assert csv_text.splitlines()[0].startswith("month,volunteer,hours_group_session")
    assert "Jordan Realname" not in csv_text  # pseudonyms only


def test_the_export_of_one_organisation_has_nothing_of_another(org, other_org, alex, volunteer):
    services.activity_log(
        actor=volunteer, profile=alex, on=dt.date.today(), kind="one_to_one", hours="1"
    )
    assert (
        selectors.activity_export_rows(other_org, start=dt.date.today(), end=dt.date.today())[1]
        == []
    )


# --- supporters' events ---------------------------------------------------------------------


def test_supporters_events_are_added_listed_and_cancelled(org, coordinator, volunteer):
    soon = timezone.now() + dt.timedelta(days=5)
    event = services.peer_event_create(
        actor=coordinator,
        organisation=org,
        title="Walk and lunch",
        starts_at=soon,
        ends_at=soon + dt.timedelta(hours=2),
        place="Roundhay Park",
    )
    assert selectors.peer_events_upcoming(org) == [event]
    assert selectors.network_for(org).events == [event]
    services.peer_event_cancel(actor=coordinator, event=event)
    assert selectors.peer_events_upcoming(org) == []
    with pytest.raises(VolunteerError, match="Only a coordinator"):
        services.peer_event_create(
            actor=volunteer, organisation=org, title="Mine", starts_at=soon, place="Here"
        )


def test_an_event_needs_a_name_a_future_time_and_a_place_or_link(org, coordinator):
    with pytest.raises(VolunteerError) as caught:
        services.peer_event_create(
            actor=coordinator,
            organisation=org,
            title="",
            starts_at=timezone.now() - dt.timedelta(days=1),
            online_link="not a link",
        )
    assert set(caught.value.message_dict) == {"title", "starts_at", "online_link"}
    assert not PeerEvent.objects.exists()
