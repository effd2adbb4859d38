"""Matching fixtures: more people asking for one-to-one support and more
supporters, made with the services, so each test starts where it needs to.

- the ``volunteer`` persona (Alex): English, Monday and Thursday evenings.
- ``heron``: an active volunteer, a woman, English and Urdu, Tuesday evenings
  and Saturday mornings, offers online and in person in Leeds, a new mum.
- ``trainee``: wants one-to-one work but is still in training (the gate says no).
"""

from __future__ import annotations

import pytest

from peercircle.matchmaking import services
from peercircle.volunteers import services as volunteering
from peercircle.volunteers.models import VolunteerProfile
from tests.conftest import _persona, member_with_consent
from tests.factories import make_active_volunteer

ASK = {
    "languages": ["English"],
    "slots": ["mon-evening"],
    "formats": ["online"],
    "town": "",
    "tags": [],
    "gender_preference": "",
    "gender_strength": "",
    "tag_preference": "",
    "tag_strength": "",
    "note": "",
}


def ask(person, org, **overrides):
    return services.request_submit(person=person, organisation=org, **{**ASK, **overrides})


def supporter(org, coordinator, username, pseudonym, *, gender="", languages=("English",),
              availability=("mon_evening",), offer=None, limit=None):  # fmt: skip
    """An active volunteer who wants one-to-one work, with their offer."""
    user = _persona(org, "volunteer", username, pseudonym, gender=gender)
    profile = make_active_volunteer(user, org, trainer=coordinator)
    VolunteerProfile.objects.filter(pk=profile.pk).update(
        languages=list(languages), availability=list(availability), caseload_limit=limit
    )
    profile.refresh_from_db()
    if offer is not None:
        services.offer_update(actor=user, profile=profile, **offer)
    return profile


@pytest.fixture
def alex_profile(volunteer, org):
    return VolunteerProfile.objects.get(person=volunteer, organisation=org)


@pytest.fixture
def heron(org, coordinator):
    return supporter(
        org, coordinator, "heron", "Heron", gender="woman", languages=("English", "Urdu"),
        availability=("tue_evening", "sat_morning"),
        offer={"formats": ["online", "in_person"], "tags": ["new_mum"], "town": "Leeds"},
    )  # fmt: skip


@pytest.fixture
def trainee(org, coordinator):
    user = _persona(org, "volunteer", "wren", "Wren")
    return volunteering.application_submit(
        person=user,
        organisation=org,
        lived_experience="Anxiety for years.",
        languages=["English"],
        availability=["mon_evening"],
        roles_wanted=["one_to_one"],
    )


@pytest.fixture
def member(org):
    def make(pseudonym, **context):
        return member_with_consent(org, pseudonym=pseudonym, context=context or {"gender": "man"})

    return make
