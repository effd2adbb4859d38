"""Volunteers' own wellbeing: the check-in (ONS4, workload, "I'd like a
chat") and its bad input, and the coordinator's overview with its flags:
over the caseload limit, no supervision for weeks, wellbeing falling, a chat
asked for, paused with people to cover, a check running out. The overview
makes the same queries however many volunteers there are."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from peercircle.rooms.services import pairing_create
from peercircle.volunteers import selectors, services
from peercircle.volunteers.models import BackgroundCheck, VolunteerProfile, WellbeingCheckIn
from peercircle.volunteers.services import VolunteerError
from tests.conftest import _persona, member_with_consent
from tests.factories import make_active_volunteer

pytestmark = pytest.mark.django_db

WORKLOAD = {"manageable": 4, "supported": 5, "rested": 3, "carrying": 2}


@pytest.fixture
def alex(volunteer):
    return VolunteerProfile.objects.get(person=volunteer)


def check_in(profile, ons4, *, days_ago=0, chat=False):
    return services.checkin_submit(
        actor=profile.person,
        profile=profile,
        ons4=ons4,
        workload=WORKLOAD,
        wants_chat=chat,
        now=timezone.now() - dt.timedelta(days=days_ago),
    )


def codes(profile):
    return {flag.code: flag.words for flag in selectors.flags_for(profile)}


# --- the check-in -----------------------------------------------------------------------------


def test_a_check_in_stores_the_four_answers_and_workload(alex):
    checkin = check_in(alex, [7, 8, 6, 3], chat=True)
    stored = WellbeingCheckIn.objects.get(pk=checkin.pk)
    assert (stored.satisfied, stored.worthwhile, stored.happy, stored.anxious) == (7, 8, 6, 3)
    assert stored.workload == WORKLOAD and stored.wants_chat


@pytest.mark.parametrize(
    ("ons4", "words"),
    [
        ([7, 8, 6], "Answer “Overall, how anxious did you feel yesterday?”"),
        ([7, 11, 6, 3], "Answer “Overall, to what extent do you feel that the things you do"),
        ([7, "8", 6, 3], "with a number from 0 (not at all) to 10"),
        ([7, 8, 6, 3, 4], "Answer each of the four wellbeing questions once."),
    ],
)
def test_a_missing_or_wrong_wellbeing_answer_is_named_and_nothing_is_stored(alex, ons4, words):
    with pytest.raises(VolunteerError) as caught:
        check_in(alex, ons4)
    assert words in str(caught.value)
    assert not WellbeingCheckIn.objects.exists()


def test_a_missing_workload_answer_is_named(alex, volunteer):
    with pytest.raises(VolunteerError, match="I know who to turn to"):
        services.checkin_submit(
            actor=volunteer,
            profile=alex,
            ons4=[7, 7, 7, 3],
            workload={"manageable": 4, "rested": 3, "carrying": 2},
        )


def test_a_check_in_is_the_volunteers_own(alex, coordinator):
    with pytest.raises(VolunteerError, match="the volunteer's own"):
        services.checkin_submit(
            actor=coordinator, profile=alex, ons4=[7, 7, 7, 3], workload=WORKLOAD
        )


def test_a_chat_asked_for_is_flagged_until_a_coordinator_answers(alex, coordinator):
    checkin = check_in(alex, [7, 8, 6, 3], chat=True)
    assert "wants_chat" in codes(alex)
    services.chat_answer(actor=coordinator, checkin=checkin)
    assert "wants_chat" not in codes(alex)
    with pytest.raises(VolunteerError, match="been in touch about this already"):
        services.chat_answer(actor=coordinator, checkin=checkin)


# --- flags ---------------------------------------------------------------------------------


def test_no_flags_for_a_volunteer_doing_well(alex):
    assert codes(alex) == {}


def test_falling_wellbeing_is_flagged(alex):
    for days in (21, 14, 7):
        check_in(alex, [7, 8, 7, 3], days_ago=days)
    check_in(alex, [3, 8, 7, 3])
    assert codes(alex)["wellbeing"] == (
        "Wellbeing may be falling: life satisfaction fell from about 7 to 3 out of 10."
    )


def test_anxiety_high_in_the_last_check_ins_is_flagged_with_the_organisations_setting(
    org, alex, coordinator
):
    check_in(alex, [7, 8, 7, 6], days_ago=7)
    check_in(alex, [7, 8, 7, 7])
    assert "anxiety was high (6, 7 out of 10)" in codes(alex)["wellbeing"]
    services.policy_update(actor=coordinator, organisation=org, anxiety_high=8)
    assert "wellbeing" not in codes(alex)


def test_over_the_caseload_limit_is_flagged(org, alex, coordinator, group, volunteer):
    services.caseload_limit_set(actor=coordinator, profile=alex, limit=1)
    assert "over_caseload" not in codes(alex)  # one group
    pairing_create(
        actor=coordinator,
        organisation=org,
        participant_id=member_with_consent(org).pk,
        volunteer_id=volunteer.pk,
    )
    assert codes(alex)["over_caseload"] == (
        "Over their caseload limit: 2 (groups and people one to one) against a limit of 1."
    )
    services.caseload_limit_set(actor=coordinator, profile=alex, limit=None)  # back to 4
    assert "over_caseload" not in codes(alex)


def test_no_supervision_for_the_organisations_weeks_is_flagged(org, alex, coordinator):
    VolunteerProfile.objects.filter(pk=alex.pk).update(
        applied_at=timezone.now() - dt.timedelta(weeks=20)
    )
    alex.refresh_from_db()
    assert codes(alex)["no_supervision"] == "No supervision on record."
    supervision = services.supervision_schedule(
        actor=coordinator,
        organisation=org,
        kind="one_to_one",
        scheduled_at=timezone.now() - dt.timedelta(weeks=10),
        supervisor=coordinator,
        profiles=[alex],
    )
    services.supervision_record(
        actor=coordinator, supervision=supervision, now=timezone.now() - dt.timedelta(weeks=10)
    )
    assert codes(alex)["no_supervision"] == "No supervision for 10 weeks."
    services.policy_update(actor=coordinator, organisation=org, supervision_weeks=12)
    assert "no_supervision" not in codes(alex)


def test_a_paused_volunteer_with_groups_needs_cover(alex, volunteer, group):
    services.volunteer_pause(actor=volunteer, profile=alex)
    assert codes(alex)["needs_cover"] == (
        "Paused with 1 group and 0 one-to-one pairings: arrange cover."
    )


def test_a_check_running_out_is_flagged(alex):
    soon = dt.date.today() + dt.timedelta(days=10)
    BackgroundCheck.objects.filter(profile=alex).update(expires_on=soon)
    assert codes(alex)["check_expiring"].startswith("Background check expires on ")


def test_policy_settings_are_checked(org, coordinator, volunteer):
    with pytest.raises(VolunteerError) as caught:
        services.policy_update(actor=coordinator, organisation=org, supervision_weeks=0)
    assert "from 1 to 52" in caught.value.message_dict["supervision_weeks"][0]
    with pytest.raises(VolunteerError, match="Only a coordinator"):
        services.policy_update(actor=volunteer, organisation=org, supervision_weeks=4)


# --- the overview ------------------------------------------------------------------------------


def test_the_overview_shows_state_caseload_hours_and_flags(org, alex, volunteer, group):
    services.activity_log(
        actor=volunteer,
        profile=alex,
        on=timezone.localdate(),
        kind="group_session",
        hours="2",
        contacts=4,
    )
    row = selectors.overview(org)[0]
    assert (row.name, row.state, row.caseload, row.caseload_limit) == ("Alex", "active", 1, 4)
    assert (row.hours_this_month, row.contacts_this_month) == (2, 4)
    assert row.check_expires_on is not None


def test_the_overview_makes_the_same_queries_for_more_volunteers(org, alex, coordinator):
    def count():
        with CaptureQueriesContext(connection) as captured:
            rows = selectors.overview(org)
        return len(captured), len(rows)

    few, rows_before = count()
    for name in ("Wren", "Kit", "Ash"):
        person = _persona(org, "volunteer", name.lower(), name)
        profile = make_active_volunteer(person, org, trainer=coordinator)
        check_in(profile, [6, 6, 6, 4], chat=True)
    many, rows_after = count()
    assert rows_after == rows_before + 3
    assert many == few
