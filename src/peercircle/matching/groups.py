"""Group suggestions: for one person, the groups that fit them, ranked, with
reasons in plain words. Pure module (no Django import). See docs/matching.md,
"Group suggestions".

A group fits when it is in a language the person speaks, meets in a way they
can take part in (online, or in person within their distance), and is for
people like them (a group with a focus, such as new parents or men, is
suggested only to those the caller says it is for; "general" groups are for
everyone). Programme eligibility (ages, genders, stages) is the caller's to
apply before asking; this module ranks what is left:

- a focus that is theirs: ``focus`` points;
- meeting at a time they said they are free: ``free_time`` points;
- nearness, for in-person groups: up to ``nearness`` points, falling to none
  at the person's distance (an in-person group whose distance cannot be
  known, because either place is missing, is shown without these points);
- a place free now: ``space`` points; a full group is still shown, with
  "full: you would join the waiting list".

Ties go to the nearer group, then the one with more places, then the lower id,
so the same input always gives the same order.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import time

from peercircle.matching.records import DAY_NAMES, DAYS, SLOTS, Id

DELIVERIES = ("in_person", "online", "hybrid")
#: Ways to take part a person can choose.
WAYS = ("in_person", "online")
GENERAL = "general"
EARTH_RADIUS_KM = 6371.0088
DEFAULT_LIMIT = 5


@dataclass(frozen=True, slots=True)
class GroupWeights:
    focus: float = 10.0
    free_time: float = 6.0
    nearness: float = 5.0
    space: float = 3.0

    def __post_init__(self) -> None:
        for name in ("focus", "free_time", "nearness", "space"):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, numbers.Real)
                or not math.isfinite(value)
                or value < 0
            ):
                raise ValueError(f"the weight {name} must be a number of 0 or more, not {value!r}")


def _codes(owner: str, name: str, value: object) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValueError(f"{owner}: {name} must be a list of words, not {value!r}")
    items = list(value)
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise ValueError(f"{owner}: {name} must be a list of words, not {value!r}")
    return frozenset(item.strip().lower() for item in items)


def _location(owner: str, value: object) -> tuple[float, float] | None:
    if value is None:
        return None
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise ValueError(f"{owner}: location must be (latitude, longitude) or none")
    lat, lon = value
    for part in (lat, lon):
        if isinstance(part, bool) or not isinstance(part, numbers.Real) or not math.isfinite(part):
            raise ValueError(f"{owner}: location must be two numbers, not {value!r}")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"{owner}: location {value!r} is not on the Earth")
    return (float(lat), float(lon))


@dataclass(frozen=True, slots=True, kw_only=True)
class Seeker:
    """The person looking for a group. ``languages`` are language codes ("en",
    "cy"); empty means any. ``ways``: "in_person" and/or "online". ``slots``
    are times they are free (``records.SLOTS``, such as "tue-evening"); empty
    means they did not say. ``focus``: the focuses of groups meant for them
    ("men", "perinatal"); general groups are for everyone anyway."""

    languages: frozenset[str] = frozenset()
    ways: frozenset[str] = frozenset(WAYS)
    slots: frozenset[str] = frozenset()
    location: tuple[float, float] | None = None
    focus: frozenset[str] = frozenset()
    max_distance_km: float = 25.0

    def __post_init__(self) -> None:
        owner = "the person"
        object.__setattr__(self, "languages", _codes(owner, "languages", self.languages))
        ways = _codes(owner, "ways", self.ways)
        if not ways or ways - set(WAYS):
            raise ValueError(f"{owner}: ways must be in_person and/or online, not {sorted(ways)}")
        object.__setattr__(self, "ways", ways)
        slots = _codes(owner, "slots", self.slots)
        unknown = slots - set(SLOTS)
        if unknown:
            raise ValueError(f"{owner}: unknown times {sorted(unknown)} (such as 'tue-evening')")
        object.__setattr__(self, "slots", slots)
        object.__setattr__(self, "location", _location(owner, self.location))
        object.__setattr__(self, "focus", _codes(owner, "focus", self.focus))
        distance = self.max_distance_km
        if (
            isinstance(distance, bool)
            or not isinstance(distance, numbers.Real)
            or not math.isfinite(distance)
            or distance <= 0
        ):
            raise ValueError(f"{owner}: the distance must be more than 0 km, not {distance!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupOption:
    """A group that could be suggested. ``weekday``: 0 is Monday. ``location``
    is where an in-person or hybrid group meets (none if not known)."""

    id: Id
    focus: str
    delivery: str
    language: str
    weekday: int
    start_time: time
    places_left: int
    location: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.id, bool) or not isinstance(self.id, str | int):
            raise ValueError(f"a group's id must be a number or text, not {self.id!r}")
        owner = f"group {self.id!r}"
        if self.delivery not in DELIVERIES:
            raise ValueError(f"{owner}: delivery must be one of {', '.join(DELIVERIES)}")
        if not isinstance(self.focus, str) or not self.focus.strip():
            raise ValueError(f"{owner}: focus must be a word such as 'general'")
        object.__setattr__(self, "focus", self.focus.strip().lower())
        if not isinstance(self.language, str) or not self.language.strip():
            raise ValueError(f"{owner}: language must be a code such as 'en'")
        object.__setattr__(self, "language", self.language.strip().lower())
        if isinstance(self.weekday, bool) or self.weekday not in range(7):
            raise ValueError(f"{owner}: weekday must be 0 (Monday) to 6 (Sunday)")
        if not isinstance(self.start_time, time):
            raise ValueError(f"{owner}: start_time must be a time of day")
        if (
            isinstance(self.places_left, bool)
            or not isinstance(self.places_left, int)
            or self.places_left < 0
        ):
            raise ValueError(f"{owner}: places left must be 0 or more, not {self.places_left!r}")
        object.__setattr__(self, "location", _location(owner, self.location))


@dataclass(frozen=True, slots=True)
class Suggestion:
    group_id: Id
    score: float
    #: How the person would take part: "in_person" or "online".
    way: str
    distance_km: float | None
    reasons: tuple[str, ...]


def part_of_day(start: time) -> str:
    if start.hour < 12:
        return "morning"
    if start.hour < 17:
        return "afternoon"
    return "evening"


def slot_of(group: GroupOption) -> str:
    return f"{DAYS[group.weekday]}-{part_of_day(group.start_time)}"


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dp, dl = p2 - p1, math.radians(b[1] - a[1])
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _distance_words(km: float) -> str:
    if km < 1:
        return "less than 1 km away"
    return f"{round(km)} km away"


def assess(
    seeker: Seeker,
    group: GroupOption,
    *,
    weights: GroupWeights | None = None,
    focus_words: dict[str, str] | None = None,
    language_words: dict[str, str] | None = None,
) -> Suggestion | None:
    """How one group suits the person, or None when it does not fit."""
    weights = weights or GroupWeights()
    if seeker.languages and group.language not in seeker.languages:
        return None
    if group.focus != GENERAL and group.focus not in seeker.focus:
        return None
    distance: float | None = None
    way: str | None = None
    in_person_possible = group.delivery in ("in_person", "hybrid") and "in_person" in seeker.ways
    if in_person_possible and seeker.location is not None and group.location is not None:
        distance = _km(seeker.location, group.location)
        if distance <= seeker.max_distance_km:
            way = "in_person"
    if way is None and group.delivery in ("online", "hybrid") and "online" in seeker.ways:
        way, distance = "online", None
    if way is None and in_person_possible and (seeker.location is None or group.location is None):
        way = "in_person"  # how far cannot be known: shown, with no points for nearness
    if way is None:
        return None

    score = 0.0
    reasons: list[str] = []
    if group.focus != GENERAL:
        score += weights.focus
        words = (focus_words or {}).get(group.focus, group.focus.replace("_", " "))
        reasons.append(f"a group for {words}")
    if way == "in_person" and distance is not None:
        score += weights.nearness * max(0.0, 1 - distance / seeker.max_distance_km)
        reasons.append(f"meets in person, {_distance_words(distance)}")
    elif way == "in_person":
        reasons.append("meets in person (how far is not known)")
    else:
        reasons.append("meets online")
    slot = slot_of(group)
    when = f"{DAY_NAMES[DAYS[group.weekday]]} {part_of_day(group.start_time)}s"
    if slot in seeker.slots:
        score += weights.free_time
        reasons.append(f"on {when}, when you said you are free")
    elif seeker.slots:
        reasons.append(f"on {when}, not a time you said you are free")
    else:
        reasons.append(f"on {when}")
    if language_words and group.language in language_words:
        reasons.append(f"in {language_words[group.language]}")
    if group.places_left > 0:
        score += weights.space
        reasons.append(f"{group.places_left} place{'s' if group.places_left != 1 else ''} free")
    else:
        reasons.append("full: you would join the waiting list")
    return Suggestion(
        group_id=group.id,
        score=round(score, 6),
        way=way,
        distance_km=None if distance is None else round(distance, 1),
        reasons=tuple(reasons),
    )


def rank_groups(
    seeker: Seeker,
    groups: Iterable[GroupOption],
    *,
    limit: int = DEFAULT_LIMIT,
    weights: GroupWeights | None = None,
    focus_words: dict[str, str] | None = None,
    language_words: dict[str, str] | None = None,
) -> tuple[Suggestion, ...]:
    """The groups that fit ``seeker``, best first, at most ``limit``. Bad
    records raise ValueError with a plain message; no groups give ()."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ValueError(f"limit must be a whole number of 0 or more, not {limit!r}")
    options = list(groups)
    seen: set[Id] = set()
    for group in options:
        if not isinstance(group, GroupOption):
            raise ValueError(f"expected groups, got {type(group).__name__}")
        if group.id in seen:
            raise ValueError(f"group {group.id!r} is listed twice")
        seen.add(group.id)
    places = {group.id: group.places_left for group in options}
    found = [
        suggestion
        for group in options
        if (
            suggestion := assess(
                seeker,
                group,
                weights=weights,
                focus_words=focus_words,
                language_words=language_words,
            )
        )
        is not None
    ]
    found.sort(
        key=lambda s: (
            -s.score,
            s.distance_km if s.distance_km is not None else math.inf,
            -places[s.group_id],
            (0, s.group_id, "") if isinstance(s.group_id, int) else (1, 0, s.group_id),
        )
    )
    return tuple(found[:limit])
