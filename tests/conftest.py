"""Personas and shared fixtures.

Each persona holds one role in the "Riverside Peer Support" organisation, except
the outsider, who is a coordinator of a different organisation and must see
nothing of Riverside's:

- participant (Sam): a member; sees groups, their own enrolments, pseudonyms only.
- volunteer (Alex): an active volunteer peer supporter (screened, trained by Jo,
  background check current); facilitates the men's group; takes its register;
  pseudonyms only.
- coordinator (Jo): manages programmes, groups, waiting lists, registers; may read
  real names and contact details (audited).
- safeguarding lead (Priya): may read contact details (audited); does not manage groups.
- evaluator (Eve): pseudonymised data only; no contact details, no back office.
- outsider (Olly): coordinator of another organisation; gets 404 for everything of Riverside's.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import transaction

from peercircle.accounts.consent import Purpose
from peercircle.accounts.services import consent_give
from peercircle.programmes.services import group_create, programme_create
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    make_active_volunteer,
    next_weekday,
)

#: Tests of the pure cores: scoring, matching and risk screening (no Django
#: models, no database, no Redis). What they check cannot differ between
#: SQLite and PostgreSQL, so scripts/test runs them once, in the SQLite run.
PURE_TESTS = (
    "tests/measures/",
    "tests/matching/",
    "tests/safety/test_screening.py",
    "tests/safety/test_screening_figures.py",
    "tests/safety/test_evaluation_set.py",
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if (
            item.nodeid.startswith(PURE_TESTS)
            and item.get_closest_marker("django_db") is None
            and not {"db", "transactional_db", "client", "live_server"} & set(item.fixturenames)
        ):
            item.add_marker(pytest.mark.pure)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


# --- the personas and their organisation -------------------------------------------
# Builders, so that a module can build the same world once (see module_transaction)
# as the fixtures below build it for each test.


def build_org():
    return OrganisationFactory(name="Riverside Peer Support", slug="riverside")


def build_other_org():
    return OrganisationFactory(name="Hilltop Wellbeing", slug="hilltop")


def _persona(org, role, username, pseudonym, **context):
    user = UserFactory(username=username, pseudonym=pseudonym, context=context or None)
    MembershipFactory(user=user, organisation=org, role=role)
    return user


def build_participant(org):
    user = _persona(org, "participant", "sam", "Sam", gender="man", year_of_birth=1988)
    consent_give(user=user, organisation=org, purpose=Purpose.SERVICE)
    return user


def build_coordinator(org):
    return _persona(org, "coordinator", "jo", "Jo")


def build_volunteer(org, coordinator):
    user = _persona(org, "volunteer", "alex", "Alex")
    make_active_volunteer(user, org, trainer=coordinator)
    return user


def build_safeguarding_lead(org):
    return _persona(org, "safeguarding_lead", "priya", "Priya")


def build_evaluator(org):
    return _persona(org, "evaluator", "eve", "Eve")


def build_outsider(other_org):
    return _persona(other_org, "coordinator", "olly", "Olly")


def build_programme(org, coordinator):
    return programme_create(
        actor=coordinator,
        organisation=org,
        name="Men's Peer Support",
        focus="men",
        description="A place for men to talk.",
        genders=["man"],
        min_age=18,
    )


def build_group(programme, coordinator, volunteer):
    return group_create(
        actor=coordinator,
        programme=programme,
        facilitator_ids=[volunteer.pk],
        name="Monday Men's Group",
        description="We meet every Monday evening.",
        delivery="in_person",
        venue_name="Riverside Community Centre",
        address="1 River Street, Leeds",
        area="Leeds",
        latitude=53.7997,
        longitude=-1.5492,
        capacity=3,
        weekday=0,
        start_time=dt.time(19, 0),
        duration_minutes=120,
        start_date=next_weekday(0),
    )


def build_private_group(programme, coordinator):
    return group_create(
        actor=coordinator,
        programme=programme,
        name="Unlisted Group",
        delivery="online",
        capacity=5,
        weekday=2,
        start_time=dt.time(10, 0),
        start_date=next_weekday(2),
        listed=False,
    )


@pytest.fixture
def org(db):
    return build_org()


@pytest.fixture
def other_org(db):
    return build_other_org()


@pytest.fixture
def participant(org):
    return build_participant(org)


@pytest.fixture
def volunteer(org, coordinator):
    return build_volunteer(org, coordinator)


@pytest.fixture
def coordinator(org):
    return build_coordinator(org)


@pytest.fixture
def safeguarding_lead(org):
    return build_safeguarding_lead(org)


@pytest.fixture
def evaluator(org):
    return build_evaluator(org)


@pytest.fixture
def outsider(other_org):
    return build_outsider(other_org)


@pytest.fixture
def programme(org, coordinator):
    return build_programme(org, coordinator)


@pytest.fixture
def group(programme, coordinator, volunteer):
    return build_group(programme, coordinator, volunteer)


@pytest.fixture
def private_group(programme, coordinator):
    return build_private_group(programme, coordinator)


@pytest.fixture(scope="module")
def module_transaction(django_db_setup, django_db_blocker):
    """One transaction for a whole test module, rolled back at its end.

    A module whose tests share a large, read-mostly world builds it once under
    this (as Django's TestCase.setUpTestData does); each test still runs in its
    own savepoint inside it (ask for ``db``), so what a test changes is undone
    before the next. Built objects are shared Python instances: tests must not
    rely on changing them in memory.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


def member_with_consent(org, **kwargs):
    user = UserFactory(**kwargs)
    MembershipFactory(user=user, organisation=org, role="participant")
    consent_give(user=user, organisation=org, purpose=Purpose.SERVICE)
    return user


@pytest.fixture
def make_member(org):
    def make(**context):
        return member_with_consent(org, context=context or {"gender": "man", "year_of_birth": 1990})

    return make
