"""A person's own questionnaires for their personal-data export
(``accounts.selectors.user_data_for_export``; docs/data-protection.md): every
response with its answers and score, and the short check-ins after sessions
and one-to-one contacts. Groups appear by name; facilitators are left out."""

from __future__ import annotations

from typing import Any

from peercircle.accounts.selectors import iso_or_none
from peercircle.questionnaires.models import MechanismCheckIn, Response


def questionnaires_for_export(person: Any) -> dict[str, list[dict[str, Any]]]:
    responses = (
        Response.objects.filter(person_id=person.pk)
        .select_related("group")
        .order_by("started_at", "id")
    )
    checkins = (
        MechanismCheckIn.objects.filter(person_id=person.pk)
        .select_related("group")
        .order_by("created_at", "id")
    )
    return {
        "questionnaire_responses": [
            {
                "instrument": r.instrument,
                "instrument_version": r.instrument_version,
                "time_point": r.time_point,
                "group": r.group.name if r.group else "",
                "started_at": iso_or_none(r.started_at),
                "submitted_at": iso_or_none(r.submitted_at),
                # Each answer is the 0-based option chosen; null when not answered.
                "answers": list(r.answers),
                "declined": list(r.declined),
                "total": r.total,
                "band": r.band,
                "risk_answer": r.risk,
            }
            for r in responses
        ],
        "session_checkins": [
            {
                "group": c.group.name if c.group else "",
                "one_to_one": c.pairing_id is not None,
                "contact_date": iso_or_none(c.contact_date),
                "answers": dict(c.answers),
                "at": iso_or_none(c.created_at),
            }
            for c in checkins
        ],
    }
