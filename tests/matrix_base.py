"""What the authorisation matrix is made of: the personas, the outcomes and a
visit. Pages of one subsystem add their rows from their own test package
(``ROWS`` and a ``prepare(world)`` that adds what the rows need to
``world.extra``); ``tests/test_authorisation_matrix.py`` gathers them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

PERSONAS = (
    "anonymous",
    "participant",
    "volunteer",
    "coordinator",
    "safeguarding_lead",
    "evaluator",
    "outsider",
)
SIGN_IN = "sign-in"  # a redirect to the sign-in page


def expect(default, **overrides):
    result = dict.fromkeys(PERSONAS, default)
    result.update(overrides)
    return result


PUBLIC = expect(200)
SIGNED_IN = expect(200, anonymous=SIGN_IN)
# Back-office pages: coordinators only; everyone else cannot tell they exist.
COORDINATOR_ONLY = expect(404, anonymous=SIGN_IN, coordinator=200)
# A person's own questionnaire: theirs alone; anyone else's is the same 404.
OWN_QUESTIONNAIRE = expect(404, anonymous=SIGN_IN, participant=200)
# Live rooms: the online group's participant and facilitator, and the moderators.
IN_LIVE_ROOM = expect(
    404, anonymous=SIGN_IN, participant=200, volunteer=200, coordinator=200, safeguarding_lead=200
)
TO_LIVE_ROOM = expect(
    404, anonymous=SIGN_IN, participant=302, volunteer=302, coordinator=302, safeguarding_lead=302
)
MODERATE_LIVE_ROOM = expect(
    404, anonymous=SIGN_IN, volunteer=302, coordinator=302, safeguarding_lead=302
)
API_PUBLIC = expect(200)
API_COORDINATOR_ONLY = expect(404, anonymous=401, coordinator=200)
# A live room's people: its members and facilitator (or the pair), and the moderators.
ROOM_PEOPLE_NAMES = ("participant", "volunteer", "coordinator", "safeguarding_lead")
ROOM_PEOPLE = expect(404, anonymous=401, **dict.fromkeys(ROOM_PEOPLE_NAMES, 200))


@dataclass
class Visit:
    route: str
    method: str
    url: Callable
    expected: dict
    data: Callable | None = None
    as_json: bool = False
