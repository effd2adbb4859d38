"""Background work for volunteers, run by the Django Tasks worker.

``peercircle run``'s housekeeper enqueues ``volunteers_daily`` with the daily
programme task (src/peercircle/cli.py). See docs/volunteers.md.
"""

from __future__ import annotations

from django_tasks import task


@task()
def volunteers_daily() -> dict[str, int]:
    """Tell volunteers whose training refresher is coming up, and offer
    debriefs for recent high and imminent alerts that have none yet. Safe to
    run twice or at once."""
    from peercircle.volunteers.services import debriefs_offer_due, refreshers_remind

    return {"refreshers": refreshers_remind(), "debriefs": debriefs_offer_due()}


@task()
def volunteers_debrief_notify(*, offer_ids: list[int]) -> int:
    """Email volunteers who have just been offered a debrief."""
    from peercircle.volunteers.services import debriefs_email

    return debriefs_email(offer_ids)
