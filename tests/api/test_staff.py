"""Staff endpoints: programmes, groups, session cancellation, enrolment lists."""

from __future__ import annotations

import pytest

from peercircle.core.models import AuditEvent
from peercircle.programmes.models import Group, Programme, SessionStatus
from peercircle.programmes.services import enrolment_join
from tests.factories import next_weekday

# Who may manage Riverside's programmes: the coordinator. Others of Riverside can
# see listed groups and programmes, so they get 403; the outsider gets 404.
MANAGE = [
    (None, 401),
    ("participant", 403),
    ("volunteer", 403),
    ("coordinator", None),  # success
    ("safeguarding_lead", 403),
    ("evaluator", 403),
    ("outsider", 404),
]

NEW_GROUP = {
    "name": "Thursday Online",
    "delivery": "online",
    "online_link": "https://meet.example.org/thursday",
    "weekday": 3,
    "start_time": "18:30",
    "start_date": next_weekday(3).isoformat(),
    "capacity": 8,
}


@pytest.mark.parametrize(("persona", "status"), MANAGE)
def test_create_programme(call, org, other_org, persona, status):
    body = {"organisation": "riverside", "name": "Carers Circle", "focus": "carers"}
    response = call(persona, "post", "/api/programmes", body)
    assert response.status_code == (status or 201)
    assert Programme.objects.filter(name="Carers Circle").exists() == (status is None)
    if status is None:
        assert response.json()["organisation"]["slug"] == "riverside"
        assert AuditEvent.objects.filter(action="programme.create").exists()


@pytest.mark.parametrize(("persona", "status"), MANAGE)
def test_update_listed_programme(call, group, programme, other_org, persona, status):
    response = call(
        persona, "patch", f"/api/programmes/{programme.pk}", {"description": "Changed."}
    )
    assert response.status_code == (status or 200)
    programme.refresh_from_db()
    assert (programme.description == "Changed.") == (status is None)


def test_programme_nobody_can_see_is_404_for_the_organisations_people(call, programme):
    # No listed group yet: the programme is not public, so a participant cannot tell it exists.
    assert call("participant", "patch", f"/api/programmes/{programme.pk}", {}).status_code == 404
    assert call("participant", "patch", "/api/programmes/987654", {}).status_code == 404


def test_programme_rules_come_back_per_field(call, programme, group):
    response = call(
        "coordinator", "patch", f"/api/programmes/{programme.pk}", {"min_age": 40, "max_age": 30}
    )
    assert response.status_code == 422
    assert "oldest age" in response.json()["errors"]["max_age"][0]
    response = call(
        "coordinator", "patch", f"/api/programmes/{programme.pk}", {"genders": ["robot"]}
    )
    assert response.status_code == 422 and "genders" in response.json()["errors"]
    response = call("coordinator", "patch", f"/api/programmes/{programme.pk}", {"min_age": -3})
    assert response.status_code == 422 and "min_age" in response.json()["errors"]
    response = call("coordinator", "patch", f"/api/programmes/{programme.pk}", {"name": None})
    assert response.status_code == 422 and "name" in response.json()["errors"]


@pytest.mark.parametrize(("persona", "status"), MANAGE)
def test_create_group(call, group, programme, other_org, persona, status):
    response = call(persona, "post", "/api/groups", {**NEW_GROUP, "programme_id": programme.pk})
    assert response.status_code == (status or 201)
    assert Group.objects.filter(name="Thursday Online").exists() == (status is None)
    if status is None:
        body = response.json()
        assert body["online_link"] == "https://meet.example.org/thursday"
        assert body["start_time"] == "18:30:00"
        created = Group.objects.get(pk=body["id"])
        assert created.sessions.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"capacity": "lots"}, "capacity"),
        ({"capacity": 0}, "capacity"),
        ({"start_time": "half six"}, "start_time"),
        ({"weekday": 7}, "weekday"),
        ({"delivery": "in_person"}, "venue_name"),
        ({"online_link": "not a link"}, "online_link"),
        ({"kind": "course"}, "course_weeks"),
        ({"colour": "blue"}, "colour"),
        ({"name": ""}, "name"),
        ({"facilitator_ids": [987654]}, "facilitators"),
        ({"facilitator_ids": [10**30]}, "facilitator_ids.0"),
        ({"programme_id": 10**30}, "programme_id"),
        ({"capacity": 40000}, "capacity"),
        ({"description": None}, "description"),
    ],
)
def test_group_validation_names_the_field(call, programme, payload, field):
    response = call(
        "coordinator", "post", "/api/groups", {**NEW_GROUP, "programme_id": programme.pk, **payload}
    )
    assert response.status_code == 422
    body = response.json()
    assert field in body["errors"], body
    assert all(isinstance(m, str) and m for m in body["errors"][field])
    assert body["detail"]


def test_facilitator_from_another_organisation_is_refused(call, programme, outsider):
    payload = {**NEW_GROUP, "programme_id": programme.pk, "facilitator_ids": [outsider.pk]}
    response = call("coordinator", "post", "/api/groups", payload)
    assert response.status_code == 422
    assert "facilitators" in response.json()["errors"]
    assert not Group.objects.filter(name="Thursday Online").exists()


def test_group_in_a_programme_of_another_organisation_is_404(call, programme, outsider):
    response = call("outsider", "post", "/api/groups", {**NEW_GROUP, "programme_id": programme.pk})
    missing = call("outsider", "post", "/api/groups", {**NEW_GROUP, "programme_id": 987654})
    assert response.status_code == missing.status_code == 404
    assert response.content == missing.content


@pytest.mark.parametrize(("persona", "status"), MANAGE)
def test_update_group(call, group, other_org, persona, status):
    response = call(persona, "patch", f"/api/groups/{group.pk}", {"area": "Headingley"})
    assert response.status_code == (status or 200)
    group.refresh_from_db()
    assert (group.area == "Headingley") == (status is None)


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("participant", 404),  # cannot see an unlisted group
        ("volunteer", 403),  # can see it, may not change it
        ("evaluator", 404),
        ("coordinator", 200),
        ("outsider", 404),
    ],
)
def test_update_unlisted_group(call, private_group, persona, status):
    assert (
        call(persona, "patch", f"/api/groups/{private_group.pk}", {"area": "Online"}).status_code
        == status
    )


def test_capacity_below_places_held_is_refused_in_plain_words(call, group, make_member):
    for _ in range(2):
        enrolment_join(user=make_member(), group=group)
    response = call("coordinator", "patch", f"/api/groups/{group.pk}", {"capacity": 1})
    assert response.status_code == 422
    assert "2 people hold places" in response.json()["errors"]["capacity"][0]


def test_update_replaces_facilitators(call, group, coordinator, volunteer):
    response = call(
        "coordinator", "patch", f"/api/groups/{group.pk}", {"facilitator_ids": [coordinator.pk]}
    )
    assert response.status_code == 200
    assert list(group.facilitations.values_list("user_id", flat=True)) == [coordinator.pk]


@pytest.mark.parametrize(("persona", "status"), MANAGE)
def test_cancel_session(call, group, other_org, persona, status):
    session = group.sessions.order_by("starts_at").first()
    response = call(
        persona, "post", f"/api/sessions/{session.pk}/cancel", {"reason": "Venue closed"}
    )
    assert response.status_code == (status or 200)
    session.refresh_from_db()
    assert (session.status == SessionStatus.CANCELLED) == (status is None)
    if status is None:
        assert response.json()["cancelled_reason"] == "Venue closed"


def test_cancelling_needs_a_reason(call, group):
    session = group.sessions.order_by("starts_at").first()
    response = call("coordinator", "post", f"/api/sessions/{session.pk}/cancel", {"reason": "  "})
    assert response.status_code == 422
    assert "reason" in response.json()["errors"]


def test_cancel_missing_and_foreign_session_look_the_same(call, group):
    session = group.sessions.order_by("starts_at").first()
    foreign = call("outsider", "post", f"/api/sessions/{session.pk}/cancel", {"reason": "x"})
    missing = call("outsider", "post", "/api/sessions/987654/cancel", {"reason": "x"})
    assert foreign.status_code == missing.status_code == 404
    assert foreign.content == missing.content


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        (None, 401),
        ("participant", 403),
        ("volunteer", 200),  # facilitates this group
        ("coordinator", 200),
        ("safeguarding_lead", 403),
        ("evaluator", 403),
        ("outsider", 404),
    ],
)
def test_enrolment_list(call, group, other_org, persona, status):
    assert call(persona, "get", f"/api/groups/{group.pk}/enrolments").status_code == status


def test_enrolment_list_shows_pseudonyms_and_waiting_order_only(call, group, make_member):
    people = [make_member() for _ in range(5)]
    for person in people:
        enrolment_join(user=person, group=group)
    response = call("volunteer", "get", f"/api/groups/{group.pk}/enrolments")
    body = response.json()
    assert sorted(m["pseudonym"] for m in body["members"]) == sorted(
        p.pseudonym for p in people[:3]
    )
    assert [(w["pseudonym"], w["position"]) for w in body["waiting"]] == [
        (people[3].pseudonym, 1),
        (people[4].pseudonym, 2),
    ]
    text = response.content.decode()
    for person in people:
        assert person.email not in text
        assert person.real_name not in text
    assert "email" not in text and "phone" not in text
