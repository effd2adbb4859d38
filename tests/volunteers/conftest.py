"""Volunteer fixtures: an applicant (Robin, a member of Riverside who applies
to volunteer) and helpers that walk a profile along the pipeline with the
services, so that each test starts where it needs to."""

from __future__ import annotations

import datetime as dt

import pytest

from peercircle.volunteers import services
from peercircle.volunteers.gate import organisation_today
from peercircle.volunteers.models import TrainingModule
from tests.conftest import _persona

APPLICATION = {
    "lived_experience": "I had postnatal depression; a peer group got me through it.",
    "languages": ["English", "Urdu"],
    "availability": ["tue_evening", "sat_morning"],
    "roles_wanted": ["facilitate", "one_to_one"],
}


@pytest.fixture
def applicant(org):
    """Robin: a member of Riverside, about to apply."""
    return _persona(org, "participant", "robin", "Robin")


def apply(person, org, **overrides):
    return services.application_submit(
        person=person, organisation=org, **{**APPLICATION, **overrides}
    )


def screen_fully(profile, coordinator):
    """References and an interview that say go on to training."""
    today = organisation_today(profile.organisation)
    for number in range(2):
        reference = services.reference_add(
            actor=coordinator,
            profile=profile,
            referee_name=f"Referee {number}",
            relationship="employer",
            contact="ref@example.org",
        )
        services.reference_receive(actor=coordinator, reference=reference, satisfactory=True)
    services.interview_record(
        actor=coordinator, profile=profile, held_on=today, outcome="proceed", notes="Warm, clear."
    )


def train_fully(profile, coordinator, roles=("facilitate", "one_to_one")):
    for module in TrainingModule.objects.filter(organisation=profile.organisation, is_active=True):
        if any(module.required_for_role(role) for role in roles):
            completion = services.module_complete(
                actor=profile.person, profile=profile, module=module, reflection="Noted."
            )
            services.module_sign_off(actor=coordinator, completion=completion)


def record_check(profile, coordinator, *, expires_in_days=3 * 365, outcome="clear"):
    today = organisation_today(profile.organisation)
    return services.check_record(
        actor=coordinator,
        profile=profile,
        kind="Enhanced DBS",
        checked_on=today - dt.timedelta(days=10),
        expires_on=today + dt.timedelta(days=expires_in_days),
        outcome=outcome,
    )


def to_state(profile, coordinator, state):
    """Walk ``profile`` from applied to ``state`` (screening, training or active)."""
    if state in ("screening", "training", "active"):
        services.volunteer_screen(actor=coordinator, profile=profile)
    if state in ("training", "active"):
        screen_fully(profile, coordinator)
        services.volunteer_train(actor=coordinator, profile=profile)
    if state == "active":
        train_fully(profile, coordinator)
        record_check(profile, coordinator)
        services.volunteer_activate(actor=coordinator, profile=profile)
    profile.refresh_from_db()
    return profile


@pytest.fixture
def walk(coordinator):
    def make(profile, state):
        return to_state(profile, coordinator, state)

    return make
