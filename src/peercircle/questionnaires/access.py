"""Who may do what with questionnaires, and permission-checked fetches.
"Not there" and "not yours" raise the same ``NotFound``. A person's own
questionnaires are fetched with ``services.open_assignment``.
See docs/questionnaires.md."""

from __future__ import annotations

from typing import Any

from peercircle.core.access import NotFound, can_manage_programmes
from peercircle.core.roles import MANAGES_PROGRAMMES, Role
from peercircle.questionnaires.models import SchedulePoint

#: Who sets schedules and sees whose questionnaires are overdue.
MANAGES_QUESTIONNAIRES = MANAGES_PROGRAMMES
#: Who sees instruments, response rates and check-in means.
READS_RATES = MANAGES_PROGRAMMES | {Role.EVALUATOR}
#: Figures about fewer people than this are hidden from evaluators (DESIGN.md).
SMALL_CELL = 5


def _pk(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound() from None


# --- staff ------------------------------------------------------------------------------


def access_schedule_point_manage(user: Any, point_id: Any) -> SchedulePoint:
    """An active schedule point, for a coordinator or administrator of its
    organisation; one already removed is not found."""
    point = (
        SchedulePoint.objects.select_related("programme__organisation")
        .filter(pk=_pk(point_id), is_active=True)
        .first()
    )
    if point is None:
        raise NotFound()
    if not can_manage_programmes(user, point.programme.organisation_id):
        raise NotFound()
    return point
