"""Questionnaire scoring: a pure library (no Django import). See docs/measures.md.

from peercircle.measures import score, change, rci

r = score("phq9", [0, 1, 2, 3, 0, 1, 2, 3, 0])
r.total, r.metric, r.band, r.risk, r.detail
change("phq9", before=18, after=9)  # "recovered"
"""

from __future__ import annotations

from peercircle.measures.instruments import INSTRUMENTS, Band, Instrument, get
from peercircle.measures.scoring import (
    ItemResult,
    Outcome,
    ReliableChange,
    Score,
    ScoreBatch,
    change,
    rci,
    score,
    score_many,
)

__all__ = [
    "INSTRUMENTS",
    "Band",
    "Instrument",
    "ItemResult",
    "Outcome",
    "ReliableChange",
    "Score",
    "ScoreBatch",
    "change",
    "get",
    "rci",
    "score",
    "score_many",
]
