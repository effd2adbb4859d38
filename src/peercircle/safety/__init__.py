"""Safeguarding: risk screening (pure, in ``screening/``) and alerts (the Django app).

Only the pure screening interface is re-exported here, so importing
``peercircle.safety`` never needs Django: ``from peercircle.safety import screen``.
"""

from __future__ import annotations

from peercircle.safety.screening import (
    CATEGORIES,
    ENGINE_VERSION,
    LEVELS,
    Evidence,
    ScreeningResult,
    languages,
    screen,
)

__all__ = [
    "CATEGORIES",
    "ENGINE_VERSION",
    "LEVELS",
    "Evidence",
    "ScreeningResult",
    "languages",
    "screen",
]
