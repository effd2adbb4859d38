"""Questionnaires in use: an organisation's item texts, each programme's
schedule of time points, what is due for whom, responses, and the mechanism
check-in. Scoring rules live in the pure ``peercircle.measures``.
See docs/questionnaires.md.

A **schedule point** says: this instrument, at this time point ("Week 5"),
counted from when a person joins a group of the programme or from when the
course ends, open for so many days. A daily task turns schedule points into
**assignments** (one questionnaire due for one person at one time point), marks
those whose window passed as missed, and sends reminders. A **response** is the
person's answers to one assignment, saved as they go and scored when they
submit, with the instrument's version and the group and facilitators of that
moment (outcomes cluster by group and facilitator).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from peercircle.core.models import Organisation

#: Whole-instrument versions: the scoring rules in peercircle.measures (bump it
#: when a rule changes, so that old and new responses can be told apart).
SCORING_VERSION = "1"


class InstrumentText(models.Model):
    """Item texts an organisation has loaded for an instrument: the licensed
    ones (WEMWBS, SWEMWBS, EPDS) and any whose text is not shipped. Never
    served by the API."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    instrument = models.CharField(max_length=20)
    version = models.CharField(max_length=80, help_text="Which edition and licence, in a few words")
    instructions = models.TextField(blank=True)
    items = models.JSONField(help_text="One text per item, in order")
    options = models.JSONField(help_text="For each item, the label of each option in printed order")
    copyright_notice = models.TextField(blank=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "instrument"], name="instrument_text_one_per_org"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument} texts for {self.organisation_id}"


class Anchor(models.TextChoices):
    JOINED = "joined", "after joining"
    COURSE_END = "course_end", "after the course ends"


class SchedulePoint(models.Model):
    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.CASCADE, related_name="schedule_points"
    )
    instrument = models.CharField(max_length=20)
    label = models.CharField(max_length=60, help_text='What people see, e.g. "Week 5"')
    anchor = models.CharField(max_length=12, choices=Anchor.choices, default=Anchor.JOINED)
    offset_days = models.PositiveSmallIntegerField(default=0)
    window_days = models.PositiveSmallIntegerField(
        default=14, help_text="Days it stays open; after that it counts as missed"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["anchor", "offset_days", "instrument", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "instrument", "anchor", "offset_days"],
                condition=Q(is_active=True),
                name="schedule_point_once",
            ),
            models.CheckConstraint(
                condition=Q(anchor__in=[a.value for a in Anchor]), name="schedule_anchor_valid"
            ),
            models.CheckConstraint(
                condition=Q(window_days__gte=1), name="schedule_window_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.label}"

    @property
    def when(self) -> str:
        if self.offset_days == 0:
            return "on joining" if self.anchor == Anchor.JOINED else "when the course ends"
        days = self.offset_days
        span = (
            f"{days // 7} week{'s' if days // 7 != 1 else ''}" if days % 7 == 0 else f"{days} days"
        )
        return f"{span} {Anchor(self.anchor).label}"


class AssignmentState(models.TextChoices):
    DUE = "due", "Due"
    STARTED = "started", "Started"
    COMPLETED = "completed", "Completed"
    MISSED = "missed", "Missed"


OPEN_STATES = (AssignmentState.DUE, AssignmentState.STARTED)


class Assignment(models.Model):
    """One questionnaire due for one person at one time point."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="questionnaires_due"
    )
    point = models.ForeignKey(
        SchedulePoint, on_delete=models.SET_NULL, null=True, related_name="assignments"
    )
    enrolment = models.ForeignKey(
        "programmes.Enrolment", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    group = models.ForeignKey(
        "programmes.Group", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    instrument = models.CharField(max_length=20)
    label = models.CharField(max_length=60)
    due_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    state = models.CharField(
        max_length=10, choices=AssignmentState.choices, default=AssignmentState.DUE
    )
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["point", "enrolment"], name="assignment_once"),
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in AssignmentState]),
                name="assignment_state_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "state"]),
            models.Index(fields=["state", "closes_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.label} for {self.person_id} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class Response(models.Model):
    """A person's answers to one assignment. ``answers`` has one entry per item:
    the 0-based index of the chosen option in printed order, or None. Items in
    ``declined`` were answered "prefer not to answer"."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="questionnaire_responses"
    )
    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="response")
    instrument = models.CharField(max_length=20)
    #: The scoring rules and the item texts the person saw, e.g. "1/shipped".
    instrument_version = models.CharField(max_length=100)
    time_point = models.CharField(max_length=60)
    answers = models.JSONField(default=list)
    declined = models.JSONField(default=list)
    group = models.ForeignKey(
        "programmes.Group", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    #: The group's facilitators when the response was started (user ids).
    facilitator_ids = models.JSONField(default=list)
    started_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    total = models.FloatField(null=True, blank=True)
    metric = models.FloatField(null=True, blank=True)
    band = models.CharField(max_length=40, blank=True)
    risk = models.BooleanField(default=False)
    #: Per-item results where the instrument reports items (ONS4).
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["person", "instrument", "submitted_at"]),
            models.Index(fields=["organisation", "instrument", "submitted_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} response {self.pk}"


#: The mechanism check-in (MEASURES.md, "Beyond scores"): our own wording, not
#: a validated scale. Key, statement; answered 1 (strongly disagree) to 5.
MECHANISM_ITEMS: tuple[tuple[str, str], ...] = (
    ("understood", "I felt understood."),
    ("accepted", "I felt accepted as I am."),
    ("hope", "Other people's experiences gave me hope."),
    ("learned", "I learned something useful from someone's own experience."),
    ("comparison", "Comparing myself with others made me feel worse."),
    ("safe", "I felt safe to say what I really think."),
    ("helped", "I was able to help someone else."),
    ("connected", "I felt connected to other people."),
)
MECHANISM_OPTIONS: tuple[str, ...] = (
    "Strongly disagree",
    "Disagree",
    "Neither agree nor disagree",
    "Agree",
    "Strongly agree",
)
MECHANISM_VERSION = "1"


class MechanismCheckIn(models.Model):
    """How a group session or a one-to-one contact went for one person."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mechanism_checkins"
    )
    session = models.ForeignKey(
        "programmes.Session", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    pairing = models.ForeignKey(
        "rooms.Pairing", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    #: The day of the one-to-one contact (one check-in per pairing per day).
    contact_date = models.DateField(null=True, blank=True)
    group = models.ForeignKey(
        "programmes.Group", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    facilitator_ids = models.JSONField(default=list)
    #: key -> 1..5, only the statements answered.
    answers = models.JSONField(default=dict)
    version = models.CharField(max_length=10, default=MECHANISM_VERSION)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "session"],
                condition=Q(session__isnull=False),
                name="checkin_once_per_session",
            ),
            models.UniqueConstraint(
                fields=["person", "pairing", "contact_date"],
                condition=Q(pairing__isnull=False),
                name="checkin_once_per_contact_day",
            ),
            models.CheckConstraint(
                condition=Q(session__isnull=False) | Q(pairing__isnull=False),
                name="checkin_after_something",
            ),
        ]

    def __str__(self) -> str:
        return f"check-in {self.pk} by {self.person_id}"
