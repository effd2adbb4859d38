"""Group suggestions: which groups fit a person, in what order, and why."""

from __future__ import annotations

import random
from datetime import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peercircle.matching.groups import (
    GENERAL,
    GroupOption,
    Seeker,
    assess,
    rank_groups,
    slot_of,
)
from peercircle.matching.records import SLOTS

LEEDS = (53.7997, -1.5492)
BRADFORD = (53.7960, -1.7594)  # about 14 km from Leeds
YORK = (53.9590, -1.0815)  # about 34 km from Leeds


def group(id, **overrides):
    values = {
        "id": id,
        "focus": GENERAL,
        "delivery": "in_person",
        "language": "en",
        "weekday": 1,
        "start_time": time(19, 0),
        "places_left": 4,
        "location": LEEDS,
    }
    values.update(overrides)
    return GroupOption(**values)


def seeker(**overrides):
    values = {
        "languages": {"en"},
        "ways": {"in_person", "online"},
        "slots": {"tue-evening"},
        "location": LEEDS,
    }
    values.update(overrides)
    return Seeker(**values)


def test_a_group_in_another_language_is_not_suggested():
    assert assess(seeker(), group(1, language="cy")) is None
    assert assess(seeker(languages={"en", "cy"}), group(1, language="cy")) is not None


def test_a_group_with_a_focus_is_suggested_only_to_those_it_is_for():
    dads = group(1, focus="perinatal")
    assert assess(seeker(), dads) is None
    found = assess(seeker(focus={"perinatal"}), dads, focus_words={"perinatal": "new parents"})
    assert found is not None
    assert "a group for new parents" in found.reasons


def test_an_in_person_group_too_far_away_is_not_suggested_but_hybrid_is_online():
    assert assess(seeker(max_distance_km=25), group(1, location=YORK)) is None
    hybrid = assess(seeker(max_distance_km=25), group(1, location=YORK, delivery="hybrid"))
    assert hybrid.way == "online"
    assert "meets online" in hybrid.reasons
    assert assess(seeker(ways={"in_person"}), group(1, delivery="online")) is None


def test_the_reasons_say_how_far_when_and_how_many_places():
    found = assess(seeker(), group(1, location=BRADFORD, places_left=1))
    assert found.way == "in_person"
    assert found.distance_km == pytest.approx(14, abs=1.5)
    assert found.reasons == (
        "meets in person, 14 km away",
        "on Tuesday evenings, when you said you are free",
        "1 place free",
    )
    full = assess(seeker(slots={"mon-morning"}), group(2, places_left=0, start_time=time(10, 0)))
    assert "on Tuesday mornings, not a time you said you are free" in full.reasons
    assert "full: you would join the waiting list" in full.reasons


def test_focus_then_time_then_nearness_then_space_order_the_groups():
    groups = [
        group("far-general", location=BRADFORD),
        group("near-general", location=LEEDS),
        group("wrong-time", start_time=time(10, 0)),
        group("full", places_left=0),
        group("men", focus="men", location=BRADFORD, start_time=time(10, 0)),
    ]
    ranked = rank_groups(seeker(focus={"men"}), groups, limit=10)
    assert [s.group_id for s in ranked] == [
        "men",
        "near-general",
        "far-general",
        "full",
        "wrong-time",
    ]


def test_the_order_does_not_depend_on_the_order_given_and_limit_applies():
    groups = [
        group(i, location=(LEEDS[0] + i * 0.01, LEEDS[1]), places_left=i % 3) for i in range(12)
    ]
    first = rank_groups(seeker(), groups, limit=5)
    shuffled = groups[:]
    random.Random(4).shuffle(shuffled)
    assert rank_groups(seeker(), shuffled, limit=5) == first
    assert len(first) == 5


def test_unknown_distance_is_shown_without_nearness_points():
    found = assess(seeker(location=None, ways={"in_person"}), group(1))
    assert found.way == "in_person"
    assert found.distance_km is None
    assert "meets in person (how far is not known)" in found.reasons


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda: group(1, delivery="bus"), "delivery must be one of"),
        (lambda: group(1, weekday=7), "weekday must be 0"),
        (lambda: group(1, places_left=-1), "places left must be 0 or more"),
        (lambda: group(1, location=(91, 0)), "not on the Earth"),
        (lambda: seeker(slots={"someday"}), "unknown times"),
        (lambda: seeker(ways=set()), "ways must be"),
        (lambda: seeker(max_distance_km=0), "more than 0 km"),
        (lambda: rank_groups(seeker(), [group(1), group(1)]), "listed twice"),
        (lambda: rank_groups(seeker(), [group(1)], limit=-1), "limit must be"),
    ],
)
def test_bad_input_is_a_plain_error(make, words):
    with pytest.raises(ValueError, match=words):
        make()


def test_no_groups_give_no_suggestions():
    assert rank_groups(seeker(), []) == ()


# --- properties --------------------------------------------------------------------------

coordinates = st.tuples(
    st.floats(min_value=53.0, max_value=54.5), st.floats(min_value=-2.5, max_value=-0.5)
)
groups_strategy = st.lists(
    st.builds(
        GroupOption,
        id=st.integers(min_value=0, max_value=10_000),
        focus=st.sampled_from([GENERAL, GENERAL, "men", "perinatal", "carers"]),
        delivery=st.sampled_from(["in_person", "online", "hybrid"]),
        language=st.sampled_from(["en", "cy", "da"]),
        weekday=st.integers(min_value=0, max_value=6),
        start_time=st.times(),
        places_left=st.integers(min_value=0, max_value=12),
        location=st.one_of(st.none(), coordinates),
    ),
    max_size=25,
    unique_by=lambda g: g.id,
)
seekers = st.builds(
    Seeker,
    languages=st.sets(st.sampled_from(["en", "cy", "da"]), max_size=2),
    ways=st.sets(st.sampled_from(["in_person", "online"]), min_size=1),
    slots=st.sets(st.sampled_from(SLOTS), max_size=6),
    location=st.one_of(st.none(), coordinates),
    focus=st.sets(st.sampled_from(["men", "perinatal", "carers"]), max_size=2),
    max_distance_km=st.floats(min_value=1, max_value=80),
)


@settings(max_examples=150, deadline=None)
@given(seekers, groups_strategy, st.integers(min_value=0, max_value=30))
def test_every_suggestion_fits_and_the_list_is_best_first(person, groups, limit):
    by_id = {g.id: g for g in groups}
    ranked = rank_groups(person, groups, limit=limit)
    assert len(ranked) <= limit
    scores = [s.score for s in ranked]
    assert scores == sorted(scores, reverse=True)
    for suggestion in ranked:
        chosen = by_id[suggestion.group_id]
        assert not person.languages or chosen.language in person.languages
        assert chosen.focus == GENERAL or chosen.focus in person.focus
        assert suggestion.way in person.ways
        if suggestion.way == "online":
            assert chosen.delivery in ("online", "hybrid")
        else:
            assert chosen.delivery in ("in_person", "hybrid")
            if suggestion.distance_km is not None:
                assert suggestion.distance_km <= person.max_distance_km + 0.05
        if slot_of(chosen) in person.slots:
            assert any("when you said you are free" in r for r in suggestion.reasons)
    # Nothing that fits is left out while a worse one is shown.
    fitting = [s for g in groups if (s := assess(person, g)) is not None]
    if len(fitting) > limit and ranked:
        assert min(s.score for s in ranked) >= max(
            s.score for s in fitting if s.group_id not in {r.group_id for r in ranked}
        )
