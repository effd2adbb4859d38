"""Volunteer peer supporters: the pipeline, screening, training, supervision,
wellbeing, activity and the supporters' network. See docs/volunteers.md.

A person's **volunteer profile** in an organisation is their application and
their place in the pipeline: applied -> screening -> training -> active, with
paused (from any of those, back to where they were) and left (from anywhere).
Every move is a ``VolunteerEvent`` with who, when and why. Screening is
references, background checks (with an expiry) and interviews. Training is the
organisation's **modules** (seeded from the default curriculum, then edited by
coordinators, versioned, with co-production credits); a volunteer completes a
module with a reflection and a coordinator signs it off. The gate
(``volunteers.gate``) lets only active volunteers with a current check and
current training facilitate groups or take one-to-one pairings.

What a person wrote about themselves (lived experience, reflections, check-in
notes) and what staff wrote about them (interview and supervision notes,
references) are encrypted at rest.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from peercircle.core.crypto import EncryptedTextField
from peercircle.core.models import Organisation
from peercircle.volunteers import rules


class State(models.TextChoices):
    APPLIED = rules.APPLIED, "Applied"
    SCREENING = rules.SCREENING, "Screening"
    TRAINING = rules.TRAINING, "Training"
    ACTIVE = rules.ACTIVE, "Active"
    PAUSED = rules.PAUSED, "Paused"
    LEFT = rules.LEFT, "Left"


class SupportRole(models.TextChoices):
    FACILITATE = rules.FACILITATE, "Facilitate groups"
    ONE_TO_ONE = rules.ONE_TO_ONE, "One-to-one support"


#: Times a volunteer is usually free: (value, label). Days, then parts of the day.
DAYS = (
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
)
PARTS = (("morning", "morning"), ("afternoon", "afternoon"), ("evening", "evening"))
AVAILABILITY_CHOICES = tuple(
    (f"{day}_{part}", f"{day_label} {part_label}")
    for day, day_label in DAYS
    for part, part_label in PARTS
)


class VolunteerPolicy(models.Model):
    """An organisation's choices for its volunteers (defaults apply until saved)."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="volunteer_policy"
    )
    references_required = models.PositiveSmallIntegerField(
        default=2, help_text="Satisfactory references needed before training starts"
    )
    caseload_limit = models.PositiveSmallIntegerField(
        default=4,
        help_text="Groups facilitated plus people supported one to one, at once, unless a "
        "volunteer has their own limit",
    )
    supervision_weeks = models.PositiveSmallIntegerField(
        default=8, help_text="Flag a volunteer with no supervision for this many weeks"
    )
    debrief_days = models.PositiveSmallIntegerField(
        default=14,
        help_text="Flag a volunteer involved in a high or imminent safeguarding alert for this "
        "many days",
    )
    wellbeing_drop = models.PositiveSmallIntegerField(
        default=3,
        help_text="Flag when an ONS4 answer falls this many points below the volunteer's "
        "recent check-ins",
    )
    anxiety_high = models.PositiveSmallIntegerField(
        default=6, help_text="An ONS4 anxiety answer at or above this counts as high"
    )
    anxious_checkins = models.PositiveSmallIntegerField(
        default=2, help_text="Flag when anxiety is high in this many check-ins in a row"
    )
    refresher_notice_days = models.PositiveSmallIntegerField(
        default=30, help_text="Tell a volunteer this many days before a refresher is due"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "volunteer policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(anxiety_high__lte=10), name="volunteer_policy_anxiety_scale"
            ),
            models.CheckConstraint(
                condition=Q(wellbeing_drop__gte=1, wellbeing_drop__lte=10),
                name="volunteer_policy_drop_scale",
            ),
        ]

    def __str__(self) -> str:
        return f"Volunteer policy of {self.organisation_id}"


class VolunteerProfile(models.Model):
    """A person's application to volunteer with an organisation and their place
    in the pipeline. One per person and organisation; someone who left and
    comes back applies again on the same profile, so their history stays whole."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="volunteer_profiles"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="volunteer_profiles"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.APPLIED)
    #: While paused: the state to return to on resuming.
    paused_from = models.CharField(max_length=10, choices=State.choices, blank=True)
    lived_experience = EncryptedTextField(
        help_text="The lived experience they are willing to share, in their own words"
    )
    about = EncryptedTextField(blank=True, help_text="Anything else they want us to know")
    languages = models.JSONField(default=list, help_text="Languages they can support people in")
    availability = models.JSONField(default=list, help_text="Times they are usually free")
    roles_wanted = models.JSONField(default=list, help_text="What they would like to do")
    caseload_limit = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Their own limit; empty means the organisation's"
    )
    applied_at = models.DateTimeField()
    state_changed_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "person"], name="volunteer_profile_once"
            ),
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in State]), name="volunteer_state_valid"
            ),
            models.CheckConstraint(
                condition=(Q(state="paused") & Q(paused_from__in=list(rules.PAUSABLE)))
                | (~Q(state="paused") & Q(paused_from="")),
                name="volunteer_paused_from_only_when_paused",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "state"], name="volunteer_by_state")]

    def __str__(self) -> str:
        return f"Volunteer {self.person_id} @ {self.organisation_id} ({self.state})"


class EventKind(models.TextChoices):
    APPLIED = "applied", "Applied"
    REAPPLIED = "reapplied", "Applied again"
    MOVED = "moved", "Moved on"
    PAUSED = "paused", "Paused"
    RESUMED = "resumed", "Resumed"
    LEFT = "left", "Left"


class VolunteerEvent(models.Model):
    """One move in the pipeline: who, when, why. Never changed afterwards."""

    profile = models.ForeignKey(VolunteerProfile, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=EventKind.choices)
    from_state = models.CharField(max_length=10, choices=State.choices, blank=True)
    to_state = models.CharField(max_length=10, choices=State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    #: Why, in the actor's words; empty when a volunteer paused themselves.
    reason = EncryptedTextField(blank=True)
    #: What went with the move (groups handed over, pairings ended).
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state or '-'} -> {self.to_state} at {self.at:%Y-%m-%d %H:%M}"


# --- screening -------------------------------------------------------------------


class ReferenceStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    SATISFACTORY = "satisfactory", "Received: satisfactory"
    CONCERNS = "concerns", "Received: raises concerns"


class Reference(models.Model):
    profile = models.ForeignKey(
        VolunteerProfile, on_delete=models.CASCADE, related_name="references"
    )
    referee_name = EncryptedTextField()
    relationship = models.CharField(max_length=120, help_text="e.g. employer, tutor, friend")
    contact = EncryptedTextField(blank=True, help_text="Email or phone")
    status = models.CharField(
        max_length=12, choices=ReferenceStatus.choices, default=ReferenceStatus.REQUESTED
    )
    received_on = models.DateField(null=True, blank=True)
    note = EncryptedTextField(blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="requested", received_on__isnull=True)
                | (~Q(status="requested") & Q(received_on__isnull=False)),
                name="reference_received_has_date",
            )
        ]

    def __str__(self) -> str:
        return f"Reference {self.pk} ({self.status})"


class CheckOutcome(models.TextChoices):
    CLEAR = "clear", "Clear"
    CLEARED_AFTER_REVIEW = "cleared_after_review", "Information disclosed; cleared after review"
    NOT_CLEARED = "not_cleared", "Not cleared"


CLEARED = (CheckOutcome.CLEAR, CheckOutcome.CLEARED_AFTER_REVIEW)


class BackgroundCheck(models.Model):
    """A criminal-records or barring check (e.g. an enhanced DBS check), with the
    date it was done and the date the organisation wants it renewed by."""

    profile = models.ForeignKey(
        VolunteerProfile, on_delete=models.CASCADE, related_name="background_checks"
    )
    kind = models.CharField(max_length=80, help_text="e.g. Enhanced DBS with barred lists")
    checked_on = models.DateField()
    expires_on = models.DateField()
    outcome = models.CharField(max_length=24, choices=CheckOutcome.choices)
    certificate = EncryptedTextField(blank=True, help_text="Certificate or reference number")
    note = EncryptedTextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["checked_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__gt=F("checked_on")), name="check_expires_after_done"
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=[o.value for o in CheckOutcome]),
                name="check_outcome_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.checked_on}"

    @property
    def cleared(self) -> bool:
        return self.outcome in CLEARED


class InterviewOutcome(models.TextChoices):
    PROCEED = "proceed", "Go on to training"
    TALK_AGAIN = "talk_again", "Talk again"
    NOT_NOW = "not_now", "Not the right time"


class Interview(models.Model):
    profile = models.ForeignKey(
        VolunteerProfile, on_delete=models.CASCADE, related_name="interviews"
    )
    held_on = models.DateField()
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    outcome = models.CharField(max_length=12, choices=InterviewOutcome.choices)
    notes = EncryptedTextField(blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["held_on", "id"]

    def __str__(self) -> str:
        return f"Interview on {self.held_on} ({self.outcome})"


# --- training --------------------------------------------------------------------


class TrainingModule(models.Model):
    """One module of an organisation's curriculum: Markdown written by its
    coordinators (or seeded from the default curriculum), with credits for who
    wrote it and with whom. Editing the text makes a new version; each version
    is kept as a ``ModuleRevision``."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="training_modules"
    )
    slug = models.SlugField(max_length=80)
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300, blank=True)
    body = models.TextField(help_text="Markdown")
    reflection_prompt = models.TextField()
    written_by = models.CharField(max_length=300, help_text="Who wrote it")
    co_produced_with = models.CharField(
        max_length=300, blank=True, help_text="Who it was written with (co-production)"
    )
    version = models.PositiveIntegerField(default=1)
    refresher_months = models.PositiveSmallIntegerField(
        default=0, help_text="Months until a refresher is due after sign-off; 0 means never"
    )
    required_for = models.JSONField(
        default=list, help_text="Roles that need this module: facilitate, one_to_one"
    )
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    #: Seeded from the default curriculum (the file with the same slug).
    from_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["organisation", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="module_slug_unique"),
            models.CheckConstraint(condition=Q(version__gte=1), name="module_version_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    def required_for_role(self, role: str) -> bool:
        return role in (self.required_for or ())


class ModuleRevision(models.Model):
    """A module's text as it was at one version."""

    module = models.ForeignKey(TrainingModule, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()
    reflection_prompt = models.TextField()
    written_by = models.CharField(max_length=300)
    co_produced_with = models.CharField(max_length=300, blank=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    saved_at = models.DateTimeField()

    class Meta:
        ordering = ["module", "version"]
        constraints = [
            models.UniqueConstraint(fields=["module", "version"], name="module_revision_once")
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class ModuleCompletion(models.Model):
    """A volunteer completing a module (with their reflection), and a
    coordinator signing it off. A refresher is a new completion; the history
    stays."""

    profile = models.ForeignKey(
        VolunteerProfile, on_delete=models.CASCADE, related_name="completions"
    )
    module = models.ForeignKey(TrainingModule, on_delete=models.CASCADE, related_name="completions")
    module_version = models.PositiveIntegerField()
    reflection = EncryptedTextField()
    completed_at = models.DateTimeField()
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    refresher_due_on = models.DateField(null=True, blank=True)
    #: When the volunteer was told the refresher is coming up.
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["completed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "module"],
                condition=Q(signed_off_at__isnull=True),
                name="completion_one_waiting",
            ),
            models.CheckConstraint(
                condition=Q(signed_off_at__isnull=True, refresher_due_on__isnull=True)
                | Q(signed_off_at__isnull=False),
                name="completion_refresher_after_sign_off",
            ),
        ]
        indexes = [models.Index(fields=["refresher_due_on"], name="completion_refresher")]

    def __str__(self) -> str:
        return f"Completion {self.pk} of module {self.module_id}"

    @property
    def signed_off(self) -> bool:
        return self.signed_off_at is not None


# --- supervision -----------------------------------------------------------------


class SupervisionKind(models.TextChoices):
    ONE_TO_ONE = "one_to_one", "One to one"
    GROUP = "group", "Group"


class SupervisionState(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class Supervision(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=SupervisionKind.choices)
    scheduled_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=60)
    place = models.CharField(max_length=200, blank=True, help_text="Where, or how to join")
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    attendees = models.ManyToManyField(
        VolunteerProfile, through="SupervisionAttendee", related_name="supervisions"
    )
    state = models.CharField(
        max_length=10, choices=SupervisionState.choices, default=SupervisionState.SCHEDULED
    )
    done_at = models.DateTimeField(null=True, blank=True)
    #: The supervisor's private notes: staff only, encrypted, reads audited.
    notes = EncryptedTextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scheduled_at", "id"]
        indexes = [models.Index(fields=["organisation", "scheduled_at"], name="supervision_when")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} supervision at {self.scheduled_at:%Y-%m-%d %H:%M}"


class SupervisionAttendee(models.Model):
    supervision = models.ForeignKey(Supervision, on_delete=models.CASCADE, related_name="seats")
    profile = models.ForeignKey(VolunteerProfile, on_delete=models.CASCADE, related_name="+")
    #: None until the supervision is recorded as done.
    attended = models.BooleanField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["supervision", "profile"], name="supervision_seat_once")
        ]

    def __str__(self) -> str:
        return f"{self.profile_id} at supervision {self.supervision_id}"


class SupervisionAction(models.Model):
    """Something agreed in supervision, for one volunteer or the whole group."""

    supervision = models.ForeignKey(Supervision, on_delete=models.CASCADE, related_name="actions")
    profile = models.ForeignKey(
        VolunteerProfile,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="supervision_actions",
        help_text="Who it is for; empty means everyone in the supervision",
    )
    text = EncryptedTextField()
    due_on = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"Action {self.pk}"


# --- wellbeing -------------------------------------------------------------------

#: The workload questions of the check-in, answered 1 (not at all) to 5 (very much).
WORKLOAD_ITEMS: tuple[tuple[str, str], ...] = (
    ("manageable", "The amount of peer support I'm doing feels manageable."),
    ("supported", "I know who to turn to when something in my volunteering is hard."),
    ("rested", "I've had time to rest and do things for myself."),
    ("carrying", "Things I heard while volunteering have stayed with me afterwards."),
)
WORKLOAD_SCALE: tuple[str, ...] = ("Not at all", "A little", "Somewhat", "Quite a lot", "Very much")


class WellbeingCheckIn(models.Model):
    """A volunteer's short check-in: the four ONS wellbeing questions (0-10),
    the workload questions (1-5), and whether they would like a chat."""

    profile = models.ForeignKey(VolunteerProfile, on_delete=models.CASCADE, related_name="checkins")
    at = models.DateTimeField()
    satisfied = models.PositiveSmallIntegerField()
    worthwhile = models.PositiveSmallIntegerField()
    happy = models.PositiveSmallIntegerField()
    anxious = models.PositiveSmallIntegerField()
    workload = models.JSONField(default=dict)
    wants_chat = models.BooleanField(default=False)
    note = EncryptedTextField(blank=True)
    chat_answered_at = models.DateTimeField(null=True, blank=True)
    chat_answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["profile", "at"], name="checkin_profile_at")]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfied__lte=10, worthwhile__lte=10, happy__lte=10, anxious__lte=10),
                name="checkin_ons4_scale",
            )
        ]

    def __str__(self) -> str:
        return f"Check-in {self.pk} at {self.at:%Y-%m-%d}"


# --- activity --------------------------------------------------------------------


class ActivityKind(models.TextChoices):
    GROUP_SESSION = "group_session", "Facilitating a group session"
    ONE_TO_ONE = "one_to_one", "One-to-one support"
    TRAINING = "training", "Training"
    SUPERVISION = "supervision", "Supervision"
    PEER_EVENT = "peer_event", "Supporters' event"
    ADMIN = "admin", "Preparation and admin"
    OTHER = "other", "Other"


class ActivityLog(models.Model):
    """Hours and contacts on one day, for the volunteer's record and for funders.
    No free text: what happened in a contact belongs elsewhere, if anywhere."""

    profile = models.ForeignKey(VolunteerProfile, on_delete=models.CASCADE, related_name="activity")
    on = models.DateField()
    kind = models.CharField(max_length=16, choices=ActivityKind.choices)
    hours = models.DecimalField(max_digits=4, decimal_places=2)
    contacts = models.PositiveSmallIntegerField(
        default=0, help_text="People supported in this activity"
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]
        indexes = [models.Index(fields=["profile", "on"], name="activity_profile_on")]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gte=0, hours__lte=24), name="activity_hours_in_a_day"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in ActivityKind]), name="activity_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.hours}h {self.kind} on {self.on}"


# --- the supporters' network -----------------------------------------------------


class PeerEvent(models.Model):
    """A get-together for the organisation's volunteers (a social, a learning
    session, a walk). The supporters' room itself is in ``rooms``."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="peer_events"
    )
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    place = models.CharField(max_length=200, blank=True)
    online_link = models.URLField(blank=True)
    description = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["organisation", "starts_at"], name="peer_event_when")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="peer_event_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title


# --- debriefs --------------------------------------------------------------------


class DebriefState(models.TextChoices):
    OFFERED = "offered", "Offered"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    DONE = "done", "Done"


class DebriefOffer(models.Model):
    """A debrief offered to a volunteer who was part of a high or imminent
    safeguarding alert (they facilitated the room or group, raised the concern,
    or were the one-to-one supporter). Made automatically when the alert is raised."""

    profile = models.ForeignKey(VolunteerProfile, on_delete=models.CASCADE, related_name="debriefs")
    alert = models.ForeignKey("safety.Alert", on_delete=models.CASCADE, related_name="+")
    #: How they were part of it: facilitator, raised_concern, one_to_one.
    involvement = models.CharField(max_length=20)
    offered_at = models.DateTimeField()
    state = models.CharField(
        max_length=10, choices=DebriefState.choices, default=DebriefState.OFFERED
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-offered_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "alert"], name="debrief_once_per_alert")
        ]

    def __str__(self) -> str:
        return f"Debrief {self.pk} ({self.state})"
