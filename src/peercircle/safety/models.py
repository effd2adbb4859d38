"""Safeguarding alerts, their history, the organisation's time limits and the
duty rota. See docs/safety.md.

An alert is about one person and comes from one source: a room message the
screening engine flagged (or could not screen), a questionnaire risk item, or a
concern a volunteer or facilitator raised by hand. It moves open ->
acknowledged -> action taken -> closed; every step is an ``AlertEvent`` with who
and a note. Notes and excerpts are safeguarding notes: encrypted at rest.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from peercircle.core.crypto import EncryptedTextField
from peercircle.core.models import Organisation

#: Alert levels in order (the screening engine's levels from "moderate" up).
ALERT_LEVELS = ("moderate", "high", "imminent")


class Level(models.TextChoices):
    MODERATE = "moderate", "Moderate"
    HIGH = "high", "High"
    IMMINENT = "imminent", "Imminent"


LEVEL_RANK = {"moderate": 1, "high": 2, "imminent": 3}


class Source(models.TextChoices):
    MESSAGE = "message", "Message in a room"
    SCREENING_FAILED = "screening_failed", "Screening failed on a message"
    QUESTIONNAIRE = "questionnaire", "Questionnaire risk item"
    CONCERN = "concern", "Concern raised by hand"


class State(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ACTION_TAKEN = "action_taken", "Action taken"
    CLOSED = "closed", "Closed"


class Outcome(models.TextChoices):
    CONTACTED = "contacted", "Contacted the person"
    EMERGENCY_SERVICES = "emergency_services", "Called emergency services"
    SIGNPOSTED = "signposted", "Signposted to other help"
    REFERRED = "referred", "Referred to a professional service"
    SAFEGUARDING_REFERRAL = "safeguarding_referral", "Made a statutory safeguarding referral"
    NO_CONTACT = "no_contact", "Could not reach the person"
    ALREADY_SUPPORTED = "already_supported", "Already supported elsewhere"
    FALSE_ALARM = "false_alarm", "False alarm: no risk"


class Alert(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=20, choices=Source.choices)
    level = models.CharField(max_length=10, choices=Level.choices)
    categories = models.JSONField(default=list, blank=True)
    #: The person the alert is about (the writer, the respondent, or the
    #: person a concern is about). Kept if their account is erased: the record
    #: is one that safeguarding law asks us to keep.
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="safety_alerts"
    )
    #: True when the words are about someone else ("my friend says ..."): a
    #: concern to pass on rather than the writer's own risk.
    about_someone_else = models.BooleanField(default=False)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who raised a concern by hand; empty when the system raised it",
    )
    #: What fired: [{"rule", "category", "level", "start", "end", "text"}].
    evidence = models.JSONField(default=list, blank=True)
    #: The words the alert is about (a message, a concern's note), encrypted.
    excerpt = EncryptedTextField(blank=True)
    #: Where it came from: a room message, a questionnaire, a session.
    message = models.ForeignKey(
        "rooms.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    room = models.ForeignKey(
        "rooms.Room", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    session = models.ForeignKey(
        "programmes.Session", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    #: Source details: the instrument, item and answer; the engine's version.
    detail = models.JSONField(default=dict, blank=True)
    #: Whether the message was held back from the room for a facilitator.
    message_held = models.BooleanField(default=False)

    state = models.CharField(max_length=14, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField()
    #: When it must be acknowledged by; moves on at each escalation.
    due_at = models.DateTimeField()
    #: How many times it has been escalated (0: with the first person on duty).
    escalations = models.PositiveSmallIntegerField(default=0)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=24, choices=Outcome.choices, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "state", "due_at"], name="alert_queue"),
            models.Index(fields=["state", "due_at"], name="alert_due"),
            models.Index(fields=["person", "created_at"], name="alert_person"),
        ]

    def __str__(self) -> str:
        return f"Alert {self.pk} ({self.level}, {self.state})"

    @property
    def is_open(self) -> bool:
        return self.state != State.CLOSED

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None


class AlertRule(models.Model):
    """One screening rule that fired for an alert: false alarms are counted per rule."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="rules")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    rule = models.CharField(max_length=120)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alert", "rule"], name="alert_rule_once")]
        indexes = [models.Index(fields=["organisation", "rule"], name="alert_rule_org")]

    def __str__(self) -> str:
        return self.rule


class EventKind(models.TextChoices):
    RAISED = "raised", "Raised"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ACTION_TAKEN = "action_taken", "Action taken"
    NOTE = "note", "Note"
    ESCALATED = "escalated", "Escalated"
    CLOSED = "closed", "Closed"
    MESSAGE_RELEASED = "message_released", "Held message shown to the room"
    MESSAGE_KEPT = "message_kept", "Held message kept from the room"


class AlertEvent(models.Model):
    """A step in an alert's life: who did what, when, with a note."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for steps the system took (raising, escalating)",
    )
    note = EncryptedTextField(blank=True)
    outcome = models.CharField(max_length=24, choices=Outcome.choices, blank=True)
    #: For escalations: who was told.
    notified = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"


class SafetyPolicy(models.Model):
    """An organisation's safeguarding choices (defaults apply until saved)."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="safety_policy"
    )
    imminent_minutes = models.PositiveIntegerField(
        default=5, help_text="Minutes to acknowledge an imminent alert before it escalates"
    )
    high_minutes = models.PositiveIntegerField(
        default=30, help_text="Minutes to acknowledge a high alert before it escalates"
    )
    moderate_minutes = models.PositiveIntegerField(
        default=24 * 60, help_text="Minutes to acknowledge a moderate alert before it escalates"
    )
    hold_high_risk_messages = models.BooleanField(
        default=False,
        help_text=(
            "Hold room messages screened as high or imminent risk for a facilitator "
            "instead of showing them to the room at once. The writer always sees "
            "their message, marked as held, with why."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "safety policies"

    def __str__(self) -> str:
        return f"Safety policy of {self.organisation_id}"

    def minutes_for(self, level: str) -> int:
        return {
            "imminent": self.imminent_minutes,
            "high": self.high_minutes,
        }.get(level, self.moderate_minutes)


class DutyShift(models.Model):
    """A safeguarding lead on duty for a stretch of time.

    At any moment the rota is the shifts that cover it, in ``position`` order:
    the first is the lead on duty, the next the first to escalate to.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="duty_shifts"
    )
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    position = models.PositiveSmallIntegerField(
        default=0, help_text="0 is first on duty; higher numbers are backups, in order"
    )

    class Meta:
        ordering = ["starts_at", "position", "id"]
        indexes = [models.Index(fields=["organisation", "ends_at"], name="duty_current")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="duty_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"Duty {self.starts_at:%Y-%m-%d %H:%M} to {self.ends_at:%Y-%m-%d %H:%M}"


class Notice(models.Model):
    """A message to one member of staff about an alert (it was raised, it is
    overdue). Coordinators get overdue notices without the alert's details."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="safety_notices"
    )
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="notices")
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["person", "read_at"], name="notice_unread")]

    def __str__(self) -> str:
        return self.text
