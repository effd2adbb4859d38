"""The labelled message sets the risk screening is tuned and measured on are well formed.

data/screening/development.jsonl and data/screening/development_more.jsonl are for tuning
rules; data/screening/evaluation.jsonl is held out and only measured. See
data/screening/README.md for the labelling guide.

Plain file checks: no Django, no database.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "data" / "screening"
DEVELOPMENT = DATA / "development.jsonl"
DEVELOPMENT_MORE = DATA / "development_more.jsonl"
EVALUATION = DATA / "evaluation.jsonl"
NEW_WRITERS = DATA / "new_writers.jsonl"

FIELDS = ["id", "language", "text", "level", "categories", "kind", "note"]
LEVELS = {"none", "low", "moderate", "high", "imminent"}
CATEGORIES = {"suicide", "self_harm", "harm_to_others", "abuse", "medical_emergency"}
LANGUAGES = {"en", "cy", "da"}
KINDS = {"ordinary", "hard_negative", "direct", "indirect", "third_party", "obfuscated", "mixed"}
SERIOUS = {"high", "imminent"}

SETS = {
    "development": (DEVELOPMENT, "dev"),
    "development_more": (DEVELOPMENT_MORE, "dm"),
    "evaluation": (EVALUATION, "ev"),
    "new_writers": (NEW_WRITERS, "nw"),
}


def _load(path: Path) -> list[dict]:
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        assert line.strip(), f"{path.name}:{number}: blank line"
        try:
            items.append(json.loads(line))
        except json.JSONDecodeError as error:  # pragma: no cover - the message is the point
            pytest.fail(f"{path.name}:{number}: not valid JSON: {error}")
    return items


def _normalised(text: str) -> str:
    return " ".join(text.casefold().split())


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"\w+", text.casefold()))


@pytest.fixture(scope="module")
def development() -> list[dict]:
    return _load(DEVELOPMENT)


@pytest.fixture(scope="module")
def development_more() -> list[dict]:
    return _load(DEVELOPMENT_MORE)


@pytest.fixture(scope="module")
def evaluation() -> list[dict]:
    return _load(EVALUATION)


@pytest.fixture(scope="module")
def new_writers() -> list[dict]:
    return _load(NEW_WRITERS)


@pytest.mark.parametrize("name", sorted(SETS))
def test_every_line_has_exactly_the_fields_in_order(name):
    path, _ = SETS[name]
    for item in _load(path):
        assert list(item) == FIELDS, item


@pytest.mark.parametrize("name", sorted(SETS))
def test_field_values_are_allowed(name):
    path, prefix = SETS[name]
    for item in _load(path):
        where = item["id"]
        # Four digits, zero-padded, then five from 10000 on.
        assert re.fullmatch(rf"{prefix}-(?:\d{{4}}|[1-9]\d{{4}})", item["id"]), where
        assert item["language"] in LANGUAGES, where
        assert isinstance(item["text"], str) and item["text"].strip(), where
        assert item["text"] == item["text"].strip(), where
        assert item["level"] in LEVELS, where
        assert isinstance(item["categories"], list), where
        assert set(item["categories"]) <= CATEGORIES, where
        # sorted, no repeats
        assert item["categories"] == sorted(set(item["categories"])), where
        assert item["kind"] in KINDS, where
        assert isinstance(item["note"], str) and item["note"].strip(), where


@pytest.mark.parametrize("name", sorted(SETS))
def test_ids_are_unique(name):
    path, _ = SETS[name]
    ids = Counter(item["id"] for item in _load(path))
    assert [i for i, n in ids.items() if n > 1] == []


@pytest.mark.parametrize("name", sorted(SETS))
def test_categories_match_level(name):
    """Empty for none; free for low; at least one from moderate up."""
    path, _ = SETS[name]
    for item in _load(path):
        if item["level"] == "none":
            assert item["categories"] == [], item["id"]
        elif item["level"] in {"moderate", "high", "imminent"}:
            assert item["categories"], item["id"]


@pytest.mark.parametrize("name", sorted(SETS))
def test_hard_negatives_and_ordinary_chat_are_not_risk(name):
    path, _ = SETS[name]
    for item in _load(path):
        if item["kind"] == "hard_negative":
            assert item["level"] == "none", item["id"]
        if item["kind"] == "ordinary":
            assert item["level"] in {"none", "low"}, item["id"]


def test_no_duplicate_texts_within_or_across_sets(
    development, development_more, evaluation, new_writers
):
    texts = Counter(
        _normalised(item["text"])
        for item in development + development_more + evaluation + new_writers
    )
    assert [t for t, n in texts.items() if n > 1] == []


@pytest.mark.parametrize("held_out", ["evaluation", "new_writers"])
def test_no_held_out_message_is_a_near_copy_of_a_development_message(
    development, development_more, held_out, request
):
    """Held-out messages are written separately, not the tuning ones with a word changed.

    Longer messages (six words or more) may share at most 70% of their words with any
    message in either development file.
    """
    dev_words = [(item["id"], _words(item["text"])) for item in development + development_more]
    near = []
    for item in request.getfixturevalue(held_out):
        words = _words(item["text"])
        if len(words) < 6:
            continue
        for other_id, other in dev_words:
            if len(other) >= 6 and len(words & other) / len(words | other) > 0.7:
                near.append((item["id"], other_id))
    assert near == []


def test_minimum_sizes(development, evaluation):
    assert len(development) >= 260
    assert len(evaluation) >= 520


def test_evaluation_balance(evaluation):
    levels = Counter(item["level"] for item in evaluation)
    assert levels["high"] + levels["imminent"] >= 100
    assert levels["none"] + levels["low"] >= 200
    assert sum(1 for item in evaluation if item["kind"] == "hard_negative") >= 120


def test_evaluation_languages(evaluation):
    languages = Counter(item["language"] for item in evaluation)
    assert languages["cy"] >= 30
    assert languages["da"] >= 30


def test_every_category_is_well_represented_among_serious_evaluation_items(evaluation):
    serious = Counter(
        c for item in evaluation if item["level"] in SERIOUS for c in item["categories"]
    )
    assert {c: serious[c] for c in CATEGORIES if serious[c] < 15} == {}


def test_every_risk_kind_appears_among_serious_evaluation_items(evaluation):
    kinds = {item["kind"] for item in evaluation if item["level"] in SERIOUS}
    assert {"direct", "indirect", "third_party", "obfuscated", "mixed"} <= kinds
