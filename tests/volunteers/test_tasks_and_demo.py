"""The daily task, and the demo's volunteers: active, trained and checked
through the services, so that they pass the gate for the groups they run."""

from __future__ import annotations

import pytest

from peercircle.core.demo import VOLUNTEERING, demo_seed
from peercircle.programmes.models import Facilitation
from peercircle.volunteers import selectors
from peercircle.volunteers.gate import may_support
from peercircle.volunteers.models import TrainingModule, VolunteerProfile
from peercircle.volunteers.tasks import volunteers_daily

pytestmark = pytest.mark.django_db


def test_the_daily_task_reminds_and_offers_and_is_safe_to_repeat(volunteer):
    assert volunteers_daily.call() == {"refreshers": 0, "debriefs": 0}


def test_demo_volunteers_are_active_trained_and_may_run_their_groups(db):
    result = demo_seed()
    organisation = result.organisation
    assert TrainingModule.objects.filter(organisation=organisation).count() == 6
    for username in VOLUNTEERING:
        profile = VolunteerProfile.objects.get(organisation=organisation, person__username=username)
        assert profile.state == "active"
        assert may_support(profile.person, organisation, "facilitate").allowed
    facilitators = set(
        Facilitation.objects.filter(group__organisation=organisation).values_list(
            "user__username", flat=True
        )
    )
    assert facilitators <= set(VOLUNTEERING)
    applicant = VolunteerProfile.objects.get(
        organisation=organisation, person__username="paperboat"
    )
    assert applicant.state == "screening"
    flags = {row.name: {f.code for f in row.flags} for row in selectors.overview(organisation)}
    assert "wants_chat" in flags["Heron"]
    assert selectors.network_for(organisation).room_id is not None
    assert len(selectors.network_for(organisation).events) == 2
