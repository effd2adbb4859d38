"""Session times from a weekly schedule, correct across daylight-saving changes.

Pure module (no Django). A group meets on a weekday at a local wall-clock time
in its organisation's time zone: "Mondays 7-9pm in London" stays 7pm local
after the clocks change, so its UTC time moves. See docs/programmes.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class Slot:
    starts_at: datetime  # aware, UTC
    ends_at: datetime  # aware, UTC


def local_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock ``at`` on ``day`` in ``zone``.

    A time that does not exist (inside a spring-forward gap) moves forward by the
    gap, as a wall clock would; an ambiguous time (autumn fall-back) takes the
    first occurrence, the one people mean when they say "half past one".
    """
    # zoneinfo's fold=0 does both: in a gap it applies the offset from before
    # the change (so 01:30 becomes 02:30 summer time), and for a repeated hour
    # it picks the first occurrence.
    return datetime.combine(day, at).replace(tzinfo=zone, fold=0).astimezone(UTC)


def first_on_or_after(start: date, weekday: int) -> date:
    """The first date on or after ``start`` that falls on ``weekday`` (Monday = 0)."""
    if not 0 <= weekday <= 6:
        raise ValueError("weekday must be 0 (Monday) to 6 (Sunday)")
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def weekly_slots(
    *, first_day: date, weekday: int, start: time, duration: timedelta, zone: ZoneInfo
) -> Iterator[Slot]:
    """Endless weekly slots from the first ``weekday`` on or after ``first_day``."""
    if duration <= timedelta(0):
        raise ValueError("a session must last longer than no time at all")
    day = first_on_or_after(first_day, weekday)
    while True:
        begins = local_to_utc(day, start, zone)
        if begins.astimezone(zone).time() != start:
            # The start fell in a spring-forward gap and moved later with the
            # clock: the whole session moves and keeps its length. (Taking the
            # wall-clock end here could end it before it began.)
            ends = begins + duration
        else:
            # The end is a wall-clock time too: a 2-hour session over the change
            # still ends at the local time people expect.
            local_end = datetime.combine(day, start) + duration
            ends = local_to_utc(local_end.date(), local_end.time(), zone)
        yield Slot(begins, ends)
        day += timedelta(days=7)


def course_slots(
    *, start_date: date, weekday: int, start: time, duration: timedelta, zone: ZoneInfo, count: int
) -> list[Slot]:
    if count < 1:
        raise ValueError("a course has at least one session")
    slots = weekly_slots(
        first_day=start_date, weekday=weekday, start=start, duration=duration, zone=zone
    )
    return [next(slots) for _ in range(count)]


def rolling_slots(
    *,
    from_day: date,
    until_day: date,
    weekday: int,
    start: time,
    duration: timedelta,
    zone: ZoneInfo,
) -> list[Slot]:
    """Weekly slots whose local date lies in ``[from_day, until_day]``."""
    result = []
    day = first_on_or_after(from_day, weekday)
    slots = weekly_slots(
        first_day=from_day, weekday=weekday, start=start, duration=duration, zone=zone
    )
    while day <= until_day:
        result.append(next(slots))
        day += timedelta(days=7)
    return result
