"""Background work for safeguarding, run by the Django Tasks worker.

``peercircle run``'s housekeeper enqueues ``safety_escalate`` every minute
(src/peercircle/cli.py). See docs/safety.md.
"""

from __future__ import annotations

from django_tasks import task


@task()
def safety_escalate() -> dict[str, int]:
    """Escalate the alerts whose time to acknowledge has passed. Safe to run
    twice or at once."""
    from peercircle.safety.services import escalate_due

    return {"escalated": escalate_due()}


@task()
def safety_notify(*, notice_ids: list[int]) -> int:
    """Email safeguarding notices (an alert raised or escalated) to their people."""
    from peercircle.safety.services import notices_email

    return notices_email(notice_ids)
