"""Records that go into and come out of the matching engine. Pure module (no Django import).

Everything here is a frozen dataclass of plain values; building one checks its
values and raises ``ValueError`` with a plain message naming the record. See
docs/matching.md.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Format = Literal["in_person", "online", "phone"]
FORMATS: tuple[Format, ...] = ("in_person", "online", "phone")
FORMAT_WORDS: dict[str, str] = {"in_person": "in person", "online": "online", "phone": "by phone"}

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = dict(zip(DAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                            "Saturday", "Sunday"), strict=True))  # fmt: skip
PARTS = ("morning", "afternoon", "evening")
# Weekly availability: 21 slots such as "tue-evening", in this order.
SLOTS: tuple[str, ...] = tuple(f"{day}-{part}" for day in DAYS for part in PARTS)

Objective = Literal["best_total", "most_matched"]
OBJECTIVES: tuple[Objective, ...] = ("best_total", "most_matched")
Strength = Literal["must", "nice"]
PreferenceKind = Literal["gender", "tag"]

Id = str | int

_TAG = re.compile(r"^[a-z][a-z0-9_]*$")
# Weights are turned into whole points (see engine.SCALE); this cap keeps every
# sum the solver sees far inside 64-bit integers.
MAX_WEIGHT = 10_000.0
# Places and caseload per supporter; far above any real caseload, and it keeps
# the load costs inside 64-bit integers too.
MAX_PEOPLE = 10_000


def _owner(kind: str, ident: object) -> str:
    return f"{kind} {ident!r}"


def _check_id(kind: str, ident: object) -> None:
    if isinstance(ident, bool) or not isinstance(ident, str | int):
        raise ValueError(f"a {kind}'s id must be a string or a whole number, not {ident!r}")
    if isinstance(ident, str) and not ident.strip():
        raise ValueError(f"a {kind}'s id must not be empty")


def _strings(owner: str, name: str, value: object) -> frozenset[str]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValueError(
            f"{owner}: {name} must be a collection of strings (for example a set), not {value!r}"
        )
    items = frozenset(value)
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise ValueError(f"{owner}: {name} contains {item!r}, which is not a non-empty string")
    return items


def _ids(owner: str, name: str, value: object) -> frozenset[Id]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValueError(f"{owner}: {name} must be a collection of ids, not {value!r}")
    items = frozenset(value)
    for item in items:
        if isinstance(item, bool) or not isinstance(item, str | int):
            raise ValueError(f"{owner}: {name} contains {item!r}, which is not an id")
    return items


def _slots(owner: str, value: object) -> frozenset[str]:
    slots = _strings(owner, "slots", value)
    for slot in sorted(slots):
        if slot not in SLOTS:
            raise ValueError(
                f"{owner}: {slot!r} is not a weekly slot; slots look like 'tue-evening' "
                "(mon to sun, then morning, afternoon or evening)"
            )
    return slots


def _formats(owner: str, value: object) -> frozenset[str]:
    formats = _strings(owner, "formats", value)
    for item in sorted(formats):
        if item not in FORMATS:
            raise ValueError(
                f"{owner}: {item!r} is not a way of meeting; use 'in_person', 'online' or 'phone'"
            )
    return formats


def _tags(owner: str, value: object) -> frozenset[str]:
    tags = _strings(owner, "tags", value)
    for tag in sorted(tags):
        if not _TAG.match(tag):
            raise ValueError(
                f"{owner}: the tag {tag!r} is not written as a tag (lower-case letters, digits "
                "and underscores, such as 'new_dad')"
            )
    return tags


def _location(owner: str, value: object) -> tuple[float, float] | None:
    if value is None:
        return None
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValueError(f"{owner}: location must be (latitude, longitude) or None")
    parts = tuple(value)
    if len(parts) != 2 or not all(
        isinstance(x, numbers.Real) and not isinstance(x, bool) for x in parts
    ):
        raise ValueError(f"{owner}: location must be (latitude, longitude) or None")
    lat, lon = float(parts[0]), float(parts[1])
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(
            f"{owner}: location {value!r} is not a latitude from -90 to 90 and a longitude "
            "from -180 to 180"
        )
    return (lat, lon)


def _count(owner: str, name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{owner}: {name} must be a whole number, not {value!r}")
    if int(value) < 0:
        raise ValueError(f"{owner}: {name} cannot be negative (it is {value})")
    if int(value) > MAX_PEOPLE:
        raise ValueError(f"{owner}: {name} cannot be more than {MAX_PEOPLE:,} (it is {value})")
    return int(value)


@dataclass(frozen=True, slots=True)
class Preference:
    """A participant's wish about their supporter: a gender, or a tag the supporter has.

    ``must`` preferences are hard constraints; ``nice`` ones add to the score.
    """

    kind: PreferenceKind
    value: str
    strength: Strength = "nice"

    def __post_init__(self) -> None:
        if self.kind not in ("gender", "tag"):
            raise ValueError(f"a preference is about 'gender' or 'tag', not {self.kind!r}")
        if not isinstance(self.value, str) or not self.value.strip():
            raise ValueError(f"a {self.kind} preference needs a value, not {self.value!r}")
        if self.kind == "tag" and not _TAG.match(self.value):
            raise ValueError(f"the preference's tag {self.value!r} is not written as a tag")
        if self.strength not in ("must", "nice"):
            raise ValueError(f"a preference is 'must' or 'nice', not {self.strength!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Participant:
    """Someone waiting for a one-to-one supporter.

    ``location`` is (latitude, longitude), or None for someone who meets only
    online or by phone. ``exclusions`` are supporter ids this person may never
    be proposed with (they know each other; an earlier pairing ended with a
    concern). Collections may be given as lists or sets; they are kept as
    frozensets.
    """

    id: Id
    languages: frozenset[str]
    slots: frozenset[str]
    formats: frozenset[str]
    location: tuple[float, float] | None = None
    tags: frozenset[str] = frozenset()
    preferences: tuple[Preference, ...] = ()
    exclusions: frozenset[Id] = frozenset()

    def __post_init__(self) -> None:
        _check_id("participant", self.id)
        owner = _owner("participant", self.id)
        set_ = object.__setattr__
        set_(self, "languages", _strings(owner, "languages", self.languages))
        set_(self, "slots", _slots(owner, self.slots))
        set_(self, "formats", _formats(owner, self.formats))
        set_(self, "location", _location(owner, self.location))
        set_(self, "tags", _tags(owner, self.tags))
        set_(self, "exclusions", _ids(owner, "exclusions", self.exclusions))
        prefs = self.preferences
        if isinstance(prefs, str | bytes) or not isinstance(prefs, Iterable):
            raise ValueError(f"{owner}: preferences must be a collection of Preference records")
        prefs = tuple(prefs)
        for pref in prefs:
            if not isinstance(pref, Preference):
                raise ValueError(f"{owner}: {pref!r} is not a Preference")
        set_(self, "preferences", prefs)


@dataclass(frozen=True, slots=True, kw_only=True)
class Supporter:
    """A peer supporter with ``places`` free for new people.

    ``caseload`` is how many people they support already: the load cost counts
    them too. ``exclusions`` are participant ids they may never be proposed with.
    """

    id: Id
    languages: frozenset[str]
    slots: frozenset[str]
    formats: frozenset[str]
    places: int
    location: tuple[float, float] | None = None
    tags: frozenset[str] = frozenset()
    gender: str | None = None
    caseload: int = 0
    exclusions: frozenset[Id] = frozenset()

    def __post_init__(self) -> None:
        _check_id("supporter", self.id)
        owner = _owner("supporter", self.id)
        set_ = object.__setattr__
        set_(self, "languages", _strings(owner, "languages", self.languages))
        set_(self, "slots", _slots(owner, self.slots))
        set_(self, "formats", _formats(owner, self.formats))
        set_(self, "places", _count(owner, "places", self.places))
        set_(self, "caseload", _count(owner, "caseload", self.caseload))
        set_(self, "location", _location(owner, self.location))
        set_(self, "tags", _tags(owner, self.tags))
        set_(self, "exclusions", _ids(owner, "exclusions", self.exclusions))
        if self.gender is not None and (not isinstance(self.gender, str) or not self.gender):
            raise ValueError(f"{owner}: gender must be a non-empty string or None")


@dataclass(frozen=True, slots=True, kw_only=True)
class Weights:
    """How a programme scores a pair that meets every hard constraint. All >= 0.

    A pair's score is ``fit`` + ``shared_tag`` per shared lived-experience or
    circumstance tag + ``shared_slot`` per shared weekly slot (counting at most
    ``slot_cap``) + ``nearness`` x (1 - distance / maximum distance) when they
    meet in person + ``nice_preference`` per "nice" preference met. Each
    supporter's k-th new person costs ``load`` x (caseload + k - 1), so the
    cost of piling people on one supporter rises with each extra one.
    """

    fit: float = 10.0
    shared_tag: float = 10.0
    shared_slot: float = 2.0
    slot_cap: int = 3
    nearness: float = 5.0
    nice_preference: float = 5.0
    load: float = 3.0

    def __post_init__(self) -> None:
        for name in ("fit", "shared_tag", "shared_slot", "nearness", "nice_preference", "load"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ValueError(f"the weight {name} must be a number, not {value!r}")
            if not math.isfinite(float(value)) or not 0 <= float(value) <= MAX_WEIGHT:
                raise ValueError(
                    f"the weight {name} must be from 0 to {MAX_WEIGHT:,.0f}, not {value}"
                )
        cap = self.slot_cap
        if isinstance(cap, bool) or not isinstance(cap, numbers.Integral) or not 0 <= cap <= 21:
            raise ValueError(f"slot_cap must be a whole number from 0 to 21, not {cap!r}")


@dataclass(frozen=True, slots=True)
class Pair:
    """A proposed pairing: its score and the plain reasons for it."""

    participant_id: Id
    supporter_id: Id
    format: Format
    score: float
    reasons: tuple[str, ...]
    distance_km: float | None = None  # in person only


UnmatchedCode = Literal[
    "no_supporters",
    "no_language",
    "no_format",
    "no_time",
    "must_preference",
    "excluded",
    "no_places",
    "taken",
    "load",
]


@dataclass(frozen=True, slots=True)
class Unmatched:
    """A participant left waiting, with why in plain words (``code`` for programs)."""

    participant_id: Id
    code: UnmatchedCode
    reason: str


@dataclass(frozen=True, slots=True)
class Fit:
    """How one participant and one supporter fit: the score and reasons, or why not."""

    fits: bool
    score: float
    format: Format | None
    distance_km: float | None
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Result:
    """The assignment the engine chose.

    ``total_score`` = sum of the pairs' scores - ``load_cost``; it is the
    highest possible under the constraints for ``objective`` when ``optimal``
    is true (checked against every compatible pair, not only the candidates
    the solver was given; see docs/matching.md).
    """

    pairs: tuple[Pair, ...]
    unmatched: tuple[Unmatched, ...]
    objective: Objective
    total_score: float
    load_cost: float
    optimal: bool
    rounds: int  # 1, plus one per round that added candidates (solved afresh, or mended)
    candidates: int  # participant-supporter arcs the last solver run was given
