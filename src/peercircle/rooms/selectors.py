"""Reads for rooms: the log after or before a point, who is present, a person's
rooms, open reports. Callers have checked the seat first. See docs/rooms.md."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from peercircle.core.access import organisations_where
from peercircle.core.models import Membership
from peercircle.core.roles import Role
from peercircle.programmes.models import (
    Delivery,
    Enrolment,
    EnrolmentStatus,
    Facilitation,
    Group,
    Session,
    SessionStatus,
)
from peercircle.rooms.access import MODERATING_ROLES
from peercircle.rooms.events import message_payload, report_notice
from peercircle.rooms.models import (
    PRESENCE_STALE_SECONDS,
    Message,
    MessageReport,
    Pairing,
    Presence,
    ReportStatus,
    Room,
    RoomKind,
    RoomMember,
    RoomPolicy,
)

HISTORY_PAGE = 50
#: At most this many missed rows are replayed in one go on reconnect; a client
#: that was away longer gets the newest ones and pages back through history.
REPLAY_LIMIT = 500


def _payloads(rows: list[Message], *, moderator: bool, member: int | None) -> list[dict[str, Any]]:
    return [
        message_payload(
            row,
            author_name=row.author.pseudonym if row.author else "",
            moderator_view=moderator,
            viewer_member=member,
        )
        for row in rows
    ]


def _log(room_id: int) -> Any:
    return (
        Message.objects.filter(room_id=room_id)
        .select_related("author")
        .only(
            "pk",
            "room_id",
            "seq",
            "kind",
            "member_id",
            "body",
            "sent_at",
            "hidden_at",
            "held",
            "target_id",
            "author__pseudonym",
        )
    )


def log_after(
    room_id: int, after_seq: int, *, moderator: bool = False, member: int | None = None
) -> list[dict[str, Any]]:
    """Everything in the room after ``after_seq``, oldest first."""
    rows = list(_log(room_id).filter(seq__gt=after_seq).order_by("-seq")[:REPLAY_LIMIT])
    rows.reverse()
    return _payloads(rows, moderator=moderator, member=member)


def log_between(
    room_id: int,
    after_seq: int,
    up_to_seq: int,
    *,
    moderator: bool = False,
    member: int | None = None,
) -> list[dict[str, Any]]:
    rows = list(_log(room_id).filter(seq__gt=after_seq, seq__lte=up_to_seq).order_by("seq"))
    return _payloads(rows, moderator=moderator, member=member)


def log_before(
    room_id: int,
    before_seq: int | None,
    *,
    limit: int = HISTORY_PAGE,
    moderator: bool = False,
    member: int | None = None,
) -> tuple[list[dict[str, Any]], bool]:
    """A page of history before ``before_seq`` (the newest page when None),
    oldest first, and whether there is more before it."""
    limit = max(1, min(limit, HISTORY_PAGE))
    query = _log(room_id)
    if before_seq is not None:
        query = query.filter(seq__lt=before_seq)
    rows = list(query.order_by("-seq")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    rows.reverse()
    return _payloads(rows, moderator=moderator, member=member), more


def seq_of(room_id: int, message_id: Any) -> int | None:
    """The sequence number of a message in this room (None when it is not one)."""
    try:
        message_id = int(message_id)
    except (TypeError, ValueError):
        return None
    return (
        Message.objects.filter(room_id=room_id, pk=message_id).values_list("seq", flat=True).first()
    )


def present(room_id: int, *, now: datetime | None = None) -> list[dict[str, Any]]:
    now = now or timezone.now()
    rows = (
        Presence.objects.filter(
            room_id=room_id, seen_at__gte=now - timedelta(seconds=PRESENCE_STALE_SECONDS)
        )
        .values("member_id", "member__user__pseudonym")
        .distinct()
        .order_by("member__user__pseudonym")
    )
    return [{"member": row["member_id"], "name": row["member__user__pseudonym"]} for row in rows]


def open_reports(room_id: int) -> list[MessageReport]:
    return list(
        MessageReport.objects.filter(message__room_id=room_id, status=ReportStatus.OPEN)
        .select_related("message", "message__author", "reporter")
        .order_by("created_at")
    )


def open_report_notices(room_id: int) -> list[dict[str, Any]]:
    """The open reports in a room, oldest first, as the frames that tell
    facilitators of them (``type``, ``id`` of the message, ``report``, ``author``)."""
    rows = (
        MessageReport.objects.filter(message__room_id=room_id, status=ReportStatus.OPEN)
        .order_by("created_at")
        .values_list("pk", "message_id", "message__author__pseudonym")
    )
    return [report_notice(message, report, author) for report, message, author in rows]


def members(room_id: int) -> list[RoomMember]:
    return list(
        RoomMember.objects.filter(room_id=room_id)
        .select_related("user")
        .order_by("user__pseudonym")
    )


@dataclass(frozen=True)
class RoomEntry:
    """One line of "My rooms"."""

    title: str
    kind: str
    url_name: str
    url_arg: int
    opens_at: datetime | None
    closes_at: datetime | None
    unread: int
    note: str = ""
    #: The room, once it has been made (rooms are made on first use).
    room_id: int | None = None

    def is_open(self, now: datetime) -> bool:
        return (self.opens_at is None or self.opens_at <= now) and (
            self.closes_at is None or now < self.closes_at
        )


def _policies(organisation_ids: set[int]) -> dict[int, RoomPolicy]:
    found = {
        p.organisation_id: p
        for p in RoomPolicy.objects.filter(organisation_id__in=organisation_ids)
    }
    return {oid: found.get(oid) or RoomPolicy(organisation_id=oid) for oid in organisation_ids}


def _unread(user: Any, rooms: list[Room]) -> dict[int, int]:
    """Messages from others after the person's read position, per room."""
    if not rooms:
        return {}
    read_up_to = RoomMember.objects.filter(room_id=OuterRef("room_id"), user=user).values(
        "last_read_seq"
    )[:1]
    rows = (
        Message.objects.filter(room__in=rooms, kind="text")
        .exclude(author=user)
        .annotate(mark=Coalesce(Subquery(read_up_to), 0))
        .filter(seq__gt=F("mark"))
        .values("room_id")
        .annotate(n=Count("pk"))
        .values_list("room_id", "n")
    )
    return dict(rows)


def rooms_for(user: Any, *, now: datetime | None = None) -> list[RoomEntry]:
    """The rooms a person can enter now or soon, most pressing first."""
    now = now or timezone.now()
    entries: list[RoomEntry] = []
    moderated_orgs = set(organisations_where(user, MODERATING_ROLES))
    volunteer_orgs = set(organisations_where(user, {Role.VOLUNTEER}))

    group_ids = set(
        Enrolment.objects.filter(user=user, status=EnrolmentStatus.ACTIVE).values_list(
            "group_id", flat=True
        )
    ) | set(Facilitation.objects.filter(user=user).values_list("group_id", flat=True))
    groups = list(
        Group.objects.filter(
            Q(pk__in=group_ids) | Q(organisation_id__in=moderated_orgs),
            is_active=True,
            delivery__in=[Delivery.ONLINE, Delivery.HYBRID],
        ).order_by("name")
    )
    policies = _policies({g.organisation_id for g in groups} | moderated_orgs | volunteer_orgs)
    by_id = {g.pk: g for g in groups}
    next_sessions: dict[int, Session] = {}
    for session in Session.objects.filter(
        group__in=groups,
        status=SessionStatus.SCHEDULED,
        ends_at__gte=now - timedelta(minutes=240),
        starts_at__lte=now + timedelta(days=7),
    ).order_by("starts_at"):
        policy = policies[by_id[session.group_id].organisation_id]
        closes = session.ends_at + timedelta(minutes=policy.close_minutes_after)
        if closes > now and session.group_id not in next_sessions:
            next_sessions[session.group_id] = session
    standing = {
        room.group_id: room
        for room in Room.objects.filter(kind=RoomKind.STANDING, group__in=groups)
    }
    session_rooms = {
        room.session_id: room
        for room in Room.objects.filter(session__in=list(next_sessions.values()))
    }
    pairings = list(
        Pairing.objects.filter(ended_at__isnull=True)
        .filter(Q(participant=user) | Q(volunteer=user))
        .select_related("participant", "volunteer", "room")
    )
    supporters = list(
        Room.objects.filter(
            kind=RoomKind.SUPPORTERS, organisation_id__in=volunteer_orgs | moderated_orgs
        ).select_related("organisation")
    )
    known_rooms = list(session_rooms.values()) + list(standing.values()) + supporters
    known_rooms += [p.room for p in pairings if hasattr(p, "room")]
    unread = _unread(user, known_rooms)

    for group in groups:
        policy = policies[group.organisation_id]
        session = next_sessions.get(group.pk)
        if session is not None:
            room = session_rooms.get(session.pk)
            entries.append(
                RoomEntry(
                    title=f"{group.name}: session {session.number}",
                    kind=RoomKind.SESSION,
                    url_name="rooms:session",
                    url_arg=session.pk,
                    opens_at=session.starts_at - timedelta(minutes=policy.open_minutes_before),
                    closes_at=session.ends_at + timedelta(minutes=policy.close_minutes_after),
                    unread=unread.get(room.pk, 0) if room else 0,
                    room_id=room.pk if room else None,
                )
            )
        if policy.standing_group_rooms:
            room = standing.get(group.pk)
            entries.append(
                RoomEntry(
                    title=f"{group.name}: between sessions",
                    kind=RoomKind.STANDING,
                    url_name="rooms:standing",
                    url_arg=group.pk,
                    opens_at=None,
                    closes_at=None,
                    unread=unread.get(room.pk, 0) if room else 0,
                    room_id=room.pk if room else None,
                )
            )
    for pairing in pairings:
        other = pairing.volunteer if pairing.participant_id == user.pk else pairing.participant
        room = getattr(pairing, "room", None)
        if room is None:
            continue
        entries.append(
            RoomEntry(
                title=f"One-to-one with {other.pseudonym}",
                kind=RoomKind.PAIRING,
                url_name="rooms:room",
                url_arg=room.pk,
                opens_at=None,
                closes_at=None,
                unread=unread.get(room.pk, 0),
                room_id=room.pk,
            )
        )
    for org_id in sorted(volunteer_orgs | moderated_orgs):
        room = next((r for r in supporters if r.organisation_id == org_id), None)
        entries.append(
            RoomEntry(
                title="Supporters' room",
                kind=RoomKind.SUPPORTERS,
                url_name="rooms:supporters",
                url_arg=org_id,
                opens_at=None,
                closes_at=None,
                unread=unread.get(room.pk, 0) if room else 0,
                room_id=room.pk if room else None,
            )
        )
    entries.sort(key=lambda e: (not e.is_open(now), e.opens_at or now))
    return entries


def pairings_for_organisation(organisation_id: int) -> list[Pairing]:
    return list(
        Pairing.objects.filter(organisation_id=organisation_id)
        .select_related("participant", "volunteer", "room")
        .order_by("ended_at", "-started_at")
    )


# --- the back office -----------------------------------------------------------


def policy_for_organisation(organisation_id: int) -> RoomPolicy:
    """The organisation's room policy, or the defaults while none is saved."""
    return RoomPolicy.objects.filter(organisation_id=organisation_id).first() or RoomPolicy(
        organisation_id=organisation_id
    )


def pairing_choices(organisation_id: int) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(participants, volunteers) of the organisation as (user id, pseudonym),
    for pairing by hand (1 query)."""
    rows = (
        Membership.objects.filter(
            organisation_id=organisation_id,
            role__in=[Role.PARTICIPANT, Role.VOLUNTEER],
            user__is_active=True,
        )
        .order_by("user__pseudonym", "user_id")
        .values_list("role", "user_id", "user__pseudonym")
    )
    participants: list[tuple[int, str]] = []
    volunteers: list[tuple[int, str]] = []
    for role, user_id, pseudonym in rows:
        (participants if role == Role.PARTICIPANT else volunteers).append((user_id, pseudonym))
    return participants, volunteers


def open_reports_for_organisation(organisation_id: int) -> list[MessageReport]:
    """Open reports on messages in any of the organisation's rooms, oldest first,
    with the message, its author, the reporter and the room loaded (1 query)."""
    return list(
        MessageReport.objects.filter(
            message__room__organisation_id=organisation_id, status=ReportStatus.OPEN
        )
        .select_related(
            "reporter",
            "message__author",
            "message__room__group",
            "message__room__session",
            "message__room__pairing__participant",
            "message__room__pairing__volunteer",
        )
        .order_by("created_at", "pk")
    )


def open_report_counts(organisation_ids: list[int]) -> dict[int, int]:
    """How many open reports each organisation has (1 query)."""
    rows = (
        MessageReport.objects.filter(
            message__room__organisation_id__in=organisation_ids, status=ReportStatus.OPEN
        )
        .values("message__room__organisation_id")
        .annotate(n=Count("pk"))
        .values_list("message__room__organisation_id", "n")
    )
    return dict(rows)
