"""Background work for live rooms, run by the Django Tasks worker.

``peercircle run``'s housekeeper enqueues ``rooms_presence_sweep`` at start and
every ``ROOMS_SWEEP_MINUTES`` (src/peercircle/cli.py). See docs/rooms.md.
"""

from __future__ import annotations

from django_tasks import task


@task()
def rooms_presence_sweep() -> dict[str, int]:
    """Forget connections not seen for a while: those of a server process that
    stopped without closing them. Stale rows are already left out of who is
    here; this keeps the table small. Safe to run twice or at once."""
    from peercircle.rooms.services import presence_sweep

    return {"connections_forgotten": presence_sweep()}
