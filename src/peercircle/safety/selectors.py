"""Safeguarding reads and access checks: the queue, an alert with its context,
false alarms per rule, who may raise a concern about whom. See docs/safety.md.

Only safeguarding leads and administrators see alerts. Every check raises
``NotFound`` for "not there" and "not yours" alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from peercircle.core.access import NotFound, has_role, organisations_where
from peercircle.core.models import Membership
from peercircle.core.roles import Role
from peercircle.programmes.models import Enrolment, EnrolmentStatus, Facilitation
from peercircle.safety.models import (
    LEVEL_RANK,
    Alert,
    AlertRule,
    Notice,
    Outcome,
    State,
)
from peercircle.safety.services import ALERT_ROLES, CONCERN_ROLES

CONTEXT_MESSAGES = 5


def access_alert(user: Any, alert_id: Any) -> Alert:
    """The alert, if ``user`` is a safeguarding lead or administrator of its
    organisation."""
    try:
        alert_id = int(alert_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    alert = (
        Alert.objects.select_related("person", "raised_by", "assigned_to", "organisation")
        .filter(pk=alert_id)
        .first()
    )
    if alert is None or not has_role(user, alert.organisation_id, ALERT_ROLES):
        raise NotFound()
    return alert


@dataclass(frozen=True)
class QueueRow:
    alert: Alert
    seconds_left: int  # negative when overdue (only until acknowledged)

    @property
    def overdue(self) -> bool:
        return not self.alert.acknowledged and self.seconds_left < 0


def queue(organisation_id: int, *, now: datetime | None = None) -> list[QueueRow]:
    """Alerts not yet closed, most urgent first: level, then time left."""
    now = now or timezone.now()
    alerts = list(
        Alert.objects.filter(organisation_id=organisation_id)
        .exclude(state=State.CLOSED)
        .select_related("person", "assigned_to")
        .defer("excerpt")
    )
    rows = [QueueRow(a, int((a.due_at - now).total_seconds())) for a in alerts]
    rows.sort(
        key=lambda r: (
            r.alert.acknowledged,
            -LEVEL_RANK[r.alert.level],
            r.seconds_left,
            r.alert.pk,
        )
    )
    return rows


def recently_closed(organisation_id: int, limit: int = 20) -> list[Alert]:
    return list(
        Alert.objects.filter(organisation_id=organisation_id, state=State.CLOSED)
        .select_related("person")
        .defer("excerpt")
        .order_by("-closed_at")[:limit]
    )


def open_counts(organisation_ids: list[int]) -> dict[int, int]:
    rows = (
        Alert.objects.filter(organisation_id__in=organisation_ids)
        .exclude(state=State.CLOSED)
        .values("organisation_id")
        .annotate(n=Count("id"))
    )
    return {row["organisation_id"]: row["n"] for row in rows}


def alert_context(alert: Alert) -> dict[str, Any]:
    """What the alert page shows beside the alert: the messages around it, the
    person's earlier alerts and questionnaire alerts, and the alert's history."""
    from peercircle.rooms.models import Message, MessageKind

    around: list[Message] = []
    if alert.message_id is not None and alert.room_id is not None:
        seq = Message.objects.filter(pk=alert.message_id).values_list("seq", flat=True).first()
        if seq is not None:
            around = list(
                Message.objects.filter(
                    room_id=alert.room_id,
                    kind=MessageKind.TEXT,
                    seq__gte=seq - CONTEXT_MESSAGES,
                    seq__lte=seq + CONTEXT_MESSAGES,
                )
                .select_related("author")
                .order_by("seq")
            )
    earlier = list(
        Alert.objects.filter(person_id=alert.person_id, organisation_id=alert.organisation_id)
        .exclude(pk=alert.pk)
        .defer("excerpt")
        .order_by("-created_at")[:20]
    )
    return {
        "around": around,
        "earlier": earlier,
        "scores": [a for a in earlier if a.source == "questionnaire"],
        "events": list(alert.events.select_related("actor")),
    }


@dataclass(frozen=True)
class RuleFigures:
    rule: str
    alerts: int
    closed: int
    false_alarms: int

    @property
    def false_alarm_rate(self) -> float | None:
        return self.false_alarms / self.closed if self.closed else None


def false_alarms_by_rule(organisation_id: int) -> list[RuleFigures]:
    """For each rule that has raised alerts: how many, how many closed, and
    how many of those were closed as false alarms; worst first."""
    rows = (
        AlertRule.objects.filter(organisation_id=organisation_id)
        .values("rule")
        .annotate(
            alerts=Count("alert_id"),
            closed=Count("alert_id", filter=Q(alert__state=State.CLOSED)),
            false_alarms=Count("alert_id", filter=Q(alert__outcome=Outcome.FALSE_ALARM)),
        )
    )
    figures = [RuleFigures(r["rule"], r["alerts"], r["closed"], r["false_alarms"]) for r in rows]
    figures.sort(key=lambda f: (-(f.false_alarm_rate or 0.0), -f.false_alarms, f.rule))
    return figures


def notices_for(person: Any, limit: int = 50) -> list[Notice]:
    return list(Notice.objects.filter(person=person).select_related("alert")[:limit])


def unread_notice_count(person: Any) -> int:
    return Notice.objects.filter(person=person, read_at__isnull=True).count()


def alert_organisations(user: Any) -> list[int]:
    return organisations_where(user, ALERT_ROLES)


def may_raise_concern(user: Any, organisation_id: int, person: Any) -> bool:
    """Staff of the organisation may raise a concern about anyone in it; a
    volunteer about the people they support (a pairing, a group they
    facilitate)."""
    from peercircle.rooms.models import Pairing

    if not has_role(user, organisation_id, CONCERN_ROLES):
        return False
    if person is None or person.pk == user.pk:
        return False
    in_organisation = (
        Membership.objects.filter(organisation_id=organisation_id, user=person).exists()
        or Enrolment.objects.filter(user=person, group__organisation_id=organisation_id).exists()
    )
    if not in_organisation:
        return False
    if has_role(user, organisation_id, {Role.COORDINATOR, Role.SAFEGUARDING_LEAD, Role.ADMIN}):
        return True
    paired = Pairing.objects.filter(
        organisation_id=organisation_id, volunteer=user, participant=person, ended_at__isnull=True
    ).exists()
    if paired:
        return True
    groups = Facilitation.objects.filter(user=user, group__organisation_id=organisation_id).values(
        "group_id"
    )
    return Enrolment.objects.filter(
        user=person,
        group_id__in=groups,
        status=EnrolmentStatus.ACTIVE,
    ).exists()
