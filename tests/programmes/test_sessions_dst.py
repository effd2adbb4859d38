"""Sessions generated from a group's schedule keep their local time across
daylight-saving changes (Europe/London: 29 March and 25 October 2026)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from peercircle.programmes.services import group_create

LONDON = ZoneInfo("Europe/London")


def _course(programme, coordinator, **overrides):
    fields = dict(
        name="Recovery course",
        kind="course",
        delivery="online",
        capacity=10,
        weekday=0,
        start_time=dt.time(19, 0),
        duration_minutes=120,
        start_date=dt.date(2026, 10, 12),
        course_weeks=4,
    )
    fields.update(overrides)
    return group_create(actor=coordinator, programme=programme, **fields)


def test_course_over_the_autumn_change_stays_at_seven_pm_local(programme, coordinator):
    group = _course(programme, coordinator)
    sessions = list(group.sessions.order_by("number"))
    assert [s.number for s in sessions] == [1, 2, 3, 4]
    assert [s.starts_at.astimezone(LONDON).time() for s in sessions] == [dt.time(19, 0)] * 4
    assert [s.starts_at.astimezone(dt.UTC).hour for s in sessions] == [18, 18, 19, 19]
    assert all(s.ends_at - s.starts_at == dt.timedelta(hours=2) for s in sessions)
    assert [s.starts_at.astimezone(LONDON).date() for s in sessions] == [
        dt.date(2026, 10, 12),
        dt.date(2026, 10, 19),
        dt.date(2026, 10, 26),
        dt.date(2026, 11, 2),
    ]


def test_course_over_the_spring_change_moves_utc_not_local(programme, coordinator):
    group = _course(programme, coordinator, start_date=dt.date(2026, 3, 16), weekday=0)
    utc_hours = [s.starts_at.astimezone(dt.UTC).hour for s in group.sessions.order_by("number")]
    assert utc_hours == [19, 19, 18, 18]


def test_a_session_in_the_night_of_the_change_ends_at_the_local_time_people_expect(
    programme, coordinator
):
    # Saturday 28 March 2026, 23:00 for three hours: the clocks go forward at 01:00,
    # so it ends at 02:00 local, which is only two real hours later.
    group = _course(
        programme,
        coordinator,
        weekday=5,
        start_date=dt.date(2026, 3, 28),
        start_time=dt.time(23, 0),
        duration_minutes=180,
        course_weeks=1,
    )
    session = group.sessions.get()
    assert session.ends_at.astimezone(LONDON).time() == dt.time(2, 0)
    assert session.ends_at - session.starts_at == dt.timedelta(hours=2)


def test_rolling_group_gets_sessions_to_the_horizon_and_generation_is_idempotent(
    programme, coordinator, settings
):
    from peercircle.programmes.services import sessions_generate

    settings.SESSION_HORIZON_WEEKS = 6
    group = group_create(
        actor=coordinator,
        programme=programme,
        name="Weekly",
        delivery="online",
        weekday=2,
        start_time=dt.time(10, 30),
        start_date=dt.date.today(),
    )
    count = group.sessions.count()
    assert 6 <= count <= 7
    assert sessions_generate(group=group) == 0
    assert group.sessions.count() == count
    assert all(s.starts_at.astimezone(LONDON).weekday() == 2 for s in group.sessions.all())
    assert all(
        s.starts_at.astimezone(LONDON).time() == dt.time(10, 30) for s in group.sessions.all()
    )
