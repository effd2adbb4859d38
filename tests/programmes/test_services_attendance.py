"""Registers (register_take) and the "missed two in a row" follow-up list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone

from peercircle.programmes.models import Attendance, Enrolment, Session
from peercircle.programmes.selectors import missed_two_in_a_row
from peercircle.programmes.services import (
    enrolment_join,
    enrolment_leave,
    register_take,
    session_cancel,
)


@pytest.fixture
def members(group, make_member):
    people = [make_member() for _ in range(3)]
    for person in people:
        enrolment_join(user=person, group=group)
    Enrolment.objects.filter(group=group).update(joined_at=F("joined_at") - dt.timedelta(days=90))
    return people


def _past(group, weeks_ago):
    starts = timezone.now() - dt.timedelta(weeks=weeks_ago)
    return Session.objects.create(
        group=group,
        number=100 + weeks_ago,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
    )


def test_register_records_each_mark_and_the_time_it_was_taken(group, coordinator, members):
    session = _past(group, 1)
    register_take(
        actor=coordinator,
        session=session,
        marks={members[0].pk: "present", members[1].pk: "absent"},
    )
    assert dict(Attendance.objects.filter(session=session).values_list("user_id", "status")) == {
        members[0].pk: "present",
        members[1].pk: "absent",
    }
    session.refresh_from_db()
    assert session.register_taken_at is not None


def test_register_can_be_corrected(group, coordinator, volunteer, members):
    session = _past(group, 1)
    register_take(actor=coordinator, session=session, marks={members[0].pk: "absent"})
    register_take(actor=volunteer, session=session, marks={members[0].pk: "apologies"})
    record = Attendance.objects.get(session=session, user=members[0])
    assert (record.status, record.recorded_by_id) == ("apologies", volunteer.pk)


def test_register_refuses_an_unknown_mark_and_writes_nothing(group, coordinator, members):
    session = _past(group, 1)
    with pytest.raises(ValidationError) as caught:
        register_take(
            actor=coordinator,
            session=session,
            marks={members[0].pk: "present", members[1].pk: "late"},
        )
    assert "marks" in caught.value.message_dict
    assert not Attendance.objects.exists()
    assert Session.objects.get(pk=session.pk).register_taken_at is None


def test_register_refuses_people_who_never_joined_the_group(
    group, coordinator, members, make_member
):
    session = _past(group, 1)
    stranger = make_member()
    with pytest.raises(ValidationError, match="Only members"):
        register_take(
            actor=coordinator,
            session=session,
            marks={members[0].pk: "present", stranger.pk: "present"},
        )
    assert not Attendance.objects.exists()


def test_register_refuses_people_still_on_the_waiting_list(
    group, coordinator, members, make_member
):
    waiting = make_member()
    assert enrolment_join(user=waiting, group=group).status == "waiting"
    with pytest.raises(ValidationError, match="Only members"):
        register_take(actor=coordinator, session=_past(group, 1), marks={waiting.pk: "present"})


def test_a_cancelled_session_has_no_register(group, coordinator, members):
    session = session_cancel(actor=coordinator, session=group.sessions.first(), reason="Snow")
    with pytest.raises(ValidationError, match="cancelled"):
        register_take(actor=coordinator, session=session, marks={members[0].pk: "present"})
    assert not Attendance.objects.exists()


def test_former_members_can_still_be_marked_for_sessions_they_attended(group, coordinator, members):
    session = _past(group, 1)
    enrolment_leave(user=members[0], enrolment=Enrolment.objects.get(group=group, user=members[0]))
    register_take(actor=coordinator, session=session, marks={members[0].pk: "present"})
    assert Attendance.objects.filter(session=session, user=members[0]).exists()


def _rows(org):
    return [
        (row["user_id"], row["group_id"]) for row in missed_two_in_a_row(organisation_id=org.id)
    ]


def test_two_absences_in_a_row_put_a_member_on_the_follow_up_list(org, group, coordinator, members):
    for weeks_ago in (2, 1):
        register_take(
            actor=coordinator,
            session=_past(group, weeks_ago),
            marks={members[0].pk: "absent", members[1].pk: "present", members[2].pk: "absent"},
        )
    assert sorted(_rows(org)) == sorted([(members[0].pk, group.pk), (members[2].pk, group.pk)])


def test_apologies_are_not_missing(org, group, coordinator, members):
    register_take(actor=coordinator, session=_past(group, 2), marks={members[0].pk: "absent"})
    register_take(actor=coordinator, session=_past(group, 1), marks={members[0].pk: "apologies"})
    assert _rows(org) == []


def test_only_the_last_two_sessions_count(org, group, coordinator, members):
    register_take(actor=coordinator, session=_past(group, 3), marks={members[0].pk: "absent"})
    register_take(actor=coordinator, session=_past(group, 2), marks={members[0].pk: "absent"})
    register_take(actor=coordinator, session=_past(group, 1), marks={members[0].pk: "present"})
    assert _rows(org) == []


def test_cancelled_sessions_and_sessions_without_a_register_are_skipped(
    org, group, coordinator, members
):
    register_take(actor=coordinator, session=_past(group, 4), marks={members[0].pk: "absent"})
    _past(group, 3)  # no register taken
    cancelled = _past(group, 2)
    Session.objects.filter(pk=cancelled.pk).update(status="cancelled")
    register_take(actor=coordinator, session=_past(group, 1), marks={members[0].pk: "absent"})
    assert _rows(org) == [(members[0].pk, group.pk)]


def test_people_who_have_left_are_not_followed_up(org, group, coordinator, members):
    for weeks_ago in (2, 1):
        register_take(
            actor=coordinator, session=_past(group, weeks_ago), marks={members[0].pk: "absent"}
        )
    enrolment_leave(user=members[0], enrolment=Enrolment.objects.get(group=group, user=members[0]))
    assert _rows(org) == []


def test_follow_up_list_is_per_organisation_and_per_group(
    org, other_org, group, private_group, coordinator, members
):
    for weeks_ago in (2, 1):
        register_take(
            actor=coordinator, session=_past(group, weeks_ago), marks={members[0].pk: "absent"}
        )
    assert missed_two_in_a_row(organisation_id=other_org.id) == []
    assert missed_two_in_a_row(organisation_id=org.id, group_id=private_group.pk) == []
    assert len(missed_two_in_a_row(organisation_id=org.id, group_id=group.pk)) == 1


def test_cancelling_a_session_in_progress_takes_its_marks_out_of_the_count(
    org, group, coordinator, members
):
    from peercircle.programmes.services import session_reinstate

    register_take(actor=coordinator, session=_past(group, 1), marks={members[0].pk: "absent"})
    now = timezone.now()
    running = Session.objects.create(
        group=group,
        number=99,
        starts_at=now - dt.timedelta(minutes=30),
        ends_at=now + dt.timedelta(minutes=90),
    )
    register_take(actor=coordinator, session=running, marks={members[0].pk: "absent"})
    assert _rows(org) == [(members[0].pk, group.pk)]
    session_cancel(actor=coordinator, session=running, reason="Fire alarm")
    assert _rows(org) == []
    session_reinstate(actor=coordinator, session=running)
    assert _rows(org) == [(members[0].pk, group.pk)]


def test_a_later_correction_of_an_old_register_is_counted_in_order(
    org, group, coordinator, members
):
    older, newer = _past(group, 2), _past(group, 1)
    register_take(actor=coordinator, session=newer, marks={members[0].pk: "absent"})
    register_take(actor=coordinator, session=older, marks={members[0].pk: "present"})
    assert _rows(org) == []
    register_take(actor=coordinator, session=older, marks={members[0].pk: "absent"})
    assert _rows(org) == [(members[0].pk, group.pk)]
    assert Enrolment.objects.get(group=group, user=members[0]).missed_in_a_row == 2


def test_a_register_taken_before_the_session_started_counts_once_it_has(
    org, group, coordinator, members
):
    from peercircle.programmes.services import missed_recount_early_registers

    register_take(actor=coordinator, session=_past(group, 2), marks={members[0].pk: "absent"})
    now = timezone.now()
    soon = Session.objects.create(
        group=group,
        number=98,
        starts_at=now + dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(hours=2),
    )
    register_take(actor=coordinator, session=soon, marks={members[0].pk: "absent"})
    assert _rows(org) == []  # it has not started: not counted yet
    Session.objects.filter(pk=soon.pk).update(
        starts_at=now - dt.timedelta(minutes=1), register_taken_at=now - dt.timedelta(minutes=10)
    )
    assert missed_recount_early_registers() == 1
    assert _rows(org) == [(members[0].pk, group.pk)]
