"""Central access checks: one error for "not found" and "not allowed"."""

from __future__ import annotations

import pytest

from peercircle.accounts.access import access_contact_details
from peercircle.core.access import NotFound, access_organisation
from peercircle.core.models import AuditEvent
from peercircle.core.roles import MANAGES_PROGRAMMES, Role
from peercircle.programmes.access import (
    access_group_manage,
    access_group_register,
    access_group_view,
    access_programme_manage,
)


def test_not_found_and_not_allowed_raise_the_same_error(org, coordinator, outsider):
    with pytest.raises(NotFound) as missing:
        access_organisation(outsider, 999_999, roles=MANAGES_PROGRAMMES)
    with pytest.raises(NotFound) as forbidden:
        access_organisation(outsider, org.pk, roles=MANAGES_PROGRAMMES)
    assert str(missing.value) == str(forbidden.value)
    assert access_organisation(coordinator, org.pk, roles=MANAGES_PROGRAMMES) == org


def test_garbage_ids_are_not_found(coordinator):
    for bad in ("abc", None, "1; drop table", ""):
        with pytest.raises(NotFound):
            access_programme_manage(coordinator, bad)


def test_only_coordinators_manage_programmes_and_groups(
    programme, group, participant, volunteer, safeguarding_lead, evaluator, outsider, coordinator
):
    assert access_programme_manage(coordinator, programme.pk) == programme
    assert access_group_manage(coordinator, group.pk) == group
    for person in (participant, volunteer, safeguarding_lead, evaluator, outsider):
        with pytest.raises(NotFound):
            access_programme_manage(person, programme.pk)
        with pytest.raises(NotFound):
            access_group_manage(person, group.pk)


def test_facilitator_takes_register_of_own_group_only(group, private_group, volunteer, participant):
    assert access_group_register(volunteer, group.pk) == group
    with pytest.raises(NotFound):
        access_group_register(volunteer, private_group.pk)
    with pytest.raises(NotFound):
        access_group_register(participant, group.pk)


def test_unlisted_group_is_hidden_from_outsiders_and_anonymous(
    private_group, outsider, coordinator
):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotFound):
        access_group_view(outsider, private_group.pk)
    with pytest.raises(NotFound):
        access_group_view(AnonymousUser(), private_group.pk)
    assert access_group_view(coordinator, private_group.pk) == private_group


def test_contact_details_only_for_coordinator_and_safeguarding_lead_and_every_read_is_audited(
    org, participant, coordinator, safeguarding_lead, volunteer, evaluator, outsider
):
    before = AuditEvent.objects.filter(action="read.contact_details").count()
    for reader in (coordinator, safeguarding_lead):
        person = access_contact_details(reader, participant.pk, organisation_id=org.pk)
        assert person.email == participant.email
    assert AuditEvent.objects.filter(action="read.contact_details").count() == before + 2
    event = AuditEvent.objects.filter(action="read.contact_details").first()
    assert event.actor_id in {coordinator.pk, safeguarding_lead.pk}
    assert event.object_id == str(participant.pk)
    for reader in (volunteer, evaluator, participant, outsider):
        with pytest.raises(NotFound):
            access_contact_details(reader, participant.pk, organisation_id=org.pk)
    # An outsider asking about their own organisation for someone who is not in it.
    with pytest.raises(NotFound):
        access_contact_details(
            outsider, participant.pk, organisation_id=outsider.memberships.get().organisation_id
        )
    assert AuditEvent.objects.filter(action="read.contact_details").count() == before + 2


def test_roles_are_per_organisation(org, other_org, coordinator):
    from peercircle.accounts.services import membership_grant
    from peercircle.core.access import roles_in

    assert roles_in(coordinator, org.pk) == {Role.COORDINATOR}
    assert roles_in(coordinator, other_org.pk) == frozenset()
    membership_grant(user=coordinator, organisation=other_org, role=Role.EVALUATOR, actor=None)
    assert roles_in(coordinator, other_org.pk) == {Role.EVALUATOR}
