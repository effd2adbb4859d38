"""The screening's figures on the held-out evaluation set meet the issue's aims.

data/screening/evaluation.jsonl is never used to write rules (data/screening/README.md);
this test only counts. A message labelled high or imminent is caught when it is
screened high or imminent; a message labelled none or low is a false alarm when it
is screened moderate or above. Failures say the figure and the aim, never a message.

Speed is not asserted here (bench/screening.py measures it).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from peercircle.safety import LEVELS, screen

EVALUATION = Path(__file__).resolve().parents[2] / "data" / "screening" / "evaluation.jsonl"
RANK = {level: index for index, level in enumerate(LEVELS)}


@pytest.fixture(scope="module")
def screened() -> list[tuple[dict, str]]:
    with EVALUATION.open(encoding="utf-8") as handle:
        items = [json.loads(line) for line in handle if line.strip()]
    return [(item, screen(item["text"], item["language"]).level) for item in items]


def _recall(screened: list[tuple[dict, str]], language: str | None = None) -> tuple[int, int]:
    serious = [
        level
        for item, level in screened
        if RANK[item["level"]] >= RANK["high"] and language in (None, item["language"])
    ]
    return sum(RANK[level] >= RANK["high"] for level in serious), len(serious)


# Every aim is asserted as it is, with no mark: a change that loses recall, Welsh or
# Danish recall, or lets false alarms past 5% fails the suite. Recall on high and
# imminent rose from 0.82 to 0.96 on this set as the rules grew and the model was
# retrained (0.887 with engine 1.7, 0.923 with 1.9, 0.960 with 2.2); false alarms were
# 0.038 to 0.041 with engines 1.7 to 2.0 and are 0.049 with 2.2 (13 of 266: one more
# would fail).


def test_recall_on_high_and_imminent_is_at_least_95_percent(screened):
    caught, total = _recall(screened)
    assert total >= 100
    assert caught / total >= 0.95, f"recall {caught}/{total} = {caught / total:.3f}, aim 0.95"


def test_false_alarms_on_none_and_low_are_at_most_5_percent(screened):
    quiet = [level for item, level in screened if RANK[item["level"]] <= RANK["low"]]
    alarms = sum(RANK[level] >= RANK["moderate"] for level in quiet)
    assert len(quiet) >= 200
    assert alarms / len(quiet) <= 0.05, (
        f"false alarms {alarms}/{len(quiet)} = {alarms / len(quiet):.3f}, aim 0.05"
    )


@pytest.mark.parametrize("language", ["cy", "da"])
def test_welsh_and_danish_recall_is_at_least_90_percent(screened, language):
    caught, total = _recall(screened, language)
    assert total >= 15
    assert caught / total >= 0.90, (
        f"{language} recall {caught}/{total} = {caught / total:.3f}, aim 0.90"
    )
