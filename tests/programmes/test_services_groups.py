"""Services for groups and sessions: capacity changes, rescheduling, cancelling."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from peercircle.core.models import AuditEvent
from peercircle.programmes.models import (
    Enrolment,
    EnrolmentStatus,
    Facilitation,
    Group,
    Session,
    SessionStatus,
)
from peercircle.programmes.services import (
    enrolment_join,
    facilitators_set,
    group_create,
    group_update,
    session_cancel,
    session_reinstate,
)
from tests.factories import next_weekday


def _fill(group, make_member, n):
    return [enrolment_join(user=make_member(), group=group) for _ in range(n)]


def test_capacity_cannot_fall_below_places_held(group, coordinator, make_member):
    _fill(group, make_member, 3)
    with pytest.raises(ValidationError) as caught:
        group_update(actor=coordinator, group=group, capacity=2)
    assert "capacity cannot go below 3" in caught.value.message_dict["capacity"][0]
    assert Group.objects.get(pk=group.pk).capacity == 3


def test_capacity_can_fall_to_exactly_the_places_held(group, coordinator, make_member):
    _fill(group, make_member, 2)
    group_update(actor=coordinator, group=group, capacity=2)
    assert Group.objects.get(pk=group.pk).capacity == 2


def test_raising_capacity_offers_new_places_in_waiting_order(group, coordinator, make_member):
    enrolments = _fill(group, make_member, 6)
    group_update(actor=coordinator, group=group, capacity=5)
    statuses = [Enrolment.objects.get(pk=e.pk).status for e in enrolments]
    assert statuses == ["active"] * 3 + ["offered", "offered", "waiting"]
    assert Group.objects.get(pk=group.pk).places_taken == 5


def test_group_create_refuses_facilitators_from_outside_the_organisation(
    programme, coordinator, outsider
):
    with pytest.raises(ValidationError) as caught:
        group_create(
            actor=coordinator,
            programme=programme,
            facilitator_ids=[outsider.pk],
            name="Sneaky",
            delivery="online",
            weekday=1,
            start_time=dt.time(10, 0),
            start_date=next_weekday(1),
        )
    assert "facilitators" in caught.value.message_dict
    assert not Group.objects.filter(name="Sneaky").exists()


def test_facilitators_set_replaces_and_ignores_repeats(group, coordinator, volunteer, participant):
    facilitators_set(actor=coordinator, group=group, user_ids=[coordinator.pk, coordinator.pk])
    assert list(Facilitation.objects.filter(group=group).values_list("user_id", flat=True)) == [
        coordinator.pk
    ]
    with pytest.raises(ValidationError):
        facilitators_set(actor=coordinator, group=group, user_ids=[participant.pk])
    assert list(Facilitation.objects.filter(group=group).values_list("user_id", flat=True)) == [
        coordinator.pk
    ]


def test_group_update_sets_facilitators_with_the_other_changes(group, coordinator, volunteer):
    group_update(actor=coordinator, group=group, facilitator_ids=[coordinator.pk], name="Renamed")
    assert Group.objects.get(pk=group.pk).name == "Renamed"
    assert list(Facilitation.objects.filter(group=group).values_list("user_id", flat=True)) == [
        coordinator.pk
    ]


def test_group_update_with_a_bad_facilitator_changes_nothing(
    group, coordinator, outsider, volunteer
):
    with pytest.raises(ValidationError):
        group_update(actor=coordinator, group=group, facilitator_ids=[outsider.pk], name="Renamed")
    assert Group.objects.get(pk=group.pk).name == "Monday Men's Group"
    assert list(Facilitation.objects.filter(group=group).values_list("user_id", flat=True)) == [
        volunteer.pk
    ]


def _local(session, zone="Europe/London"):
    return session.starts_at.astimezone(ZoneInfo(zone))


def _course_started_three_weeks_ago(programme, coordinator):
    # A weekday three days ahead: its three earlier sessions are safely in the past.
    weekday = (timezone.localdate().weekday() + 3) % 7
    return group_create(
        actor=coordinator,
        programme=programme,
        name="Eight-week course",
        kind="course",
        course_weeks=8,
        delivery="online",
        weekday=weekday,
        start_time=dt.time(10, 0),
        start_date=next_weekday(weekday) - dt.timedelta(weeks=3),
    )


def test_course_reschedule_moves_only_sessions_to_come_and_keeps_one_a_week(programme, coordinator):
    course = _course_started_three_weeks_ago(programme, coordinator)
    before = list(course.sessions.order_by("number"))
    group_update(actor=coordinator, group=course, start_time=dt.time(18, 0))
    after = list(course.sessions.order_by("number"))
    assert [s.number for s in after] == list(range(1, 9))
    assert [s.pk for s in after[:3]] == [s.pk for s in before[:3]]  # the past is kept as it was
    assert [_local(s).time() for s in after] == [dt.time(10, 0)] * 3 + [dt.time(18, 0)] * 5
    days = [_local(s).date() for s in after]
    assert all((later - earlier).days == 7 for earlier, later in zip(days, days[1:], strict=False))


def test_rolling_group_moved_to_another_day_keeps_its_numbering(group, coordinator):
    count = group.sessions.count()
    group_update(actor=coordinator, group=group, weekday=2)
    sessions = list(group.sessions.order_by("number"))
    assert {_local(s).weekday() for s in sessions} == {2}
    assert [s.number for s in sessions] == list(range(1, len(sessions) + 1))
    assert abs(len(sessions) - count) <= 1


def test_lengthening_a_course_adds_sessions_at_the_end(programme, coordinator):
    course = _course_started_three_weeks_ago(programme, coordinator)
    last = course.sessions.order_by("-number").first()
    group_update(actor=coordinator, group=course, course_weeks=10)
    sessions = list(course.sessions.order_by("number"))
    assert len(sessions) == 10
    assert sessions[7].starts_at == last.starts_at
    assert sessions[9].starts_at - sessions[7].starts_at == dt.timedelta(weeks=2)


def test_cancel_needs_a_reason_and_is_audited(group, coordinator):
    session = group.sessions.first()
    with pytest.raises(ValidationError) as caught:
        session_cancel(actor=coordinator, session=session, reason="  ")
    assert "reason" in caught.value.message_dict
    assert Session.objects.get(pk=session.pk).status == SessionStatus.SCHEDULED
    session_cancel(actor=coordinator, session=session, reason="Facilitator unwell")
    session.refresh_from_db()
    assert (session.status, session.cancelled_reason) == (
        SessionStatus.CANCELLED,
        "Facilitator unwell",
    )
    assert (
        AuditEvent.objects.filter(action="session.cancel", object_id=str(session.pk)).count() == 1
    )


def test_a_session_that_has_happened_cannot_be_cancelled(group, coordinator):
    starts = timezone.now() - dt.timedelta(days=3)
    past = Session.objects.create(
        group=group, number=99, starts_at=starts, ends_at=starts + dt.timedelta(hours=2)
    )
    with pytest.raises(ValidationError, match="already happened"):
        session_cancel(actor=coordinator, session=past, reason="Too late")
    assert Session.objects.get(pk=past.pk).status == SessionStatus.SCHEDULED


def test_reinstating_clears_the_reason(group, coordinator):
    session = session_cancel(actor=coordinator, session=group.sessions.first(), reason="Snow")
    session_reinstate(actor=coordinator, session=session)
    session.refresh_from_db()
    assert (session.status, session.cancelled_reason) == (SessionStatus.SCHEDULED, "")


def test_removing_a_member_offers_the_place_on(group, coordinator, make_member):
    from peercircle.programmes.services import enrolment_remove

    enrolments = _fill(group, make_member, 4)
    enrolment_remove(actor=coordinator, enrolment=enrolments[1], reason="Moved away")
    assert Enrolment.objects.get(pk=enrolments[3].pk).status == EnrolmentStatus.OFFERED
    assert Group.objects.get(pk=group.pk).places_taken == 3
