"""Safeguarding writes: raising alerts (from room messages, questionnaires and
concerns raised by hand), acknowledging, acting, closing, escalating when a
time limit passes, the policy and the duty rota. See docs/safety.md.

Every change is one transaction with its ``AlertEvent`` and an audit record;
live notifications go out on commit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from peercircle.core.access import has_role
from peercircle.core.audit import audit_record
from peercircle.core.context_processors import crisis_resources_for
from peercircle.core.models import Membership
from peercircle.core.roles import Role
from peercircle.safety.events import notify_on_commit
from peercircle.safety.models import (
    LEVEL_RANK,
    Alert,
    AlertEvent,
    AlertRule,
    DutyShift,
    EventKind,
    Level,
    Notice,
    Outcome,
    SafetyPolicy,
    Source,
    State,
)

logger = logging.getLogger(__name__)

#: Roles that see and handle alerts.
ALERT_ROLES = frozenset({Role.SAFEGUARDING_LEAD, Role.ADMIN})
#: Roles that may raise a concern by hand.
CONCERN_ROLES = frozenset({Role.VOLUNTEER, Role.COORDINATOR, Role.SAFEGUARDING_LEAD, Role.ADMIN})
CATEGORY_WORDS = {
    "suicide": "suicide",
    "self_harm": "self-harm",
    "harm_to_others": "harm to others",
    "abuse": "abuse",
    "medical_emergency": "a medical emergency",
}
NOTE_LIMIT = 4000

#: Questionnaire risk items: (instrument, 1-based item) -> categories and the
#: alert level for each score above the item's lowest (MEASURES.md).
QUESTIONNAIRE_RISK: dict[tuple[str, int], tuple[tuple[str, ...], dict[int, str]]] = {
    # "Thoughts that you would be better off dead, or of hurting yourself"
    ("phq9", 9): (("self_harm", "suicide"), {1: "moderate", 2: "high", 3: "high"}),
    # "The thought of harming myself has occurred to me"
    ("epds", 10): (("self_harm", "suicide"), {1: "moderate", 2: "high", 3: "high"}),
    # "I made plans to end my life": any plan is high
    ("core10", 6): (("suicide",), {1: "high", 2: "high", 3: "high", 4: "imminent"}),
}


class SafetyError(Exception):
    """A safeguarding step that cannot be done; ``message`` says why in plain words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _clean_note(note: Any, *, required: bool = False, what: str = "a note") -> str:
    text = note.strip() if isinstance(note, str) else ""
    if required and not text:
        raise SafetyError(f"Write {what} first: what you did or decided, in a few words.")
    if len(text) > NOTE_LIMIT:
        raise SafetyError(
            f"Notes can be up to {NOTE_LIMIT:,} characters; this one has {len(text):,}."
        )
    return text


# --- policy and rota ------------------------------------------------------------


def policy_for(organisation_id: int) -> SafetyPolicy:
    """The organisation's policy, or the defaults (unsaved) until one is saved."""
    policy = SafetyPolicy.objects.filter(organisation_id=organisation_id).first()
    return policy or SafetyPolicy(organisation_id=organisation_id)


def policy_update(*, actor: Any, organisation_id: int, **fields: Any) -> SafetyPolicy:
    with transaction.atomic():
        policy, _ = SafetyPolicy.objects.select_for_update().get_or_create(
            organisation_id=organisation_id
        )
        before = {name: getattr(policy, name) for name in fields}
        for name, value in fields.items():
            setattr(policy, name, value)
        policy.full_clean()
        policy.save()
        audit_record(
            actor=actor,
            action="safety.policy_update",
            obj=policy,
            organisation=organisation_id,
            detail={"before": before, "after": fields},
        )
    return policy


def alert_staff_ids(organisation_id: int) -> list[int]:
    """Safeguarding leads and administrators of the organisation, by id."""
    return sorted(
        set(
            Membership.objects.filter(
                organisation_id=organisation_id, role__in=ALERT_ROLES
            ).values_list("user_id", flat=True)
        )
    )


def rota_at(organisation_id: int, at: datetime) -> list[int]:
    """Who to tell, in order, at ``at``: the leads whose shifts cover it (by
    position), then every other safeguarding lead, then administrators."""
    on_shift = list(
        DutyShift.objects.filter(organisation_id=organisation_id, starts_at__lte=at, ends_at__gt=at)
        .order_by("position", "starts_at", "id")
        .values_list("person_id", flat=True)
    )
    leads = Membership.objects.filter(organisation_id=organisation_id)
    rest = list(
        leads.filter(role=Role.SAFEGUARDING_LEAD)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    ) + list(leads.filter(role=Role.ADMIN).order_by("user_id").values_list("user_id", flat=True))
    allowed = set(alert_staff_ids(organisation_id))
    order: list[int] = []
    for person in [*on_shift, *rest]:
        if person in allowed and person not in order:
            order.append(person)
    return order


def shift_add(
    *,
    actor: Any,
    organisation_id: int,
    person: Any,
    starts_at: datetime,
    ends_at: datetime,
    position: int = 0,
) -> DutyShift:
    if person.pk not in alert_staff_ids(organisation_id):
        raise SafetyError("Only safeguarding leads and administrators can be on the duty rota.")
    if ends_at <= starts_at:
        raise SafetyError("A shift must end after it starts.")
    with transaction.atomic():
        shift = DutyShift.objects.create(
            organisation_id=organisation_id,
            person=person,
            starts_at=starts_at,
            ends_at=ends_at,
            position=position,
        )
        audit_record(
            actor=actor,
            action="safety.shift_add",
            obj=shift,
            organisation=organisation_id,
            detail={"person": person.pk, "position": position},
        )
    return shift


def shift_remove(*, actor: Any, shift: DutyShift) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="safety.shift_remove",
            obj=shift,
            organisation=shift.organisation_id,
            detail={"person": shift.person_id},
        )
        shift.delete()


# --- raising ---------------------------------------------------------------------


def _deadline(organisation_id: int, level: str, now: datetime) -> datetime:
    return now + timedelta(minutes=policy_for(organisation_id).minutes_for(level))


def _level_words(level: str) -> str:
    return {"imminent": "An imminent", "high": "A high", "moderate": "A moderate"}[level]


def raise_alert(
    *,
    organisation_id: int,
    source: str,
    level: str,
    person: Any,
    categories: Iterable[str] = (),
    evidence: Sequence[dict[str, Any]] = (),
    excerpt: str = "",
    raised_by: Any = None,
    about_someone_else: bool = False,
    message: Any = None,
    room: Any = None,
    session: Any = None,
    detail: dict[str, Any] | None = None,
    message_held: bool = False,
    now: datetime | None = None,
) -> Alert:
    """Open an alert, give it to the first person on the rota, count its rules,
    and tell the organisation's safeguarding staff live (on commit)."""
    if level not in LEVEL_RANK:
        raise SafetyError("An alert's level is moderate, high or imminent.")
    now = now or timezone.now()
    with transaction.atomic():
        rota = rota_at(organisation_id, now)
        alert = Alert.objects.create(
            organisation_id=organisation_id,
            source=source,
            level=level,
            categories=sorted(set(categories)),
            person=person,
            about_someone_else=about_someone_else,
            raised_by=raised_by,
            evidence=list(evidence),
            excerpt=excerpt[:NOTE_LIMIT],
            message=message,
            room=room,
            session=session,
            detail=detail or {},
            message_held=message_held,
            created_at=now,
            due_at=_deadline(organisation_id, level, now),
            assigned_to_id=rota[0] if rota else None,
        )
        rules = sorted({str(item.get("rule")) for item in evidence if item.get("rule")})
        AlertRule.objects.bulk_create(
            [AlertRule(alert=alert, organisation_id=organisation_id, rule=rule) for rule in rules]
        )
        AlertEvent.objects.create(
            alert=alert, kind=EventKind.RAISED, at=now, actor=raised_by, notified=rota[:1]
        )
        if rota:
            notice = Notice.objects.create(
                organisation_id=organisation_id,
                person_id=rota[0],
                alert=alert,
                text=f"{_level_words(level)} safeguarding alert needs you: "
                f"acknowledge it within {policy_for(organisation_id).minutes_for(level)} minutes.",
                created_at=now,
            )
            _email_on_commit([notice])
        audit_record(
            actor=raised_by,
            action="safety.alert_raise",
            obj=alert,
            organisation=organisation_id,
            detail={"source": source, "level": level, "rules": rules},
        )
        notify_on_commit(alert)
        if level in ("high", "imminent"):
            _offer_debriefs(alert)
    return alert


def _offer_debriefs(alert: Alert) -> None:
    """Volunteers who were part of a high or imminent alert (facilitating its
    room or group, supporting the person one to one, raising the concern) are
    offered a debrief (docs/volunteers.md). That must never stop an alert being
    raised: a failure is logged, and the volunteers' daily task offers it later."""
    try:
        from peercircle.volunteers.services import debriefs_offer_for_alert

        with transaction.atomic():
            debriefs_offer_for_alert(alert=alert)
    except Exception:
        logger.exception("Could not offer debriefs for alert %s", alert.pk)


def _evidence(result: Any) -> list[dict[str, Any]]:
    items = []
    for item in getattr(result, "evidence", ()) or ():
        items.append(
            {
                "rule": str(getattr(item, "rule", "")),
                "category": getattr(item, "category", None),
                "level": str(getattr(item, "level", "")),
                "start": int(getattr(item, "start", 0)),
                "end": int(getattr(item, "end", 0)),
                "text": str(getattr(item, "text", ""))[:200],
            }
        )
    return items


@dataclass(frozen=True)
class Support:
    """What the writer of a screened message is shown at once."""

    level: str
    about_someone_else: bool
    held: bool
    alert: Alert | None

    def frame(self, organisation_id: int, message_id: int) -> dict[str, Any]:
        if self.about_someone_else:
            text = (
                "It sounds like you are worried about someone. Thank you for saying so. "
                "If they are in danger now, call the emergency services. These services "
                "can also help you help them:"
            )
        else:
            text = (
                "Thank you for sharing this. It sounds like things are really hard right "
                "now, and you don't have to face them alone. If you are in danger now, "
                "call the emergency services. You can also talk to someone at any of "
                "these, any time:"
            )
        if self.alert is not None:
            text += (
                " We have also let a trained member of our team know, so that someone "
                "can check in with you."
            )
        resources = [
            {
                "name": item["name"],
                "description": item.get("description", ""),
                "phone": item.get("phone", ""),
                "tel": item.get("tel_href", ""),
                "text_number": item.get("text_number", ""),
                "url": item.get("url", ""),
                "hours": item.get("hours", ""),
            }
            for item in crisis_resources_for(organisation_id)
        ]
        return {
            "type": "support",
            "id": message_id,
            "message": text,
            "held": self.held,
            "resources": resources,
        }


def screening_prompts(level: str) -> bool:
    """Whether a screening level shows the writer the support prompt."""
    return level in LEVEL_RANK


def should_hold(organisation_id: int, result: Any) -> bool:
    """Whether the policy holds this screened message back for a facilitator."""
    return (
        getattr(result, "level", "") in ("high", "imminent")
        and getattr(result, "about", "self") != "someone_else"
        and policy_for(organisation_id).hold_high_risk_messages
    )


def room_message_screened(*, message: Any, room: Any, outcome: Any) -> Support | None:
    """Act on a stored room message's screening outcome (inside its transaction):
    an alert for high and imminent risk or a failed screening, notice to the
    room's facilitators, and the support prompt for the writer."""
    from peercircle.rooms.events import broadcast_on_commit, moderators_group

    organisation_id = room.organisation_id
    if outcome.failed:
        alert = raise_alert(
            organisation_id=organisation_id,
            source=Source.SCREENING_FAILED,
            level=Level.HIGH,
            person=message.author,
            excerpt=message.body,
            message=message,
            room=room,
            session=room.session if room.session_id else None,
            detail={"why": "The screening engine raised an error on this message."},
        )
        return None
    result = outcome.result
    level = outcome.level
    if not screening_prompts(level):
        return None
    about_other = getattr(result, "about", "self") == "someone_else"
    alert = None
    if level in ("high", "imminent"):
        alert = raise_alert(
            organisation_id=organisation_id,
            source=Source.MESSAGE,
            level=level,
            categories=outcome.categories,
            person=message.author,
            evidence=_evidence(result),
            excerpt=message.body,
            about_someone_else=about_other,
            message=message,
            room=room,
            session=room.session if room.session_id else None,
            detail={"engine": getattr(result, "to_dict", dict)().get("engine", "")},
            message_held=message.held,
        )
        who = message.author.pseudonym if message.author else "Someone"
        broadcast_on_commit(
            moderators_group(room.pk),
            {
                "type": "alert",
                "id": message.pk,
                "level": level,
                "held": message.held,
                "message": (
                    f"{who}'s message may mean "
                    + ("someone they know is" if about_other else "they are")
                    + " at risk. The safeguarding lead on duty has been told. "
                    + (
                        "It is held back from the room: you can read it and show it. "
                        if message.held
                        else ""
                    )
                    + "A kind word from you can help; you don't need to handle this alone."
                ),
            },
        )
    return Support(level=level, about_someone_else=about_other, held=message.held, alert=alert)


def alert_from_questionnaire(
    *,
    organisation_id: int,
    person: Any,
    instrument: str,
    answers: Sequence[int | None],
    session: Any = None,
    detail: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Alert | None:
    """Raise an alert when a risk item was answered above its lowest option
    (PHQ-9 item 9, EPDS item 10, CORE-10 item 6). None when none was."""
    from peercircle.measures import instruments

    spec = instruments.get(instrument)
    level = ""
    categories: set[str] = set()
    fired: list[dict[str, Any]] = []
    for item in spec.risk_items:
        index = item - 1
        answer = answers[index] if index < len(answers) else None
        if answer is None:
            continue
        scores = spec.item_scores(item)
        score = scores[answer]
        above = score - min(scores)
        if above <= 0:
            continue
        cats, levels = QUESTIONNAIRE_RISK.get((instrument, item), (("suicide",), {}))
        item_level = levels.get(above, "high")
        if not level or LEVEL_RANK[item_level] > LEVEL_RANK[level]:
            level = item_level
        categories.update(cats)
        fired.append(
            {
                "rule": f"questionnaire.{instrument}.item{item}",
                "category": cats[0],
                "level": item_level,
                "start": 0,
                "end": 0,
                "text": f"item {item} scored {score}",
            }
        )
    if not level:
        return None
    return raise_alert(
        organisation_id=organisation_id,
        source=Source.QUESTIONNAIRE,
        level=level,
        categories=categories,
        person=person,
        evidence=fired,
        session=session,
        detail={"instrument": instrument, **(detail or {})},
        now=now,
    )


def concern_raise(
    *,
    actor: Any,
    organisation_id: int,
    person: Any,
    level: str,
    categories: Iterable[str],
    note: Any,
    message: Any = None,
    room: Any = None,
    session: Any = None,
) -> Alert:
    """A volunteer, facilitator or coordinator raises a concern by hand. The
    caller has checked that ``actor`` supports ``person`` (docs/safety.md)."""
    text = _clean_note(note, required=True, what="what worries you")
    cats = sorted(set(categories))
    unknown = set(cats) - set(CATEGORY_WORDS)
    if unknown:
        raise SafetyError("Choose what the concern is about from the list.")
    if level not in LEVEL_RANK:
        raise SafetyError("Choose how urgent it is: moderate, high or imminent.")
    return raise_alert(
        organisation_id=organisation_id,
        source=Source.CONCERN,
        level=level,
        categories=cats,
        person=person,
        excerpt=text,
        raised_by=actor,
        message=message,
        room=room,
        session=session,
    )


# --- handling --------------------------------------------------------------------


def _locked(alert: Alert) -> Alert:
    return Alert.objects.select_for_update().get(pk=alert.pk)


def _step(alert: Alert, *, actor: Any, kind: str, note: str = "", outcome: str = "") -> None:
    now = timezone.now()
    AlertEvent.objects.create(
        alert=alert, kind=kind, at=now, actor=actor, note=note, outcome=outcome
    )
    audit_record(
        actor=actor,
        action=f"safety.alert_{kind}",
        obj=alert,
        organisation=alert.organisation_id,
        detail={"state": alert.state, **({"outcome": outcome} if outcome else {})},
    )
    notify_on_commit(alert)


def alert_acknowledge(*, alert: Alert, actor: Any, note: Any = "") -> Alert:
    text = _clean_note(note)
    with transaction.atomic():
        alert = _locked(alert)
        if alert.state == State.CLOSED:
            raise SafetyError("This alert is closed already.")
        if alert.acknowledged_at is not None:
            raise SafetyError("This alert was acknowledged already.")
        alert.state = State.ACKNOWLEDGED
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = actor
        alert.assigned_to = actor
        alert.save(update_fields=["state", "acknowledged_at", "acknowledged_by", "assigned_to"])
        _step(alert, actor=actor, kind=EventKind.ACKNOWLEDGED, note=text)
    return alert


def alert_action(*, alert: Alert, actor: Any, note: Any) -> Alert:
    """Record an action taken (a call made, a referral sent). Acknowledges too."""
    text = _clean_note(note, required=True, what="the action you took")
    with transaction.atomic():
        alert = _locked(alert)
        if alert.state == State.CLOSED:
            raise SafetyError("This alert is closed already.")
        if alert.acknowledged_at is None:
            alert.acknowledged_at = timezone.now()
            alert.acknowledged_by = actor
            alert.assigned_to = actor
        alert.state = State.ACTION_TAKEN
        alert.save(update_fields=["state", "acknowledged_at", "acknowledged_by", "assigned_to"])
        _step(alert, actor=actor, kind=EventKind.ACTION_TAKEN, note=text)
    return alert


def alert_note(*, alert: Alert, actor: Any, note: Any) -> Alert:
    text = _clean_note(note, required=True)
    with transaction.atomic():
        alert = _locked(alert)
        _step(alert, actor=actor, kind=EventKind.NOTE, note=text)
    return alert


def alert_close(*, alert: Alert, actor: Any, outcome: Any, note: Any) -> Alert:
    if outcome not in Outcome.values:
        raise SafetyError("Choose an outcome from the list before closing.")
    text = _clean_note(note, required=True, what="why you are closing it")
    with transaction.atomic():
        alert = _locked(alert)
        if alert.state == State.CLOSED:
            raise SafetyError("This alert is closed already.")
        now = timezone.now()
        if alert.acknowledged_at is None:
            alert.acknowledged_at = now
            alert.acknowledged_by = actor
        alert.state = State.CLOSED
        alert.closed_at = now
        alert.outcome = outcome
        alert.save(
            update_fields=["state", "closed_at", "outcome", "acknowledged_at", "acknowledged_by"]
        )
        _step(alert, actor=actor, kind=EventKind.CLOSED, note=text, outcome=outcome)
    return alert


def escalate_due(now: datetime | None = None, *, limit: int = 200) -> int:
    """Escalate every open alert whose time to acknowledge has passed: to the
    next person on the rota and to the organisation's coordinators, with a new
    time limit. Safe to run at once in several workers (rows are locked)."""
    now = now or timezone.now()
    done = 0
    with transaction.atomic():
        due = list(
            Alert.objects.select_for_update(skip_locked=True)
            .filter(state=State.OPEN, acknowledged_at__isnull=True, due_at__lte=now)
            .order_by("due_at")[:limit]
        )
        for alert in due:
            _escalate(alert, now)
            done += 1
    return done


def _escalate(alert: Alert, now: datetime) -> None:
    rota = rota_at(alert.organisation_id, now)
    alert.escalations += 1
    overdue_minutes = policy_for(alert.organisation_id).minutes_for(alert.level)
    if rota:
        current = alert.assigned_to_id
        after = rota.index(current) + 1 if current in rota else alert.escalations
        alert.assigned_to_id = rota[after % len(rota)]
    alert.due_at = now + timedelta(minutes=overdue_minutes)
    alert.save(update_fields=["escalations", "assigned_to", "due_at"])
    coordinators = sorted(
        set(
            Membership.objects.filter(
                organisation_id=alert.organisation_id, role=Role.COORDINATOR
            ).values_list("user_id", flat=True)
        )
    )
    told = [alert.assigned_to_id] if alert.assigned_to_id else []
    level = _level_words(alert.level)
    notices = []
    if alert.assigned_to_id:
        notices.append(
            Notice(
                organisation_id=alert.organisation_id,
                person_id=alert.assigned_to_id,
                alert=alert,
                text=f"{level} safeguarding alert has not been acknowledged in time and "
                "is now yours: please pick it up now.",
                created_at=now,
            )
        )
    for person in coordinators:
        if person in told:
            continue
        told.append(person)
        # Coordinators are told that it waits, not what it says.
        notices.append(
            Notice(
                organisation_id=alert.organisation_id,
                person_id=person,
                alert=alert,
                text=f"{level} safeguarding alert is waiting to be acknowledged "
                f"(escalated {alert.escalations} time{'s' if alert.escalations != 1 else ''}). "
                "Please make sure a safeguarding lead picks it up now.",
                created_at=now,
            )
        )
    Notice.objects.bulk_create(notices)
    _email_on_commit(notices)
    AlertEvent.objects.create(alert=alert, kind=EventKind.ESCALATED, at=now, notified=told)
    audit_record(
        actor=None,
        action="safety.alert_escalate",
        obj=alert,
        organisation=alert.organisation_id,
        detail={"escalations": alert.escalations, "notified": told},
    )
    notify_on_commit(alert)


def _email_on_commit(notices: Sequence[Notice]) -> None:
    """Email these notices once the transaction commits (a background task): a
    lead away from the queue page still hears at once. The email carries the
    notice's words and a link, never what the alert is about."""
    ids = [notice.pk for notice in notices if notice.pk is not None]
    if not ids:
        return
    from peercircle.safety.tasks import safety_notify

    transaction.on_commit(lambda: safety_notify.enqueue(notice_ids=ids))


def notices_email(notice_ids: Iterable[int]) -> int:
    """Send each unread notice to its person's email address; the number sent."""
    from django.conf import settings
    from django.core.mail import send_mail
    from django.urls import reverse

    sent = 0
    for notice in Notice.objects.filter(
        pk__in=list(notice_ids), read_at__isnull=True
    ).select_related("person", "alert"):
        address = notice.person.email
        if not address:
            continue
        sees_alert = has_role(notice.person, notice.organisation_id, ALERT_ROLES)
        path = (
            reverse("safety:alert", args=[notice.alert_id])
            if sees_alert
            else reverse("safety:notices")
        )
        send_mail(
            subject=(
                f"Safeguarding: {notice.alert.get_level_display().lower()} alert "
                + ("needs you" if sees_alert else "waiting")
            ),
            message=(
                f"Hello {notice.person.pseudonym},\n\n{notice.text}\n\n"
                f"Sign in to PeerCircle to see it: {settings.SITE_URL.rstrip('/')}{path}\n\n"
                "For privacy this email says nothing about who or what the alert is about.\n"
            ),
            from_email=None,
            recipient_list=[address],
        )
        sent += 1
    return sent


def notices_read(*, person: Any, ids: Iterable[int] | None = None) -> int:
    queryset = Notice.objects.filter(person=person, read_at__isnull=True)
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    return queryset.update(read_at=timezone.now())


def on_message_released(*, message: Any, actor: Any) -> None:
    """A held message was shown to the room: its alerts say so (called by
    ``rooms.services.message_release`` inside its transaction)."""
    for alert in Alert.objects.select_for_update().filter(message=message, message_held=True):
        alert.message_held = False
        alert.save(update_fields=["message_held"])
        _step(alert, actor=actor, kind=EventKind.MESSAGE_RELEASED)


def held_message_decide(*, alert: Alert, actor: Any, show: bool, seat: Any) -> Alert:
    """Show a held message to the room, or keep it from the room (it stays
    stored and visible to its writer and facilitators)."""
    from peercircle.rooms.services import message_release

    if not alert.message_held or alert.message_id is None:
        raise SafetyError("There is no held message on this alert.")
    with transaction.atomic():
        if show:
            message_release(seat=seat, actor=actor, message_id=alert.message_id)
        else:
            _step(_locked(alert), actor=actor, kind=EventKind.MESSAGE_KEPT)
    alert.refresh_from_db()
    return alert
