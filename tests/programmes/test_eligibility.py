"""Who a programme is for: pure rules, plain reasons, questions when we lack facts."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from peercircle.programmes.eligibility import (
    GENDER_WORDS,
    STAGE_WORDS,
    Person,
    Rules,
    check,
    describe,
)


def test_open_programme_takes_anyone_without_asking_anything():
    verdict = check(Rules(), Person())
    assert verdict.eligible and not verdict.missing and not verdict.reasons


def test_mens_group_asks_for_gender_when_unknown():
    verdict = check(Rules(genders=("man",)), Person())
    assert not verdict.eligible
    assert verdict.missing == ("gender",)
    assert verdict.reasons == ()


def test_mens_group_explains_itself_to_a_woman():
    verdict = check(Rules(genders=("man",)), Person(gender="woman"))
    assert not verdict.eligible
    assert verdict.reasons == ("This programme is for men.",)


def test_age_band_gives_the_bound_that_was_missed():
    rules = Rules(min_age=18, max_age=25)
    assert check(rules, Person(age=17)).reasons == (
        "This programme is for people aged 18 or over.",
    )
    assert check(rules, Person(age=26)).reasons == (
        "This programme is for people aged 25 or under.",
    )
    assert check(rules, Person(age=18)).eligible and check(rules, Person(age=25)).eligible


def test_perinatal_programme_needs_a_stage():
    rules = Rules(perinatal_stages=("pregnant", "postnatal"))
    assert check(rules, Person()).missing == ("perinatal_stage",)
    assert check(rules, Person(perinatal_stage="postnatal")).eligible
    assert not check(rules, Person(perinatal_stage="toddler")).eligible


def test_description_reads_as_a_sentence():
    assert describe(Rules()) == ""
    assert describe(Rules(genders=("man",), min_age=18)) == "For men, aged 18 or over."
    assert describe(Rules(perinatal_stages=("pregnant",))) == "For parents expecting a baby."


rules_strategy = st.builds(
    Rules,
    min_age=st.none() | st.integers(13, 60),
    max_age=st.none() | st.integers(61, 110),
    genders=st.lists(st.sampled_from(sorted(GENDER_WORDS)), unique=True).map(tuple),
    perinatal_stages=st.lists(st.sampled_from(sorted(STAGE_WORDS)), unique=True).map(tuple),
)
person_strategy = st.builds(
    Person,
    age=st.none() | st.integers(13, 110),
    gender=st.sampled_from(["", *sorted(GENDER_WORDS)]),
    perinatal_stage=st.sampled_from(["", *sorted(STAGE_WORDS)]),
)


@given(rules_strategy, person_strategy)
def test_eligible_exactly_when_no_reason_and_nothing_missing(rules, person):
    verdict = check(rules, person)
    assert verdict.eligible == (not verdict.reasons and not verdict.missing)
    # A fact we lack is asked for, never held against the person.
    if person.gender == "" and rules.genders:
        assert "gender" in verdict.missing
    if person.age is None and (rules.min_age is not None or rules.max_age is not None):
        assert "year_of_birth" in verdict.missing


@given(rules_strategy, person_strategy)
def test_a_person_who_meets_every_rule_is_eligible(rules, person):
    fits = (
        (not rules.genders or person.gender in rules.genders)
        and (not rules.perinatal_stages or person.perinatal_stage in rules.perinatal_stages)
        and (rules.min_age is None or (person.age is not None and person.age >= rules.min_age))
        and (rules.max_age is None or (person.age is not None and person.age <= rules.max_age))
    )
    assert check(rules, person).eligible == fits
