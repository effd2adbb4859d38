"""Capacity is held by the database, even when people join at the same moment."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from peercircle.programmes.models import Enrolment, EnrolmentStatus, Group
from peercircle.programmes.services import enrolment_join
from tests.conftest import member_with_consent
from tests.factories import GroupFactory, OrganisationFactory, ProgrammeFactory


def test_database_refuses_more_places_than_capacity(group):
    Group.objects.filter(pk=group.pk).update(places_taken=group.capacity)
    with pytest.raises(IntegrityError), transaction.atomic():
        Group.objects.filter(pk=group.pk).update(places_taken=F("places_taken") + 1)


def test_database_refuses_two_current_enrolments_for_one_person(group, make_member):
    member = make_member()
    enrolment_join(user=member, group=group)
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(
            group=group, user=member, status=EnrolmentStatus.WAITING, waiting_since=group.created_at
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_joins_for_the_last_place_give_one_member_and_one_waiting():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://...")
    org = OrganisationFactory(slug="race")
    programme = ProgrammeFactory(organisation=org)
    rounds = 8
    groups = [GroupFactory(programme=programme, capacity=1) for _ in range(rounds)]
    pairs = [(member_with_consent(org), member_with_consent(org)) for _ in range(rounds)]

    for group, (first, second) in zip(groups, pairs, strict=True):
        barrier = threading.Barrier(2)
        results: dict[str, str] = {}
        errors: list[BaseException] = []

        def join(person, label, group=group, barrier=barrier, results=results, errors=errors):
            try:
                barrier.wait(timeout=10)
                results[label] = enrolment_join(user=person, group=group).status
            except BaseException as exc:  # reported below, never swallowed
                errors.append(exc)
            finally:
                connection.close()

        threads = [
            threading.Thread(target=join, args=(p, label))
            for p, label in ((first, "a"), (second, "b"))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not errors, errors
        assert sorted(results.values()) == ["active", "waiting"]
        group.refresh_from_db()
        assert group.places_taken == 1
        assert Enrolment.objects.filter(group=group, status="active").count() == 1
