"""Sign-in through HTTP: throttling with django-axes, safe redirects, POST-only sign-out."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, CrisisResourceFactory

LOGIN = "/account/login/"


def test_right_password_signs_in_and_follows_a_local_next(client, participant):
    response = client.post(
        f"{LOGIN}?next=/me/groups/",
        {"username": "sam", "password": PASSWORD, "next": "/me/groups/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/me/groups/"
    assert client.session["_auth_user_id"] == str(participant.pk)


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "http://testserver.evil.example/"]
)
def test_sign_in_refuses_to_redirect_off_site(client, participant, next_url):
    response = client.post(LOGIN, {"username": "sam", "password": PASSWORD, "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:home")


def test_wrong_password_says_so_kindly_and_does_not_sign_in(client, participant):
    response = client.post(LOGIN, {"username": "sam", "password": "not my password"})
    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_in_page_has_labels_and_autocomplete(client, db):
    html = client.get(LOGIN).content.decode()
    assert '<label for="id_username">Sign-in name</label>' in html
    assert 'autocomplete="username"' in html
    assert 'autocomplete="current-password"' in html


def test_five_wrong_passwords_lock_the_account_with_a_kind_page_and_crisis_help(
    client, participant, org, settings
):
    assert settings.AXES_FAILURE_LIMIT == 5
    CrisisResourceFactory(organisation=org, name="Samaritans", phone="116 123")
    for _ in range(4):
        response = client.post(LOGIN, {"username": "sam", "password": "wrong password"})
        assert response.status_code == 200
    response = client.post(LOGIN, {"username": "sam", "password": "wrong password"})
    assert response.status_code == 429
    # Even the right password is refused while locked out.
    response = client.post(LOGIN, {"username": "sam", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    html = response.content.decode()
    assert "Please wait before trying again" in html
    assert "15 minutes" in html
    assert "Samaritans" in html and "tel:116123" in html


def test_four_wrong_passwords_then_the_right_one_still_signs_in(client, participant):
    for _ in range(4):
        client.post(LOGIN, {"username": "sam", "password": "wrong password"})
    response = client.post(LOGIN, {"username": "sam", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(participant.pk)


def test_sign_out_is_post_only(client, participant):
    client.force_login(participant)
    assert client.get("/account/logout/").status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post("/account/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_account_pages_need_sign_in(client, db):
    for name in [
        "home",
        "profile",
        "context",
        "consent",
        "export",
        "two_factor_setup",
        "password_change",
    ]:
        response = client.get(reverse(f"accounts:{name}"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login") + "?next=")
