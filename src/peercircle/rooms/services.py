"""Writes for rooms: posting, moderation, read positions, presence, pairings.

Every function takes a ``Seat`` (from ``rooms.access.room_seat``, checked just
before) or an actor, runs in one transaction, audits what a person changed, and
raises ``RoomError`` with a code and a plain message before it writes anything.
Broadcasts go out on commit. See docs/rooms.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Q
from django.utils import timezone

from peercircle.core.audit import audit_record
from peercircle.core.models import Membership, Organisation
from peercircle.core.roles import Role
from peercircle.programmes.models import Delivery, Group, Session
from peercircle.rooms.access import MODERATING_ROLES, Prepared, Seat
from peercircle.rooms.events import (
    broadcast_held_on_commit,
    broadcast_on_commit,
    kick_on_commit,
    message_payload,
    moderators_group,
    report_notice,
    room_group,
)
from peercircle.rooms.models import (
    PRESENCE_STALE_SECONDS,
    Message,
    MessageKind,
    MessageReport,
    Pairing,
    Presence,
    ReportStatus,
    Room,
    RoomKind,
    RoomMember,
    RoomPolicy,
)
from peercircle.rooms.screening import screen_message


class RoomError(Exception):
    """An action refused, with a code for the client and words for the person."""

    def __init__(self, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra


def _limits() -> tuple[int, int, int]:
    return (
        getattr(settings, "ROOMS_MAX_MESSAGE_CHARS", 2000),
        getattr(settings, "ROOMS_RATE_MESSAGES", 8),
        getattr(settings, "ROOMS_RATE_SECONDS", 10),
    )


# --- rooms --------------------------------------------------------------------


def room_for_session(*, session: Session) -> Room:
    """The live room of an online or hybrid group's session (made on first use)."""
    group = session.group
    if group.delivery not in (Delivery.ONLINE, Delivery.HYBRID):
        raise RoomError("not_found", "Sessions that meet in person have no online room.")
    room = Room.objects.filter(session=session).first()
    if room is not None:
        return room
    try:
        with transaction.atomic():
            return Room.objects.create(
                organisation_id=group.organisation_id,
                kind=RoomKind.SESSION,
                group=group,
                session=session,
            )
    except IntegrityError:
        return Room.objects.get(session=session)


def room_standing(*, group: Group) -> Room:
    room, _ = Room.objects.get_or_create(
        kind=RoomKind.STANDING, group=group, defaults={"organisation_id": group.organisation_id}
    )
    return room


def room_supporters(*, organisation: Organisation | int) -> Room:
    organisation_id = organisation if isinstance(organisation, int) else organisation.pk
    room, _ = Room.objects.get_or_create(kind=RoomKind.SUPPORTERS, organisation_id=organisation_id)
    return room


def room_policy_update(*, actor: Any, organisation: Organisation, **fields: Any) -> RoomPolicy:
    allowed = {"open_minutes_before", "close_minutes_after", "standing_group_rooms"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"Unknown room policy fields: {sorted(unknown)}")
    errors: dict[str, list[str]] = {}
    for name in ("open_minutes_before", "close_minutes_after"):
        if name in fields and not 0 <= int(fields[name]) <= 240:
            errors[name] = ["Choose between 0 and 240 minutes."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        policy, _ = RoomPolicy.objects.select_for_update().get_or_create(organisation=organisation)
        for name, value in fields.items():
            setattr(policy, name, value)
        policy.save()
        audit_record(
            actor=actor,
            action="rooms.policy_update",
            obj=policy,
            organisation=organisation,
            detail={k: v for k, v in fields.items()},
        )
    return policy


# --- pairings -----------------------------------------------------------------


def pairing_create(
    *, actor: Any, organisation: Organisation, participant_id: int, volunteer_id: int
) -> Pairing:
    """Pair a participant with a volunteer by hand; opens their conversation."""
    errors: dict[str, list[str]] = {}
    roles = {
        (user_id, role)
        for user_id, role in Membership.objects.filter(
            organisation=organisation, user_id__in=[participant_id, volunteer_id]
        ).values_list("user_id", "role")
    }
    if (participant_id, Role.PARTICIPANT) not in roles:
        errors["participant"] = ["Choose a participant of this organisation."]
    if (volunteer_id, Role.VOLUNTEER) not in roles:
        errors["volunteer"] = ["Choose a volunteer peer supporter of this organisation."]
    if participant_id == volunteer_id:
        errors["volunteer"] = ["A person cannot be paired with themselves."]
    if not errors:
        # Only active volunteers with a current check and training take
        # one-to-one pairings (docs/volunteers.md).
        from peercircle.accounts.models import User
        from peercircle.volunteers.gate import may_support

        verdict = may_support(User.objects.get(pk=volunteer_id), organisation, "one_to_one")
        if not verdict.allowed:
            errors["volunteer"] = [verdict.message]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            pairing = Pairing.objects.create(
                organisation=organisation,
                participant_id=participant_id,
                volunteer_id=volunteer_id,
                created_by=actor,
            )
            Room.objects.create(organisation=organisation, kind=RoomKind.PAIRING, pairing=pairing)
            audit_record(
                actor=actor,
                action="pairing.create",
                obj=pairing,
                organisation=organisation,
                detail={"participant": participant_id, "volunteer": volunteer_id},
            )
    except IntegrityError:
        raise ValidationError({"volunteer": ["These two people are already paired."]}) from None
    return pairing


def pairing_end(*, actor: Any, pairing: Pairing, reason: str) -> Pairing:
    if not reason.strip():
        raise ValidationError({"reason": ["Say briefly why; it stays in the record."]})
    with transaction.atomic():
        pairing = Pairing.objects.select_for_update().get(pk=pairing.pk)
        if pairing.ended_at is not None:
            raise ValidationError({"reason": ["This pairing has already ended."]})
        pairing.ended_at = timezone.now()
        pairing.ended_reason = reason.strip()[:240]
        pairing.save(update_fields=["ended_at", "ended_reason"])
        audit_record(
            actor=actor,
            action="pairing.end",
            obj=pairing,
            organisation=pairing.organisation_id,
            detail={"reason": pairing.ended_reason},
        )
        room = Room.objects.filter(pairing=pairing).first()
        if room is not None:
            for user_id in (pairing.participant_id, pairing.volunteer_id):
                kick_on_commit(room.pk, user_id, "This one-to-one support has ended.")
    return pairing


# --- membership of a room -------------------------------------------------------


def member_enter(*, seat: Seat, user: Any) -> RoomMember:
    """The person's row in the room, made the first time they enter. A
    coordinator or safeguarding lead opening a one-to-one conversation that is
    not theirs is a read of a sensitive record: audited every time."""
    if seat.overseer:
        audit_record(
            actor=user,
            action="read.conversation",
            obj=seat.room,
            organisation=seat.room.organisation_id,
        )
    if seat.member_id is not None:
        return RoomMember.objects.get(pk=seat.member_id)
    member, _ = RoomMember.objects.get_or_create(room_id=seat.room.pk, user_id=seat.user_id)
    return member


def read_position(*, seat: Seat, seq: Any) -> int:
    """Move the person's read position forward (never back, never past the end)."""
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise RoomError("bad_frame", "seq must be a whole number.")
    seq = min(seq, seat.room.last_seq)
    if seat.member_id is not None:
        RoomMember.objects.filter(pk=seat.member_id, last_read_seq__lt=seq).update(
            last_read_seq=seq
        )
    return seq


# --- posting ------------------------------------------------------------------


# The two reads every message makes, compiled once (see access.Prepared).
_REPEAT = Prepared(
    Message,
    lambda room, author, client_id: Message.objects.filter(
        room_id=room, author_id=author, client_id=client_id
    ).values_list("pk"),
    room=9_007_199_254_740_881,
    author=9_007_199_254_740_997,
    client_id="~client-id-mark~",
)
_LATEST: dict[int, Prepared] = {}


def _latest_sent(author_id: int, count: int) -> list[datetime]:
    """When the author's latest ``count`` messages were sent, newest first."""
    prepared = _LATEST.get(count)
    if prepared is None:
        prepared = _LATEST[count] = Prepared(
            Message,
            lambda author: (
                Message.objects.filter(author_id=author, kind=MessageKind.TEXT)
                .order_by("-sent_at")
                .values_list("sent_at")[:count]
            ),
            author=9_007_199_254_740_881,
        )
    return [row[0] for row in prepared.rows(author=author_id)]


@dataclass(frozen=True)
class Posted:
    message: Message
    created: bool
    payload: dict[str, Any]
    #: What the writer is shown at once when screening found risk (a
    #: ``support`` frame with the organisation's crisis resources), else None.
    support: dict[str, Any] | None = None


def _next_seq(room_id: int) -> int:
    """Bump the room's ``last_seq`` and return it, in one statement. The UPDATE
    holds the row lock until commit, as SELECT ... FOR UPDATE did; a waiting
    writer then reads the committed value (PostgreSQL re-checks the row, SQLite
    has one writer)."""
    connection = connections[router.db_for_write(Room)]
    if not connection.features.can_return_columns_from_insert:  # pragma: no cover
        room = Room.objects.select_for_update().only("pk", "last_seq").get(pk=room_id)
        Room.objects.filter(pk=room_id).update(last_seq=room.last_seq + 1)
        return room.last_seq + 1
    quote = connection.ops.quote_name
    table, column, pk = (
        quote(Room._meta.db_table),
        quote(Room._meta.get_field("last_seq").column),
        quote(Room._meta.pk.column),
    )
    # Only names from the model go into the text; the room id is a parameter.
    sql = f"UPDATE {table} SET {column} = {column} + 1 WHERE {pk} = %s RETURNING {column}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [room_id])
        row = cursor.fetchone()
    if row is None:
        raise Room.DoesNotExist()
    return int(row[0])


def _append(room_id: int, **fields: Any) -> Message:
    """Append a row to the room's log under a lock on the room: seq is dense and
    in commit order. Call inside a transaction."""
    return Message.objects.create(room_id=room_id, seq=_next_seq(room_id), **fields)


def message_send(*, seat: Seat, author: Any, body: Any, client_id: Any = "") -> Posted:
    """Store, screen and (on commit) broadcast a message. A repeated
    ``client_id`` returns the stored message instead of storing it twice."""
    max_chars, rate_messages, rate_seconds = _limits()
    if not isinstance(body, str):
        raise RoomError("bad_frame", "A message must be text.")
    if not isinstance(client_id, str) or len(client_id) > 64:
        raise RoomError("bad_frame", "client_id must be text of at most 64 characters.")
    text = body.replace("\r\n", "\n").strip()
    if not text:
        raise RoomError("empty", "Write something before sending.")
    if len(text) > max_chars:
        raise RoomError(
            "too_long",
            f"Messages can be up to {max_chars:,} characters; this one has {len(text):,}. "
            "Your text is still in the box: shorten it or send it in parts.",
        )
    if seat.member_id is None:
        raise RoomError("not_allowed", "Enter the room before sending.")
    if client_id:
        stored = _REPEAT.rows(room=seat.room.pk, author=seat.user_id, client_id=client_id)
        if stored:
            existing = Message.objects.get(pk=stored[0][0])
            return Posted(existing, False, message_payload(existing, author_name=author.pseudonym))
    now = timezone.now()
    if seat.muted(now):
        raise RoomError(
            "muted",
            "A facilitator has paused your messages for a while. You can still read.",
            until=seat.muted_until.isoformat() if seat.muted_until else None,
        )
    if seat.room.locked and not seat.moderator:
        raise RoomError("locked", "The conversation is paused: only facilitators can write now.")
    # At the limit while the rate_messages-th latest message is inside the
    # window; sending is open again once it leaves it.
    latest = _latest_sent(seat.user_id, rate_messages)
    if len(latest) >= rate_messages and latest[-1] >= now - timedelta(seconds=rate_seconds):
        window_ends = latest[-1] + timedelta(seconds=rate_seconds)
        retry = max(1, int((window_ends - now).total_seconds()) + 1)
        raise RoomError(
            "rate_limited",
            f"You're sending messages very quickly. Please wait {retry} seconds; "
            "your text is still in the box.",
            retry_after=retry,
        )

    from peercircle.safety.services import room_message_screened, should_hold

    room = seat.room
    outcome = screen_message(text, language=room.organisation.default_language)
    hold = not outcome.failed and should_hold(room.organisation_id, outcome.result)
    try:
        with transaction.atomic():
            message = _append(
                room.pk,
                kind=MessageKind.TEXT,
                member_id=seat.member_id,
                author_id=seat.user_id,
                body=text,
                client_id=client_id,
                screening_level=outcome.level,
                screening_categories=outcome.categories,
                screening_failed=outcome.failed,
                held=hold,
            )
            message.author = author
            if hold:
                broadcast_held_on_commit(message, author_name=author.pseudonym)
            else:
                broadcast_on_commit(
                    room_group(room.pk),
                    message_payload(message, author_name=author.pseudonym),
                    seq=message.seq,
                )
            payload = message_payload(
                message, author_name=author.pseudonym, viewer_member=seat.member_id
            )
            support = room_message_screened(message=message, room=room, outcome=outcome)
    except IntegrityError:
        # The same client_id raced in on another connection: that one was stored.
        existing = Message.objects.get(
            room_id=seat.room.pk, author_id=seat.user_id, client_id=client_id
        )
        return Posted(existing, False, message_payload(existing, author_name=author.pseudonym))
    frame = support.frame(room.organisation_id, message.pk) if support else None
    return Posted(message, True, payload, frame)


# --- moderation ---------------------------------------------------------------


def _require_moderator(seat: Seat) -> None:
    if not seat.moderator:
        raise RoomError("not_allowed", "Only facilitators and coordinators can do that.")


def _message_in_room(seat: Seat, message_id: Any) -> Message:
    try:
        message_id = int(message_id)
    except (TypeError, ValueError):
        raise RoomError("not_found", "There is no such message in this room.") from None
    message = Message.objects.filter(
        pk=message_id, room_id=seat.room.pk, kind=MessageKind.TEXT
    ).first()
    if message is None:
        raise RoomError("not_found", "There is no such message in this room.")
    return message


def _member_in_room(seat: Seat, member_id: Any) -> RoomMember:
    try:
        member_id = int(member_id)
    except (TypeError, ValueError):
        raise RoomError("not_found", "There is no such member in this room.") from None
    member = RoomMember.objects.filter(pk=member_id, room_id=seat.room.pk).first()
    if member is None:
        raise RoomError("not_found", "There is no such member in this room.")
    return member


def message_hide(*, seat: Seat, actor: Any, message_id: Any, reason: str = "") -> Message:
    _require_moderator(seat)
    with transaction.atomic():
        message = _message_in_room(seat, message_id)
        message = Message.objects.select_for_update().get(pk=message.pk)
        if message.hidden_at is not None:
            # Hidden already (a report can arrive just after): hiding answers it too.
            answered = MessageReport.objects.filter(
                message=message, status=ReportStatus.OPEN
            ).update(
                status=ReportStatus.HIDDEN, resolved_at=timezone.now(), resolved_by_id=seat.user_id
            )
            if answered:
                audit_record(
                    actor=actor,
                    action="room.report_resolve",
                    obj=message,
                    organisation=seat.room.organisation_id,
                    detail={"room": seat.room.pk, "reports": answered},
                )
            return message
        message.hidden_at = timezone.now()
        message.hidden_by_id = seat.user_id
        message.save(update_fields=["hidden_at", "hidden_by"])
        event = _append(
            seat.room.pk, kind=MessageKind.HIDDEN, author_id=seat.user_id, target=message
        )
        MessageReport.objects.filter(message=message, status=ReportStatus.OPEN).update(
            status=ReportStatus.HIDDEN, resolved_at=timezone.now(), resolved_by_id=seat.user_id
        )
        audit_record(
            actor=actor,
            action="room.message_hide",
            obj=message,
            organisation=seat.room.organisation_id,
            detail={"room": seat.room.pk, "reason": str(reason)[:240]},
        )
        broadcast_on_commit(
            room_group(seat.room.pk), message_payload(event, author_name=""), seq=event.seq
        )
    return message


def message_release(*, seat: Seat, actor: Any, message_id: Any) -> Message:
    """Show a held message to the room: it keeps its place in the log, and a
    notice tells everyone's page to put it there."""
    _require_moderator(seat)
    with transaction.atomic():
        message = _message_in_room(seat, message_id)
        message = (
            Message.objects.select_for_update(of=("self",))
            .select_related("author")
            .get(pk=message.pk)
        )
        if not message.held:
            return message
        message.held = False
        message.save(update_fields=["held"])
        event = _append(
            seat.room.pk, kind=MessageKind.RELEASED, author_id=seat.user_id, target=message
        )
        audit_record(
            actor=actor,
            action="room.message_release",
            obj=message,
            organisation=seat.room.organisation_id,
            detail={"room": seat.room.pk},
        )
        notice = message_payload(event, author_name="")
        notice["message"] = message_payload(
            message, author_name=message.author.pseudonym if message.author else ""
        )
        broadcast_on_commit(room_group(seat.room.pk), notice, seq=event.seq)
        from peercircle.safety.services import on_message_released

        on_message_released(message=message, actor=actor)
    return message


def message_report(*, seat: Seat, actor: Any, message_id: Any, reason: Any) -> MessageReport:
    if not isinstance(reason, str) or not reason.strip():
        raise RoomError("empty", "Say in a few words what worries you about this message.")
    with transaction.atomic():
        message = _message_in_room(seat, message_id)
        report, created = MessageReport.objects.get_or_create(
            message=message, reporter_id=seat.user_id, defaults={"reason": reason.strip()[:500]}
        )
        if created:
            audit_record(
                actor=actor,
                action="room.message_report",
                obj=report,
                organisation=seat.room.organisation_id,
                detail={"room": seat.room.pk, "message": message.pk},
            )
            broadcast_on_commit(
                moderators_group(seat.room.pk),
                report_notice(
                    message.pk, report.pk, message.author.pseudonym if message.author_id else None
                ),
            )
    return report


def report_dismiss(*, seat: Seat, actor: Any, report_id: Any) -> None:
    _require_moderator(seat)
    with transaction.atomic():
        updated = MessageReport.objects.filter(
            pk=report_id, message__room_id=seat.room.pk, status=ReportStatus.OPEN
        ).update(
            status=ReportStatus.DISMISSED, resolved_at=timezone.now(), resolved_by_id=seat.user_id
        )
        if not updated:
            raise RoomError("not_found", "There is no open report like that in this room.")
        audit_record(
            actor=actor,
            action="room.report_dismiss",
            organisation=seat.room.organisation_id,
            detail={"room": seat.room.pk, "report": int(report_id)},
        )


def member_mute(*, seat: Seat, actor: Any, member_id: Any, minutes: Any) -> RoomMember:
    _require_moderator(seat)
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        raise RoomError("bad_frame", "Say for how many minutes (1 to 1440).") from None
    if not 1 <= minutes <= 1440:
        raise RoomError("bad_frame", "Say for how many minutes (1 to 1440).")
    with transaction.atomic():
        member = _member_in_room(seat, member_id)
        if member.user_id == seat.user_id:
            raise RoomError("not_allowed", "You cannot mute yourself.")
        member.muted_until = timezone.now() + timedelta(minutes=minutes)
        member.save(update_fields=["muted_until"])
        audit_record(
            actor=actor,
            action="room.member_mute",
            obj=member,
            organisation=seat.room.organisation_id,
            detail={"room": seat.room.pk, "minutes": minutes},
        )
    return member


def member_unmute(*, seat: Seat, actor: Any, member_id: Any) -> RoomMember:
    _require_moderator(seat)
    with transaction.atomic():
        member = _member_in_room(seat, member_id)
        member.muted_until = None
        member.save(update_fields=["muted_until"])
        audit_record(
            actor=actor,
            action="room.member_unmute",
            obj=member,
            organisation=seat.room.organisation_id,
            detail={"room": seat.room.pk},
        )
    return member


def member_remove(*, seat: Seat, actor: Any, member_id: Any, reason: Any) -> RoomMember:
    _require_moderator(seat)
    if not isinstance(reason, str) or not reason.strip():
        raise RoomError("empty", "Say briefly why; it stays in the record.")
    with transaction.atomic():
        member = _member_in_room(seat, member_id)
        if member.user_id == seat.user_id:
            raise RoomError("not_allowed", "You cannot remove yourself.")
        if Membership.objects.filter(
            user_id=member.user_id,
            organisation_id=seat.room.organisation_id,
            role__in=[role.value for role in MODERATING_ROLES],
        ).exists():
            raise RoomError("not_allowed", "Coordinators and safeguarding leads cannot be removed.")
        member.removed_at = timezone.now()
        member.removed_reason = reason.strip()[:240]
        member.save(update_fields=["removed_at", "removed_reason"])
        Presence.objects.filter(member=member).delete()
        audit_record(
            actor=actor,
            action="room.member_remove",
            obj=member,
            organisation=seat.room.organisation_id,
            detail={"room": seat.room.pk, "reason": member.removed_reason},
        )
        kick_on_commit(
            seat.room.pk, member.user_id, "A facilitator has removed you from this room."
        )
        broadcast_on_commit(room_group(seat.room.pk), {"type": "presence", "left": member.pk})
    return member


def member_readmit(*, seat: Seat, actor: Any, member_id: Any) -> RoomMember:
    _require_moderator(seat)
    with transaction.atomic():
        member = _member_in_room(seat, member_id)
        member.removed_at = None
        member.removed_reason = ""
        member.save(update_fields=["removed_at", "removed_reason"])
        audit_record(
            actor=actor,
            action="room.member_readmit",
            obj=member,
            organisation=seat.room.organisation_id,
            detail={"room": seat.room.pk},
        )
    return member


def room_lock(*, seat: Seat, actor: Any, locked: bool) -> Room:
    _require_moderator(seat)
    with transaction.atomic():
        room = Room.objects.select_for_update().get(pk=seat.room.pk)
        if room.locked == locked:
            return room
        room.locked = locked
        room.save(update_fields=["locked"])
        event = _append(
            room.pk,
            kind=MessageKind.LOCKED if locked else MessageKind.UNLOCKED,
            author_id=seat.user_id,
        )
        audit_record(
            actor=actor,
            action="room.lock" if locked else "room.unlock",
            obj=room,
            organisation=room.organisation_id,
        )
        broadcast_on_commit(
            room_group(room.pk), message_payload(event, author_name=""), seq=event.seq
        )
    return room


# --- presence -----------------------------------------------------------------


def presence_enter(*, seat: Seat, member: RoomMember, channel_name: str, name: str) -> None:
    """Record one open connection; tell the room when the person was not here yet."""
    now = timezone.now()
    with transaction.atomic():
        already = Presence.objects.filter(
            member=member, seen_at__gte=now - timedelta(seconds=PRESENCE_STALE_SECONDS)
        ).exists()
        Presence.objects.update_or_create(
            channel_name=channel_name,
            defaults={"room_id": seat.room.pk, "member": member, "seen_at": now},
        )
        if not already:
            broadcast_on_commit(
                room_group(seat.room.pk),
                {"type": "presence", "joined": {"member": member.pk, "name": name}},
            )


def presence_leave(*, room_id: int, member_id: int, channel_name: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        Presence.objects.filter(channel_name=channel_name).delete()
        still_here = Presence.objects.filter(
            member_id=member_id, seen_at__gte=now - timedelta(seconds=PRESENCE_STALE_SECONDS)
        ).exists()
        if not still_here:
            broadcast_on_commit(room_group(room_id), {"type": "presence", "left": member_id})


def presence_touch(*, channel_name: str) -> None:
    Presence.objects.filter(channel_name=channel_name).update(seen_at=timezone.now())


def presence_sweep(*, now: datetime | None = None) -> int:
    """Forget connections not seen for a while (a server process that died)."""
    now = now or timezone.now()
    deleted, _ = Presence.objects.filter(
        seen_at__lt=now - timedelta(seconds=PRESENCE_STALE_SECONDS)
    ).delete()
    return deleted


def on_enrolment_ended(*, enrolment: Any, **_: Any) -> None:
    """A person who left or was removed from a group is disconnected from the
    group's rooms that are open around now (on commit)."""
    now = timezone.now()
    rooms = Room.objects.filter(group_id=enrolment.group_id).filter(
        Q(kind=RoomKind.STANDING)
        | Q(
            session__starts_at__lte=now + timedelta(hours=6),
            session__ends_at__gte=now - timedelta(hours=6),
        )
    )
    for room_id in rooms.values_list("pk", flat=True):
        kick_on_commit(room_id, enrolment.user_id, "You are no longer a member of this group.")
