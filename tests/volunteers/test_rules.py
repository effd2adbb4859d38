"""The pipeline's pure rules: which moves are allowed, what a refusal says,
the gate's reasons, dates, and when wellbeing is falling. No database."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peercircle.volunteers import rules
from peercircle.volunteers.rules import (
    ACTIVE,
    APPLIED,
    LEFT,
    PAUSED,
    SCREENING,
    STATES,
    TRAINING,
    CheckFact,
    GateFacts,
    Ons4,
)

ALLOWED = {
    (APPLIED, SCREENING),
    (SCREENING, TRAINING),
    (TRAINING, ACTIVE),
    *((state, PAUSED) for state in (APPLIED, SCREENING, TRAINING, ACTIVE)),
    *((state, LEFT) for state in (APPLIED, SCREENING, TRAINING, ACTIVE, PAUSED)),
}


@pytest.mark.parametrize("state", [s for s in STATES if s != PAUSED])
@pytest.mark.parametrize("wanted", STATES)
def test_exactly_the_documented_moves_are_allowed(state, wanted):
    assert (rules.refusal(state, wanted) is None) == ((state, wanted) in ALLOWED)


@pytest.mark.parametrize("paused_from", [APPLIED, SCREENING, TRAINING, ACTIVE])
def test_a_paused_volunteer_resumes_where_they_were_or_leaves(paused_from):
    allowed = {s for s in STATES if rules.refusal(PAUSED, s, paused_from) is None}
    assert allowed == {paused_from, LEFT}


def test_skipping_a_step_names_the_steps_that_come_first():
    assert rules.refusal(APPLIED, ACTIVE) == (
        "You can't move from applied to active: screening and training come first."
    )
    assert rules.refusal(SCREENING, ACTIVE) == (
        "You can't move from screening to active: training comes first."
    )


def test_going_back_and_leaving_for_good_say_what_to_do_instead():
    assert "Pause them instead" in rules.refusal(ACTIVE, TRAINING)
    assert "apply again" in rules.refusal(LEFT, ACTIVE)
    assert "Resume first (they go back to training)" in rules.refusal(PAUSED, ACTIVE, TRAINING)
    assert rules.refusal(ACTIVE, ACTIVE) == "This volunteer is active already."
    assert "not a volunteer state" in rules.refusal(ACTIVE, "retired")


@given(st.lists(st.sampled_from(STATES), max_size=30))
def test_any_run_of_attempted_moves_only_ever_visits_states_reached_in_order(attempts):
    state, paused_from, reached = APPLIED, "", [APPLIED]
    for wanted in attempts:
        if rules.refusal(state, wanted, paused_from) is not None:
            continue
        if wanted == PAUSED:
            paused_from = state
        elif state == PAUSED:
            paused_from = ""
        state = wanted
        if state in rules.PATH:
            # Never further along the path than one past the furthest reached.
            furthest = max(rules.PATH.index(s) for s in reached if s in rules.PATH)
            assert rules.PATH.index(state) <= furthest + 1
        reached.append(state)
    assert (state == PAUSED) == bool(paused_from)
    if LEFT in reached:
        assert state == LEFT


def test_add_months_keeps_the_day_or_takes_the_last_of_a_short_month():
    assert rules.add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert rules.add_months(dt.date(2028, 1, 31), 1) == dt.date(2028, 2, 29)
    assert rules.add_months(dt.date(2026, 11, 15), 14) == dt.date(2028, 1, 15)
    assert rules.month_bounds(dt.date(2026, 12, 9)) == (dt.date(2026, 12, 1), dt.date(2027, 1, 1))


TODAY = dt.date(2026, 6, 1)
GOOD_CHECK = CheckFact(kind="Enhanced DBS", cleared=True, expires_on=dt.date(2027, 1, 1))


def test_the_gate_has_no_reasons_for_an_active_trained_checked_volunteer():
    assert rules.gate_reasons(GateFacts(state=ACTIVE, check=GOOD_CHECK), TODAY) == []


def test_the_gate_names_an_expired_check_with_its_date():
    facts = GateFacts(
        state=ACTIVE, check=CheckFact("Enhanced DBS", cleared=True, expires_on=dt.date(2026, 5, 3))
    )
    reasons = rules.gate_reasons(facts, TODAY)
    assert rules.gate_message("Alex", "facilitate", reasons) == (
        "Alex can't facilitate yet: their background check expired on 3 May 2026."
    )


def test_the_gate_lists_every_reason_at_once():
    facts = GateFacts(
        state=PAUSED,
        check=None,
        not_signed_off=("Active listening",),
        waiting_sign_off=("Facilitating a group",),
        refresher_overdue=(("Safeguarding and suicide awareness", dt.date(2026, 4, 30)),),
    )
    message = rules.gate_message("Alex", "one_to_one", rules.gate_reasons(facts, TODAY))
    assert message.startswith("Alex can't take on one-to-one support yet: ")
    for words in (
        "they have paused volunteering",
        "they have no background check on record",
        "“Facilitating a group” is waiting for a coordinator to sign it off",
        "they have not completed “Active listening”",
        "their refresher of “Safeguarding and suicide awareness” was due on 30 April 2026",
    ):
        assert words in message


def test_a_check_that_did_not_clear_and_no_record_at_all_are_reasons():
    not_clear = GateFacts(state=ACTIVE, check=CheckFact("DBS", False, dt.date(2030, 1, 1)))
    assert rules.gate_reasons(not_clear, TODAY) == ["their background check did not clear"]
    assert "no volunteer record" in rules.gate_reasons(GateFacts(None, None), TODAY)[0]


def test_a_check_is_good_up_to_and_including_its_expiry_day():
    facts = GateFacts(state=ACTIVE, check=CheckFact("DBS", True, TODAY))
    assert rules.gate_reasons(facts, TODAY) == []
    assert rules.gate_reasons(facts, TODAY + dt.timedelta(days=1))


def steady(n, **item):
    values = {"satisfied": 7, "worthwhile": 8, "happy": 7, "anxious": 3} | item
    return [Ons4(**values) for _ in range(n)]


FLAGS = {"drop": 3, "anxiety_high": 6, "anxious_checkins": 2}


def test_wellbeing_falls_when_the_latest_answer_drops_below_the_recent_ones():
    history = steady(3) + steady(1, happy=3)
    assert rules.wellbeing_falling(history, **FLAGS) == [
        "happiness fell from about 7 to 3 out of 10"
    ]


def test_a_small_dip_or_a_single_check_in_is_not_a_fall():
    assert rules.wellbeing_falling(steady(3) + steady(1, happy=5), **FLAGS) == []
    assert rules.wellbeing_falling(steady(1, happy=0), **FLAGS) == []


def test_anxiety_counts_when_high_in_each_of_the_last_check_ins():
    assert rules.wellbeing_falling(steady(2) + steady(1, anxious=8), **FLAGS) == []
    reasons = rules.wellbeing_falling(steady(1) + steady(2, anxious=7), **FLAGS)
    assert reasons == ["anxiety was high (7, 7 out of 10) in the last 2 check-ins"]
