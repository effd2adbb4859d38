"""Risk screening of chat messages (pure Python, no Django). See docs/screening.md."""

from __future__ import annotations

from peercircle.safety.screening.engine import (
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
