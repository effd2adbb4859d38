"""Writes for people and consent. Every function is keyword-only and audited."""

from __future__ import annotations

from collections.abc import Iterable
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
        errors.setdefault("username", []).append(
            "That sign-in name is taken; please choose another."
        )
    if not pseudonym:
        errors.setdefault("pseudonym", []).append("Choose the name other members will see.")
    elif User.objects.filter(pseudonym__iexact=pseudonym).exists():
        errors.setdefault("pseudonym", []).append(
            "Someone already uses that name; please choose another."
        )
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
        raise ValidationError(
            {"pseudonym": ["Someone already uses that name; please choose another."]}
        ) from exc
    return user


def context_update(*, user: User, actor: Any, **fields: Any) -> ContextProfile:
    allowed = {"year_of_birth", "gender", "perinatal_stage", "postcode_area", "languages"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"Unknown context fields: {sorted(unknown)}")
    this_year = timezone.now().year
    year = fields.get("year_of_birth")
    if year is not None and not (this_year - 110 <= int(year) <= this_year - 13):
        raise ValidationError(
            {
                "year_of_birth": [
                    f"Please give a year of birth between {this_year - 110} and {this_year - 13}."
                ]
            }
        )
    with transaction.atomic():
        profile, _ = ContextProfile.objects.select_for_update().get_or_create(user=user)
        for name, value in fields.items():
            setattr(profile, name, value)
        profile.save(update_fields=[*fields, "updated_at"])
        audit_record(
            actor=actor, action="context.update", obj=profile, detail={"fields": sorted(fields)}
        )
    return profile


def membership_grant(
    *, user: User, organisation: Organisation, role: Role, actor: Any
) -> Membership:
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            user=user, organisation=organisation, role=role.value
        )
        if created:
            audit_record(
                actor=actor,
                action="membership.grant",
                obj=membership,
                organisation=organisation,
                detail={"role": role.value},
            )
    from peercircle.core.access import forget_roles

    forget_roles(user)
    return membership


def membership_revoke(*, user: User, organisation: Organisation, role: Role, actor: Any) -> None:
    with transaction.atomic():
        deleted, _ = Membership.objects.filter(
            user=user, organisation=organisation, role=role.value
        ).delete()
        if deleted:
            audit_record(
                actor=actor,
                action="membership.revoke",
                obj=user,
                organisation=organisation,
                detail={"role": role.value},
            )
    from peercircle.core.access import forget_roles

    forget_roles(user)


def consent_give(
    *, user: User, organisation: Organisation, purpose: Purpose, version: int | None = None
) -> Consent:
    """Record consent for ``purpose`` with the current wording (or ``version``).

    Giving consent again for a newer wording replaces the older one.
    """
    version = version or CURRENT_VERSION[purpose]
    now = timezone.now()
    with transaction.atomic():
        current = (
            Consent.objects.select_for_update()
            .filter(
                user=user,
                organisation=organisation,
                purpose=purpose.value,
                withdrawn_at__isnull=True,
            )
            .first()
        )
        if current is not None:
            if current.version == version:
                return current
            current.withdrawn_at = now
            current.save(update_fields=["withdrawn_at"])
        consent = Consent.objects.create(
            user=user,
            organisation=organisation,
            purpose=purpose.value,
            version=version,
            given_at=now,
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
            .filter(
                user=user,
                organisation=organisation,
                purpose=purpose.value,
                withdrawn_at__isnull=True,
            )
            .first()
        )
        if current is None:
            return None
        current.withdrawn_at = timezone.now()
        current.save(update_fields=["withdrawn_at"])
        audit_record(
            actor=user,
            action="consent.withdraw",
            obj=current,
            organisation=organisation,
            detail={"purpose": purpose.value},
        )
    return current


def has_consent(*, user: User, organisation: Organisation | int, purpose: Purpose) -> bool:
    organisation_id = organisation.pk if isinstance(organisation, Organisation) else organisation
    return Consent.objects.filter(
        user=user, organisation_id=organisation_id, purpose=purpose.value, withdrawn_at__isnull=True
    ).exists()


# --- sign-up ------------------------------------------------------------------

SERVICE_CONSENT_NEEDED = (
    "To join, please tick the box to agree that the organisation may keep your details "
    "for peer support."
)


def user_sign_up(
    *,
    organisation: Organisation,
    username: str,
    pseudonym: str,
    password: str,
    consents: Iterable[Purpose],
    real_name: str = "",
    email: str = "",
    phone: str = "",
    context: dict[str, Any] | None = None,
) -> User:
    """A self-referral: the account, a participant membership, consents and context.

    All in one transaction: if any part fails, nothing is written. Raises
    ValidationError with a message per field (``consents`` for the service consent).
    """
    consents = list(dict.fromkeys(consents))
    errors: dict[str, list[str]] = {}
    if Purpose.SERVICE not in consents:
        errors["consents"] = [SERVICE_CONSENT_NEEDED]
    with transaction.atomic():
        try:
            user = user_create(
                username=username,
                pseudonym=pseudonym,
                password=password,
                real_name=real_name,
                email=email,
                phone=phone,
            )
        except ValidationError as exc:
            raise ValidationError({**exc.message_dict, **errors}) from exc
        if errors:
            raise ValidationError(errors)
        membership_grant(user=user, organisation=organisation, role=Role.PARTICIPANT, actor=user)
        for purpose in consents:
            consent_give(user=user, organisation=organisation, purpose=purpose)
        if context:
            context_update(user=user, actor=user, **context)
    return user


# --- profile and password -----------------------------------------------------

PSEUDONYM_TAKEN = "Someone already uses that name; please choose another."


def profile_update(
    *, user: User, actor: Any, pseudonym: str, real_name: str, email: str, phone: str
) -> User:
    """Change the name others see and the person's own contact details.

    Pseudonyms stay unique whatever their case. The audit line names the fields
    changed, never their values.
    """
    pseudonym = pseudonym.strip()
    if not pseudonym:
        raise ValidationError({"pseudonym": ["Choose the name other members will see."]})
    if User.objects.filter(pseudonym__iexact=pseudonym).exclude(pk=user.pk).exists():
        raise ValidationError({"pseudonym": [PSEUDONYM_TAKEN]})
    new = {
        "pseudonym": pseudonym,
        "real_name": real_name.strip(),
        "email": email.strip(),
        "phone": phone.strip(),
    }
    changed = [name for name, value in new.items() if getattr(user, name) != value]
    if not changed:
        return user
    try:
        with transaction.atomic():
            for name in changed:
                setattr(user, name, new[name])
            user.save(update_fields=changed)
            audit_record(
                actor=actor, action="user.update", obj=user, detail={"fields": sorted(changed)}
            )
    except IntegrityError as exc:
        user.refresh_from_db()
        raise ValidationError({"pseudonym": [PSEUDONYM_TAKEN]}) from exc
    return user


def password_change(*, user: User, new_password: str) -> None:
    """Set a new password (already validated by the caller's form)."""
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        audit_record(actor=user, action="user.password_change", obj=user)


# --- two-factor (TOTP) --------------------------------------------------------


def two_factor_begin(*, user: User) -> Any:
    """An unconfirmed TOTP device for ``user`` to scan; reuses one not yet confirmed."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
            audit_record(actor=user, action="two_factor.begin", obj=device)
    return device


def two_factor_confirm(*, user: User, device_id: int, token: str) -> Any | None:
    """Confirm the unconfirmed device with a code from the app; None if the code is wrong."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, pk=device_id, confirmed=False)
            .first()
        )
        if device is None:
            return None
        if not device.verify_token(token):
            audit_record(actor=user, action="two_factor.confirm_failed", obj=device)
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        audit_record(actor=user, action="two_factor.enable", obj=device)
    return device


def two_factor_verify(*, user: User, token: str) -> Any | None:
    """The confirmed device that accepts ``token``, or None. Both outcomes are audited.

    Uses django-otp's per-device verification, which throttles repeated failures
    and refuses a code that was already used.
    """
    import django_otp

    token = "".join(token.split())
    with transaction.atomic():
        for device in django_otp.devices_for_user(user, confirmed=True):
            verified = django_otp.verify_token(user, device.persistent_id, token)
            if verified is not None:
                audit_record(actor=user, action="two_factor.verify", obj=verified)
                return verified
        audit_record(actor=user, action="two_factor.verify_failed", obj=user)
    return None


def two_factor_disable(*, user: User, token: str) -> bool:
    """Turn two-factor off; needs a current code. False if the code is wrong."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with transaction.atomic():
        device = two_factor_verify(user=user, token=token)
        if device is None:
            return False
        TOTPDevice.objects.filter(user=user).delete()
        audit_record(actor=user, action="two_factor.disable", obj=user)
    return True


# --- export -------------------------------------------------------------------


def user_export(*, user: User) -> dict[str, Any]:
    """Everything held about ``user`` that they may take away; recorded as a read."""
    from peercircle.accounts.selectors import user_data_for_export
    from peercircle.core.audit import audit_read

    with transaction.atomic():
        audit_read(actor=user, obj=user, organisation=None, what="own_data_export")
        return user_data_for_export(user=user)


def user_make_superuser(*, user: User, organisation: Organisation | None, source: str) -> User:
    """Give Django-admin rights (staff and superuser); audited.

    Only the operator's own commands call this (``peercircle createadmin`` and the
    demo data); no page can.
    """
    with transaction.atomic():
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
        audit_record(
            actor=None,
            action="user.superuser",
            obj=user,
            organisation=organisation,
            detail={"source": source},
        )
    return user
