"""The matching engine's rules, reasons and refusals. Pure: no database."""

from __future__ import annotations

import pytest

from peercircle.matching import Participant, Preference, Supporter, Weights, fit, match

VOCABULARY = {"new_dad": "new dads", "bereavement": "bereaved", "carer": "carers"}
LONDON = (51.5074, -0.1278)
CAMDEN = (51.5390, -0.1426)  # about 3.6 km from LONDON
LEEDS = (53.8008, -1.5491)


def participant(ident: str = "p1", **kw: object) -> Participant:
    values: dict[str, object] = {
        "languages": {"en"},
        "slots": {"tue-evening"},
        "formats": {"online"},
    }
    values.update(kw)
    return Participant(id=ident, **values)  # type: ignore[arg-type]


def supporter(ident: str = "s1", **kw: object) -> Supporter:
    values: dict[str, object] = {
        "languages": {"en"},
        "slots": {"tue-evening"},
        "formats": {"online"},
        "places": 1,
    }
    values.update(kw)
    return Supporter(id=ident, **values)  # type: ignore[arg-type]


def test_pair_gets_its_score_and_reasons_in_plain_words():
    p = participant(tags={"new_dad"}, slots={"tue-evening", "sat-morning"},
                    formats={"in_person", "online"}, location=LONDON)  # fmt: skip
    s = supporter(tags={"new_dad", "carer"}, slots={"tue-evening", "sat-morning"},
                  formats={"in_person"}, location=CAMDEN)  # fmt: skip
    result = match([p], [s], vocabulary=VOCABULARY)
    (pair,) = result.pairs
    assert (pair.participant_id, pair.supporter_id, pair.format) == ("p1", "s1", "in_person")
    assert pair.reasons[:3] == (
        "both new dads",
        "both free on Tuesday evenings and Saturday mornings",
        "4 km apart, to meet in person",
    )
    assert pair.distance_km == pytest.approx(3.9, abs=0.2)
    # fit 10 + one tag 10 + two slots 4 + nearness 5 x (1 - 3.9 / 15)
    assert pair.score == pytest.approx(27.7, abs=0.1)
    assert result.total_score == pair.score and result.optimal and not result.unmatched


def test_fit_scores_a_pair_exactly_as_match_does():
    p = participant(tags={"carer"}, formats={"in_person", "phone"}, location=LONDON,
                    preferences=(Preference("gender", "woman"),))  # fmt: skip
    s = supporter(tags={"carer"}, formats={"in_person", "phone"}, location=CAMDEN, gender="woman")
    (pair,) = match([p], [s]).pairs
    one = fit(p, s)
    assert one.fits and (one.score, one.format, one.reasons) == (pair.score, pair.format,
                                                                 pair.reasons)  # fmt: skip
    assert "a supporter of the gender they asked for (woman)" in one.reasons


def test_in_person_only_within_the_maximum_distance():
    p = participant(formats={"in_person"}, location=LONDON)
    s = supporter(formats={"in_person"}, location=LEEDS)
    result = match([p], [s], max_distance_km=15)
    assert not result.pairs
    (left,) = result.unmatched
    assert left.code == "no_format"
    assert left.reason == "no supporter who shares a language can meet in person within 15 km"
    assert match([p], [s], max_distance_km=300).pairs[0].format == "in_person"


def test_meeting_online_is_chosen_when_in_person_is_too_far():
    p = participant(formats={"in_person", "online"}, location=LONDON)
    s = supporter(formats={"in_person", "online"}, location=LEEDS)
    (pair,) = match([p], [s]).pairs
    assert pair.format == "online" and pair.distance_km is None
    assert "both can meet online" in pair.reasons


def test_must_preference_is_a_hard_constraint_and_nice_adds_to_the_score():
    must = participant("p1", preferences=(Preference("gender", "woman", "must"),))
    man, woman = supporter("s1", gender="man"), supporter("s2", gender="woman")
    assert [(x.participant_id, x.supporter_id) for x in match([must], [man]).pairs] == []
    assert match([must], [man]).unmatched[0].code == "must_preference"
    assert match([must], [man, woman]).pairs[0].supporter_id == "s2"
    nice = participant("p1", preferences=(Preference("gender", "woman", "nice"),))
    assert fit(nice, woman).score == fit(nice, man).score + Weights().nice_preference
    tag_must = participant("p1", preferences=(Preference("tag", "carer", "must"),))
    assert not fit(tag_must, man).fits
    assert fit(tag_must, supporter(tags={"carer"})).fits


def test_excluded_pairs_are_never_proposed_from_either_side():
    p1 = participant("p1", exclusions={"s1"})
    p2 = participant("p2")
    s1 = supporter("s1", places=2, exclusions={"p2"})
    result = match([p1, p2], [s1])
    assert not result.pairs
    assert {u.code for u in result.unmatched} == {"excluded"}
    assert "know each other" in result.unmatched[0].reason


def test_unmatched_people_are_told_why():
    supporters = [supporter("s1", languages={"cy"}, places=0, slots={"mon-morning"})]
    cases = {
        "no_language": participant("p1", languages={"pl"}),
        "no_format": participant("p2", languages={"cy"}, formats={"phone"}),
        "no_time": participant("p3", languages={"cy"}, slots={"sun-evening"}),
        "no_places": participant("p4", languages={"cy"}, slots={"mon-morning"}),
    }
    result = match(list(cases.values()), supporters)
    assert {u.participant_id: u.code for u in result.unmatched} == {
        p.id: code for code, p in cases.items()
    }
    reasons = {u.code: u.reason for u in result.unmatched}
    assert reasons["no_language"] == "no supporter shares a language"
    assert reasons["no_places"] == "no free places among supporters who fit"
    nowhere = participant("p5", formats={"in_person"}, location=None)
    (left,) = match([nowhere], [supporter(formats={"in_person"}, location=LONDON)]).unmatched
    assert left.reason == "they want to meet in person but have not given a location"


def test_someone_with_a_better_fit_takes_the_only_place():
    strong = participant("p1", tags={"bereavement"})
    weak = participant("p2")
    s = supporter(tags={"bereavement"})
    result = match([weak, strong], [s])
    assert [x.participant_id for x in result.pairs] == ["p1"]
    (left,) = result.unmatched
    assert (left.participant_id, left.code) == ("p2", "taken")
    assert left.reason == "every supporter who fits was given to someone with a better fit"


def test_load_cost_spreads_people_across_supporters():
    people = [participant(f"p{i}") for i in range(4)]
    busy = supporter("busy", places=4, tags={"carer"})
    idle = supporter("idle", places=4)
    # Without a load cost the same fit puts everyone anywhere; with one, two each.
    result = match(people, [busy, idle], weights=Weights(load=3))
    counts = {s: sum(x.supporter_id == s for x in result.pairs) for s in ("busy", "idle")}
    assert counts == {"busy": 2, "idle": 2}
    assert result.load_cost == pytest.approx(3 * 2)


def test_best_total_may_leave_someone_waiting_where_most_matched_does_not():
    # Each pair scores 12 (fit 10, one shared slot 2). With a load weight of 5
    # and two people already, the first new person costs 10 and the second 15:
    # more than their fit is worth, so "best_total" leaves one waiting.
    people = [participant("p1"), participant("p2")]
    s = supporter("s1", places=2, caseload=2)
    weights = Weights(load=5)
    best = match(people, [s], objective="best_total", weights=weights)
    most = match(people, [s], objective="most_matched", weights=weights)
    assert len(best.pairs) == 1 and best.unmatched[0].code == "load"
    assert "load weight" in best.unmatched[0].reason
    assert len(most.pairs) == 2 and most.total_score < best.total_score
    assert (best.total_score, most.total_score) == (2.0, -1.0)


def test_most_matched_prefers_more_pairs_over_a_higher_total():
    both = participant("p1", tags={"carer", "bereavement"})
    only_s1 = participant("p2")
    s1 = supporter("s1", tags={"carer", "bereavement"})
    s2 = supporter("s2", languages={"en"}, slots={"wed-morning"})
    both_wed = Participant(id="p1", languages={"en"}, slots={"tue-evening", "wed-morning"},
                           formats={"online"}, tags={"carer", "bereavement"})  # fmt: skip
    best = match([both_wed, only_s1], [s1, s2], objective="best_total")
    most = match([both_wed, only_s1], [s1, s2], objective="most_matched")
    assert len(most.pairs) == 2
    assert {(x.participant_id, x.supporter_id) for x in most.pairs} == {("p1", "s2"),
                                                                         ("p2", "s1")}  # fmt: skip
    assert best.total_score >= most.total_score
    assert both.id == "p1"


def test_empty_inputs_give_empty_results():
    empty = match([], [supporter()])
    assert (empty.pairs, empty.unmatched, empty.total_score) == ((), (), 0.0)
    (left,) = match([participant()], []).unmatched
    assert (left.code, left.reason) == ("no_supporters", "there are no supporters to match with")


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: match([participant("p1"), participant("p1")], []),
            "two participants have the id 'p1'",
        ),
        (lambda: match([], [supporter("s1"), supporter("s1")]), "two supporters have the id 's1'"),
        (lambda: supporter(places=-1), "places cannot be negative"),
        (lambda: supporter(caseload=-2), "caseload cannot be negative"),
        (lambda: supporter(places=1.5), "places must be a whole number"),
        (lambda: supporter(caseload=10**12), "caseload cannot be more than 10,000"),
        (lambda: participant(slots={"tue-evenin"}), "'tue-evenin' is not a weekly slot"),
        (lambda: participant(formats={"zoom"}), "'zoom' is not a way of meeting"),
        (lambda: participant(languages="en"), "languages must be a collection of strings"),
        (lambda: participant(tags={"New Dad"}), "the tag 'New Dad' is not written as a tag"),
        (lambda: participant(location=(95, 0)), "is not a latitude from -90 to 90"),
        (lambda: participant(preferences=("woman",)), "is not a Preference"),
        (lambda: Preference("age", "30s"), "a preference is about 'gender' or 'tag'"),
        (lambda: Preference("gender", "woman", "maybe"), "a preference is 'must' or 'nice'"),
        (lambda: Weights(fit=-1), "the weight fit must be from 0 to 10,000"),
        (lambda: Weights(load=float("nan")), "the weight load must be from 0"),
        (lambda: match([participant()], [supporter()], objective="fastest"), "the objective is"),
        (lambda: match([participant()], [supporter()], max_distance_km=0), "the maximum distance"),
        (lambda: match([participant()], [supporter()], top_k=0), "top_k must be"),
        (lambda: match(["p1"], []), "participants must be Participant records"),
        (lambda: match(participant(), []), "participants must be a list of records"),
        (
            lambda: match([participant(tags={"new_dda"})], [], vocabulary=VOCABULARY),
            "participant 'p1': the tag 'new_dda' is not in the programme's list of tags",
        ),
        (
            lambda: match(
                [participant(preferences=(Preference("tag", "veteran"),))],
                [],
                vocabulary=VOCABULARY,
            ),  # fmt: skip
            "the tag 'veteran' is not in the programme's list of tags",
        ),
    ],
)
def test_bad_input_is_refused_with_a_plain_message(build, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build()
