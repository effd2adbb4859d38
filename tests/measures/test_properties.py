"""Properties of questionnaire scoring over every instrument (hypothesis). Pure: no database."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peercircle.measures import INSTRUMENTS, change, score, score_many
from peercircle.measures.instruments import Instrument

CODES = sorted(INSTRUMENTS)
TOTALLED = [c for c in CODES if INSTRUMENTS[c].has_total]


def complete(instrument: Instrument) -> st.SearchStrategy[list[int]]:
    return st.tuples(*(st.integers(0, len(v) - 1) for v in instrument.option_values)).map(list)


@st.composite
def responses(draw: st.DrawFn, code: str) -> list[int | None]:
    """A valid response, with up to the instrument's allowed number of missing answers."""
    instrument = INSTRUMENTS[code]
    answers: list[int | None] = list(draw(complete(instrument)))
    holes = draw(st.sets(st.integers(0, instrument.items - 1), max_size=instrument.max_missing))
    for hole in holes:
        answers[hole] = None
    return answers


@settings(max_examples=60, deadline=None)
@given(data=st.data())
@pytest.mark.parametrize("code", TOTALLED)
def test_totals_stay_within_the_instruments_range(code, data):
    instrument = INSTRUMENTS[code]
    result = score(code, data.draw(responses(code)))
    assert instrument.min_total <= result.total <= instrument.max_total
    if instrument.bands:
        assert result.band in {b.label for b in instrument.bands}
    if instrument.metric_table is not None:
        assert instrument.metric_table[0] <= result.metric <= instrument.metric_table[-1]


@settings(max_examples=60, deadline=None)
@given(data=st.data())
@pytest.mark.parametrize("code", TOTALLED)
def test_choosing_every_opposite_option_mirrors_the_total(code, data):
    # Holds for reversed items too: reversal maps the printed order onto the scores.
    instrument = INSTRUMENTS[code]
    answers = data.draw(complete(instrument))
    opposite = [len(v) - 1 - a for a, v in zip(answers, instrument.option_values, strict=True)]
    total = score(code, answers).total + score(code, opposite).total
    assert total == instrument.min_total + instrument.max_total


@settings(max_examples=100, deadline=None)
@given(answers=complete(INSTRUMENTS["core10"]), item=st.sampled_from([2, 3]))
def test_core10_reversed_items_score_4_minus_the_value(answers, item):
    value = answers[item - 1]
    lowered = list(answers)
    lowered[item - 1] = 0
    assert score("core10", answers).total == score("core10", lowered).total - value


@settings(max_examples=100, deadline=None)
@given(answers=complete(INSTRUMENTS["core10"]), hole=st.integers(0, 9))
def test_core10_one_missing_item_is_pro_rated_from_the_other_nine(answers, hole):
    full = score("core10", answers)
    item_score = INSTRUMENTS["core10"].item_scores(hole + 1)[answers[hole]]
    gapped = list[int | None](answers)
    gapped[hole] = None
    result = score("core10", gapped)
    assert result.total == (full.total - item_score) * 10 / 9
    assert result.missing == 1


@settings(max_examples=60, deadline=None)
@given(data=st.data())
@pytest.mark.parametrize("code", CODES)
def test_wrong_number_of_answers_names_an_item(code, data):
    instrument = INSTRUMENTS[code]
    count = data.draw(st.integers(0, instrument.items * 2).filter(lambda n: n != instrument.items))
    with pytest.raises(ValueError, match=rf"^Item \d+ of {re.escape(instrument.short_name)}: "):
        score(code, [0] * count)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
@pytest.mark.parametrize("code", CODES)
def test_out_of_range_answer_names_that_item(code, data):
    instrument = INSTRUMENTS[code]
    answers = list(data.draw(complete(instrument)))
    item = data.draw(st.integers(1, instrument.items))
    options = len(instrument.option_values[item - 1])
    answers[item - 1] = data.draw(st.integers(options, 10**6) | st.integers(-(10**6), -1))
    with pytest.raises(ValueError, match=rf"^Item {item} of {re.escape(instrument.short_name)}:"):
        score(code, answers)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
@pytest.mark.parametrize("code", CODES)
def test_non_integer_answer_names_that_item(code, data):
    instrument = INSTRUMENTS[code]
    answers: list[object] = list(data.draw(complete(instrument)))
    item = data.draw(st.integers(1, instrument.items))
    answers[item - 1] = data.draw(
        st.floats(allow_nan=True) | st.text(max_size=3) | st.booleans() | st.just([1])
    )
    with pytest.raises(ValueError, match=rf"^Item {item} of {re.escape(instrument.short_name)}:"):
        score(code, answers)  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None)
@given(data=st.data())
@pytest.mark.parametrize("code", CODES)
def test_score_many_gives_what_score_gives_row_by_row(code, data):
    rows = data.draw(st.lists(responses(code), min_size=1, max_size=30))
    matrix = np.array([[-1 if a is None else a for a in row] for row in rows], dtype=np.int8)
    batch = score_many(code, matrix)
    assert len(batch) == len(rows)
    for i, row in enumerate(rows):
        assert batch.result(i) == score(code, row)
    from_lists = score_many(code, rows)
    assert [from_lists.result(i) for i in range(len(rows))] == [
        batch.result(i) for i in range(len(rows))
    ]


@settings(max_examples=200, deadline=None)
@given(
    code=st.sampled_from([c for c in CODES if INSTRUMENTS[c].reliable_change is not None]),
    data=st.data(),
)
def test_change_is_the_mirror_of_the_reverse_change(code, data):
    instrument = INSTRUMENTS[code]
    low, high = (
        (instrument.metric_table[0], instrument.metric_table[-1])
        if instrument.metric_table is not None
        else (instrument.min_total, instrument.max_total)
    )
    before = data.draw(st.integers(int(low * 100), int(high * 100))) / 100
    after = data.draw(st.integers(int(low * 100), int(high * 100))) / 100
    forward, backward = (
        change(code, before=before, after=after),
        change(code, before=after, after=before),
    )
    mirror = {"improved": "deteriorated", "recovered": "deteriorated", "unchanged": "unchanged"}
    assert mirror.get(forward, backward) == backward or (
        forward == "deteriorated" and backward in {"improved", "recovered"}
    )
    if instrument.caseness is None:
        assert forward != "recovered"
    if forward == "recovered":
        assert before >= instrument.caseness > after
