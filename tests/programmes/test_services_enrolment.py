"""Services for offers of places: making them, lapsing them, and closed courses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from peercircle.core.models import AuditEvent
from peercircle.programmes.models import Enrolment, EnrolmentStatus, Group, Session
from peercircle.programmes.services import (
    EnrolmentError,
    enrolment_accept_offer,
    enrolment_decline_offer,
    enrolment_join,
    enrolment_leave,
    group_create,
    offers_expire,
)
from tests.factories import next_weekday


def _fill(group, make_member, n):
    return [enrolment_join(user=make_member(), group=group) for _ in range(n)]


def _status(enrolment):
    return Enrolment.objects.get(pk=enrolment.pk).status


def test_an_offer_holds_the_place_until_it_expires(group, make_member):
    enrolments = _fill(group, make_member, 4)
    enrolment_leave(user=enrolments[0].user, enrolment=enrolments[0])
    offered = Enrolment.objects.get(pk=enrolments[3].pk)
    assert offered.status == EnrolmentStatus.OFFERED
    assert offered.offer_expires_at - offered.offered_at == pytest.approx(
        dt.timedelta(days=settings.ENROLMENT_OFFER_DAYS), abs=dt.timedelta(seconds=5)
    )
    # The offered place is held: a newcomer waits rather than taking it.
    assert enrolment_join(user=make_member(), group=group).status == EnrolmentStatus.WAITING
    assert Group.objects.get(pk=group.pk).places_taken == 3


def test_accepting_an_offer_makes_a_member(group, make_member):
    enrolments = _fill(group, make_member, 4)
    enrolment_leave(user=enrolments[0].user, enrolment=enrolments[0])
    accepted = enrolment_accept_offer(user=enrolments[3].user, enrolment=enrolments[3])
    assert accepted.status == EnrolmentStatus.ACTIVE and accepted.joined_at is not None
    assert Group.objects.get(pk=group.pk).places_taken == 3


def test_declining_an_offer_passes_the_place_to_the_next_person(group, make_member):
    enrolments = _fill(group, make_member, 5)
    enrolment_leave(user=enrolments[0].user, enrolment=enrolments[0])
    enrolment_decline_offer(
        user=enrolments[3].user, enrolment=Enrolment.objects.get(pk=enrolments[3].pk)
    )
    assert [_status(e) for e in enrolments[3:]] == ["left", "offered"]
    assert Group.objects.get(pk=group.pk).places_taken == 3


def test_lapsed_offers_end_and_the_place_goes_to_the_next_person(group, make_member):
    enrolments = _fill(group, make_member, 5)
    enrolment_leave(user=enrolments[0].user, enrolment=enrolments[0])
    later = timezone.now() + dt.timedelta(days=settings.ENROLMENT_OFFER_DAYS, hours=1)
    assert offers_expire(now=later) == 1
    lapsed = Enrolment.objects.get(pk=enrolments[3].pk)
    assert (lapsed.status, lapsed.ended_reason) == (
        EnrolmentStatus.LEFT,
        "The offer of a place lapsed",
    )
    assert _status(enrolments[4]) == EnrolmentStatus.OFFERED
    assert Group.objects.get(pk=group.pk).places_taken == 3
    assert AuditEvent.objects.filter(action="enrolment.lapse").count() == 1


def test_offers_not_yet_due_do_not_lapse(group, make_member):
    enrolments = _fill(group, make_member, 4)
    enrolment_leave(user=enrolments[0].user, enrolment=enrolments[0])
    assert offers_expire(now=timezone.now() + dt.timedelta(hours=1)) == 0
    assert _status(enrolments[3]) == EnrolmentStatus.OFFERED


def test_a_lapsed_offer_cannot_be_accepted(group, make_member):
    enrolments = _fill(group, make_member, 4)
    enrolment_leave(user=enrolments[0].user, enrolment=enrolments[0])
    Enrolment.objects.filter(pk=enrolments[3].pk).update(
        offer_expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    with pytest.raises(EnrolmentError, match="lapsed"):
        enrolment_accept_offer(user=enrolments[3].user, enrolment=enrolments[3])
    assert _status(enrolments[3]) == EnrolmentStatus.OFFERED


@pytest.fixture
def started_course(programme, coordinator):
    course = group_create(
        actor=coordinator,
        programme=programme,
        name="Six-week course",
        kind="course",
        course_weeks=6,
        delivery="online",
        capacity=2,
        weekday=next_weekday(0).weekday(),
        start_time=dt.time(10, 0),
        start_date=next_weekday(0),
    )
    return course


def _start(course):
    """Move the course's sessions so that the first has already happened."""
    shift = dt.timedelta(weeks=2)
    for session in Session.objects.filter(group=course).order_by("number"):
        Session.objects.filter(pk=session.pk).update(
            starts_at=session.starts_at - shift, ends_at=session.ends_at - shift
        )


def test_a_course_that_has_started_is_closed_to_new_members(started_course, make_member):
    _start(started_course)
    with pytest.raises(EnrolmentError, match="already started"):
        enrolment_join(user=make_member(), group=started_course)
    assert not Enrolment.objects.filter(group=started_course).exists()


def test_a_place_freed_after_a_course_starts_is_not_offered(started_course, make_member):
    enrolments = _fill(started_course, make_member, 3)
    _start(started_course)
    enrolment_leave(user=enrolments[0].user, enrolment=enrolments[0])
    assert _status(enrolments[2]) == EnrolmentStatus.WAITING
    assert Group.objects.get(pk=started_course.pk).places_taken == 1


def test_a_place_freed_before_a_course_starts_is_offered(started_course, make_member):
    enrolments = _fill(started_course, make_member, 3)
    enrolment_leave(user=enrolments[0].user, enrolment=enrolments[0])
    assert _status(enrolments[2]) == EnrolmentStatus.OFFERED
