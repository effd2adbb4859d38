"""Live safeguarding notifications. The queue page of an organisation listens
on ``safety.<organisation id>``; each change to an alert sends a short frame
there on commit (no content: the page fetches what the viewer may see).
See docs/safety.md.
"""

from __future__ import annotations

from typing import Any


def queue_group(organisation_id: int) -> str:
    return f"safety.{organisation_id}"


def notify_on_commit(alert: Any) -> None:
    from peercircle.rooms.events import broadcast_on_commit

    broadcast_on_commit(
        queue_group(alert.organisation_id),
        {"type": "alert", "id": alert.pk, "level": alert.level, "state": alert.state},
    )
