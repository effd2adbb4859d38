"""Authorisation-matrix rows for these pages and endpoints (see tests/matrix_base.py)."""

from __future__ import annotations

from tests.matrix_base import Visit


def prepare(world) -> None:
    """Add to ``world.extra`` what the rows below need."""


ROWS: list[Visit] = []
