"""Joining, leaving, offers and my groups, through the API."""

from __future__ import annotations

import pytest

from peercircle.accounts.consent import Purpose
from peercircle.accounts.services import consent_give
from peercircle.programmes.models import Enrolment, EnrolmentStatus, Group
from peercircle.programmes.services import enrolment_join, enrolment_leave


@pytest.mark.parametrize(
    ("persona", "status", "code"),
    [
        (None, 401, None),
        ("participant", 201, None),  # consented, eligible
        ("volunteer", 422, "consent"),  # has not agreed to how details are kept
        ("coordinator", 422, "consent"),
        ("safeguarding_lead", 422, "consent"),
        ("evaluator", 422, "consent"),
        ("outsider", 422, "consent"),  # the group is public; Riverside has no consent from Olly
    ],
)
def test_join_listed_group(call, group, other_org, persona, status, code):
    response = call(persona, "post", f"/api/groups/{group.pk}/enrolment")
    assert response.status_code == status
    if code:
        body = response.json()
        assert body["code"] == code
        assert body["detail"] == "Please agree to how we keep your details before joining a group."
    if status == 201:
        assert response.json()["status"] == "active"


def test_joining_an_unlisted_group_you_cannot_see_is_404(call, private_group, outsider):
    hidden = call("outsider", "post", f"/api/groups/{private_group.pk}/enrolment")
    missing = call("outsider", "post", "/api/groups/987654/enrolment")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content


def test_last_place_then_the_next_person_waits(call, group, make_member):
    for _ in range(2):
        enrolment_join(user=make_member(), group=group)
    last, next_person = make_member(), make_member()
    first = call(last, "post", f"/api/groups/{group.pk}/enrolment")
    assert first.status_code == 201
    assert first.json()["status"] == "active"
    second = call(next_person, "post", f"/api/groups/{group.pk}/enrolment")
    assert second.status_code == 201
    assert second.json()["status"] == "waiting"
    assert second.json()["waiting_position"] == 1
    assert Group.objects.get(pk=group.pk).places_taken == 3


def test_joining_twice_is_a_conflict(call, group, participant):
    assert call("participant", "post", f"/api/groups/{group.pk}/enrolment").status_code == 201
    again = call("participant", "post", f"/api/groups/{group.pk}/enrolment")
    assert again.status_code == 409
    assert again.json()["code"] == "duplicate"
    assert "already a member" in again.json()["detail"]
    assert Group.objects.get(pk=group.pk).places_taken == 1


def test_ineligible_person_gets_the_reason(call, group, make_member):
    woman = make_member(gender="woman", year_of_birth=1990)
    response = call(woman, "post", f"/api/groups/{group.pk}/enrolment")
    assert response.status_code == 422
    assert response.json()["code"] == "ineligible"
    assert response.json()["detail"]


def test_missing_context_names_what_to_tell_us(call, group, make_member):
    unknown = make_member(gender="", year_of_birth=None)
    response = call(unknown, "post", f"/api/groups/{group.pk}/enrolment")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "missing_context"
    assert body["errors"] and set(body["errors"]) <= {"gender", "year_of_birth", "perinatal_stage"}


def test_leave(call, group, participant):
    assert call("participant", "delete", f"/api/groups/{group.pk}/enrolment").status_code == 404
    call("participant", "post", f"/api/groups/{group.pk}/enrolment")
    response = call("participant", "delete", f"/api/groups/{group.pk}/enrolment")
    assert response.status_code == 200
    assert response.json()["status"] == "left"
    assert call(None, "delete", f"/api/groups/{group.pk}/enrolment").status_code == 401


@pytest.fixture
def offered(group, participant, make_member):
    """Sam waits for a full group; someone leaves; Sam is offered the place."""
    members = [make_member() for _ in range(3)]
    enrolments = [enrolment_join(user=m, group=group) for m in members]
    waiting = enrolment_join(user=participant, group=group)
    enrolment_leave(user=members[0], enrolment=enrolments[0])
    waiting.refresh_from_db()
    assert waiting.status == EnrolmentStatus.OFFERED
    return waiting


@pytest.mark.parametrize("action", ["accept", "decline"])
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
def test_offer_answered_only_by_its_person(call, offered, other_org, action, persona, status):
    response = call(persona, "post", f"/api/enrolments/{offered.pk}/{action}")
    assert response.status_code == status
    if status == 200:
        assert response.json()["status"] == ("active" if action == "accept" else "left")


def test_accepting_with_no_offer_is_plain_422(call, group, participant):
    enrolment = enrolment_join(user=participant, group=group)
    response = call("participant", "post", f"/api/enrolments/{enrolment.pk}/accept")
    assert response.status_code == 422
    assert response.json()["detail"] == "There is no place on offer to accept."


def test_not_found_and_someone_elses_enrolment_look_the_same(call, offered):
    other = call("volunteer", "post", f"/api/enrolments/{offered.pk}/accept")
    missing = call("volunteer", "post", "/api/enrolments/987654/accept")
    assert other.content == missing.content
    assert Enrolment.objects.get(pk=offered.pk).status == EnrolmentStatus.OFFERED


def test_my_enrolments(call, group, private_group, participant, volunteer, org):
    assert call(None, "get", "/api/me/enrolments").status_code == 401
    assert call("volunteer", "get", "/api/me/enrolments").json() == []
    enrolment_join(user=participant, group=group)
    consent_give(user=volunteer, organisation=org, purpose=Purpose.SERVICE)
    body = call("participant", "get", "/api/me/enrolments").json()
    (mine,) = body
    assert mine["group"]["name"] == "Monday Men's Group"
    assert mine["status"] == "active"
    assert mine["upcoming_sessions"] and mine["upcoming_sessions"][0]["starts_at"].endswith(
        "+00:00"
    )
    assert "address" not in mine["group"]
