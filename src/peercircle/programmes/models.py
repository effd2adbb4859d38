"""Programmes, groups (rolling or courses), sessions, enrolment and attendance.

Capacity is held by the database: ``Group.places_taken`` counts active and
offered places and a check constraint keeps it within ``capacity``; joins claim
a place with one atomic UPDATE. See docs/programmes.md.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from peercircle.core.models import Organisation
from peercircle.programmes import eligibility


class Focus(models.TextChoices):
    GENERAL = "general", "Everyone"
    MEN = "men", "Men"
    WOMEN = "women", "Women"
    PERINATAL = "perinatal", "New and expectant parents"
    CARERS = "carers", "Carers"
    YOUNG_ADULTS = "young_adults", "Young adults"
    RECOVERY = "recovery", "Personal recovery"
    BEREAVEMENT = "bereavement", "Bereavement"
    LGBTQ = "lgbtq", "LGBTQ+ people"


class Programme(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="programmes"
    )
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80)
    focus = models.CharField(max_length=20, choices=Focus.choices, default=Focus.GENERAL)
    description = models.TextField(blank=True)
    min_age = models.PositiveSmallIntegerField(null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(null=True, blank=True)
    genders = models.JSONField(default=list, blank=True, help_text="Empty means anyone")
    perinatal_stages = models.JSONField(default=list, blank=True, help_text="Empty means anyone")
    offers_groups = models.BooleanField(default=True)
    offers_one_to_one = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="programme_slug_unique"),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(min_age__lte=F("max_age")),
                name="programme_age_band_ordered",
            ),
            models.CheckConstraint(
                condition=Q(offers_groups=True) | Q(offers_one_to_one=True),
                name="programme_offers_a_format",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def rules(self) -> eligibility.Rules:
        return eligibility.Rules(
            min_age=self.min_age,
            max_age=self.max_age,
            genders=tuple(self.genders or ()),
            perinatal_stages=tuple(self.perinatal_stages or ()),
        )

    @property
    def who_for(self) -> str:
        return eligibility.describe(self.rules)


class GroupKind(models.TextChoices):
    ROLLING = "rolling", "Rolling group (open, meets every week)"
    COURSE = "course", "Course (fixed number of weeks, closed group)"


class Delivery(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    ONLINE = "online", "Online"
    HYBRID = "hybrid", "In person and online"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class Group(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="groups")
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80)
    kind = models.CharField(max_length=10, choices=GroupKind.choices, default=GroupKind.ROLLING)
    description = models.TextField(
        blank=True, help_text="What to expect, in a few friendly sentences"
    )
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.IN_PERSON)
    venue_name = models.CharField(max_length=200, blank=True)
    address = models.TextField(blank=True, help_text="Shown only to members who have joined")
    area = models.CharField(
        max_length=120, blank=True, help_text="Town or neighbourhood, shown publicly"
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    online_link = models.URLField(blank=True, help_text="Shown only to members who have joined")
    language = models.CharField(max_length=8, default="en")
    capacity = models.PositiveSmallIntegerField(default=12)
    places_taken = models.PositiveSmallIntegerField(default=0, editable=False)
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=120)
    start_date = models.DateField(help_text="First week the group meets (a course's first session)")
    course_weeks = models.PositiveSmallIntegerField(null=True, blank=True)
    listed = models.BooleanField(default=True, help_text="Shown in the public group finder")
    is_active = models.BooleanField(default=True)
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Facilitation",
        related_name="facilitated_groups",
        blank=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="group_slug_unique"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="group_capacity_positive"),
            models.CheckConstraint(
                condition=Q(places_taken__lte=F("capacity")), name="group_places_within_capacity"
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="group_weekday_valid"
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=15), name="group_duration_sensible"
            ),
            models.CheckConstraint(
                condition=Q(kind="rolling", course_weeks__isnull=True)
                | Q(kind="course", course_weeks__gte=1, course_weeks__lte=52),
                name="group_course_has_weeks",
            ),
            models.CheckConstraint(
                condition=Q(delivery="online")
                | (Q(latitude__isnull=False) & Q(longitude__isnull=False)),
                name="group_in_person_has_location",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="group_latitude_valid",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="group_longitude_valid",
            ),
        ]
        indexes = [
            models.Index(
                fields=["listed", "is_active", "latitude", "longitude"], name="group_finder_geo"
            ),
            models.Index(fields=["listed", "is_active", "weekday"], name="group_finder_day"),
            # Covers every column the finder filters, counts and orders on (text
            # search aside), so its scans read this index instead of the wide
            # rows. See docs/performance.md.
            models.Index(
                fields=[
                    "listed",
                    "is_active",
                    "programme",
                    "delivery",
                    "weekday",
                    "language",
                    "latitude",
                    "longitude",
                    "name",
                ],
                name="group_finder_cover",
            ),
            # The finder's first page walks groups in name order until it has
            # those with no session to come (see selectors._first_page_by_next_session).
            models.Index(
                fields=["name", "listed", "is_active", "programme", "delivery", "language"],
                name="group_finder_name",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_course(self) -> bool:
        return self.kind == GroupKind.COURSE

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @property
    def places_left(self) -> int:
        return max(0, self.capacity - self.places_taken)

    @property
    def end_time_label(self) -> str:
        from datetime import datetime

        end = datetime.combine(self.start_date, self.start_time) + self.duration
        return end.strftime("%H:%M")


class Facilitation(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", "Lead facilitator"
        CO = "co", "Co-facilitator"

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="facilitations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="facilitations"
    )
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.LEAD)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="facilitation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} facilitates {self.group_id}"


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CANCELLED = "cancelled", "Cancelled"


class Session(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="sessions")
    number = models.PositiveSmallIntegerField(help_text="1 for the first session of a course")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    cancelled_reason = models.CharField(max_length=240, blank=True)
    register_taken_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["group", "starts_at"], name="session_unique_start"),
            models.UniqueConstraint(fields=["group", "number"], name="session_unique_number"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["group", "status", "starts_at"]),
            # Sessions to come in time order, for the finder's first page.
            models.Index(fields=["status", "starts_at", "group"], name="session_upcoming"),
        ]

    def __str__(self) -> str:
        return f"{self.group_id} #{self.number} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED


class EnrolmentStatus(models.TextChoices):
    ACTIVE = "active", "Member"
    WAITING = "waiting", "On the waiting list"
    OFFERED = "offered", "Offered a place"
    LEFT = "left", "Left"
    REMOVED = "removed", "Removed by a coordinator"


CURRENT_ENROLMENT = [EnrolmentStatus.ACTIVE, EnrolmentStatus.WAITING, EnrolmentStatus.OFFERED]
HOLDS_PLACE = [EnrolmentStatus.ACTIVE, EnrolmentStatus.OFFERED]


class Enrolment(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="enrolments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    status = models.CharField(max_length=10, choices=EnrolmentStatus.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    joined_at = models.DateTimeField(null=True, blank=True)
    waiting_since = models.DateTimeField(null=True, blank=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_reason = models.CharField(max_length=240, blank=True)
    # Registered sessions in a row, most recent first, at which this person was
    # marked absent; kept by the attendance services (services._missed_recount).
    missed_in_a_row = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user"],
                condition=Q(status__in=["active", "waiting", "offered"]),
                name="enrolment_one_current_per_person",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in EnrolmentStatus]),
                name="enrolment_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="offered") | Q(offer_expires_at__isnull=False),
                name="enrolment_offer_has_expiry",
            ),
            models.CheckConstraint(
                condition=~Q(status="waiting") | Q(waiting_since__isnull=False),
                name="enrolment_waiting_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["group", "status", "waiting_since"]),
            models.Index(fields=["user", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.status} in {self.group_id}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "Present"
    ABSENT = "absent", "Absent"
    APOLOGIES = "apologies", "Sent apologies"


class Attendance(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attendance"
    )
    status = models.CharField(max_length=10, choices=AttendanceStatus.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="attendance_once_per_session"),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in AttendanceStatus]),
                name="attendance_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.status} at {self.session_id}"
