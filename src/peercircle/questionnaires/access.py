"""Who may do what with questionnaires, and permission-checked fetches.
"Not there" and "not yours" raise the same ``NotFound``. A person's own
questionnaires are fetched with ``services.open_assignment``.
See docs/questionnaires.md."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from peercircle.core.access import NotFound, can_manage_programmes, id_or_not_found
from peercircle.core.roles import MANAGES_PROGRAMMES, Role
from peercircle.questionnaires.models import SchedulePoint
from peercircle.questionnaires.services import CHECKIN_DAYS, may_check_in_session

#: Who sets schedules and sees whose questionnaires are overdue.
MANAGES_QUESTIONNAIRES = MANAGES_PROGRAMMES
#: Who sees instruments, response rates and check-in means.
READS_RATES = MANAGES_PROGRAMMES | {Role.EVALUATOR}
#: Figures about fewer people than this are hidden from evaluators (DESIGN.md).
SMALL_CELL = 5


# --- staff ------------------------------------------------------------------------------


def access_schedule_point_manage(user: Any, point_id: Any) -> SchedulePoint:
    """An active schedule point, for a coordinator or administrator of its
    organisation; one already removed is not found."""
    point = (
        SchedulePoint.objects.select_related("programme__organisation")
        .filter(pk=id_or_not_found(point_id), is_active=True)
        .first()
    )
    if point is None:
        raise NotFound()
    if not can_manage_programmes(user, point.programme.organisation_id):
        raise NotFound()
    return point


# --- participants: the mechanism check-in -----------------------------------------------


def access_checkin_session(person: Any, session_id: Any) -> Any:
    """A session the person may check in about: of their group, started,
    ended no more than ``CHECKIN_DAYS`` ago, and not one they missed."""
    from peercircle.programmes.models import Session

    session = Session.objects.select_related("group").filter(pk=id_or_not_found(session_id)).first()
    if session is None:
        raise NotFound()
    if not may_check_in_session(person, session):
        raise NotFound()
    return session


def access_checkin_pairing(person: Any, pairing_id: Any) -> Any:
    """A one-to-one pairing the person is one of the two in, still going or
    ended no more than ``CHECKIN_DAYS`` ago."""
    from peercircle.rooms.models import Pairing

    pairing = (
        Pairing.objects.select_related("participant", "volunteer")
        .filter(pk=id_or_not_found(pairing_id))
        .first()
    )
    if pairing is None:
        raise NotFound()
    if person.pk not in (pairing.participant_id, pairing.volunteer_id):
        raise NotFound()
    if pairing.ended_at is not None and pairing.ended_at < timezone.now() - timedelta(
        days=CHECKIN_DAYS
    ):
        raise NotFound()
    return pairing
