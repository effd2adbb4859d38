"""Authorisation: a volunteer sees only their own records; coordinators (and
administrators) see only their own organisation's; everyone else, including
the safeguarding lead, the evaluator, other volunteers and the outsider,
gets the same NotFound as for a record that does not exist. Supervision notes
and screening are staff-only, and reading them is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peercircle.core.access import NotFound
from peercircle.core.models import AuditEvent
from peercircle.volunteers import access, selectors, services
from peercircle.volunteers.models import (
    ModuleCompletion,
    TrainingModule,
    VolunteerProfile,
)
from tests.conftest import _persona
from tests.factories import make_active_volunteer
from tests.volunteers.conftest import apply

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(org, other_org, volunteer, coordinator, applicant, outsider):
    """Alex's records of every kind, Robin's application, and a volunteer of
    the other organisation."""
    alex = VolunteerProfile.objects.get(person=volunteer)
    robin = apply(applicant, org)
    theirs = _persona(other_org, "volunteer", "tam", "Tam")
    make_active_volunteer(theirs, other_org, trainer=outsider)
    now = timezone.now()
    supervision = services.supervision_schedule(
        actor=coordinator,
        organisation=org,
        kind="one_to_one",
        scheduled_at=now - dt.timedelta(days=1),
        supervisor=coordinator,
        profiles=[alex],
    )
    services.supervision_record(actor=coordinator, supervision=supervision, notes="Private.")
    action = services.action_add(
        actor=coordinator, supervision=supervision, profile=alex, text="Rest more."
    )
    checkin = services.checkin_submit(
        actor=volunteer,
        profile=alex,
        ons4=[7, 7, 7, 3],
        workload={"manageable": 4, "supported": 4, "rested": 4, "carrying": 2},
    )
    entry = services.activity_log(
        actor=volunteer,
        profile=alex,
        on=timezone.localdate(),
        kind="group_session",
        hours="2",
        contacts=5,
    )
    module = TrainingModule.objects.get(organisation=org, slug="active-listening")
    completion = ModuleCompletion.objects.get(profile=alex, module=module)
    event = services.peer_event_create(
        actor=coordinator,
        organisation=org,
        title="Walk",
        starts_at=now + dt.timedelta(days=3),
        place="The park",
    )
    return {
        "profile": (access.access_profile, alex),
        "checkin": (access.access_checkin, checkin),
        "activity": (access.access_activity, entry),
        "completion": (access.access_completion, completion),
        "supervision": (access.access_supervision, supervision),
        "action": (access.access_action, action),
        "event": (access.access_peer_event, event),
        "module": (access.access_module, module),
        "_robin": robin,
        "_theirs": VolunteerProfile.objects.get(person=theirs),
        "_supervision": supervision,
        "_completion": completion,
    }


KINDS = ["profile", "checkin", "activity", "completion", "supervision", "action", "event", "module"]


@pytest.mark.parametrize("kind", KINDS)
def test_the_volunteer_and_their_coordinator_may_fetch_their_records(
    records, kind, volunteer, coordinator
):
    fetch, obj = records[kind]
    assert fetch(volunteer, obj.pk).pk == obj.pk
    assert fetch(coordinator, obj.pk).pk == obj.pk


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("persona", ["outsider", "participant", "evaluator", "safeguarding_lead"])
def test_nobody_else_may(records, kind, persona, request):
    fetch, obj = records[kind]
    person = request.getfixturevalue(persona)
    with pytest.raises(NotFound):
        fetch(person, obj.pk)


@pytest.mark.parametrize(
    "kind", ["profile", "checkin", "activity", "completion", "supervision", "action"]
)
def test_another_volunteer_may_not_see_alexs_records(records, kind, org, coordinator):
    robin = records["_robin"]
    services.volunteer_screen(actor=coordinator, profile=robin)
    fetch, obj = records[kind]
    with pytest.raises(NotFound):
        fetch(robin.person, obj.pk)


def test_missing_and_malformed_ids_are_not_found_too(records, coordinator):
    for fetch in (access.access_profile, access.access_checkin, access.access_supervision):
        for bad in (987654, "abc", None):
            with pytest.raises(NotFound):
                fetch(coordinator, bad)


def test_coordinators_see_only_their_own_organisations_volunteers(
    records, org, other_org, coordinator, outsider
):
    theirs = records["_theirs"]
    with pytest.raises(NotFound):
        access.access_profile_manage(coordinator, theirs.pk)
    with pytest.raises(NotFound):
        access.access_profile(outsider, records["profile"][1].pk)
    names = [row.name for row in selectors.overview(org)]
    assert names == ["Alex", "Robin"]
    assert [row.name for row in selectors.overview(other_org)] == ["Tam"]


def test_a_volunteer_cannot_use_the_staff_fetches(records, volunteer):
    alex = records["profile"][1]
    with pytest.raises(NotFound):
        access.access_profile_manage(volunteer, alex.pk)
    with pytest.raises(NotFound):
        access.access_supervision_notes(volunteer, records["_supervision"].pk)


def test_supervision_notes_are_for_the_supervisor_and_coordinators_and_reads_are_audited(
    records, coordinator
):
    supervision = access.access_supervision_notes(coordinator, records["_supervision"].pk)
    assert selectors.supervision_notes_read(coordinator, supervision) == "Private."
    assert AuditEvent.objects.filter(
        action="read.supervision_notes", actor=coordinator, object_id=str(supervision.pk)
    ).exists()


def test_what_a_volunteer_sees_of_their_own_record_has_no_staff_notes(records, volunteer):
    mine = selectors.my_volunteering(
        access.access_own_profile(volunteer, records["profile"][1].organisation_id)
    )
    assert mine.check is not None and not mine.check.expired
    assert mine.may_facilitate.allowed and mine.may_support_one_to_one.allowed
    assert [a.text for a in mine.actions_open] == ["Rest more."]
    assert mine.hours_this_month == 2 and mine.contacts_this_month == 5
    assert not hasattr(mine, "screening")
    for supervision in mine.supervisions_past:
        assert "notes" in supervision.get_deferred_fields()


def test_reading_an_application_or_screening_is_audited_for_staff(records, coordinator):
    alex = records["profile"][1]
    application = selectors.application_read(coordinator, alex)
    assert "depression" in application.lived_experience
    screening = selectors.screening_read(coordinator, alex)
    assert len(screening.references) == 2 and len(screening.checks) == 1
    actions = set(
        AuditEvent.objects.filter(actor=coordinator, object_id=str(alex.pk)).values_list(
            "action", flat=True
        )
    )
    assert {"read.application", "read.screening"} <= actions


def test_nobody_may_sign_off_their_own_completion_through_the_fetch(
    records, volunteer, coordinator
):
    alex = records["profile"][1]
    module = TrainingModule.objects.get(organisation=alex.organisation, slug="active-listening")
    waiting = services.module_complete(
        actor=volunteer, profile=alex, module=module, reflection="Refresher."
    )
    assert access.access_completion_sign_off(coordinator, waiting.pk) == waiting
    with pytest.raises(NotFound):
        access.access_completion_sign_off(volunteer, waiting.pk)
    with pytest.raises(NotFound):  # signed off already
        access.access_completion_sign_off(coordinator, records["_completion"].pk)


def test_a_volunteer_who_left_no_longer_reads_modules_or_events(records, volunteer):
    alex = records["profile"][1]
    services.volunteer_leave(actor=volunteer, profile=alex)
    for kind in ("module", "event"):
        fetch, obj = records[kind]
        with pytest.raises(NotFound):
            fetch(volunteer, obj.pk)
    assert access.access_profile(volunteer, alex.pk) == alex  # their own record stays theirs
