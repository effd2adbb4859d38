"""Who may be in a room, decided afresh from the source of truth.

``room_seat(user, room_id)`` answers in one query: the room with its session,
group, pairing and policy, and whether the person is enrolled, facilitates,
holds a moderating or volunteer role, and has been removed or muted. It raises
``NotFound`` both for a room that does not exist and for one the person may not
enter, and ``RoomClosed`` (only to people who may enter) outside opening times.
Consumers call it when a person connects and again before every action.
See docs/rooms.md.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connections, router
from django.db.models import Exists, OuterRef, Subquery
from django.db.models.query import get_related_populators
from django.utils import timezone

from peercircle.core.access import NotFound, has_role, id_or_not_found
from peercircle.core.models import Membership
from peercircle.core.roles import MANAGES_PROGRAMMES, Role
from peercircle.programmes.models import (
    Delivery,
    Enrolment,
    EnrolmentStatus,
    Facilitation,
    SessionStatus,
)
from peercircle.rooms.models import (
    MessageReport,
    Pairing,
    Room,
    RoomKind,
    RoomMember,
    RoomPolicy,
)

#: Roles that moderate every room of their organisation.
MODERATING_ROLES = frozenset({Role.COORDINATOR, Role.ADMIN, Role.SAFEGUARDING_LEAD})
ONLINE = (Delivery.ONLINE, Delivery.HYBRID)


class RoomClosed(Exception):
    """The person may enter this room, but not now."""

    def __init__(self, message: str, *, opens_at: datetime | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.opens_at = opens_at


@dataclass(frozen=True)
class Seat:
    """A person's place in a room at the moment it was checked."""

    room: Room
    user_id: int
    moderator: bool
    #: A moderator reading a one-to-one conversation they are not part of.
    overseer: bool
    member_id: int | None
    muted_until: datetime | None
    closes_at: datetime | None

    def muted(self, now: datetime | None = None) -> bool:
        return self.muted_until is not None and self.muted_until > (now or timezone.now())


def policy_for(room: Room) -> RoomPolicy:
    try:
        return room.organisation.room_policy
    except RoomPolicy.DoesNotExist:
        return RoomPolicy(organisation_id=room.organisation_id)


def opening_times(room: Room, policy: RoomPolicy) -> tuple[datetime | None, datetime | None]:
    """(opens_at, closes_at) of a session room; (None, None) for rooms that are
    always open while their people may be in them."""
    if room.kind != RoomKind.SESSION or room.session is None:
        return None, None
    session = room.session
    return (
        session.starts_at - timedelta(minutes=policy.open_minutes_before),
        session.ends_at + timedelta(minutes=policy.close_minutes_after),
    )


def _annotated(user_id: int):
    roles = Membership.objects.filter(organisation_id=OuterRef("organisation_id"), user_id=user_id)
    member = RoomMember.objects.filter(room_id=OuterRef("pk"), user_id=user_id)
    return Room.objects.select_related(
        "session", "group", "pairing", "organisation", "organisation__room_policy"
    ).annotate(
        is_enrolled=Exists(
            Enrolment.objects.filter(
                group_id=OuterRef("group_id"), user_id=user_id, status=EnrolmentStatus.ACTIVE
            )
        ),
        is_facilitator=Exists(
            Facilitation.objects.filter(group_id=OuterRef("group_id"), user_id=user_id)
        ),
        is_moderator_role=Exists(roles.filter(role__in=[r.value for r in MODERATING_ROLES])),
        is_volunteer_role=Exists(roles.filter(role=Role.VOLUNTEER)),
        is_in_organisation=Exists(roles),
        member_pk=Subquery(member.values("pk")[:1]),
        member_removed_at=Subquery(member.values("removed_at")[:1]),
        member_muted_until=Subquery(member.values("muted_until")[:1]),
    )


class Prepared:
    """A query built and compiled once per thread and database, then run with
    each call's values in place of its marks: distinctive ints or strings that
    ``build`` is called with once. For the queries rooms run before every
    action, where building and compiling the query costs several times what
    running it does. Rows come back as the ORM would make them (its converters,
    and for ``instance`` the model with its select_related rows and annotations).
    """

    def __init__(self, model: Any, build: Callable[..., Any], **marks: int | str) -> None:
        self.model = model
        self.build = build
        self.marks = marks
        self.local = threading.local()

    def _compile(self, using: str) -> tuple[Any, ...] | None:
        compiler = self.build(**self.marks).query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots = []
        for value in params:
            names = [n for n, m in self.marks.items() if type(value) is type(m) and value == m]
            slots.append(names[0] if names else None)
        if {name for name in slots if name} != set(self.marks):  # pragma: no cover
            return None  # a mark did not reach the parameters: build every time
        select = compiler.select[: compiler.col_count]
        converters = compiler.get_converters([column[0] for column in select])
        model = None
        if compiler.klass_info is not None:
            fields = compiler.klass_info["select_fields"]
            start, end = fields[0], fields[-1] + 1
            init_list = [column[0].target.attname for column in compiler.select[start:end]]
            populators = get_related_populators(compiler.klass_info, compiler.select, using)
            model = (start, end, init_list, populators)
        return compiler, sql, tuple(params), tuple(slots), converters, model

    def _run(self, values: dict[str, Any]) -> tuple[str, tuple[Any, ...], list[Any]] | None:
        using = router.db_for_read(self.model)
        cache = self.local.__dict__
        if using not in cache:
            cache[using] = self._compile(using)
        compiled = cache[using]
        if compiled is None:  # pragma: no cover
            return None
        compiler, sql, params, slots, converters, _ = compiled
        args = [values[slot] if slot else param for param, slot in zip(params, slots, strict=True)]
        with connections[using].cursor() as cursor:
            cursor.execute(sql, args)
            rows = cursor.fetchall()
        if converters and rows:
            rows = list(compiler.apply_converters(rows, converters))
        return using, compiled, rows

    def rows(self, **values: Any) -> list[tuple[Any, ...]]:
        """The rows of ``build(**values)``, a ``values_list`` query."""
        ran = self._run(values)
        if ran is None:  # pragma: no cover
            return list(self.build(**values))
        return [tuple(row) for row in ran[2]]

    def instance(self, **values: Any) -> Any:
        """``build(**values).first()``, for a query of one row at most."""
        ran = self._run(values)
        if ran is None:  # pragma: no cover
            return self.build(**values).first()
        using, compiled, rows = ran
        if not rows:
            return None
        compiler, *_, (start, end, init_list, populators) = compiled
        row = rows[0]
        obj = self.model.from_db(using, init_list, row[start:end])
        for populator in populators:
            populator.populate(row, obj)
        for name, position in compiler.annotation_col_map.items():
            setattr(obj, name, row[position])
        return obj


def group_room_moderator(
    *, in_organisation: bool, moderating_role: bool, facilitates: bool, enrolled: bool
) -> bool | None:
    """The rule for a group's rooms: ``None`` if the person may not be in them,
    otherwise whether they moderate there. Facilitators of the group and the
    organisation's moderating roles moderate; active members take part."""
    if not in_organisation:
        return None
    if moderating_role or facilitates:
        return True
    return False if enrolled else None


def may_enter_group_rooms(user: Any, group: Any) -> bool:
    """Whether a person could have a seat in this group's rooms, asked before
    any room row exists (so that nobody outside can cause one to be made). The
    same rule as ``room_seat``, from the same sources of truth."""
    roles = Membership.objects.filter(organisation_id=group.organisation_id, user_id=user.pk)
    moderator = group_room_moderator(
        in_organisation=roles.exists(),
        moderating_role=roles.filter(role__in=[r.value for r in MODERATING_ROLES]).exists(),
        facilitates=Facilitation.objects.filter(group_id=group.pk, user_id=user.pk).exists(),
        enrolled=Enrolment.objects.filter(
            group_id=group.pk, user_id=user.pk, status=EnrolmentStatus.ACTIVE
        ).exists(),
    )
    return moderator is not None


# The seat query: six tables and eight subqueries, before every action. No
# ORDER BY and LIMIT: the primary key gives one row at most, and without them
# PostgreSQL plans it in half the time.
_SEAT = Prepared(
    Room,
    lambda user, room: _annotated(user).filter(pk=room),
    user=9_007_199_254_740_881,
    room=9_007_199_254_740_997,
)


def room_seat(user: Any, room_id: Any, *, now: datetime | None = None) -> Seat:
    """The person's seat in the room, or NotFound / RoomClosed."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise NotFound()
    room = _SEAT.instance(user=user.pk, room=id_or_not_found(room_id))
    if room is None or not room.is_in_organisation or room.member_removed_at is not None:
        raise NotFound()
    now = now or timezone.now()
    moderator = False
    overseer = False
    policy = policy_for(room)

    if room.kind in (RoomKind.SESSION, RoomKind.STANDING):
        group = room.group
        moderator = group_room_moderator(
            in_organisation=room.is_in_organisation,
            moderating_role=room.is_moderator_role,
            facilitates=room.is_facilitator,
            enrolled=room.is_enrolled,
        )
        if moderator is None or group is None:
            raise NotFound()
        if room.kind == RoomKind.STANDING and not (
            policy.standing_group_rooms and group.delivery in ONLINE
        ):
            raise RoomClosed("This group does not have a room between sessions.")
        if not group.is_active:
            raise RoomClosed("This group has ended, so its room is closed.")
    elif room.kind == RoomKind.PAIRING:
        pairing = room.pairing
        party = pairing is not None and user.pk in (pairing.participant_id, pairing.volunteer_id)
        moderator = bool(room.is_moderator_role)
        overseer = moderator and not party
        if not (party or moderator):
            raise NotFound()
        if pairing is None or not pairing.is_active:
            raise RoomClosed("This one-to-one support has ended, so the conversation is closed.")
    elif room.kind == RoomKind.SUPPORTERS:
        moderator = bool(room.is_moderator_role)
        if not (moderator or room.is_volunteer_role):
            raise NotFound()
    else:  # pragma: no cover - the check constraint allows no other kind
        raise NotFound()

    opens_at, closes_at = opening_times(room, policy)
    if room.kind == RoomKind.SESSION:
        assert room.session is not None and opens_at is not None and closes_at is not None
        if room.session.status == SessionStatus.CANCELLED:
            raise RoomClosed("This session was cancelled, so its room is closed.")
        if now < opens_at:
            raise RoomClosed(
                "This room opens a little before the session starts.", opens_at=opens_at
            )
        if now >= closes_at:
            raise RoomClosed("This session has finished, so its room is closed.")

    return Seat(
        room=room,
        user_id=user.pk,
        moderator=moderator,
        overseer=overseer,
        member_id=room.member_pk,
        muted_until=room.member_muted_until,
        closes_at=closes_at,
    )


# --- the back office -----------------------------------------------------------


def moderator_seat(user: Any, room: Room) -> Seat:
    """A coordinator's, administrator's or safeguarding lead's seat in a room of
    their organisation, for acting on it from the back office whether or not
    the room is open now: a report may be dealt with after the session has
    ended or the pairing has closed. ``NotFound`` for anyone else."""
    if not has_role(user, room.organisation_id, MODERATING_ROLES):
        raise NotFound()
    pairing = room.pairing if room.kind == RoomKind.PAIRING else None
    party = pairing is not None and user.pk in (pairing.participant_id, pairing.volunteer_id)
    member_id = (
        RoomMember.objects.filter(room=room, user_id=user.pk).values_list("pk", flat=True).first()
    )
    return Seat(
        room=room,
        user_id=user.pk,
        moderator=True,
        overseer=room.kind == RoomKind.PAIRING and not party,
        member_id=member_id,
        muted_until=None,
        closes_at=None,
    )


def access_report_moderate(user: Any, report_id: Any) -> tuple[MessageReport, Seat]:
    """A report on a message, and the moderator's seat in its room."""
    report = (
        MessageReport.objects.select_related("message__room__pairing")
        .filter(pk=id_or_not_found(report_id))
        .first()
    )
    if report is None:
        raise NotFound()
    return report, moderator_seat(user, report.message.room)


def access_pairing_manage(user: Any, pairing_id: Any) -> Pairing:
    """A pairing, for the organisation's coordinators and administrators."""
    pairing = (
        Pairing.objects.select_related("participant", "volunteer")
        .filter(pk=id_or_not_found(pairing_id))
        .first()
    )
    if pairing is None or not has_role(user, pairing.organisation_id, MANAGES_PROGRAMMES):
        raise NotFound()
    return pairing
