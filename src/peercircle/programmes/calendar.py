"""A person's private iCalendar feed of their group sessions. See docs/finder.md.

Calendar apps cannot sign in, so the feed's address carries a secret token
(``User.calendar_token``); resetting the token stops every old subscription.
The feed holds only what the person may see as a member: their groups'
sessions with the venue and online link, and nobody else's name.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from icalendar import Calendar, Event

from peercircle.accounts.models import new_calendar_token
from peercircle.core.audit import audit_record
from peercircle.programmes.models import Delivery, Session

PRODID = "-//PeerCircle//Group sessions//EN"
UID_DOMAIN = "sessions.peercircle"


def session_uid(session: Session) -> str:
    """Stable per session, so a changed or cancelled session updates in place."""
    return f"session-{session.pk}@{UID_DOMAIN}"


def _location(session: Session) -> str:
    group = session.group
    if group.delivery == Delivery.ONLINE:
        return "Online"
    parts = [group.venue_name.strip(), " ".join(group.address.split())]
    return ", ".join(part for part in parts if part)


def _description(session: Session) -> str:
    group = session.group
    lines = []
    if session.is_cancelled:
        reason = session.cancelled_reason.strip()
        lines.append("This session is cancelled." + (f" {reason}" if reason else ""))
    if group.delivery in (Delivery.ONLINE, Delivery.HYBRID) and group.online_link:
        lines.append(f"Join online: {group.online_link}")
    return "\n".join(lines)


def feed_build(
    *, sessions: Iterable[Session], name: str = "My PeerCircle groups", now: datetime | None = None
) -> bytes:
    """An RFC 5545 calendar of ``sessions`` (each with ``group`` loaded), times in UTC."""
    stamp = (now or datetime.now(UTC)).astimezone(UTC)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for session in sessions:
        event = Event()
        event.add("uid", session_uid(session))
        event.add("dtstamp", stamp)
        event.add("dtstart", session.starts_at.astimezone(UTC))
        event.add("dtend", session.ends_at.astimezone(UTC))
        event.add("summary", session.group.name)
        event.add("status", "CANCELLED" if session.is_cancelled else "CONFIRMED")
        # A cancellation is a change to the event; a higher sequence makes
        # calendar apps take it over the copy they hold.
        event.add("sequence", 1 if session.is_cancelled else 0)
        location = _location(session)
        if location:
            event.add("location", location)
        description = _description(session)
        if description:
            event.add("description", description)
        if session.group.online_link and session.group.delivery != Delivery.IN_PERSON:
            event.add("url", session.group.online_link)
        calendar.add_component(event)
    return calendar.to_ical()


def calendar_token_reset(*, user: Any) -> str:
    """Give the person a new feed address; the old one stops working at once.

    Kept here, beside the feed, because nothing else uses the token.
    """
    with transaction.atomic():
        user.calendar_token = new_calendar_token()
        user.save(update_fields=["calendar_token"])
        audit_record(actor=user, action="calendar.token_reset", obj=user)
    return user.calendar_token
