"""The Django admin: staff only, audit log read-only, encrypted fields never searchable."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from peercircle.accounts.models import Consent, ContextProfile, User
from peercircle.core.audit import audit_record
from peercircle.core.models import AuditEvent, CrisisResource, Membership, Organisation
from peercircle.programmes.models import Attendance, Enrolment, Group, Programme, Session
from tests.factories import UserFactory

REGISTERED = [
    Organisation,
    CrisisResource,
    Membership,
    AuditEvent,
    User,
    ContextProfile,
    Consent,
    Programme,
    Group,
    Session,
    Enrolment,
    Attendance,
]


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", pseudonym="Root", is_staff=True, is_superuser=True)


def _changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m.__name__)
def test_staff_can_open_each_list(client, superuser, group, model):
    client.force_login(superuser)
    assert client.get(_changelist(model)).status_code == 200


def test_people_who_are_not_staff_are_sent_to_sign_in(client, coordinator, group):
    client.force_login(coordinator)
    response = client.get(_changelist(Group))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_audit_events_cannot_be_added_changed_or_deleted_in_the_admin(client, superuser, org):
    event = audit_record(actor=superuser, action="test.event", organisation=org)
    client.force_login(superuser)
    label = "admin:core_auditevent"
    assert client.get(reverse(f"{label}_add")).status_code == 403
    assert (
        client.post(reverse(f"{label}_change", args=[event.pk]), {"action": "changed"}).status_code
        == 403
    )
    assert (
        client.post(reverse(f"{label}_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    )
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"
    # Still viewable.
    page = client.get(reverse(f"{label}_change", args=[event.pk]))
    assert page.status_code == 200 and "test.event" in page.content.decode()


def test_encrypted_fields_are_never_searchable(client, superuser, participant):
    encrypted = {"real_name", "email", "phone"}
    for model_admin in admin.site._registry.values():
        searched = {term.split("__")[-1].lstrip("^=@") for term in model_admin.search_fields}
        assert not searched & encrypted, type(model_admin).__name__
    client.force_login(superuser)
    by_real_name = client.get(_changelist(User), {"q": participant.real_name.split()[0]})
    assert participant.pseudonym not in by_real_name.content.decode()
    by_pseudonym = client.get(_changelist(User), {"q": participant.pseudonym})
    assert participant.pseudonym in by_pseudonym.content.decode()


def test_user_page_shows_contact_details_to_staff(client, superuser, participant):
    client.force_login(superuser)
    page = client.get(reverse("admin:accounts_user_change", args=[participant.pk]))
    assert page.status_code == 200
    assert participant.real_name in page.content.decode()


def test_places_taken_is_read_only(client, superuser, group):
    assert "places_taken" in admin.site._registry[Group].get_readonly_fields(None)
    client.force_login(superuser)
    page = client.get(reverse("admin:programmes_group_change", args=[group.pk]))
    assert page.status_code == 200
    assert 'name="places_taken"' not in page.content.decode()


def test_enrolments_cannot_be_edited_in_the_admin(client, superuser, group, make_member):
    from peercircle.programmes.services import enrolment_join

    enrolment = enrolment_join(user=make_member(), group=group)
    client.force_login(superuser)
    response = client.post(
        reverse("admin:programmes_enrolment_change", args=[enrolment.pk]), {"status": "removed"}
    )
    assert response.status_code == 403
    assert Enrolment.objects.get(pk=enrolment.pk).status == "active"
