"""People: accounts with pseudonyms, encrypted contact details, context, consent.

Other members only ever see ``pseudonym``. Real names and contact details are
encrypted at rest and readable only through ``peercircle.accounts.access``.
See docs/data-protection.md.
"""

from __future__ import annotations

import secrets

from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin, UserManager
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db import models
from django.db.models.functions import Lower

from peercircle.accounts.consent import Purpose
from peercircle.core.crypto import EncryptedTextField
from peercircle.core.models import Organisation


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class PeerUserManager(UserManager):
    def _create_user(self, username, email, password, **extra_fields):
        # Email is encrypted and optional; UserManager's normalisation is not needed.
        user = self.model(
            username=self.model.normalize_username(username), email=email or "", **extra_fields
        )
        if not user.pseudonym:
            user.pseudonym = username
        user.set_password(password)
        user.save(using=self._db)
        return user


class User(AbstractBaseUser, PermissionsMixin):
    username = models.CharField(
        "sign-in name",
        max_length=80,
        unique=True,
        validators=[UnicodeUsernameValidator()],
        help_text="Used to sign in; never shown to other members.",
    )
    pseudonym = models.CharField(
        max_length=40,
        help_text="The name other members see. It need not be your real name.",
    )
    real_name = EncryptedTextField(blank=True)
    email = EncryptedTextField(blank=True)
    phone = EncryptedTextField(blank=True)
    is_staff = models.BooleanField(default=False, help_text="May use the Django admin.")
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(auto_now_add=True)
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token)

    objects = PeerUserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("pseudonym"), name="user_pseudonym_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.pseudonym

    def get_short_name(self) -> str:
        return self.pseudonym

    def get_full_name(self) -> str:
        return self.pseudonym


class Gender(models.TextChoices):
    WOMAN = "woman", "Woman"
    MAN = "man", "Man"
    NON_BINARY = "non_binary", "Non-binary"
    SELF_DESCRIBED = "self_described", "In another way"
    NOT_SAID = "", "Prefer not to say"


class PerinatalStage(models.TextChoices):
    NONE = "", "Not applicable / prefer not to say"
    PREGNANT = "pregnant", "Pregnant, or my partner is"
    POSTNATAL = "postnatal", "Had a baby in the last year (me or my partner)"
    TODDLER = "toddler", "Have a child aged one or two"


class ContextProfile(models.Model):
    """What a person chooses to tell us about their situation.

    Used to check eligibility for programmes and, later, for matching and for
    "what works for whom". Every field is optional.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="context")
    year_of_birth = models.PositiveSmallIntegerField(null=True, blank=True)
    gender = models.CharField(max_length=20, choices=Gender.choices, blank=True)
    perinatal_stage = models.CharField(max_length=20, choices=PerinatalStage.choices, blank=True)
    postcode_area = models.CharField(
        max_length=8, blank=True, help_text="First half of a postcode only"
    )
    languages = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"context of {self.user_id}"


class Consent(models.Model):
    """A consent given for one purpose, with the version of the wording."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="consents")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="consents"
    )
    purpose = models.CharField(max_length=16, choices=[(p.value, p.value) for p in Purpose])
    version = models.PositiveSmallIntegerField()
    given_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-given_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "purpose"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="consent_one_active_per_purpose",
            ),
            models.CheckConstraint(
                condition=models.Q(withdrawn_at__isnull=True)
                | models.Q(withdrawn_at__gte=models.F("given_at")),
                name="consent_withdrawn_after_given",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} v{self.version} by {self.user_id}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None
