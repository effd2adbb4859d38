"""Roles a person can hold in an organisation, and which of them are staff.

Pure module (no Django import): used by access checks, views and tests.
See docs/access.md.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    PARTICIPANT = "participant"
    VOLUNTEER = "volunteer"
    COORDINATOR = "coordinator"
    SAFEGUARDING_LEAD = "safeguarding_lead"
    EVALUATOR = "evaluator"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.PARTICIPANT: "Participant",
    Role.VOLUNTEER: "Volunteer peer supporter",
    Role.COORDINATOR: "Coordinator",
    Role.SAFEGUARDING_LEAD: "Safeguarding lead",
    Role.EVALUATOR: "Evaluator",
    Role.ADMIN: "Administrator",
}

#: Roles that run the programme: they may see real names and contact details
#: only where SEES_CONTACT_DETAILS also holds.
STAFF_ROLES = frozenset({Role.COORDINATOR, Role.SAFEGUARDING_LEAD, Role.EVALUATOR, Role.ADMIN})
#: Roles that may manage programmes, groups, sessions and enrolments.
MANAGES_PROGRAMMES = frozenset({Role.COORDINATOR, Role.ADMIN})
#: Roles that may read real names and contact details.
SEES_CONTACT_DETAILS = frozenset({Role.COORDINATOR, Role.SAFEGUARDING_LEAD})
