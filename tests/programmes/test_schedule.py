"""Pure tests of the weekly schedule (programmes/schedule.py): no database.

Europe/London changes its clocks on Sunday 29 March 2026 (01:00 GMT becomes
02:00 BST) and Sunday 25 October 2026 (02:00 BST becomes 01:00 GMT).
"""

from __future__ import annotations

import datetime as dt
from itertools import islice
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peercircle.programmes import schedule

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC
TWO_HOURS = dt.timedelta(hours=2)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def mondays_at_seven(first_day: dt.date, count: int) -> list[schedule.Slot]:
    slots = schedule.weekly_slots(
        first_day=first_day, weekday=0, start=dt.time(19, 0), duration=TWO_HOURS, zone=LONDON
    )
    return list(islice(slots, count))


def test_monday_evening_group_stays_at_seven_local_over_the_spring_change():
    slots = mondays_at_seven(dt.date(2026, 3, 16), 4)
    assert [s.starts_at for s in slots] == [
        utc(2026, 3, 16, 19),
        utc(2026, 3, 23, 19),
        utc(2026, 3, 30, 18),  # first Monday of summer time: an hour earlier in UTC
        utc(2026, 4, 6, 18),
    ]
    assert {s.starts_at.astimezone(LONDON).time() for s in slots} == {dt.time(19, 0)}
    assert {s.ends_at.astimezone(LONDON).time() for s in slots} == {dt.time(21, 0)}


def test_monday_evening_group_stays_at_seven_local_over_the_autumn_change():
    slots = mondays_at_seven(dt.date(2026, 10, 12), 4)
    assert [s.starts_at for s in slots] == [
        utc(2026, 10, 12, 18),
        utc(2026, 10, 19, 18),
        utc(2026, 10, 26, 19),  # back on GMT
        utc(2026, 11, 2, 19),
    ]
    assert {s.starts_at.astimezone(LONDON).time() for s in slots} == {dt.time(19, 0)}
    assert all(s.ends_at - s.starts_at == TWO_HOURS for s in slots)


def test_times_are_aware_and_in_utc():
    slot = mondays_at_seven(dt.date(2026, 7, 1), 1)[0]
    assert slot.starts_at.tzinfo is UTC and slot.ends_at.tzinfo is UTC
    assert slot.starts_at == utc(2026, 7, 6, 18)


def test_half_past_one_on_the_spring_forward_night_moves_forward_with_the_clock():
    # 01:30 does not exist on 29 March 2026: the clock jumps from 01:00 to 02:00.
    starts = schedule.local_to_utc(dt.date(2026, 3, 29), dt.time(1, 30), LONDON)
    assert starts == utc(2026, 3, 29, 1, 30)
    assert starts.astimezone(LONDON).time() == dt.time(2, 30)
    assert starts.astimezone(LONDON).utcoffset() == dt.timedelta(hours=1)


@pytest.mark.parametrize("minutes", [15, 30, 60, 90, 120])
def test_a_session_starting_in_the_spring_gap_keeps_its_length(minutes):
    # A Sunday group at 01:30: the night of the change has no 01:30, so the
    # whole session moves an hour later on the wall clock and keeps its length
    # (ending before it began would break the sessions table's constraint).
    slot = next(
        schedule.weekly_slots(
            first_day=dt.date(2026, 3, 29),
            weekday=6,
            start=dt.time(1, 30),
            duration=dt.timedelta(minutes=minutes),
            zone=LONDON,
        )
    )
    assert slot.starts_at == utc(2026, 3, 29, 1, 30)
    assert slot.ends_at - slot.starts_at == dt.timedelta(minutes=minutes)


def test_ambiguous_half_past_one_on_the_fall_back_night_is_the_first_one():
    # 01:00 to 02:00 happens twice on 25 October 2026; people mean the first (BST).
    starts = schedule.local_to_utc(dt.date(2026, 10, 25), dt.time(1, 30), LONDON)
    assert starts == utc(2026, 10, 25, 0, 30)
    assert starts.astimezone(LONDON).utcoffset() == dt.timedelta(hours=1)
    slot = next(
        schedule.weekly_slots(
            first_day=dt.date(2026, 10, 25),
            weekday=6,
            start=dt.time(1, 30),
            duration=dt.timedelta(hours=1),
            zone=LONDON,
        )
    )
    # It ends at the wall-clock 02:30, which comes two real hours later.
    assert slot.ends_at == utc(2026, 10, 25, 2, 30)
    assert slot.ends_at.astimezone(LONDON).time() == dt.time(2, 30)


def test_following_week_at_half_past_one_is_ordinary_again():
    slots = list(
        islice(
            schedule.weekly_slots(
                first_day=dt.date(2026, 10, 25),
                weekday=6,
                start=dt.time(1, 30),
                duration=dt.timedelta(hours=1),
                zone=LONDON,
            ),
            2,
        )
    )
    assert slots[1].starts_at == utc(2026, 11, 1, 1, 30)
    assert slots[1].ends_at - slots[1].starts_at == dt.timedelta(hours=1)


def test_first_on_or_after():
    monday = dt.date(2026, 3, 30)
    assert schedule.first_on_or_after(monday, 0) == monday
    assert schedule.first_on_or_after(monday, 6) == dt.date(2026, 4, 5)
    assert schedule.first_on_or_after(dt.date(2026, 4, 5), 0) == dt.date(2026, 4, 6)
    with pytest.raises(ValueError, match="weekday"):
        schedule.first_on_or_after(monday, 7)


def test_course_has_exactly_its_number_of_weekly_sessions():
    slots = schedule.course_slots(
        start_date=dt.date(2026, 3, 18),
        weekday=2,
        start=dt.time(10, 0),
        duration=TWO_HOURS,
        zone=LONDON,
        count=6,
    )
    assert len(slots) == 6
    assert [s.starts_at.astimezone(LONDON).date() for s in slots] == [
        dt.date(2026, 3, 18) + dt.timedelta(weeks=n) for n in range(6)
    ]
    with pytest.raises(ValueError):
        schedule.course_slots(
            start_date=dt.date(2026, 3, 18),
            weekday=2,
            start=dt.time(10, 0),
            duration=TWO_HOURS,
            zone=LONDON,
            count=0,
        )


def test_rolling_slots_stay_inside_the_dates_given():
    slots = schedule.rolling_slots(
        from_day=dt.date(2026, 3, 17),
        until_day=dt.date(2026, 4, 13),
        weekday=0,
        start=dt.time(19, 0),
        duration=TWO_HOURS,
        zone=LONDON,
    )
    days = [s.starts_at.astimezone(LONDON).date() for s in slots]
    assert days == [
        dt.date(2026, 3, 23),
        dt.date(2026, 3, 30),
        dt.date(2026, 4, 6),
        dt.date(2026, 4, 13),
    ]


def test_a_session_of_no_length_is_refused():
    with pytest.raises(ValueError):
        next(
            schedule.weekly_slots(
                first_day=dt.date(2026, 1, 1),
                weekday=0,
                start=dt.time(19, 0),
                duration=dt.timedelta(0),
                zone=LONDON,
            )
        )


ZONES = [
    LONDON,
    ZoneInfo("Europe/Dublin"),
    ZoneInfo("America/New_York"),
    ZoneInfo("Australia/Sydney"),
]


# Sundays on which these zones change their clocks, so that the search reaches
# the awkward nights as well as ordinary weeks.
CHANGE_DAYS = [
    dt.date(2026, 3, 29),  # London, Dublin: forward
    dt.date(2026, 10, 25),  # London, Dublin: back
    dt.date(2026, 3, 8),  # New York: forward
    dt.date(2026, 11, 1),  # New York: back
    dt.date(2026, 4, 5),  # Sydney: back
    dt.date(2026, 10, 4),  # Sydney: forward
]
NIGHT = st.times(min_value=dt.time(0, 0), max_value=dt.time(3, 59))


@settings(max_examples=400, deadline=None)
@given(
    first_day=st.one_of(
        st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 12, 31)),
        st.sampled_from(CHANGE_DAYS),
    ),
    weekday=st.one_of(st.just(6), st.integers(min_value=0, max_value=6)),
    start=st.one_of(NIGHT, st.times()).map(lambda t: t.replace(second=0, microsecond=0)),
    minutes=st.integers(min_value=15, max_value=8 * 60),
    zone=st.sampled_from(ZONES),
)
def test_weekly_slots_properties(first_day, weekday, start, minutes, zone):
    slots = list(
        islice(
            schedule.weekly_slots(
                first_day=first_day,
                weekday=weekday,
                start=start,
                duration=dt.timedelta(minutes=minutes),
                zone=zone,
            ),
            8,
        )
    )
    first_local_day = schedule.first_on_or_after(first_day, weekday)
    for week, slot in enumerate(slots):
        assert slot.starts_at.tzinfo is UTC
        # Every session ends after it starts, which the sessions table requires.
        assert slot.ends_at > slot.starts_at
        local = slot.starts_at.astimezone(zone)
        expected_day = first_local_day + dt.timedelta(weeks=week)
        if local.time() == start:
            assert local.date() == expected_day
        else:
            # Only a time inside a spring-forward gap may move, and only forward
            # by the gap (one hour in these zones) on the same day.
            moved = dt.datetime.combine(local.date(), local.time()) - dt.datetime.combine(
                expected_day, start
            )
            assert moved == dt.timedelta(hours=1)
    for earlier, later in zip(slots, slots[1:], strict=False):
        # A week apart, give or take a daylight-saving hour.
        gap = later.starts_at - earlier.starts_at
        assert dt.timedelta(days=7, hours=-1) <= gap <= dt.timedelta(days=7, hours=1)


CHANGE_NIGHTS = [
    (LONDON, dt.date(2026, 3, 29)),
    (LONDON, dt.date(2026, 10, 25)),
    (ZoneInfo("America/New_York"), dt.date(2026, 3, 8)),
    (ZoneInfo("America/New_York"), dt.date(2026, 11, 1)),
    (ZoneInfo("Australia/Sydney"), dt.date(2026, 4, 5)),
    (ZoneInfo("Australia/Sydney"), dt.date(2026, 10, 4)),
]


@settings(max_examples=300, deadline=None)
@given(
    night=st.sampled_from(CHANGE_NIGHTS),
    start=NIGHT.map(lambda t: t.replace(second=0, microsecond=0)),
    minutes=st.integers(min_value=15, max_value=8 * 60),
)
def test_sessions_on_the_nights_the_clocks_change_are_never_empty_or_reversed(
    night, start, minutes
):
    zone, day = night
    slot = next(
        schedule.weekly_slots(
            first_day=day,
            weekday=day.weekday(),
            start=start,
            duration=dt.timedelta(minutes=minutes),
            zone=zone,
        )
    )
    assert slot.ends_at > slot.starts_at
    # Real length differs from the planned one by at most the hour the clocks move.
    assert abs(slot.ends_at - slot.starts_at - dt.timedelta(minutes=minutes)) <= dt.timedelta(
        hours=1
    )
