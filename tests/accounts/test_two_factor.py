"""Two-factor (TOTP) for staff, through HTTP, with real codes computed from the device's key."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from peercircle.core.models import AuditEvent
from tests.factories import PASSWORD

LOGIN = "/account/login/"
VERIFY = "/account/two-factor/verify/"
SETUP = "/account/two-factor/"
DISABLE = "/account/two-factor/disable/"


def code_for(device, *, steps_ahead=0):
    """The code an authenticator app would show now (or ``steps_ahead`` periods later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong_code_for(device):
    right = {code_for(device, steps_ahead=n) for n in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in right)


@pytest.fixture
def coordinator_device(coordinator):
    return TOTPDevice.objects.create(user=coordinator, name="phone", confirmed=True)


@pytest.fixture(autouse=True)
def _no_otp_throttle(settings):
    # django-otp makes each retry after a wrong code wait 1, 2, 4... seconds; the
    # tests that need that delay turn it back on.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def test_password_alone_does_not_sign_in_a_person_with_two_factor(
    client, coordinator, coordinator_device
):
    response = client.post(LOGIN, {"username": "jo", "password": PASSWORD, "next": "/manage/"})
    assert response.status_code == 302
    assert response["Location"] == VERIFY + "?next=%2Fmanage%2F"
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("accounts:home")).status_code == 302  # still signed out


def test_right_code_completes_sign_in_and_verifies_the_session(
    client, coordinator, coordinator_device
):
    client.post(LOGIN, {"username": "jo", "password": PASSWORD, "next": "/account/profile/"})
    response = client.post(
        VERIFY, {"token": code_for(coordinator_device), "next": "/account/profile/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/account/profile/"
    assert client.session["_auth_user_id"] == str(coordinator.pk)
    assert client.session["otp_device_id"] == coordinator_device.persistent_id
    assert (
        AuditEvent.objects.filter(actor_id=coordinator.pk, action="two_factor.verify").count() == 1
    )


def test_wrong_code_does_not_sign_in_and_is_audited(client, coordinator, coordinator_device):
    client.post(LOGIN, {"username": "jo", "password": PASSWORD})
    response = client.post(VERIFY, {"token": wrong_code_for(coordinator_device)})
    assert response.status_code == 200
    assert "That code did not match" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert (
        AuditEvent.objects.filter(
            actor_id=coordinator.pk, action="two_factor.verify_failed"
        ).count()
        == 1
    )


def test_five_wrong_codes_send_the_person_back_to_the_password(
    client, coordinator, coordinator_device
):
    client.post(LOGIN, {"username": "jo", "password": PASSWORD})
    for _ in range(4):
        assert client.post(VERIFY, {"token": wrong_code_for(coordinator_device)}).status_code == 200
    response = client.post(VERIFY, {"token": wrong_code_for(coordinator_device)})
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    # The pending sign-in is gone: even the right code no longer works.
    response = client.post(VERIFY, {"token": code_for(coordinator_device)})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_django_otp_throttling_refuses_a_quick_retry(
    client, coordinator, coordinator_device, settings
):
    settings.OTP_TOTP_THROTTLE_FACTOR = 30
    client.post(LOGIN, {"username": "jo", "password": PASSWORD})
    client.post(VERIFY, {"token": wrong_code_for(coordinator_device)})
    response = client.post(VERIFY, {"token": code_for(coordinator_device)})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_code_cannot_be_used_twice(client, coordinator, coordinator_device):
    token = code_for(coordinator_device)
    client.post(LOGIN, {"username": "jo", "password": PASSWORD})
    client.post(VERIFY, {"token": token})
    client.post("/account/logout/")
    client.post(LOGIN, {"username": "jo", "password": PASSWORD})
    response = client.post(VERIFY, {"token": token})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_verify_page_verifies_a_signed_in_but_unverified_staff_member(
    client, coordinator, coordinator_device
):
    client.force_login(coordinator)  # signed in, but no code given in this session
    response = client.get(VERIFY + "?next=/manage/")
    assert response.status_code == 200
    response = client.post(VERIFY + "?next=/manage/", {"token": code_for(coordinator_device)})
    assert response.status_code == 302
    assert response["Location"] == "/manage/"
    assert client.session["otp_device_id"] == coordinator_device.persistent_id


def test_staff_pages_send_an_unverified_staff_member_to_the_code_page(
    client, coordinator, coordinator_device
):
    client.force_login(coordinator)
    response = client.get("/manage/")
    assert response.status_code == 302
    assert response["Location"] == VERIFY + "?next=%2Fmanage%2F"


def test_verify_page_without_a_pending_sign_in_goes_to_sign_in(client, db):
    response = client.get(VERIFY)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_verify_refuses_off_site_next(client, coordinator, coordinator_device):
    client.post(LOGIN, {"username": "jo", "password": PASSWORD, "next": "https://evil.example/"})
    response = client.post(
        VERIFY, {"token": code_for(coordinator_device), "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("accounts:home")


@pytest.mark.parametrize("persona", ["participant", "volunteer"])
def test_two_factor_setup_is_not_found_for_people_who_are_not_staff(client, request, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    assert client.get(SETUP).status_code == 404
    assert client.post(SETUP, {"token": "123456"}).status_code == 404
    assert client.post(DISABLE, {"token": "123456"}).status_code == 404
    assert not TOTPDevice.objects.filter(user=user).exists()


@pytest.mark.parametrize("persona", ["coordinator", "safeguarding_lead", "evaluator"])
def test_staff_set_up_two_factor_with_a_qr_code_and_a_code(client, request, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = client.get(SETUP)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed is False
    import base64

    secret = base64.b32encode(device.bin_key).decode()
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in html
    # Reloading shows the same unconfirmed device rather than piling up new ones.
    client.get(SETUP)
    assert TOTPDevice.objects.filter(user=user).count() == 1

    response = client.post(SETUP, {"token": wrong_code_for(device)})
    assert response.status_code == 200
    device.refresh_from_db()
    assert device.confirmed is False

    response = client.post(SETUP, {"token": code_for(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.session["otp_device_id"] == device.persistent_id
    actions = list(AuditEvent.objects.filter(actor_id=user.pk).values_list("action", flat=True))
    assert {"two_factor.begin", "two_factor.confirm_failed", "two_factor.enable"} <= set(actions)


def test_turning_two_factor_off_needs_a_current_code(client, coordinator, coordinator_device):
    client.force_login(coordinator)
    response = client.post(DISABLE, {"token": wrong_code_for(coordinator_device)})
    assert response.status_code == 200
    assert TOTPDevice.objects.filter(user=coordinator, confirmed=True).exists()

    response = client.post(DISABLE, {"token": code_for(coordinator_device)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=coordinator).exists()
    assert AuditEvent.objects.filter(actor_id=coordinator.pk, action="two_factor.disable").exists()
    # Next time the password alone is enough.
    client.post("/account/logout/")
    client.post(LOGIN, {"username": "jo", "password": PASSWORD})
    assert client.session["_auth_user_id"] == str(coordinator.pk)


def test_setup_page_for_someone_with_two_factor_offers_to_turn_it_off(
    client, coordinator, coordinator_device
):
    client.force_login(coordinator)
    response = client.get(SETUP)
    assert response.status_code == 200
    assert "Two-factor sign-in is on" in response.content.decode()
    assert "<svg" not in response.content.decode()
