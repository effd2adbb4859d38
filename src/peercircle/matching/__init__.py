"""One-to-one matching of participants with peer supporters: a pure engine (no Django import).

See docs/matching.md.

from peercircle.matching import Participant, Supporter, Weights, match

result = match(participants, supporters, weights=Weights(), objective="most_matched")
result.pairs  # (Pair(participant_id, supporter_id, format, score, reasons, distance_km), ...)
result.unmatched  # (Unmatched(participant_id, code, reason), ...)
"""

from __future__ import annotations

from peercircle.matching.engine import DEFAULT_MAX_DISTANCE_KM, DEFAULT_TOP_K, SCALE, fit, match
from peercircle.matching.records import (
    FORMATS,
    OBJECTIVES,
    SLOTS,
    Fit,
    Format,
    Id,
    Objective,
    Pair,
    Participant,
    Preference,
    Result,
    Supporter,
    Unmatched,
    UnmatchedCode,
    Weights,
)

__all__ = [
    "DEFAULT_MAX_DISTANCE_KM",
    "DEFAULT_TOP_K",
    "FORMATS",
    "OBJECTIVES",
    "SCALE",
    "SLOTS",
    "Fit",
    "Format",
    "Id",
    "Objective",
    "Pair",
    "Participant",
    "Preference",
    "Result",
    "Supporter",
    "Unmatched",
    "UnmatchedCode",
    "Weights",
    "fit",
    "match",
]
