"""Reads for a person's own account: consent overview and their data export.

Everything here is about the person asking; nothing reads anybody else's
details. See docs/accounts.md and docs/data-protection.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone

from peercircle.accounts.consent import CURRENT_VERSION, PURPOSE_LABELS, WORDING, Purpose
from peercircle.accounts.models import Consent, ContextProfile, User
from peercircle.core.models import AuditEvent, Membership, Organisation

EXPORT_FORMAT_VERSION = 3


@dataclass
class PurposeStatus:
    purpose: Purpose
    label: str
    current_version: int
    current_wording: str
    active: Consent | None
    latest: Consent | None

    @property
    def wording_agreed(self) -> str:
        if self.latest is None:
            return ""
        return WORDING[self.purpose].get(self.latest.version, "")

    @property
    def needs_renewal(self) -> bool:
        return self.active is not None and self.active.version < self.current_version


@dataclass
class OrganisationConsents:
    organisation: Organisation
    purposes: list[PurposeStatus]
    history: list[Consent] = field(default_factory=list)


def consent_organisations(*, user: User) -> list[Organisation]:
    """Organisations the person belongs to or has given consent to."""
    return list(
        Organisation.objects.filter(Q(memberships__user=user) | Q(consents__user=user))
        .distinct()
        .order_by("name")
    )


def consent_overview(*, user: User) -> list[OrganisationConsents]:
    """Per organisation and purpose: what the person agreed to, and the history."""
    organisations = consent_organisations(user=user)
    consents = list(
        Consent.objects.filter(user=user, organisation__in=organisations).order_by(
            "-given_at", "-id"
        )
    )
    overview = []
    for organisation in organisations:
        mine = [c for c in consents if c.organisation_id == organisation.pk]
        purposes = []
        for purpose in Purpose:
            of_purpose = [c for c in mine if c.purpose == purpose.value]
            purposes.append(
                PurposeStatus(
                    purpose=purpose,
                    label=PURPOSE_LABELS[purpose],
                    current_version=CURRENT_VERSION[purpose],
                    current_wording=WORDING[purpose][CURRENT_VERSION[purpose]],
                    active=next((c for c in of_purpose if c.withdrawn_at is None), None),
                    latest=of_purpose[0] if of_purpose else None,
                )
            )
        overview.append(
            OrganisationConsents(organisation=organisation, purposes=purposes, history=mine)
        )
    return overview


def iso_or_none(value: Any) -> str | None:
    """A date or time as ISO 8601 for the personal-data export; None stays None."""
    return value.isoformat() if value is not None else None


def user_data_for_export(*, user: User) -> dict[str, Any]:
    """The person's own data as plain JSON-ready values.

    Includes their own contact details (they are theirs), and nothing that
    identifies anybody else: other people appear only as group names, never
    as people.
    """
    from peercircle.programmes.models import Attendance, Enrolment
    from peercircle.questionnaires.export import questionnaires_for_export
    from peercircle.rooms.models import Message, Pairing
    from peercircle.volunteers.export import volunteering_for_export

    user = User.objects.get(pk=user.pk)
    context = ContextProfile.objects.filter(user=user).first()
    memberships = Membership.objects.filter(user=user).select_related("organisation").order_by("id")
    consents = (
        Consent.objects.filter(user=user).select_related("organisation").order_by("given_at", "id")
    )
    enrolments = (
        Enrolment.objects.filter(user=user)
        .select_related("group", "group__programme", "group__organisation")
        .order_by("created_at", "id")
    )
    attendance = (
        Attendance.objects.filter(user=user)
        .select_related("session", "session__group")
        .order_by("session__starts_at", "id")
    )
    events = AuditEvent.objects.filter(actor_id=user.pk).order_by("at", "id")
    room_messages = (
        Message.objects.filter(author=user, kind="text")
        .select_related("room", "room__group")
        .order_by("sent_at", "id")
    )
    pairings = Pairing.objects.filter(participant=user).union(
        Pairing.objects.filter(volunteer=user)
    )
    return {
        "format": "peercircle-personal-data",
        "format_version": EXPORT_FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "account": {
            "sign_in_name": user.username,
            "pseudonym": user.pseudonym,
            "real_name": user.real_name,
            "email": user.email,
            "phone": user.phone,
            "date_joined": iso_or_none(user.date_joined),
            "last_login": iso_or_none(user.last_login),
        },
        "context": (
            {
                "year_of_birth": context.year_of_birth,
                "gender": context.gender,
                "perinatal_stage": context.perinatal_stage,
                "postcode_area": context.postcode_area,
                "languages": context.languages,
                "updated_at": iso_or_none(context.updated_at),
            }
            if context is not None
            else None
        ),
        "memberships": [
            {
                "organisation": m.organisation.name,
                "role": m.role,
                "since": iso_or_none(m.created_at),
            }
            for m in memberships
        ],
        "consents": [
            {
                "organisation": c.organisation.name,
                "purpose": c.purpose,
                "version": c.version,
                "wording": WORDING.get(Purpose(c.purpose), {}).get(c.version, ""),
                "given_at": iso_or_none(c.given_at),
                "withdrawn_at": iso_or_none(c.withdrawn_at),
            }
            for c in consents
        ],
        "enrolments": [
            {
                "organisation": e.group.organisation.name,
                "programme": e.group.programme.name,
                "group": e.group.name,
                "status": e.status,
                "created_at": iso_or_none(e.created_at),
                "joined_at": iso_or_none(e.joined_at),
                "waiting_since": iso_or_none(e.waiting_since),
                "offered_at": iso_or_none(e.offered_at),
                "ended_at": iso_or_none(e.ended_at),
                "ended_reason": e.ended_reason,
            }
            for e in enrolments
        ],
        "attendance": [
            {
                "group": a.session.group.name,
                "session_starts_at": iso_or_none(a.session.starts_at),
                "status": a.status,
            }
            for a in attendance
        ],
        # What the person wrote in live rooms (never what others wrote).
        "room_messages": [
            {
                "room": m.room.get_kind_display(),
                "group": m.room.group.name if m.room.group else "",
                "sent_at": iso_or_none(m.sent_at),
                "text": m.body,
                "hidden_by_a_facilitator": m.hidden_at is not None,
            }
            for m in room_messages
        ],
        # One-to-one support, without the other person.
        "pairings": sorted(
            (
                {
                    "as": "participant" if p.participant_id == user.pk else "volunteer",
                    "started_at": iso_or_none(p.started_at),
                    "ended_at": iso_or_none(p.ended_at),
                }
                for p in pairings
            ),
            key=lambda row: row["started_at"] or "",
        ),
        # Questionnaires answered, with scores, and check-ins after sessions.
        **questionnaires_for_export(user),
        # Applying, training, check-ins, activity and supervision as a volunteer.
        "volunteering": volunteering_for_export(user),
        "audit_events": [
            {
                "at": iso_or_none(ev.at),
                "action": ev.action,
                "object_type": ev.object_type,
                "object_id": ev.object_id,
                "organisation_id": ev.organisation_id,
                "detail": ev.detail,
            }
            for ev in events
        ],
    }
