"""Who may read a person's real name and contact details. See docs/access.md."""

from __future__ import annotations

from typing import Any

from peercircle.accounts.models import User
from peercircle.core.access import NotFound, can_see_contact_details
from peercircle.core.audit import audit_read
from peercircle.core.models import Membership


def access_contact_details(user: Any, person_id: int, *, organisation_id: int) -> User:
    """The person, for reading real name and contact details; the read is audited.

    Only coordinators and safeguarding leads of an organisation the person
    belongs to may read them; everyone else gets NotFound.
    """
    if not can_see_contact_details(user, organisation_id):
        raise NotFound()
    if not Membership.objects.filter(user_id=person_id, organisation_id=organisation_id).exists():
        raise NotFound()
    try:
        person = User.objects.get(pk=person_id)
    except User.DoesNotExist:
        raise NotFound() from None
    audit_read(actor=user, obj=person, organisation=organisation_id, what="contact_details")
    return person
