"""Registers and apologies through the API."""

from __future__ import annotations

import pytest

from peercircle.programmes.models import Attendance
from peercircle.programmes.services import enrolment_join

REGISTER = [
    (None, 401),
    ("participant", 403),
    ("volunteer", 200),  # facilitates the group
    ("coordinator", 200),
    ("safeguarding_lead", 403),
    ("evaluator", 403),
    ("outsider", 404),
]


@pytest.fixture
def session(group):
    return group.sessions.order_by("starts_at").first()


@pytest.fixture
def member(group, participant):
    enrolment_join(user=participant, group=group)
    return participant


@pytest.mark.parametrize(("persona", "status"), REGISTER)
def test_read_register(call, session, member, other_org, persona, status):
    response = call(persona, "get", f"/api/sessions/{session.pk}/attendance")
    assert response.status_code == status
    if status == 200:
        assert response.json()["lines"] == [
            {"user_id": member.pk, "pseudonym": "Sam", "status": None}
        ]


@pytest.mark.parametrize(("persona", "status"), REGISTER)
def test_take_register(call, session, member, other_org, persona, status):
    marks = {"marks": {str(member.pk): "present"}}
    response = call(persona, "put", f"/api/sessions/{session.pk}/attendance", marks)
    assert response.status_code == status
    assert Attendance.objects.filter(session=session, user=member).exists() == (status == 200)
    if status == 200:
        body = response.json()
        assert body["lines"][0]["status"] == "present"
        assert body["register_taken_at"].endswith("+00:00")


@pytest.mark.parametrize(
    ("marks", "message"),
    [
        ({"MEMBER": "dancing"}, "present, absent or sent apologies"),
        ({"987654": "present"}, "Only members"),
        ({"not-a-number": "present"}, None),
        ({"99999999999999999999999": "present"}, None),  # beyond any id: 422, not a database error
    ],
)
def test_bad_register_names_the_field(call, session, member, marks, message):
    marks = {key.replace("MEMBER", str(member.pk)): value for key, value in marks.items()}
    response = call("volunteer", "put", f"/api/sessions/{session.pk}/attendance", {"marks": marks})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert any(field.startswith("marks") for field in errors), errors
    if message:
        assert message in errors["marks"][0]


def test_register_of_unlisted_group_is_404_for_a_participant(call, private_group):
    session = private_group.sessions.first()
    assert call("participant", "get", f"/api/sessions/{session.pk}/attendance").status_code == 404


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        (None, 401),
        ("participant", 200),
        ("volunteer", 404),
        ("coordinator", 404),
        ("outsider", 404),
    ],
)
def test_apologies_only_from_members(call, session, member, other_org, persona, status):
    response = call(persona, "post", f"/api/sessions/{session.pk}/apologies")
    assert response.status_code == status
    if status == 200:
        assert response.json() == {"session_id": session.pk, "status": "apologies"}
        assert Attendance.objects.get(session=session, user=member).status == "apologies"
