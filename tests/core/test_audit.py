"""The audit log is append-only: the model refuses changes, and so does the database."""

from __future__ import annotations

import importlib

import pytest
from django.db import DatabaseError, connection, transaction

from peercircle.core.audit import audit_read, audit_record
from peercircle.core.models import AuditEvent

append_only = importlib.import_module("peercircle.core.migrations.0002_audit_append_only")


@pytest.fixture
def event(participant):
    return audit_record(actor=participant, action="test.thing", obj=participant, detail={"n": 1})


def test_audit_record_names_actor_object_and_detail(event, participant):
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor_id == participant.pk
    assert stored.object_type == "accounts.user"
    assert stored.object_id == str(participant.pk)
    assert stored.detail == {"n": 1}


def test_the_model_refuses_to_change_an_event(event):
    event.action = "test.rewritten"
    with pytest.raises(ValueError, match="cannot be changed"):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.thing"


def test_the_model_refuses_to_delete_an_event(event):
    with pytest.raises(ValueError, match="cannot be deleted"):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def _raw(sql, params):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_database_triggers_refuse_raw_update_and_delete(event):
    table = AuditEvent._meta.db_table
    if connection.vendor not in ("sqlite", "postgresql"):
        pytest.skip(f"no audit triggers are written for {connection.vendor}")
    # The test settings leave the triggers out (tables are emptied between
    # tests); install them inside this test's transaction, which rolls back.
    append_only.install(connection)

    with pytest.raises(DatabaseError, match="append-only"):
        _raw(f"UPDATE {table} SET action = %s WHERE id = %s", ["test.rewritten", event.pk])  # noqa: S608
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(f"DELETE FROM {table} WHERE id = %s", [event.pk])  # noqa: S608

    assert AuditEvent.objects.get(pk=event.pk).action == "test.thing"
    # Appending still works.
    audit_record(actor=None, action="test.after", detail={})
    assert AuditEvent.objects.filter(action="test.after").count() == 1


def test_queryset_update_and_delete_are_refused_by_the_triggers(event):
    if connection.vendor not in ("sqlite", "postgresql"):
        pytest.skip(f"no audit triggers are written for {connection.vendor}")
    append_only.install(connection)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="test.rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.thing"


def test_reading_contact_details_of_someone_else_is_audited(coordinator, participant, org):
    from peercircle.accounts.access import access_contact_details

    person = access_contact_details(coordinator, participant.pk, organisation_id=org.pk)
    assert person.email == participant.email
    event = AuditEvent.objects.get(action="read.contact_details")
    assert (event.actor_id, event.object_id, event.organisation_id) == (
        coordinator.pk,
        str(participant.pk),
        org.pk,
    )


@pytest.mark.parametrize("persona", ["participant", "volunteer", "evaluator", "outsider"])
def test_others_cannot_read_contact_details_and_nothing_is_logged_as_read(
    request, persona, participant, org
):
    from peercircle.accounts.access import access_contact_details
    from peercircle.core.access import NotFound

    reader = request.getfixturevalue(persona)
    with pytest.raises(NotFound):
        access_contact_details(reader, participant.pk, organisation_id=org.pk)
    assert not AuditEvent.objects.filter(action="read.contact_details").exists()


def test_audit_read_names_what_was_read(coordinator, participant, org):
    event = audit_read(actor=coordinator, obj=participant, organisation=org, what="contact_details")
    assert event.action == "read.contact_details"
