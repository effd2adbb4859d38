"""Auth, CSRF, error shapes and the OpenAPI document."""

from __future__ import annotations

import pytest
from django.middleware.csrf import get_token
from django.test import RequestFactory

from peercircle.programmes.models import Programme


def test_openapi_schema_lists_the_endpoints(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/groups",
        "/api/groups/{group_id}",
        "/api/groups/{group_id}/sessions",
        "/api/groups/{group_id}/enrolments",
        "/api/groups/{group_id}/enrolment",
        "/api/programmes",
        "/api/programmes/{programme_id}",
        "/api/sessions/{session_id}/cancel",
        "/api/sessions/{session_id}/attendance",
        "/api/sessions/{session_id}/apologies",
        "/api/enrolments/{enrolment_id}/accept",
        "/api/enrolments/{enrolment_id}/decline",
        "/api/me/enrolments",
    ]:
        assert path in paths, path
    assert set(paths["/api/groups/{group_id}/enrolment"]) == {"post", "delete"}
    assert set(paths["/api/sessions/{session_id}/attendance"]) == {"get", "put"}
    # Public reads need no auth; the rest use the session cookie.
    assert "security" not in paths["/api/groups"]["get"]
    assert paths["/api/programmes"]["post"]["security"]


def test_docs_page_loads(client):
    assert client.get("/api/docs").status_code == 200


def test_not_signed_in_is_401_with_a_plain_message(call, group):
    response = call(None, "post", "/api/groups", {"programme_id": group.programme_id})
    assert response.status_code == 401
    assert response.json() == {"detail": "Sign in to do this."}


def test_anonymous_unsafe_request_is_401_even_without_a_csrf_token(call, group):
    client = call.client(None, enforce_csrf_checks=True)
    response = client.post(f"/api/groups/{group.pk}/enrolment", content_type="application/json")
    assert response.status_code == 401


def test_signed_in_unsafe_request_needs_the_csrf_token(call, group, participant):
    client = call.client("participant", enforce_csrf_checks=True)
    refused = client.post(f"/api/groups/{group.pk}/enrolment", content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    # A safe method needs no token.
    assert client.get("/api/me/enrolments").status_code == 200
    token = get_token(RequestFactory().get("/"))
    client.cookies["csrftoken"] = token
    accepted = client.post(
        f"/api/groups/{group.pk}/enrolment", content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 201


def test_unconfirmed_second_factor_is_refused(call, coordinator, org):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=coordinator, name="phone", confirmed=True)
    response = call(
        "coordinator", "post", "/api/programmes", {"organisation": "riverside", "name": "X"}
    )
    assert response.status_code == 401
    assert "second factor" in response.json()["detail"]
    assert not Programme.objects.filter(name="X").exists()


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"just a string"', b"null"])
def test_malformed_bodies_never_give_500(call, programme, body):
    client = call.client("coordinator")
    response = client.post("/api/groups", data=body, content_type="application/json")
    assert response.status_code in (400, 422)
    assert "detail" in response.json()


def test_wrong_type_of_id_is_422_not_500(call):
    response = call(None, "get", "/api/groups/abc")
    assert response.status_code == 422
    assert "group_id" in response.json()["errors"]
