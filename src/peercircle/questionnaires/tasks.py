"""Background work for questionnaires, run by the Django Tasks worker.

``peercircle run``'s housekeeper enqueues ``questionnaires_hourly`` every hour
(src/peercircle/cli.py). See docs/questionnaires.md.
"""

from __future__ import annotations

from django_tasks import task


@task()
def questionnaires_hourly() -> dict[str, int]:
    """Make the questionnaires that have fallen due, mark those whose window
    passed as missed, and send reminders. Safe to run twice or at once."""
    from peercircle.questionnaires.services import (
        assignments_close_missed,
        assignments_generate,
        reminders_send,
    )

    return {
        "made": assignments_generate(),
        "missed": assignments_close_missed(),
        "reminded": reminders_send(),
    }
