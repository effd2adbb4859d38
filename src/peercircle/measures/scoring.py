"""Scoring of questionnaires and reliable change. Pure module (no Django import).

The rules are in docs/measures.md (from MEASURES.md); the instruments are data in
``instruments.py``. Answers are 0-based option indexes in printed order, one per
item, ``None`` for a missing answer. Anything that cannot be scored raises
``ValueError`` with a message that names the item: we never guess.

``score`` scores one response; ``score_many`` scores a matrix of responses with
numpy (missing = -1) and gives the same totals, bands and risk flags.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from peercircle.measures.instruments import Band, Instrument, get

Outcome = Literal["recovered", "improved", "unchanged", "deteriorated"]

# Reliable change compares decimal scores (SWEMWBS metric, pro-rated CORE-10
# totals); binary floating point can put an exact threshold a hair below
# itself (19.98 - 16.98 = 2.9999999999999982), so differences are rounded first.
_DECIMALS = 9


@dataclass(frozen=True, slots=True)
class ItemResult:
    """One item reported on its own (ONS4)."""

    value: int
    band: str


@dataclass(frozen=True, slots=True)
class Score:
    code: str
    total: int | float | None  # after reversal and pro-rating; SWEMWBS: the raw total
    metric: float | None  # SWEMWBS only
    band: str | None
    risk: bool  # a risk item was answered above its lowest score
    missing: int = 0  # missing answers (the total is pro-rated when > 0)
    detail: dict[str, ItemResult] = field(default_factory=dict)  # ONS4 per item


def _band(bands: tuple[Band, ...], value: float) -> str:
    # Bands are printed as whole-number ranges; a pro-rated total between them
    # (10.56) belongs to the band whose lower end it has reached, which is how
    # the cut-offs ("caseness: at or above 11") read them.
    label = bands[0].label
    for band in bands:
        if value >= band.low:
            label = band.label
    return label


def _item_name(instrument: Instrument, item: int) -> str:
    return f"Item {item} of {instrument.short_name}"


def _check_answer(instrument: Instrument, item: int, answer: object) -> int | None:
    """The answer as an int option index, or None if missing; ValueError otherwise."""
    if answer is None:
        return None
    if isinstance(answer, bool) or not isinstance(answer, numbers.Integral):
        raise ValueError(
            f"{_item_name(instrument, item)}: the answer {answer!r} is not a whole-number "
            "option index"
        )
    index = int(answer)
    options = len(instrument.option_values[item - 1])
    if not 0 <= index < options:
        raise ValueError(
            f"{_item_name(instrument, item)}: the answer {index} is out of range; the "
            f"options are numbered 0 to {options - 1} in printed order"
        )
    return index


def _check_count(instrument: Instrument, given: int) -> None:
    if given < instrument.items:
        raise ValueError(
            f"{_item_name(instrument, given + 1)}: no answer given; {instrument.short_name} "
            f"has {instrument.items} items but {given} answers were given (use None for a "
            "missing answer)"
        )
    if given > instrument.items:
        raise ValueError(
            f"{_item_name(instrument, instrument.items + 1)}: there is no such item; "
            f"{instrument.short_name} has {instrument.items} items but {given} answers were "
            "given"
        )


def _check_missing(instrument: Instrument, missing_items: list[int]) -> None:
    if len(missing_items) <= instrument.max_missing:
        return
    if len(missing_items) == 1:
        names = f"Item {missing_items[0]}"
    else:
        listed = ", ".join(str(i) for i in missing_items[:-1])
        names = f"Items {listed} and {missing_items[-1]}"
    allowed = (
        "every item must be answered"
        if instrument.max_missing == 0
        else f"at most {instrument.max_missing} may be missing"
    )
    raise ValueError(
        f"{names} of {instrument.short_name}: no answer; {allowed} for a score "
        f"({instrument.missing_rule})"
    )


def _validate(instrument: Instrument, answers: object) -> list[int | None]:
    if isinstance(answers, str | bytes) or not isinstance(answers, Sequence | np.ndarray):
        raise ValueError(
            f"Answers to {instrument.short_name} must be a list of option indexes, one per "
            f"item, not {type(answers).__name__}"
        )
    values = list(answers)
    _check_count(instrument, len(values))
    checked = [_check_answer(instrument, i, a) for i, a in enumerate(values, start=1)]
    _check_missing(instrument, [i for i, a in enumerate(checked, start=1) if a is None])
    return checked


def score(code: str, answers: Sequence[int | None]) -> Score:
    """Score one response: ``answers`` are 0-based option indexes, None if missing."""
    instrument = get(code)
    checked = _validate(instrument, answers)
    scores = [
        None if a is None else instrument.item_scores(item)[a]
        for item, a in enumerate(checked, start=1)
    ]
    risk = any(
        scores[item - 1] is not None
        and scores[item - 1] != min(instrument.item_scores(item))  # None handled above
        for item in instrument.risk_items
    )
    missing = sum(1 for s in scores if s is None)

    if not instrument.has_total:
        assert instrument.item_keys is not None and instrument.item_bands is not None
        detail = {
            key: ItemResult(value, _band(bands, value))
            for key, value, bands in zip(
                instrument.item_keys,
                (s for s in scores if s is not None),
                instrument.item_bands,
                strict=True,
            )
        }
        return Score(code, None, None, None, risk, missing, detail)

    raw = sum(s for s in scores if s is not None)
    total: int | float = raw
    if missing:
        # CORE-10: total x 10 / 9, written as the rule is printed so that numpy
        # (score_many) does the same two float operations.
        total = raw * instrument.items / (instrument.items - missing)
    metric = None
    if instrument.metric_table is not None:
        metric = instrument.metric_table[raw - instrument.min_total]
    band = _band(instrument.bands, total) if instrument.bands else None
    return Score(code, total, metric, band, risk, missing)


def change(code: str, *, before: float | Score, after: float | Score) -> Outcome:
    """Reliable and clinically significant change with the instrument's fixed figures.

    ``before`` and ``after`` are totals, or SWEMWBS metric scores, or ``Score``s.
    A change at least as large as the threshold is reliable; "recovered" also needs
    a move from caseness (at or above the cut-off) to below it.
    """
    instrument = get(code)
    if instrument.reliable_change is None or instrument.direction is None:
        raise ValueError(
            f"{instrument.short_name} has no reliable-change threshold, so change cannot be "
            "classified"
        )
    first, last = _value(instrument, before, "before"), _value(instrument, after, "after")
    improvement = last - first if instrument.higher_is_better else first - last
    size = round(abs(improvement), _DECIMALS)
    if size < instrument.reliable_change or improvement == 0:
        return "unchanged"
    if improvement < 0:
        return "deteriorated"
    cut = instrument.caseness
    if cut is not None and first >= cut > last:
        return "recovered"
    return "improved"


def _value(instrument: Instrument, value: float | Score, name: str) -> float:
    if isinstance(value, Score):
        if value.code != instrument.code:
            raise ValueError(
                f"The {name} score is a {value.code} score, not {instrument.short_name}"
            )
        picked = value.metric if instrument.metric_table is not None else value.total
        if picked is None:
            raise ValueError(f"The {name} score of {instrument.short_name} has no total")
        return float(picked)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"The {name} score must be a number, not {value!r}")
    result = float(value)
    if not math.isfinite(result):
        raise ValueError(f"The {name} score must be a finite number, not {value!r}")
    return result


@dataclass(frozen=True, slots=True)
class ReliableChange:
    index: float  # the RCI: (after - before) / S_diff
    s_diff: float
    reliable: bool  # |RCI| >= 1.96
    outcome: Literal["improved", "unchanged", "deteriorated"]


RCI_CRITICAL = 1.96


def rci(
    *,
    before: float,
    after: float,
    sd: float,
    reliability: float,
    higher_is_better: bool,
) -> ReliableChange:
    """Jacobson-Truax reliable change index with the evaluator's own SD and reliability.

    SE = SD * sqrt(1 - r), S_diff = sqrt(2) * SE, RCI = (after - before) / S_diff;
    reliable when |RCI| >= 1.96, in the direction the instrument counts as better.
    """
    for name, number in (("before", before), ("after", after), ("sd", sd)):
        if isinstance(number, bool) or not isinstance(number, numbers.Real):
            raise ValueError(f"{name} must be a number, not {number!r}")
        if not math.isfinite(number):
            raise ValueError(f"{name} must be a finite number, not {number!r}")
    if sd <= 0:
        raise ValueError(f"sd must be above 0, not {sd!r}")
    if isinstance(reliability, bool) or not isinstance(reliability, numbers.Real):
        raise ValueError(f"reliability must be a number, not {reliability!r}")
    if not 0 <= reliability < 1:
        raise ValueError(
            f"reliability must be at least 0 and below 1 (at 1 S_diff is 0), not {reliability!r}"
        )
    se = sd * math.sqrt(1 - reliability)
    s_diff = math.sqrt(2) * se
    index = (after - before) / s_diff
    # Rounded as in change(): an index of exactly 1.96 must not be lost to float error.
    reliable = round(abs(index), _DECIMALS) >= RCI_CRITICAL
    better = index > 0 if higher_is_better else index < 0
    outcome: Literal["improved", "unchanged", "deteriorated"] = (
        ("improved" if better else "deteriorated") if reliable else "unchanged"
    )
    return ReliableChange(index, s_diff, reliable, outcome)


# --- Many responses at once -------------------------------------------------


@dataclass(frozen=True, slots=True)
class ItemBatch:
    values: npt.NDArray[np.int64]
    bands: npt.NDArray[np.object_]


@dataclass(frozen=True, slots=True)
class ScoreBatch:
    """The results of ``score_many``: one entry per response, in the order given."""

    code: str
    total: npt.NDArray[np.float64]  # NaN where the instrument has no total (ONS4)
    metric: npt.NDArray[np.float64]  # NaN except SWEMWBS
    band: npt.NDArray[np.object_]  # str, or None where the instrument has no bands
    risk: npt.NDArray[np.bool_]
    missing: npt.NDArray[np.int64]
    detail: dict[str, ItemBatch] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.total.shape[0])

    def result(self, row: int) -> Score:
        """Row ``row`` as the ``Score`` that ``score`` gives for it."""
        missing = int(self.missing[row])
        total: int | float | None = None
        if not math.isnan(self.total[row]):
            value = float(self.total[row])
            total = value if missing else int(value)
        metric = None if math.isnan(self.metric[row]) else float(self.metric[row])
        band = self.band[row]
        detail = {
            key: ItemResult(int(item.values[row]), str(item.bands[row]))
            for key, item in self.detail.items()
        }
        return Score(
            self.code,
            total,
            metric,
            None if band is None else str(band),
            bool(self.risk[row]),
            missing,
            detail,
        )


@dataclass(frozen=True, slots=True)
class _Tables:
    scores: npt.NDArray[np.int64]  # (items, options + 1); the last column, for -1, is 0
    options: npt.NDArray[np.int64]  # options per item
    lows: npt.NDArray[np.float64]  # band lower ends
    labels: npt.NDArray[np.object_]
    metric: npt.NDArray[np.float64] | None


_TABLES: dict[str, _Tables] = {}


def _tables(instrument: Instrument) -> _Tables:
    cached = _TABLES.get(instrument.code)
    if cached is not None:
        return cached
    width = max(len(v) for v in instrument.option_values)
    scores = np.zeros((instrument.items, width + 1), dtype=np.int64)
    for item in range(1, instrument.items + 1):
        item_scores = instrument.item_scores(item)
        scores[item - 1, : len(item_scores)] = item_scores
    tables = _Tables(
        scores=scores,
        options=np.array([len(v) for v in instrument.option_values], dtype=np.int64),
        lows=np.array([b.low for b in instrument.bands], dtype=np.float64),
        labels=np.array([b.label for b in instrument.bands], dtype=object),
        metric=(
            None
            if instrument.metric_table is None
            else np.array(instrument.metric_table, dtype=np.float64)
        ),
    )
    _TABLES[instrument.code] = tables
    return tables


def _band_many(
    lows: npt.NDArray[np.float64], labels: npt.NDArray[np.object_], values: npt.NDArray[Any]
) -> npt.NDArray[np.object_]:
    # Same rule as _band: the band whose lower end the value has reached.
    index = np.searchsorted(lows, values, side="right") - 1
    result: npt.NDArray[np.object_] = labels[np.maximum(index, 0)]
    return result


def _as_matrix(instrument: Instrument, answers: object) -> npt.NDArray[np.int64]:
    """Answers as an int matrix with -1 for missing; ValueError names a bad item."""
    if not isinstance(answers, np.ndarray) or answers.dtype == object:
        # Lists (with None for missing) are checked cell by cell exactly as score()
        # checks them; the fast path is for integer arrays.
        if isinstance(answers, str | bytes) or not isinstance(answers, Sequence | np.ndarray):
            raise ValueError(
                f"Answers to {instrument.short_name} must be a matrix or a list of responses, "
                f"not {type(answers).__name__}"
            )
        rows = list(answers)
        matrix = np.empty((len(rows), instrument.items), dtype=np.int64)
        for r, row in enumerate(rows):
            try:
                checked = _validate(instrument, row)
            except ValueError as error:
                raise ValueError(f"Response {r + 1}: {error}") from None
            matrix[r] = [-1 if a is None else a for a in checked]
        return matrix
    array = answers
    if array.ndim != 2:
        raise ValueError(
            f"Answers to {instrument.short_name} must be a matrix with one row per response "
            f"and one column per item, not an array of {array.ndim} dimensions"
        )
    if array.shape[1] != instrument.items:
        _check_count(instrument, array.shape[1])
    if not np.issubdtype(array.dtype, np.integer) or array.dtype == np.bool_:
        # Name the first cell that is not a whole number, as score() would.
        flat = array.ravel()
        for position, cell in enumerate(flat.tolist()):
            if not (isinstance(cell, int) and not isinstance(cell, bool)):
                r, c = divmod(position, instrument.items)
                raise ValueError(
                    f"Response {r + 1}: {_item_name(instrument, c + 1)}: the answer {cell!r} "
                    "is not a whole-number option index (missing answers are -1 here)"
                )
    return array.astype(np.int64, copy=False)


def score_many(code: str, answers: object) -> ScoreBatch:
    """Score a matrix of responses (rows) with numpy; missing answers are -1 (or None).

    Totals, bands and risk flags are those ``score`` gives for each row; a row that
    ``score`` would refuse raises the same ValueError, prefixed with its row number.
    """
    instrument = get(code)
    tables = _tables(instrument)
    matrix = _as_matrix(instrument, answers)
    rows = matrix.shape[0]

    missing_cells = matrix == -1
    bad = (matrix < -1) | (matrix >= tables.options)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        try:
            _check_answer(instrument, int(c) + 1, int(matrix[r, c]))
        except ValueError as error:
            raise ValueError(f"Response {r + 1}: {error}") from None
    missing = missing_cells.sum(axis=1, dtype=np.int64)
    over = missing > instrument.max_missing
    if over.any():
        r = int(np.argmax(over))
        items = [int(c) + 1 for c in np.flatnonzero(missing_cells[r])]
        try:
            _check_missing(instrument, items)
        except ValueError as error:
            raise ValueError(f"Response {r + 1}: {error}") from None

    # Index -1 (missing) picks each item's last column, which holds 0.
    item_scores = tables.scores[np.arange(instrument.items), matrix]

    risk = np.zeros(rows, dtype=np.bool_)
    for item in instrument.risk_items:
        lowest = min(instrument.item_scores(item))
        risk |= ~missing_cells[:, item - 1] & (item_scores[:, item - 1] > lowest)

    nan = np.full(rows, np.nan)
    if not instrument.has_total:
        assert instrument.item_keys is not None and instrument.item_bands is not None
        detail = {}
        for column, (key, bands) in enumerate(
            zip(instrument.item_keys, instrument.item_bands, strict=True)
        ):
            values = item_scores[:, column]
            lows = np.array([b.low for b in bands], dtype=np.float64)
            labels = np.array([b.label for b in bands], dtype=object)
            detail[key] = ItemBatch(values, _band_many(lows, labels, values))
        no_band = np.full(rows, None, dtype=object)
        return ScoreBatch(code, nan, nan.copy(), no_band, risk, missing, detail)

    raw = item_scores.sum(axis=1)
    total = raw.astype(np.float64)
    partial = missing > 0
    if partial.any():
        answered = instrument.items - missing[partial]
        total[partial] = total[partial] * instrument.items / answered
    metric = nan.copy()
    if tables.metric is not None:
        metric = tables.metric[raw - instrument.min_total]
    if instrument.bands:
        band = _band_many(tables.lows, tables.labels, total)
    else:
        band = np.full(rows, None, dtype=object)
    return ScoreBatch(code, total, metric, band, risk, missing)
