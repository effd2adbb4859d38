"""The gate: who may facilitate a group or take a one-to-one pairing.

A volunteer may support people when they are **active**, their latest
background check **cleared and has not expired**, and every active training
module required for that role is **completed, signed off by a coordinator and
not past its refresher date**. ``programmes.services`` (adding facilitators)
and ``rooms.services.pairing_create`` call ``require_eligible``; pages call
``may_support`` to say why not before anyone tries.

Coordinators and administrators are staff: they facilitate under their
employment's own checks and training, so the gate lets them through (and says
so). Everyone else, including people who hold the volunteer role without a
volunteer record, needs the record. See docs/volunteers.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from peercircle.core.access import roles_in
from peercircle.core.models import Organisation
from peercircle.core.roles import Role
from peercircle.volunteers import rules
from peercircle.volunteers.models import (
    BackgroundCheck,
    ModuleCompletion,
    TrainingModule,
    VolunteerProfile,
)

#: Roles the gate lets through: staff who facilitate as part of their job.
STAFF_EXEMPT = frozenset({Role.COORDINATOR, Role.ADMIN})


class NotEligible(Exception):
    """The person may not support people in this role yet; ``message`` says why."""

    def __init__(self, message: str, reasons: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.reasons = reasons


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    role: str
    name: str
    reasons: tuple[str, ...] = ()
    #: Let through as staff, not as a volunteer.
    staff: bool = False

    @property
    def message(self) -> str:
        if self.allowed:
            return ""
        return rules.gate_message(self.name, self.role, self.reasons)


def _organisation(organisation: Organisation | int) -> Organisation:
    if isinstance(organisation, Organisation):
        return organisation
    return Organisation.objects.get(pk=organisation)


def organisation_today(organisation: Organisation, now: Any = None) -> date:
    """Today's date where the organisation is."""
    return timezone.localtime(now or timezone.now(), ZoneInfo(organisation.timezone)).date()


def latest_check(profile: VolunteerProfile) -> BackgroundCheck | None:
    return profile.background_checks.order_by("-checked_on", "-id").first()


def training_facts(
    profile: VolunteerProfile, roles: tuple[str, ...], today: date
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[str, date], ...]]:
    """(not signed off, waiting for sign-off, refresher overdue) titles for the
    active modules required for any of ``roles``."""
    modules = [
        module
        for module in TrainingModule.objects.filter(
            organisation_id=profile.organisation_id, is_active=True
        ).order_by("position", "id")
        if any(module.required_for_role(role) for role in roles)
    ]
    signed: dict[int, ModuleCompletion] = {}
    waiting: set[int] = set()
    for completion in ModuleCompletion.objects.filter(profile=profile, module__in=modules).order_by(
        "signed_off_at", "id"
    ):
        if completion.signed_off_at is None:
            waiting.add(completion.module_id)
        else:
            signed[completion.module_id] = completion  # the latest sign-off wins
    not_signed: list[str] = []
    waiting_titles: list[str] = []
    overdue: list[tuple[str, date]] = []
    for module in modules:
        done = signed.get(module.pk)
        lapsed = (
            done is not None
            and done.refresher_due_on is not None
            and (done.refresher_due_on < today)
        )
        if done is not None and not lapsed:
            continue
        if module.pk in waiting:
            waiting_titles.append(module.title)
        elif done is None:
            not_signed.append(module.title)
        else:
            assert done.refresher_due_on is not None
            overdue.append((module.title, done.refresher_due_on))
    return tuple(not_signed), tuple(waiting_titles), tuple(overdue)


def facts_for(profile: VolunteerProfile | None, roles: tuple[str, ...], today: date) -> Any:
    if profile is None:
        return rules.GateFacts(state=None, check=None)
    check = latest_check(profile)
    not_signed, waiting, overdue = training_facts(profile, roles, today)
    return rules.GateFacts(
        state=profile.state,
        check=(
            rules.CheckFact(kind=check.kind, cleared=check.cleared, expires_on=check.expires_on)
            if check is not None
            else None
        ),
        not_signed_off=not_signed,
        waiting_sign_off=waiting,
        refresher_overdue=overdue,
    )


def may_support(
    person: Any, organisation: Organisation | int, role: str, *, today: date | None = None
) -> Verdict:
    """Whether ``person`` may support people in ``role`` (facilitate or
    one_to_one) for ``organisation`` today, with every reason if not."""
    if role not in rules.SUPPORT_ROLES:
        raise ValueError(f"Unknown support role {role!r}")
    organisation = _organisation(organisation)
    name = person.pseudonym
    if roles_in(person, organisation.pk) & STAFF_EXEMPT:
        return Verdict(allowed=True, role=role, name=name, staff=True)
    today = today or organisation_today(organisation)
    profile = VolunteerProfile.objects.filter(organisation=organisation, person=person).first()
    reasons = rules.gate_reasons(facts_for(profile, (role,), today), today)
    return Verdict(allowed=not reasons, role=role, name=name, reasons=tuple(reasons))


def require_eligible(
    person: Any, organisation: Organisation | int, role: str, *, today: date | None = None
) -> Verdict:
    """``may_support``, raising ``NotEligible`` with the plain message when not."""
    verdict = may_support(person, organisation, role, today=today)
    if not verdict.allowed:
        raise NotEligible(verdict.message, verdict.reasons)
    return verdict


def activation_reasons(profile: VolunteerProfile, today: date) -> list[str]:
    """What stands between a volunteer in training and being active: a current
    cleared check, and the modules required for the roles they asked for."""
    roles = tuple(role for role in profile.roles_wanted if role in rules.SUPPORT_ROLES)
    return rules.gate_reasons(facts_for(profile, roles, today), today, check_state=False)
