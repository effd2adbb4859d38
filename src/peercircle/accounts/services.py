"""Writes for people and consent. Every function is keyword-only and audited."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from peercircle.accounts.consent import CURRENT_VERSION, Purpose
from peercircle.accounts.models import Consent, ContextProfile, User
from peercircle.core.audit import audit_record
from peercircle.core.models import Membership, Organisation
from peercircle.core.roles import Role


def user_create(
    *,
    username: str,
    pseudonym: str,
    password: str,
    real_name: str = "",
    email: str = "",
    phone: str = "",
) -> User:
    """A new account. Raises ValidationError with a message per field."""
    username = username.strip()
    pseudonym = pseudonym.strip()
    errors: dict[str, list[str]] = {}
    if not username:
        errors.setdefault("username", []).append("Choose a sign-in name.")
    elif User.objects.filter(username__iexact=username).exists():
        errors.setdefault("username", []).append("That sign-in name is taken; please choose another.")
    if not pseudonym:
        errors.setdefault("pseudonym", []).append("Choose the name other members will see.")
    elif User.objects.filter(pseudonym__iexact=pseudonym).exists():
        errors.setdefault("pseudonym", []).append("Someone already uses that name; please choose another.")
    candidate = User(username=username, pseudonym=pseudonym, real_name=real_name, email=email)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        errors.setdefault("password", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=username,
                password=password,
                pseudonym=pseudonym,
                real_name=real_name.strip(),
                email=email.strip(),
                phone=phone.strip(),
            )
            ContextProfile.objects.create(user=user)
            audit_record(actor=user, action="user.create", obj=user)
    except IntegrityError as exc:
        # Two sign-ups raced for the same name: say so plainly.
        raise ValidationError({"pseudonym": ["Someone already uses that name; please choose another."]}) from exc
    return user


def context_update(*, user: User, actor: Any, **fields: Any) -> ContextProfile:
    allowed = {"year_of_birth", "gender", "perinatal_stage", "postcode_area", "languages"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"Unknown context fields: {sorted(unknown)}")
    this_year = timezone.now().year
    year = fields.get("year_of_birth")
    if year is not None and not (this_year - 110 <= int(year) <= this_year - 13):
        raise ValidationError({"year_of_birth": ["Please give a year of birth between %d and %d." % (this_year - 110, this_year - 13)]})
    with transaction.atomic():
        profile, _ = ContextProfile.objects.select_for_update().get_or_create(user=user)
        for name, value in fields.items():
            setattr(profile, name, value)
        profile.save(update_fields=[*fields, "updated_at"])
        audit_record(actor=actor, action="context.update", obj=profile, detail={"fields": sorted(fields)})
    return profile


def membership_grant(*, user: User, organisation: Organisation, role: Role, actor: Any) -> Membership:
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(user=user, organisation=organisation, role=role.value)
        if created:
            audit_record(
                actor=actor, action="membership.grant", obj=membership, organisation=organisation, detail={"role": role.value}
            )
    from peercircle.core.access import forget_roles

    forget_roles(user)
    return membership


def membership_revoke(*, user: User, organisation: Organisation, role: Role, actor: Any) -> None:
    with transaction.atomic():
        deleted, _ = Membership.objects.filter(user=user, organisation=organisation, role=role.value).delete()
        if deleted:
            audit_record(
                actor=actor, action="membership.revoke", obj=user, organisation=organisation, detail={"role": role.value}
            )
    from peercircle.core.access import forget_roles

    forget_roles(user)


def consent_give(*, user: User, organisation: Organisation, purpose: Purpose, version: int | None = None) -> Consent:
    """Record consent for ``purpose`` with the current wording (or ``version``).

    Giving consent again for a newer wording replaces the older one.
    """
    version = version or CURRENT_VERSION[purpose]
    now = timezone.now()
    with transaction.atomic():
        current = (
            Consent.objects.select_for_update()
            .filter(user=user, organisation=organisation, purpose=purpose.value, withdrawn_at__isnull=True)
            .first()
        )
        if current is not None:
            if current.version == version:
                return current
            current.withdrawn_at = now
            current.save(update_fields=["withdrawn_at"])
        consent = Consent.objects.create(
            user=user, organisation=organisation, purpose=purpose.value, version=version, given_at=now
        )
        audit_record(
            actor=user,
            action="consent.give",
            obj=consent,
            organisation=organisation,
            detail={"purpose": purpose.value, "version": version},
        )
    return consent


def consent_withdraw(*, user: User, organisation: Organisation, purpose: Purpose) -> Consent | None:
    with transaction.atomic():
        current = (
            Consent.objects.select_for_update()
            .filter(user=user, organisation=organisation, purpose=purpose.value, withdrawn_at__isnull=True)
            .first()
        )
        if current is None:
            return None
        current.withdrawn_at = timezone.now()
        current.save(update_fields=["withdrawn_at"])
        audit_record(
            actor=user, action="consent.withdraw", obj=current, organisation=organisation, detail={"purpose": purpose.value}
        )
    return current


def has_consent(*, user: User, organisation: Organisation | int, purpose: Purpose) -> bool:
    organisation_id = organisation.pk if isinstance(organisation, Organisation) else organisation
    return Consent.objects.filter(
        user=user, organisation_id=organisation_id, purpose=purpose.value, withdrawn_at__isnull=True
    ).exists()
