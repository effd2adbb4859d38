"""The public reads: the group finder, a group, its sessions, and programmes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from peercircle.programmes.services import enrolment_join, group_create
from tests.api.conftest import PERSONAS
from tests.factories import GroupFactory, ProgrammeFactory, next_weekday

ALL = [None, *PERSONAS]


@pytest.mark.parametrize("persona", ALL)
def test_finder_answers_everyone(call, persona, group, private_group):
    response = call(persona, "get", "/api/groups")
    assert response.status_code == 200
    ids = [item["id"] for item in response.json()["items"]]
    assert ids == [group.pk]


def test_finder_never_shows_where_a_group_meets(call, group):
    response = call(None, "get", "/api/groups", {"place": "Leeds"})
    assert response.status_code == 200
    (item,) = response.json()["items"]
    for hidden in ("address", "online_link", "venue_name", "latitude", "longitude"):
        assert hidden not in item
    assert "River Street" not in response.content.decode()
    assert item["places_left"] == 3
    assert item["distance_km"] is not None and item["distance_km"] < 5
    assert item["next_session"].endswith("+00:00")
    assert dt.datetime.fromisoformat(item["next_session"]).utcoffset() == dt.timedelta(0)


def test_finder_filters_as_the_finder_page_does(call, group, org):
    online = ProgrammeFactory(organisation=org, focus="carers", name="Carers Together")
    GroupFactory(
        programme=online, name="Carers Online", delivery="online", latitude=None, longitude=None
    )
    assert [
        i["name"] for i in call(None, "get", "/api/groups", {"focus": "carers"}).json()["items"]
    ] == ["Carers Online"]
    assert [
        i["name"]
        for i in call(None, "get", "/api/groups", {"delivery": "in_person"}).json()["items"]
    ] == ["Monday Men's Group"]
    assert [
        i["name"] for i in call(None, "get", "/api/groups", {"q": "monday"}).json()["items"]
    ] == ["Monday Men's Group"]
    assert call(None, "get", "/api/groups", {"weekday": 3}).json()["total"] == 0
    # Far from Leeds: only the online group is near everyone.
    far = call(None, "get", "/api/groups", {"lat": 51.5, "lon": -0.12, "radius_km": 10}).json()
    assert [i["name"] for i in far["items"]] == ["Carers Online"]
    assert far["items"][0]["distance_km"] is None


def test_unknown_place_is_a_plain_422(call, group):
    response = call(None, "get", "/api/groups", {"place": "Atlantis"})
    assert response.status_code == 422
    body = response.json()
    assert "Atlantis" in body["errors"]["place"][0]
    assert body["detail"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"weekday": 9}, "weekday"),
        ({"weekday": "monday"}, "weekday"),
        ({"focus": "astrology"}, "focus"),
        ({"delivery": "carrier-pigeon"}, "delivery"),
        ({"lat": 95, "lon": 0}, "lat"),
        ({"lat": 53.8}, "lon"),
        ({"radius_km": -4}, "radius_km"),
        ({"page": 0}, "page"),
        ({"lat": "nan", "lon": "0"}, "lat"),
    ],
)
def test_bad_finder_input_names_the_field(call, group, params, field):
    response = call(None, "get", "/api/groups", params)
    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_finder_query_count_does_not_grow_with_groups(call, org, programme, coordinator):
    def make(n):
        for i in range(n):
            group_create(
                actor=coordinator,
                programme=programme,
                name=f"Group {GroupFactory._meta.model.objects.count()}-{i}",
                venue_name="Hall",
                latitude=53.8 + i / 1000,
                longitude=-1.55,
                weekday=i % 7,
                start_time=dt.time(18, 0),
                start_date=next_weekday(i % 7),
            )

    def count(params):
        with CaptureQueriesContext(connection) as queries:
            response = call(None, "get", "/api/groups", params)
        assert response.status_code == 200
        return len(queries), len(response.json()["items"])

    make(2)
    few = [count({}), count({"place": "Leeds"})]
    make(10)
    many = [count({}), count({"place": "Leeds"})]
    assert [n for _, n in few] == [2, 2] and [n for _, n in many] == [12, 12]
    assert [q for q, _ in many] == [q for q, _ in few]


@pytest.mark.parametrize("persona", ALL)
def test_listed_group_is_public(call, persona, group):
    response = call(persona, "get", f"/api/groups/{group.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Monday Men's Group"
    assert body["facilitators"] == ["Alex"]
    assert call(persona, "get", f"/api/groups/{group.pk}/sessions").status_code == 200


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        (None, 404),
        ("participant", 404),
        ("volunteer", 200),
        ("coordinator", 200),
        ("safeguarding_lead", 200),
        ("evaluator", 404),
        ("outsider", 404),
    ],
)
def test_unlisted_group_only_for_staff_and_members(call, private_group, persona, status):
    assert call(persona, "get", f"/api/groups/{private_group.pk}").status_code == status
    assert call(persona, "get", f"/api/groups/{private_group.pk}/sessions").status_code == status


def test_unlisted_group_is_visible_to_its_members(call, private_group, participant):
    enrolment_join(user=participant, group=private_group, check_eligibility=False)
    assert call("participant", "get", f"/api/groups/{private_group.pk}").status_code == 200


def test_not_found_and_not_allowed_look_the_same(call, private_group):
    forbidden = call("participant", "get", f"/api/groups/{private_group.pk}")
    missing = call("participant", "get", "/api/groups/987654")
    huge = call("participant", "get", "/api/groups/99999999999999999999999")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.content == missing.content == b'{"detail": "Not found."}'
    assert huge.status_code in (404, 422)


def test_address_and_link_only_for_active_members(call, group, participant, make_member):
    def seen(persona):
        body = call(persona, "get", f"/api/groups/{group.pk}").json()
        return body["address"], body["venue_name"]

    assert seen(None) == (None, None)
    assert seen("participant") == (None, None)
    assert seen("outsider") == (None, None)
    assert seen("evaluator") == (None, None)
    enrolment_join(user=participant, group=group)
    assert seen("participant") == ("1 River Street, Leeds", "Riverside Community Centre")
    assert seen("coordinator")[0] == "1 River Street, Leeds"
    assert seen("volunteer")[0] == "1 River Street, Leeds"  # facilitates it

    for _ in range(2):
        enrolment_join(user=make_member(), group=group)
    waiting = make_member()
    enrolment_join(user=waiting, group=group)
    body = call(waiting, "get", f"/api/groups/{group.pk}").json()
    assert body["address"] is None
    assert body["my_enrolment"]["status"] == "waiting"
    assert body["my_enrolment"]["waiting_position"] == 1


def test_sessions_are_upcoming_in_utc(call, group):
    sessions = call(None, "get", f"/api/groups/{group.pk}/sessions", {"limit": 3}).json()
    assert len(sessions) == 3
    assert [s["number"] for s in sessions] == [1, 2, 3]
    assert all(s["starts_at"].endswith("+00:00") for s in sessions)


@pytest.mark.parametrize("persona", ALL)
def test_programmes_lists_active_programmes_with_listed_groups(
    call, persona, group, org, other_org
):
    ProgrammeFactory(organisation=org, name="Nothing listed yet")
    response = call(persona, "get", "/api/programmes", {"organisation": "riverside"})
    assert response.status_code == 200
    (programme,) = response.json()
    assert programme["name"] == "Men's Peer Support"
    assert programme["listed_groups"] == 1
    assert programme["organisation"]["slug"] == "riverside"
    assert call(persona, "get", "/api/programmes", {"organisation": "hilltop"}).json() == []


def test_programmes_of_an_unknown_organisation_is_404(call, group):
    assert call(None, "get", "/api/programmes", {"organisation": "nowhere"}).status_code == 404
