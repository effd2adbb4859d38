"""The coordinator back office through HTTP, as each persona. See docs/programmes.md."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
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
    return people


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
