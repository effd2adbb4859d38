"""Profile, context and password change through HTTP."""

from __future__ import annotations

from django.urls import reverse

from peercircle.accounts.models import ContextProfile, User
from peercircle.core.models import AuditEvent
from tests.factories import PASSWORD

PROFILE = "/account/profile/"


def profile_data(**overrides):
    data = {"pseudonym": "Sam", "real_name": "Sam Smith", "email": "sam@example.org", "phone": ""}
    data.update(overrides)
    return data


def test_profile_shows_own_details_and_saves_changes(client, participant):
    client.force_login(participant)
    assert client.get(PROFILE).status_code == 200
    response = client.post(
        PROFILE, profile_data(pseudonym="Sammy", email="sammy@example.org", phone="0113 496 0000")
    )
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.pseudonym == "Sammy"
    assert participant.phone == "0113 496 0000"
    event = AuditEvent.objects.get(actor_id=participant.pk, action="user.update")
    # The audit line names the fields changed, never their values.
    assert event.detail == {"fields": ["email", "phone", "pseudonym", "real_name"]}
    assert "0113" not in str(event.detail) and "sammy@" not in str(event.detail)


def test_pseudonym_must_be_unique_whatever_the_case(client, participant, volunteer):
    client.force_login(participant)
    response = client.post(PROFILE, profile_data(pseudonym="aLEX"))
    assert response.status_code == 200
    assert response.context["form"].errors["pseudonym"] == [
        "Someone already uses that name; please choose another."
    ]
    participant.refresh_from_db()
    assert participant.pseudonym == "Sam"


def test_changing_only_the_case_of_your_own_pseudonym_is_fine(client, participant):
    client.force_login(participant)
    assert client.post(PROFILE, profile_data(pseudonym="SAM")).status_code == 302
    assert User.objects.get(pk=participant.pk).pseudonym == "SAM"


def test_empty_pseudonym_is_refused(client, participant):
    client.force_login(participant)
    response = client.post(PROFILE, profile_data(pseudonym=""))
    assert response.context["form"].errors["pseudonym"] == [
        "Choose the name other members will see."
    ]


def test_context_page_updates_context_and_is_audited(client, participant):
    client.force_login(participant)
    response = client.get("/account/context/")
    assert 'value="1988"' in response.content.decode()
    response = client.post(
        "/account/context/",
        {
            "year_of_birth": "1985",
            "gender": "",
            "perinatal_stage": "pregnant",
            "postcode_area": "ls6",
        },
    )
    assert response.status_code == 302
    context = ContextProfile.objects.get(user=participant)
    assert (
        context.year_of_birth,
        context.gender,
        context.perinatal_stage,
        context.postcode_area,
    ) == (
        1985,
        "",
        "pregnant",
        "LS6",
    )
    assert AuditEvent.objects.filter(actor_id=participant.pk, action="context.update").exists()


def test_context_page_refuses_a_full_postcode_and_an_impossible_year(client, participant):
    client.force_login(participant)
    response = client.post(
        "/account/context/", {"year_of_birth": "2030", "gender": "man", "postcode_area": "LS6 2AB"}
    )
    errors = response.context["form"].errors
    assert "year_of_birth" in errors and "postcode_area" in errors
    assert ContextProfile.objects.get(user=participant).year_of_birth == 1988


def test_password_change_needs_the_current_password_and_keeps_you_signed_in(client, participant):
    client.force_login(participant)
    url = reverse("accounts:password_change")
    response = client.post(
        url,
        {
            "old_password": "wrong",
            "new_password1": "amber lantern ridge 9",
            "new_password2": "amber lantern ridge 9",
        },
    )
    assert "old_password" in response.context["form"].errors
    response = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "amber lantern ridge 9",
            "new_password2": "amber lantern ridge 9",
        },
    )
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.check_password("amber lantern ridge 9")
    assert AuditEvent.objects.filter(
        actor_id=participant.pk, action="user.password_change"
    ).exists()
    assert client.get(PROFILE).status_code == 200  # session survived the change
