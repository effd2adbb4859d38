"""The one screening hook every room message passes through before broadcast.

``screen_message`` calls the function named by the ``ROOMS_SCREENING_HOOK``
setting, which has the signature of ``peercircle.safety.screen(text,
language="en")`` and returns an object with ``level``, ``categories`` and
``evidence``. The default is the safeguarding engine (docs/screening.md);
``pass_through`` turns screening off. A hook that raises never stops a message:
the outcome says the screening failed, and the message is delivered and marked
for a human.
See docs/rooms.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PassResult:
    level: str = "none"
    categories: frozenset[str] = field(default_factory=frozenset)
    evidence: tuple[Any, ...] = ()


def pass_through(text: str, language: str = "en") -> PassResult:
    """A hook that lets every message pass (screening off)."""
    return PassResult()


@dataclass(frozen=True)
class Outcome:
    level: str
    categories: list[str]
    failed: bool
    result: Any = None


@cache
def _hook(path: str) -> Callable[..., Any]:
    return import_string(path)


def screen_message(text: str, *, language: str = "en") -> Outcome:
    path = getattr(settings, "ROOMS_SCREENING_HOOK", "peercircle.safety.screen")
    try:
        result = _hook(path)(text, language=language)
        return Outcome(
            level=str(result.level),
            categories=sorted(str(c) for c in result.categories),
            failed=False,
            result=result,
        )
    except Exception:
        logger.exception("Screening failed; the message is delivered and marked for a human")
        return Outcome(level="", categories=[], failed=True)
