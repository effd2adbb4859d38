"""Writing to the append-only audit log.

Every service that changes state calls ``audit_record`` inside its transaction,
so the log line commits or rolls back with the change. Reads of sensitive
records (contact details, safeguarding notes) call ``audit_read``.
See docs/data-protection.md.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from peercircle.core.models import AuditEvent, Organisation


def _object_ref(obj: models.Model | None) -> tuple[str, str]:
    if obj is None:
        return "", ""
    return obj._meta.label_lower, str(obj.pk)


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    organisation: Organisation | int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    object_type, object_id = _object_ref(obj)
    actor_id = (
        getattr(actor, "pk", None)
        if actor is not None and getattr(actor, "is_authenticated", False)
        else None
    )
    organisation_id = organisation.pk if isinstance(organisation, Organisation) else organisation
    return AuditEvent.objects.create(
        actor_id=actor_id,
        organisation_id=organisation_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=detail or {},
    )


def audit_read(
    *, actor: Any, obj: models.Model, organisation: Organisation | int | None, what: str
) -> AuditEvent:
    """Record that ``actor`` read a sensitive part (``what``) of ``obj``."""
    return audit_record(actor=actor, action="read." + what, obj=obj, organisation=organisation)
