"""The volunteering JSON API: a volunteer's own record, applying, moving along
the pipeline, training, check-ins and activity; the coordinator's overview,
sign-off and the hours export. Refusals change nothing and say why."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from peercircle.core.models import AuditEvent
from peercircle.volunteers import services
from peercircle.volunteers.gate import organisation_today
from peercircle.volunteers.models import (
    ActivityLog,
    ModuleCompletion,
    State,
    TrainingModule,
    VolunteerEvent,
    VolunteerProfile,
    WellbeingCheckIn,
)
from tests.volunteers.conftest import APPLICATION, apply

pytestmark = pytest.mark.django_db


def post(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


def application(org, **overrides):
    return {"organisation_id": org.pk, **APPLICATION, "about": "", **overrides}


# --- a volunteer's own -----------------------------------------------------------------


def test_applying_creates_an_applied_profile_with_its_event(client, org, applicant):
    client.force_login(applicant)
    response = post(client, "/api/volunteering/applications", application(org))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "applied"
    assert body["languages"] == ["English", "Urdu"]
    assert body["lived_experience"] == APPLICATION["lived_experience"]
    assert [event["kind"] for event in body["history"]] == ["applied"]
    assert VolunteerProfile.objects.get(pk=body["id"]).person == applicant


def test_an_incomplete_application_names_each_missing_part_and_stores_nothing(
    client, org, applicant
):
    client.force_login(applicant)
    response = post(
        client,
        "/api/volunteering/applications",
        application(org, lived_experience="", languages=[], roles_wanted=[]),
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {"lived_experience", "languages", "roles_wanted"} <= set(errors)
    assert not VolunteerProfile.objects.filter(person=applicant).exists()


def test_applying_twice_is_a_conflict(client, org, applicant):
    apply(applicant, org)
    client.force_login(applicant)
    response = post(client, "/api/volunteering/applications", application(org))
    assert response.status_code == 409
    assert "already" in response.json()["detail"]
    assert VolunteerProfile.objects.filter(person=applicant).count() == 1


def test_applying_to_an_organisation_one_does_not_belong_to_is_not_found(
    client, other_org, applicant
):
    client.force_login(applicant)
    response = post(client, "/api/volunteering/applications", application(other_org))
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert not VolunteerProfile.objects.exists()


def test_my_volunteering_shows_training_gate_and_no_staff_notes(client, org, volunteer):
    client.force_login(volunteer)
    response = client.get("/api/volunteering")
    assert response.status_code == 200
    (mine,) = response.json()
    assert mine["state"] == "active"
    assert mine["may_facilitate"] == {"allowed": True, "reasons": []}
    assert mine["check"]["cleared"] is True
    assert mine["training"] and all("status" in item for item in mine["training"])
    assert "signed off" in {item["status"] for item in mine["training"]}
    text = response.content.decode()
    for staff_only in ("Referee", "notes", "interview"):
        assert staff_only not in text


def test_nobody_who_never_applied_has_volunteering(client, participant):
    client.force_login(participant)
    assert client.get("/api/volunteering").json() == []


def test_a_volunteer_pauses_without_a_reason_and_resumes(client, org, volunteer):
    profile = VolunteerProfile.objects.get(person=volunteer)
    client.force_login(volunteer)
    response = post(client, f"/api/volunteers/{profile.pk}/state", {"to": "paused"})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "paused"
    assert response.json()["paused_from"] == "active"
    response = post(client, f"/api/volunteers/{profile.pk}/state", {"to": "active"})
    assert response.status_code == 200, response.content
    profile.refresh_from_db()
    assert profile.state == State.ACTIVE
    assert list(profile.events.values_list("kind", flat=True))[-2:] == ["paused", "resumed"]


def test_a_volunteer_cannot_move_themselves_on_and_nothing_changes(client, org, applicant):
    profile = apply(applicant, org)
    client.force_login(applicant)
    response = post(client, f"/api/volunteers/{profile.pk}/state", {"to": "screening"})
    assert response.status_code == 403
    assert "coordinator" in response.json()["detail"]
    profile.refresh_from_db()
    assert profile.state == State.APPLIED


def test_an_out_of_order_step_is_a_conflict_that_says_why(client, org, applicant, coordinator):
    profile = apply(applicant, org)
    client.force_login(coordinator)
    response = post(client, f"/api/volunteers/{profile.pk}/state", {"to": "active"})
    assert response.status_code == 409
    assert response.json()["code"] == "order"
    profile.refresh_from_db()
    assert profile.state == State.APPLIED
    assert VolunteerEvent.objects.filter(profile=profile).count() == 1


def test_training_cannot_start_before_screening_is_done(client, org, applicant, coordinator):
    profile = apply(applicant, org)
    services.volunteer_screen(actor=coordinator, profile=profile)
    client.force_login(coordinator)
    response = post(client, f"/api/volunteers/{profile.pk}/state", {"to": "training"})
    assert response.status_code == 422
    assert "can't start training yet" in response.json()["detail"]
    profile.refresh_from_db()
    assert profile.state == State.SCREENING


def test_an_unknown_state_is_refused_in_plain_words(client, volunteer):
    profile = VolunteerProfile.objects.get(person=volunteer)
    client.force_login(volunteer)
    response = post(client, f"/api/volunteers/{profile.pk}/state", {"to": "retired"})
    assert response.status_code == 422
    assert "Choose one of" in response.json()["errors"]["to"][0]


def test_completing_a_module_waits_for_sign_off_then_a_coordinator_signs_it(
    client, org, volunteer, coordinator
):
    profile = VolunteerProfile.objects.get(person=volunteer)
    module = TrainingModule.objects.filter(organisation=org, is_active=True).first()
    client.force_login(volunteer)
    url = f"/api/volunteers/{profile.pk}/modules/{module.pk}/completion"
    assert post(client, url, {"reflection": ""}).status_code == 422
    response = post(client, url, {"reflection": "I noticed I rush to fix things."})
    assert response.status_code == 201, response.content
    completion_id = response.json()["id"]
    assert response.json()["signed_off_at"] is None
    # The volunteer cannot sign their own off: for them it does not exist.
    assert client.post(f"/api/volunteer-completions/{completion_id}/sign-off").status_code == 404
    client.force_login(coordinator)
    response = client.post(f"/api/volunteer-completions/{completion_id}/sign-off")
    assert response.status_code == 200, response.content
    assert response.json()["signed_off_at"] is not None
    assert ModuleCompletion.objects.get(pk=completion_id).signed_off_by == coordinator


def test_a_wellbeing_check_in_is_stored_or_refused_whole(client, volunteer):
    profile = VolunteerProfile.objects.get(person=volunteer)
    client.force_login(volunteer)
    url = f"/api/volunteers/{profile.pk}/check-ins"
    workload = {"manageable": 4, "supported": 5, "rested": 2, "carrying": 3}
    refused = post(client, url, {"ons4": [7, 8, 11, 3], "workload": workload})
    assert refused.status_code == 422
    assert "ons4" in refused.json()["errors"]
    unknown = post(client, url, {"ons4": [7, 8, 6, 3], "workload": {**workload, "sleep": 2}})
    assert unknown.status_code == 422
    assert "workload" in unknown.json()["errors"]
    assert not WellbeingCheckIn.objects.exists()
    response = post(client, url, {"ons4": [7, 8, 6, 3], "workload": workload, "wants_chat": True})
    assert response.status_code == 201, response.content
    checkin = WellbeingCheckIn.objects.get()
    assert (checkin.satisfied, checkin.anxious, checkin.wants_chat) == (7, 3, True)


def test_a_coordinator_cannot_fill_in_a_volunteers_check_in(client, volunteer, coordinator):
    profile = VolunteerProfile.objects.get(person=volunteer)
    client.force_login(coordinator)
    response = post(
        client,
        f"/api/volunteers/{profile.pk}/check-ins",
        {"ons4": [7, 8, 6, 3], "workload": {"manageable": 4}},
    )
    assert response.status_code == 403
    assert not WellbeingCheckIn.objects.exists()


def test_activity_is_logged_and_a_day_in_the_future_refused(client, org, volunteer):
    profile = VolunteerProfile.objects.get(person=volunteer)
    today = organisation_today(org)
    client.force_login(volunteer)
    url = f"/api/volunteers/{profile.pk}/activity"
    future = (today + dt.timedelta(days=2)).isoformat()
    refused = post(client, url, {"on": future, "kind": "one_to_one", "hours": "1.5"})
    assert refused.status_code == 422
    assert "future" in refused.json()["errors"]["on"][0]
    response = post(
        client, url, {"on": today.isoformat(), "kind": "one_to_one", "hours": "1.5", "contacts": 1}
    )
    assert response.status_code == 201, response.content
    assert ActivityLog.objects.get().hours == 1.5
    assert Decimal(client.get("/api/volunteering").json()[0]["hours_this_month"]) == Decimal("1.5")


# --- coordinators ------------------------------------------------------------------------


def test_the_overview_lists_flags_and_is_the_coordinators_alone(
    client, org, volunteer, coordinator, outsider
):
    profile = VolunteerProfile.objects.get(person=volunteer)
    services.checkin_submit(
        actor=volunteer,
        profile=profile,
        ons4=[5, 5, 5, 5],
        workload={"manageable": 3, "supported": 3, "rested": 3, "carrying": 3},
        wants_chat=True,
    )
    url = f"/api/organisations/{org.pk}/volunteers"
    client.force_login(coordinator)
    response = client.get(url)
    assert response.status_code == 200
    (row,) = [r for r in response.json() if r["id"] == profile.pk]
    assert "wants_chat" in {flag["code"] for flag in row["flags"]}
    for person in (volunteer, outsider):
        client.force_login(person)
        assert client.get(url).status_code == 404


def test_a_coordinators_read_of_a_record_is_audited_and_another_orgs_is_not_found(
    client, org, volunteer, coordinator, outsider
):
    profile = VolunteerProfile.objects.get(person=volunteer)
    client.force_login(coordinator)
    response = client.get(f"/api/volunteers/{profile.pk}")
    assert response.status_code == 200
    assert response.json()["lived_experience"]
    assert AuditEvent.objects.filter(actor=coordinator, action="read.application").exists()
    client.force_login(outsider)
    missing = client.get("/api/volunteers/999999")
    other = client.get(f"/api/volunteers/{profile.pk}")
    assert other.status_code == missing.status_code == 404
    assert other.content == missing.content


def test_the_hours_export_totals_by_month_and_refuses_backwards_dates(
    client, org, volunteer, coordinator
):
    profile = VolunteerProfile.objects.get(person=volunteer)
    today = organisation_today(org)
    services.activity_log(
        actor=volunteer, profile=profile, on=today, kind="group_session", hours="2", contacts=5
    )
    client.force_login(coordinator)
    url = f"/api/organisations/{org.pk}/volunteer-activity"
    response = client.get(url, {"start": today.isoformat(), "end": today.isoformat()})
    assert response.status_code == 200
    body = response.json()
    assert body["header"][:2] == ["month", "volunteer"]
    names = [row[1] for row in body["rows"]]
    assert names == [volunteer.pseudonym, "All volunteers"]
    assert volunteer.real_name not in response.content.decode()
    backwards = client.get(
        url, {"start": today.isoformat(), "end": (today - dt.timedelta(days=1)).isoformat()}
    )
    assert backwards.status_code == 422
    assert "before the start" in backwards.json()["detail"]
