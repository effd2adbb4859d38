"""One-to-one matching in the platform: a participant's request for a peer
supporter, a volunteer's offer, matching rounds and their proposals, and
requests to end or change a pairing. See docs/matching.md, "In the platform".

Rules live in ``services.py``; the database holds what it can: one open
request per person and organisation, one open proposal per request, one offer
per volunteer, one open change request per person and pairing, and the
allowed states.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from peercircle.core.crypto import EncryptedTextField
from peercircle.core.models import Organisation


class RequestState(models.TextChoices):
    WAITING = "waiting", "Waiting for a supporter"
    PROPOSED = "proposed", "A supporter has been suggested"
    MATCHED = "matched", "Matched"
    WITHDRAWN = "withdrawn", "Withdrawn"
    ENDED = "ended", "Support ended"


#: A request still in play: a person has at most one of these per organisation.
OPEN_STATES = (RequestState.WAITING, RequestState.PROPOSED, RequestState.MATCHED)


class Strength(models.TextChoices):
    NICE = "nice", "I'd prefer it"
    MUST = "must", "It must be so"


class SupportRequest(models.Model):
    """A participant asks for one-to-one peer support in their organisation."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="support_requests"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="support_requests"
    )
    languages = models.JSONField(default=list)
    slots = models.JSONField(default=list, help_text='Weekly times, such as "tue-evening"')
    formats = models.JSONField(default=list)
    town = models.CharField(max_length=80, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    tags = models.JSONField(default=list)
    gender_preference = models.CharField(max_length=20, blank=True)
    gender_strength = models.CharField(max_length=4, choices=Strength.choices, blank=True)
    tag_preference = models.CharField(max_length=40, blank=True)
    tag_strength = models.CharField(max_length=4, choices=Strength.choices, blank=True)
    note = EncryptedTextField(blank=True, help_text="What they would prefer, in their own words")
    state = models.CharField(
        max_length=10, choices=RequestState.choices, default=RequestState.WAITING
    )
    pairing = models.ForeignKey(
        "rooms.Pairing", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    state_changed_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "person"],
                condition=Q(state__in=[s.value for s in OPEN_STATES]),
                name="support_request_one_open",
            ),
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in RequestState]),
                name="support_request_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(state="matched", pairing__isnull=False) | ~Q(state="matched"),
                name="support_request_matched_has_pairing",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "state"], name="support_request_by_state")]

    def __str__(self) -> str:
        return f"Support request {self.pk} ({self.state})"

    @property
    def location(self) -> tuple[float, float] | None:
        if self.latitude is None or self.longitude is None:
            return None
        return (self.latitude, self.longitude)


class SupporterOffer(models.Model):
    """What a volunteer offers one to one: ways of meeting, lived experience,
    and where they can meet in person. Languages and times come from their
    volunteer profile, gender from their context profile."""

    profile = models.OneToOneField(
        "volunteers.VolunteerProfile", on_delete=models.CASCADE, related_name="supporter_offer"
    )
    formats = models.JSONField(default=list)
    tags = models.JSONField(default=list)
    town = models.CharField(max_length=80, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Offer of volunteer {self.profile_id}"

    @property
    def location(self) -> tuple[float, float] | None:
        if self.latitude is None or self.longitude is None:
            return None
        return (self.latitude, self.longitude)


class MatchingRound(models.Model):
    """One run of the engine for an organisation's waiting requests."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="matching_rounds"
    )
    objective = models.CharField(max_length=12)
    weights = models.JSONField(default=dict)
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    run_at = models.DateTimeField()
    total_score = models.FloatField(default=0)
    optimal = models.BooleanField(default=False)
    #: [{"request": id, "code": ..., "reason": ...}] for each request left waiting.
    unmatched = models.JSONField(default=list)
    requests_count = models.PositiveIntegerField(default=0)
    supporters_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-run_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(objective__in=["best_total", "most_matched"]),
                name="matching_round_objective_valid",
            )
        ]

    def __str__(self) -> str:
        return f"Matching round {self.pk}"


class ProposalState(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    SUPERSEDED = "superseded", "Superseded"


class Proposal(models.Model):
    """The engine's (or a coordinator's) suggestion of a supporter for a request."""

    round = models.ForeignKey(MatchingRound, on_delete=models.CASCADE, related_name="proposals")
    request = models.ForeignKey(SupportRequest, on_delete=models.CASCADE, related_name="proposals")
    profile = models.ForeignKey(
        "volunteers.VolunteerProfile", on_delete=models.CASCADE, related_name="proposals"
    )
    score = models.FloatField()
    format = models.CharField(max_length=10)
    distance_km = models.FloatField(null=True, blank=True)
    reasons = models.JSONField(default=list)
    state = models.CharField(
        max_length=10, choices=ProposalState.choices, default=ProposalState.PROPOSED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=240, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["round", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(state="proposed"),
                name="proposal_one_open_per_request",
            ),
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in ProposalState]),
                name="proposal_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Proposal {self.pk} ({self.state})"


class ChangeKind(models.TextChoices):
    END = "end", "End the support"
    CHANGE = "change", "Change to another supporter"


class ChangeState(models.TextChoices):
    OPEN = "open", "Open"
    ENDED = "ended", "Pairing ended"
    REMATCH = "rematch", "Pairing ended; waiting for another supporter"


class ChangeRequest(models.Model):
    """Either side of a pairing asks to end it or change supporter."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    pairing = models.ForeignKey(
        "rooms.Pairing", on_delete=models.CASCADE, related_name="change_requests"
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=6, choices=ChangeKind.choices)
    note = EncryptedTextField(blank=True)
    #: What a participant would prefer in a new supporter.
    prefer = EncryptedTextField(blank=True)
    state = models.CharField(max_length=8, choices=ChangeState.choices, default=ChangeState.OPEN)
    asked_at = models.DateTimeField()
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["asked_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pairing", "asked_by"],
                condition=Q(state="open"),
                name="change_request_one_open",
            ),
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in ChangeState]),
                name="change_request_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Change request {self.pk} ({self.state})"
