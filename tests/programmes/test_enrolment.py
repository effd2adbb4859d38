from __future__ import annotations

import pytest

from peercircle.programmes.models import EnrolmentStatus, Group
from peercircle.programmes.services import EnrolmentError, enrolment_join, enrolment_leave


def test_full_group_puts_new_member_on_waiting_list(group, make_member):
    members = [make_member() for _ in range(4)]
    statuses = [enrolment_join(user=m, group=group).status for m in members]
    assert statuses == ["active", "active", "active", "waiting"]
    assert Group.objects.get(pk=group.pk).places_taken == 3


def test_leaving_offers_the_freed_place_to_the_first_person_waiting(group, make_member):
    members = [make_member() for _ in range(5)]
    enrolments = [enrolment_join(user=m, group=group) for m in members]
    enrolment_leave(user=members[0], enrolment=enrolments[0])
    enrolments[3].refresh_from_db()
    enrolments[4].refresh_from_db()
    assert enrolments[3].status == EnrolmentStatus.OFFERED
    assert enrolments[4].status == EnrolmentStatus.WAITING
    assert Group.objects.get(pk=group.pk).places_taken == 3


def test_joining_twice_is_refused_in_plain_words(group, make_member):
    member = make_member()
    enrolment_join(user=member, group=group)
    with pytest.raises(EnrolmentError, match="already a member"):
        enrolment_join(user=member, group=group)
    assert Group.objects.get(pk=group.pk).places_taken == 1
