"""Organisations, role memberships, crisis resources and the audit log.

See docs/access.md and docs/data-protection.md.
"""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from peercircle.core.roles import Role

ROLE_CHOICES = [(role.value, role.label) for role in Role]


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"{value!r} is not a time zone name such as Europe/London") from exc


class Organisation(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    country = models.CharField(max_length=2, help_text="ISO country code, e.g. GB")
    timezone = models.CharField(
        max_length=64, default="Europe/London", validators=[validate_timezone]
    )
    default_language = models.CharField(max_length=8, default="en")
    contact_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def tel_href(phone: str) -> str:
    """A ``tel:`` link for a number as people write it ("116 123" -> "tel:116123")."""
    return "tel:" + "".join(ch for ch in phone if ch.isdigit() or ch == "+")


class CrisisResource(models.Model):
    """Where to get help now; shown on every page for the organisation in context."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="crisis_resources"
    )
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=240, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    text_number = models.CharField(max_length=40, blank=True, help_text="Number or keyword to text")
    url = models.URLField(blank=True)
    hours = models.CharField(max_length=80, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    verified_at = models.DateField(
        null=True,
        blank=True,
        help_text="When someone last checked these details; empty means not verified",
    )

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def tel_href(self) -> str:
        return tel_href(self.phone)


class Membership(models.Model):
    """A role a person holds in an organisation. A person can hold several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=32, choices=ROLE_CHOICES)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique_role"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=[role.value for role in Role]),
                name="membership_role_valid",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "role"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.role} @ {self.organisation_id}"


class AuditEvent(models.Model):
    """One line of the append-only audit log.

    Rows are never updated or deleted: the model refuses it, and database
    triggers (see migration 0002) refuse it for any other client too.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # No database-level foreign keys: the log must outlive what it describes, and
    # the triggers forbid the UPDATE that ON DELETE SET NULL would need.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit events cannot be deleted")
