"""Fixtures for questionnaires: Sam is a member of the Monday group, whose
programme schedules PHQ-9 at baseline and week 5."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peercircle.programmes.models import Enrolment
from peercircle.programmes.services import enrolment_join
from peercircle.questionnaires import services

#: Sam joined the group at this moment.
JOINED = dt.datetime(2026, 10, 5, 18, 0, tzinfo=dt.UTC)


@pytest.fixture
def member(group, participant):
    enrolment = enrolment_join(user=participant, group=group)
    Enrolment.objects.filter(pk=enrolment.pk).update(joined_at=JOINED)
    enrolment.refresh_from_db()
    return enrolment


@pytest.fixture
def baseline(programme, coordinator):
    return services.schedule_point_add(
        actor=coordinator,
        programme=programme,
        instrument="phq9",
        label="Baseline",
        offset_days=0,
        window_days=14,
    )


@pytest.fixture
def due_now(member, baseline, participant):
    """Sam's baseline PHQ-9, due now (the schedule counted from a recent join)."""
    Enrolment.objects.filter(pk=member.pk).update(joined_at=timezone.now() - dt.timedelta(hours=1))
    assert services.assignments_generate() == 1
    return participant.questionnaires_due.get()


@pytest.fixture
def second_participant(org):
    from tests.conftest import member_with_consent

    return member_with_consent(
        org, pseudonym="Kit", context={"gender": "man", "year_of_birth": 1990}
    )
