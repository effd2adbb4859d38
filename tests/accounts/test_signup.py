"""Sign-up (self-referral) through HTTP: the happy path, each message, nothing half-written."""

from __future__ import annotations

import pytest
from django.urls import reverse

from peercircle.accounts import services
from peercircle.accounts.consent import CURRENT_VERSION, WORDING, Purpose
from peercircle.accounts.models import Consent, ContextProfile, User
from peercircle.core.models import AuditEvent, Membership
from tests.factories import UserFactory

SIGNUP = "/account/signup/"
GOOD_PASSWORD = "plum kettle orbit 47"


def form_data(**overrides):
    data = {
        "username": "newperson",
        "pseudonym": "Robin",
        "password": GOOD_PASSWORD,
        "password_confirm": GOOD_PASSWORD,
        "real_name": "Robin Example",
        "email": "robin@example.org",
        "phone": "07700 900123",
        "year_of_birth": "1990",
        "gender": "woman",
        "perinatal_stage": "postnatal",
        "consent_service": "on",
        "consent_contact": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def counts():
    return (
        User.objects.count(),
        Consent.objects.count(),
        Membership.objects.count(),
        ContextProfile.objects.count(),
        AuditEvent.objects.count(),
    )


def test_sign_up_creates_account_membership_consents_and_context_then_signs_in(client, org):
    response = client.post(f"{SIGNUP}?org=riverside&next=/groups/monday/", form_data())

    assert response.status_code == 302
    assert response["Location"] == "/groups/monday/"
    user = User.objects.get(username="newperson")
    assert user.pseudonym == "Robin"
    assert (user.real_name, user.email, user.phone) == (
        "Robin Example",
        "robin@example.org",
        "07700 900123",
    )
    assert user.check_password(GOOD_PASSWORD)
    assert list(Membership.objects.filter(user=user).values_list("organisation__slug", "role")) == [
        ("riverside", "participant")
    ]
    consents = {c.purpose: c for c in Consent.objects.filter(user=user, organisation=org)}
    assert set(consents) == {"service", "contact"}
    assert consents["service"].version == CURRENT_VERSION[Purpose.SERVICE]
    context = ContextProfile.objects.get(user=user)
    assert (context.year_of_birth, context.gender, context.perinatal_stage) == (
        1990,
        "woman",
        "postnatal",
    )
    actions = set(AuditEvent.objects.filter(actor_id=user.pk).values_list("action", flat=True))
    assert {"user.create", "membership.grant", "consent.give", "context.update"} <= actions
    # Signed in: the account page opens.
    assert client.get(reverse("accounts:home")).status_code == 200


def test_sign_up_page_shows_the_exact_consent_wording_and_the_organisation(client, org):
    response = client.get(f"{SIGNUP}?org=riverside")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Join Riverside Peer Support" in html
    for purpose in Purpose:
        assert WORDING[purpose][CURRENT_VERSION[purpose]] in html
    assert "the name other members see; it need not be your real name" in html.lower()
    assert "Only coordinators and the safeguarding lead can see these." in html
    assert 'autocomplete="new-password"' in html
    assert 'autocomplete="username"' in html


def test_sign_up_without_org_uses_the_default_organisation(client, org, other_org, settings):
    settings.DEFAULT_ORGANISATION = "hilltop"
    response = client.post(SIGNUP, form_data())
    assert response.status_code == 302
    user = User.objects.get(username="newperson")
    assert Membership.objects.get(user=user).organisation == other_org


def test_sign_up_without_org_or_default_uses_the_first_organisation(
    client, org, other_org, settings
):
    settings.DEFAULT_ORGANISATION = ""
    client.post(SIGNUP, form_data())
    assert Membership.objects.get(user__username="newperson").organisation == org


def test_sign_up_for_an_unknown_organisation_is_not_found(client, org):
    assert client.get(f"{SIGNUP}?org=nowhere").status_code == 404
    assert client.post(f"{SIGNUP}?org=nowhere", form_data()).status_code == 404
    assert not User.objects.filter(username="newperson").exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"username": ""}, "username", "Choose a sign-in name."),
        ({"pseudonym": ""}, "pseudonym", "Choose the name other members will see."),
        ({"password": "", "password_confirm": ""}, "password", "Choose a password."),
        ({"password_confirm": ""}, "password_confirm", "Type your password again."),
        (
            {"password_confirm": "plum kettle orbit 48"},
            "password_confirm",
            "The two passwords are different; please type them again.",
        ),
        (
            {"password": "short", "password_confirm": "short"},
            "password",
            "This password is too short.",
        ),
        (
            {"password": "password123", "password_confirm": "password123"},
            "password",
            "This password is too common.",
        ),
        (
            {"password": "4817263549", "password_confirm": "4817263549"},
            "password",
            "This password is entirely numeric.",
        ),
        (
            {"email": "not-an-email"},
            "email",
            "Please give an email address like name@example.org, or leave it empty.",
        ),
        (
            {"year_of_birth": "nineteen"},
            "year_of_birth",
            "Please give a year of birth as four digits",
        ),
        ({"year_of_birth": "1800"}, "year_of_birth", "Please give a year of birth between"),
        ({"gender": "robot"}, "gender", "Select a valid choice."),
        ({"consent_service": None}, "consent_service", "To join, please tick the box"),
        (
            {"username": "no spaces allowed"},
            "username",
            "Use only letters, digits and @ . + - _ in your sign-in name",
        ),
    ],
)
def test_each_problem_is_shown_at_its_field_and_nothing_is_written(
    client, org, overrides, field, message
):
    before = counts()
    response = client.post(f"{SIGNUP}?org=riverside", form_data(**overrides))

    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert f'href="#id_{field}"' in html
    assert "Error: " in html.split("</title>")[0]
    assert counts() == before
    assert "_auth_user_id" not in client.session


def test_taken_sign_in_name_and_pseudonym_are_refused_case_insensitively(client, org):
    UserFactory(username="NewPerson", pseudonym="ROBIN")
    before = counts()
    response = client.post(f"{SIGNUP}?org=riverside", form_data())
    errors = response.context["form"].errors
    assert errors["username"] == ["That sign-in name is taken; please choose another."]
    assert errors["pseudonym"] == ["Someone already uses that name; please choose another."]
    assert counts() == before


def test_missing_service_consent_and_taken_name_are_reported_together(client, org):
    UserFactory(pseudonym="Robin")
    response = client.post(f"{SIGNUP}?org=riverside", form_data(consent_service=None))
    errors = response.context["form"].errors
    assert "consent_service" in errors
    # The form stops at its own errors; the taken name shows on the next try.
    response = client.post(f"{SIGNUP}?org=riverside", form_data())
    assert response.context["form"].errors["pseudonym"]


def test_the_form_keeps_what_was_typed_except_passwords(client, org):
    response = client.post(f"{SIGNUP}?org=riverside", form_data(consent_service=None))
    html = response.content.decode()
    assert 'value="newperson"' in html
    assert 'value="Robin"' in html
    assert 'value="robin@example.org"' in html
    assert 'value="07700 900123"' in html
    assert 'value="1990"' in html
    assert '<option value="woman" selected>' in html
    assert 'name="consent_contact" id="id_consent_contact" checked' in html
    assert GOOD_PASSWORD not in html


def test_a_failure_late_in_sign_up_leaves_nothing_half_written(client, org, monkeypatch):
    def broken_consent_give(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "consent_give", broken_consent_give)
    before = counts()
    client.raise_request_exception = False
    response = client.post(f"{SIGNUP}?org=riverside", form_data())
    assert response.status_code == 500
    assert counts() == before


def test_service_refuses_sign_up_without_service_consent(org):
    from django.core.exceptions import ValidationError

    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.user_sign_up(
            organisation=org,
            username="someone",
            pseudonym="Someone",
            password=GOOD_PASSWORD,
            consents=[Purpose.RESEARCH],
        )
    assert "consents" in exc.value.message_dict
    assert counts() == before


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/path", "http://evil.example", "javascript:alert(1)"],
)
def test_sign_up_refuses_to_redirect_off_site(client, org, next_url):
    response = client.post(f"{SIGNUP}?org=riverside", {**form_data(), "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:home")


def test_signed_in_person_visiting_sign_up_is_sent_on(client, participant):
    client.force_login(participant)
    response = client.get(f"{SIGNUP}?next=/me/groups/")
    assert response.status_code == 302
    assert response["Location"] == "/me/groups/"
