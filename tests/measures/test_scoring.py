"""Questionnaire scoring rules from MEASURES.md (measures/scoring.py). Pure: no database."""

from __future__ import annotations

import math

import numpy as np
import pytest

from peercircle.measures import INSTRUMENTS, change, rci, score, score_many
from peercircle.measures.instruments import LICENSED_TEXT_NEEDED, item_text


def answers_for_total(code: str, total: int) -> list[int]:
    """Option indexes giving ``total`` on an instrument whose options score 0,1,2,...

    Fills items from the first, each up to its highest option.
    """
    instrument = INSTRUMENTS[code]
    answers = []
    left = total
    for item in range(1, instrument.items + 1):
        scores = instrument.item_scores(item)
        low = min(scores)
        want = min(max(scores), low + left)
        left -= want - low
        answers.append(scores.index(want))
    assert left == 0
    return answers


# --- Bands: both ends of every band ----------------------------------------

BAND_EDGES = {
    "phq9": [
        (0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"),
        (14, "moderate"), (15, "moderately severe"), (19, "moderately severe"),
        (20, "severe"), (27, "severe"),
    ],
    "gad7": [
        (0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"),
        (14, "moderate"), (15, "severe"), (21, "severe"),
    ],
    "core10": [
        (0, "healthy"), (5, "healthy"), (6, "low"), (10, "low"), (11, "mild"), (14, "mild"),
        (15, "moderate"), (19, "moderate"), (20, "moderately severe"),
        (24, "moderately severe"), (25, "severe"), (40, "severe"),
    ],
    "epds": [
        (0, "unlikely"), (9, "unlikely"), (10, "possible"), (12, "possible"),
        (13, "probable"), (30, "probable"),
    ],
}  # fmt: skip


@pytest.mark.parametrize(
    ("code", "total", "band"),
    [(code, total, band) for code, edges in BAND_EDGES.items() for total, band in edges],
)
def test_each_band_starts_and_ends_where_the_table_says(code, total, band):
    result = score(code, answers_for_total(code, total))
    assert result.total == total
    assert result.band == band


@pytest.mark.parametrize(
    ("answers", "total", "band"),
    [([0, 0, 0], 3, "not lonely"), ([2, 0, 0], 5, "not lonely"), ([2, 1, 0], 6, "lonely"),
     ([2, 2, 2], 9, "lonely")],
)  # fmt: skip
def test_ucla3_options_score_1_to_3_and_lonely_starts_at_6(answers, total, band):
    result = score("ucla3", answers)
    assert (result.total, result.band) == (total, band)


def test_phq9_example_from_the_spec():
    result = score("phq9", [0, 1, 2, 3, 0, 1, 2, 3, 0])
    assert result.total == 12
    assert result.band == "moderate"
    assert result.metric is None
    assert result.risk is False


# --- Reversal and option values --------------------------------------------


def test_core10_items_2_and_3_score_4_minus_the_value():
    assert score("core10", [0] * 10).total == 8  # items 2 and 3 give 4 each
    assert score("core10", [0, 4, 4, 0, 0, 0, 0, 0, 0, 0]).total == 0
    assert score("core10", [4] * 10).total == 32
    assert score("core10", [4, 0, 0, 4, 4, 4, 4, 4, 4, 4]).total == 40
    for item in (2, 3):
        answers = [0, 4, 4, 0, 0, 0, 0, 0, 0, 0]
        answers[item - 1] = 1  # "value 1" scores 3
        assert score("core10", answers).total == 3


def test_core10_other_items_are_not_reversed():
    for item in (1, 4, 5, 6, 7, 8, 9, 10):
        answers = [0, 4, 4, 0, 0, 0, 0, 0, 0, 0]
        answers[item - 1] = 3
        assert score("core10", answers).total == 3, item


@pytest.mark.parametrize("item", range(1, 11))
def test_epds_option_values_by_item(item):
    expected = (3, 2, 1, 0) if item in (3, 5, 6, 7, 8, 9, 10) else (0, 1, 2, 3)
    lowest = [0 if i in (1, 2, 4) else 3 for i in range(1, 11)]  # every item scores 0
    assert score("epds", lowest).total == 0
    for index, value in enumerate(expected):
        answers = list(lowest)
        answers[item - 1] = index
        assert score("epds", answers).total == value


def test_epds_range_is_0_to_30():
    assert score("epds", [3, 3, 0, 3, 0, 0, 0, 0, 0, 0]).total == 30


# --- Missing answers and pro-rating -----------------------------------------


def test_core10_one_missing_item_pro_rates_total_times_10_over_9():
    answers = [3, 1, 1, 3, 3, 0, 3, 3, 3, None]  # 3+3+3+3+3+0+3+3+3 = 24 over nine items
    result = score("core10", answers)
    assert result.total == pytest.approx(24 * 10 / 9)
    assert result.total == 24 * 10 / 9
    assert result.missing == 1
    assert result.band == "severe"  # 26.67


def test_core10_pro_rated_total_between_bands_takes_the_band_it_has_reached():
    # 9 over nine items -> 10.0 (low); 10 -> 11.11 (mild); 5 -> 5.56 (healthy, below 6)
    base = [0, 4, 4, 0, 0, 0, 0, 0, 0, None]
    for raw, total, band in ((9, 10.0, "low"), (10, 100 / 9, "mild"), (5, 50 / 9, "healthy")):
        answers = list(base)
        for i in range(raw):
            answers[[0, 3, 4, 6, 7, 8][i % 6]] += 1
        result = score("core10", answers)
        assert result.total == total
        assert result.band == band


def test_core10_two_missing_items_is_an_error_naming_them():
    with pytest.raises(ValueError, match=r"Items 4 and 7 of CORE-10: no answer"):
        score("core10", [0, 0, 0, None, 0, 0, None, 0, 0, 0])


@pytest.mark.parametrize("code", ["phq9", "gad7", "epds", "ucla3", "swemwbs", "wemwbs", "qpr15",
                                  "ons4"])  # fmt: skip
def test_any_missing_answer_is_an_error_on_the_other_instruments(code):
    items = INSTRUMENTS[code].items
    answers: list[int | None] = [0] * items
    answers[1] = None
    with pytest.raises(ValueError, match=rf"^Item 2 of {INSTRUMENTS[code].short_name}: no answer"):
        score(code, answers)


# --- Risk items ---------------------------------------------------------------


def test_phq9_item_9_above_not_at_all_is_risk():
    assert score("phq9", [3] * 8 + [0]).risk is False
    for index in (1, 2, 3):
        assert score("phq9", [0] * 8 + [index]).risk is True


def test_phq9_other_items_are_not_risk_items():
    for item in range(1, 9):
        answers = [0] * 9
        answers[item - 1] = 3
        assert score("phq9", answers).risk is False


def test_epds_item_10_scored_above_0_is_risk():
    lowest = [0, 0, 3, 0, 3, 3, 3, 3, 3, 3]
    assert score("epds", lowest).risk is False
    for index, scored in ((0, 3), (1, 2), (2, 1)):  # printed 3,2,1,0
        answers = lowest[:9] + [index]
        result = score("epds", answers)
        assert result.risk is True
        assert result.total == scored


def test_core10_item_6_above_0_is_risk_and_missing_is_not():
    base = [0] * 10
    assert score("core10", base).risk is False
    for index in (1, 2, 3, 4):
        answers = list(base)
        answers[5] = index
        assert score("core10", answers).risk is True
    answers = list(base)
    answers[5] = None
    assert score("core10", answers).risk is False


@pytest.mark.parametrize("code", ["gad7", "ucla3", "swemwbs", "wemwbs", "qpr15", "ons4"])
def test_instruments_without_risk_items_never_flag_risk(code):
    instrument = INSTRUMENTS[code]
    highest = [len(v) - 1 for v in instrument.option_values]
    assert score(code, highest).risk is False


# --- SWEMWBS metric, WEMWBS, QPR-15 --------------------------------------------

SWEMWBS_TABLE = {
    7: 7.00, 8: 9.51, 9: 11.25, 10: 12.40, 11: 13.33, 12: 14.08, 13: 14.75, 14: 15.32,
    15: 15.84, 16: 16.36, 17: 16.88, 18: 17.43, 19: 17.98, 20: 18.59, 21: 19.25, 22: 19.98,
    23: 20.73, 24: 21.54, 25: 22.35, 26: 23.21, 27: 24.11, 28: 25.03, 29: 26.02, 30: 27.03,
    31: 28.13, 32: 29.31, 33: 30.70, 34: 32.55, 35: 35.00,
}  # fmt: skip


@pytest.mark.parametrize(("raw", "metric"), sorted(SWEMWBS_TABLE.items()))
def test_swemwbs_raw_total_converts_to_the_metric_table(raw, metric):
    result = score("swemwbs", answers_for_total("swemwbs", raw - 7))
    assert result.total == raw
    assert result.metric == metric
    assert result.band is None


def test_wemwbs_and_qpr15_totals_and_no_bands():
    assert score("wemwbs", [0] * 14).total == 14
    assert score("wemwbs", [4] * 14).total == 70
    assert score("qpr15", [0] * 15).total == 0
    assert score("qpr15", [4] * 15).total == 60
    for code in ("wemwbs", "qpr15"):
        result = score(code, [1] * INSTRUMENTS[code].items)
        assert result.band is None and result.metric is None


# --- ONS4 -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "positive", "anxious"),
    [(0, "low", "very low"), (1, "low", "very low"), (2, "low", "low"), (3, "low", "low"),
     (4, "low", "medium"), (5, "medium", "medium"), (6, "medium", "high"), (7, "high", "high"),
     (8, "high", "high"), (9, "very high", "high"), (10, "very high", "high")],
)  # fmt: skip
def test_ons4_bands_each_item_and_never_sums(value, positive, anxious):
    result = score("ons4", [value] * 4)
    assert result.total is None
    assert result.band is None
    assert result.risk is False
    assert {k: (d.value, d.band) for k, d in result.detail.items()} == {
        "satisfied": (value, positive),
        "worthwhile": (value, positive),
        "happy": (value, positive),
        "anxious": (value, anxious),
    }


def test_ons4_keeps_each_item_apart():
    detail = score("ons4", [9, 7, 5, 1]).detail
    assert [(d.value, d.band) for d in detail.values()] == [
        (9, "very high"), (7, "high"), (5, "medium"), (1, "very low"),
    ]  # fmt: skip


# --- Errors name the item -------------------------------------------------------


def test_too_few_answers_names_the_first_unanswered_item():
    with pytest.raises(ValueError, match=r"^Item 9 of PHQ-9: no answer given; PHQ-9 has 9 items"):
        score("phq9", [0] * 8)


def test_too_many_answers_names_the_extra_item():
    with pytest.raises(ValueError, match=r"^Item 8 of GAD-7: there is no such item"):
        score("gad7", [0] * 8)


def test_out_of_range_answer_names_the_item_and_the_range():
    with pytest.raises(ValueError, match=r"^Item 3 of PHQ-9: the answer 4 is out of range.*0 to 3"):
        score("phq9", [0, 0, 4, 0, 0, 0, 0, 0, 0])
    with pytest.raises(ValueError, match=r"^Item 1 of UCLA-3: the answer -1 is out of range"):
        score("ucla3", [-1, 0, 0])


@pytest.mark.parametrize("bad", [1.0, "1", True, 1.5])
def test_non_integer_answer_names_the_item(bad):
    with pytest.raises(ValueError, match=r"^Item 2 of GAD-7: the answer .* is not a whole-number"):
        score("gad7", [0, bad, 0, 0, 0, 0, 0])


def test_unknown_instrument_is_an_error():
    with pytest.raises(ValueError, match="Unknown instrument 'phq8'"):
        score("phq8", [0] * 8)


def test_answers_must_be_a_list_not_a_string():
    with pytest.raises(ValueError, match="must be a list"):
        score("ucla3", "000")


# --- change() ---------------------------------------------------------------------


def test_change_example_from_the_spec_is_recovered():
    assert change("phq9", before=18, after=9) == "recovered"


def test_change_exactly_at_the_threshold_is_reliable():
    assert change("phq9", before=20, after=14) == "improved"  # 6, still a case
    assert change("phq9", before=15, after=9) == "recovered"  # 6, crosses 10
    assert change("phq9", before=14, after=9) == "unchanged"  # 5
    assert change("gad7", before=10, after=14) == "deteriorated"  # 4
    assert change("gad7", before=10, after=13) == "unchanged"


def test_recovered_needs_starting_at_or_above_caseness_and_ending_below():
    assert change("phq9", before=10, after=4) == "recovered"  # 10 is a case
    assert change("phq9", before=9, after=3) == "improved"  # never a case
    assert change("phq9", before=16, after=10) == "improved"  # 10 is still a case
    assert change("gad7", before=8, after=4) == "recovered"
    assert change("core10", before=11, after=5) == "recovered"
    assert change("core10", before=17, after=11) == "improved"
    assert change("epds", before=13, after=9) == "recovered"
    assert change("epds", before=12, after=8) == "improved"


def test_deterioration_into_caseness_is_deteriorated():
    assert change("phq9", before=4, after=12) == "deteriorated"


def test_no_cut_off_never_recovers():
    for code in ("swemwbs", "wemwbs", "qpr15"):
        assert INSTRUMENTS[code].caseness is None
    assert change("wemwbs", before=30, after=60) == "improved"
    assert change("qpr15", before=0, after=60) == "improved"
    assert change("swemwbs", before=7.0, after=35.0) == "improved"


def test_on_wellbeing_and_recovery_scales_higher_is_better():
    assert change("swemwbs", before=20.73, after=24.11) == "improved"
    assert change("swemwbs", before=24.11, after=20.73) == "deteriorated"
    assert change("wemwbs", before=40, after=43) == "improved"
    assert change("wemwbs", before=43, after=40) == "deteriorated"
    assert change("wemwbs", before=40, after=42) == "unchanged"
    assert change("qpr15", before=30, after=35) == "improved"
    assert change("qpr15", before=35, after=30) == "deteriorated"
    assert change("qpr15", before=30, after=34) == "unchanged"


def test_swemwbs_change_is_on_the_metric_and_exact_thresholds_count():
    # 19.98 - 16.98 is 2.9999999999999982 in binary floating point: still reliable.
    assert change("swemwbs", before=16.98, after=19.98) == "improved"
    assert change("swemwbs", before=16.99, after=19.98) == "unchanged"
    before = score("swemwbs", answers_for_total("swemwbs", 20 - 7))  # metric 18.59
    after = score("swemwbs", answers_for_total("swemwbs", 24 - 7))  # metric 21.54
    assert change("swemwbs", before=before, after=after) == "unchanged"  # 2.95
    after = score("swemwbs", answers_for_total("swemwbs", 25 - 7))  # metric 22.35
    assert change("swemwbs", before=before, after=after) == "improved"  # 3.76 (raw 5)


def test_change_accepts_scores_of_the_same_instrument_only():
    before = score("phq9", [3] * 6 + [0] * 3)
    after = score("phq9", [1] * 6 + [0] * 3)
    assert change("phq9", before=before, after=after) == "recovered"
    with pytest.raises(ValueError, match="not PHQ-9"):
        change("phq9", before=score("gad7", [0] * 7), after=after)


@pytest.mark.parametrize("code", ["ucla3", "ons4"])
def test_change_without_a_threshold_is_an_error(code):
    with pytest.raises(ValueError, match="no reliable-change threshold"):
        change(code, before=5, after=3)


@pytest.mark.parametrize("bad", [math.nan, math.inf, "9", None, True])
def test_change_rejects_scores_that_are_not_finite_numbers(bad):
    with pytest.raises(ValueError, match="before score"):
        change("phq9", before=bad, after=3)


# --- rci(): population-based Jacobson-Truax ------------------------------------------


def test_rci_follows_jacobson_truax():
    result = rci(before=20, after=12, sd=5.0, reliability=0.84, higher_is_better=False)
    assert result.s_diff == pytest.approx(math.sqrt(2) * 5.0 * math.sqrt(0.16))  # 2.828
    assert result.index == pytest.approx(-8 / 2.8284271247461903)
    assert result.reliable is True
    assert result.outcome == "improved"


def test_rci_at_1_96_is_reliable_and_just_below_is_not():
    s_diff = math.sqrt(2) * 10 * math.sqrt(1 - 0.5)  # exactly 10
    assert s_diff == pytest.approx(10)
    assert rci(before=0, after=19.6, sd=10, reliability=0.5, higher_is_better=True).reliable
    assert not rci(before=0, after=19.5, sd=10, reliability=0.5, higher_is_better=True).reliable


def test_rci_direction():
    up = dict(before=10, after=40, sd=5, reliability=0.8)
    assert rci(**up, higher_is_better=True).outcome == "improved"
    assert rci(**up, higher_is_better=False).outcome == "deteriorated"
    assert rci(before=10, after=11, sd=5, reliability=0.8, higher_is_better=True).outcome == (
        "unchanged"
    )


@pytest.mark.parametrize(
    "kwargs",
    [dict(sd=0, reliability=0.8), dict(sd=-1, reliability=0.8), dict(sd=5, reliability=1),
     dict(sd=5, reliability=-0.1), dict(sd=math.nan, reliability=0.8)],
)  # fmt: skip
def test_rci_rejects_impossible_sd_and_reliability(kwargs):
    with pytest.raises(ValueError):
        rci(before=10, after=20, higher_is_better=True, **kwargs)


# --- score_many ------------------------------------------------------------------------


def test_score_many_matches_score_with_missing_as_minus_one():
    rows = [[4, 0, 0, 0, 0, 0, 0, 0, 0, -1], [0] * 10, [4] * 10, [0, 0, 0, 0, 0, 3, 0, 0, 0, 0]]
    batch = score_many("core10", np.array(rows))
    for i, row in enumerate(rows):
        assert batch.result(i) == score("core10", [None if a == -1 else a for a in row])


def test_score_many_accepts_lists_with_none():
    batch = score_many("phq9", [[0] * 9, [3] * 9])
    assert batch.total.tolist() == [0.0, 27.0]
    assert batch.band.tolist() == ["minimal", "severe"]
    assert batch.risk.tolist() == [False, True]


def test_score_many_errors_name_the_response_and_item():
    with pytest.raises(ValueError, match=r"^Response 2: Item 3 of PHQ-9: the answer 7 is out"):
        score_many("phq9", np.array([[0] * 9, [0, 0, 7, 0, 0, 0, 0, 0, 0]]))
    with pytest.raises(ValueError, match=r"^Response 1: Items 1 and 2 of CORE-10: no answer"):
        score_many("core10", np.array([[-1, -1] + [0] * 8]))
    with pytest.raises(ValueError, match=r"^Response 1: Item 2 of GAD-7: the answer 1.5 is not"):
        score_many("gad7", [[0, 1.5, 0, 0, 0, 0, 0]])
    with pytest.raises(ValueError, match=r"^Response 1: Item 1 of GAD-7: the answer 0.0 is not"):
        score_many("gad7", np.array([[0, 1.5, 0, 0, 0, 0, 0]]))  # a float matrix: never guessed
    with pytest.raises(ValueError, match=r"^Item 8 of GAD-7: there is no such item"):
        score_many("gad7", np.zeros((3, 8), dtype=np.int64))


# --- Texts and licences -----------------------------------------------------------------


@pytest.mark.parametrize("code", ["wemwbs", "swemwbs", "epds"])
def test_licensed_instruments_ship_no_text(code):
    instrument = INSTRUMENTS[code]
    assert instrument.needs_licensed_text is True
    assert instrument.item_texts is None
    assert instrument.option_labels is None
    assert instrument.instructions is None
    assert item_text(code, 1) == LICENSED_TEXT_NEEDED


def test_every_instrument_carries_citation_licence_and_consistent_shape():
    for code, instrument in INSTRUMENTS.items():
        assert instrument.code == code
        assert instrument.citation and instrument.licence
        assert len(instrument.option_values) == instrument.items
        if instrument.item_texts is not None:
            assert len(instrument.item_texts) == instrument.items
            assert not instrument.needs_licensed_text
        if instrument.option_labels is not None:
            assert all(len(v) == len(instrument.option_labels) for v in instrument.option_values)


def test_texts_shipped_for_the_free_instruments_we_could_check():
    for code in ("phq9", "gad7", "ucla3", "ons4"):
        assert INSTRUMENTS[code].item_texts is not None
    assert "better off dead" in item_text("phq9", 9)
