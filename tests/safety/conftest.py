"""Fixtures for the safeguarding tests: the live-room ones are shared with
tests/rooms."""

from __future__ import annotations

import pytest

from tests.conftest import _persona
from tests.rooms.conftest import live_session, online_group, room, second_member, ws  # noqa: F401
from tests.rooms.test_browser import asgi_server, browser_thread  # noqa: F401


@pytest.fixture
def second_lead(org):
    return _persona(org, "safeguarding_lead", "rowan", "Rowan")
