"""A person's own data export: their data, nobody else's, recorded as a read."""

from __future__ import annotations

import json

from peercircle.core.models import AuditEvent
from peercircle.programmes.services import enrolment_join


def test_export_page_explains_and_the_download_holds_own_data(
    client, participant, group, coordinator, org
):
    participant.phone = "07700 900999"
    participant.save(update_fields=["phone"])
    enrolment_join(user=participant, group=group)
    client.force_login(participant)

    assert client.get("/account/export/").status_code == 200
    response = client.post("/account/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)

    assert data["account"]["pseudonym"] == "Sam"
    assert data["account"]["email"] == participant.email
    assert data["account"]["phone"] == "07700 900999"
    assert data["context"]["year_of_birth"] == 1988
    assert data["memberships"] == [
        {
            "organisation": "Riverside Peer Support",
            "role": "participant",
            "since": data["memberships"][0]["since"],
        }
    ]
    assert [c["purpose"] for c in data["consents"]] == ["service"]
    assert data["consents"][0]["wording"].startswith("I agree that the organisation may keep")
    assert [e["group"] for e in data["enrolments"]] == ["Monday Men's Group"]
    assert {e["action"] for e in data["audit_events"]} >= {"consent.give", "read.own_data_export"}


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_export_contains_nobody_elses_data(
    client, participant, volunteer, coordinator, group, make_member
):
    other = make_member()
    other.phone = "07700 900111"
    other.save(update_fields=["phone"])
    enrolment_join(user=other, group=group)
    enrolment_join(user=participant, group=group)
    client.force_login(participant)
    raw = client.post("/account/export/").content.decode()

    data = json.loads(raw)
    values = set(_strings(data))
    for person in (other, volunteer, coordinator):
        assert person.username not in values
        assert person.pseudonym not in values
        assert person.email not in raw
        assert person.real_name not in raw
    assert "07700 900111" not in raw
    assert AuditEvent.objects.filter(actor_id=other.pk).count() > 0
    own_events = AuditEvent.objects.filter(actor_id=participant.pk)
    assert len(data["audit_events"]) == own_events.count()
    assert len(data["enrolments"]) == 1
    assert len(data["memberships"]) == 1


def test_export_is_recorded_as_a_read(client, participant):
    client.force_login(participant)
    client.post("/account/export/")
    event = AuditEvent.objects.get(action="read.own_data_export")
    assert event.actor_id == participant.pk
    assert event.object_id == str(participant.pk)


def test_export_needs_sign_in(client, db):
    response = client.post("/account/export/")
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="read.own_data_export").exists()


def test_export_holds_own_room_messages_and_pairings_but_not_others(
    client, org, participant, volunteer, coordinator, make_member
):
    from peercircle.rooms.access import room_seat
    from peercircle.rooms.services import (
        member_enter,
        message_send,
        pairing_create,
    )

    pairing = pairing_create(
        actor=coordinator,
        organisation=org,
        participant_id=participant.pk,
        volunteer_id=volunteer.pk,
    )
    for person, text in ((participant, "my own words"), (volunteer, "the volunteer's words")):
        seat = room_seat(person, pairing.room.pk)
        member_enter(seat=seat, user=person)
        message_send(seat=room_seat(person, pairing.room.pk), author=person, body=text)
    client.force_login(participant)
    data = json.loads(client.post("/account/export/").content)
    assert [m["text"] for m in data["room_messages"]] == ["my own words"]
    assert data["room_messages"][0]["room"] == "One-to-one conversation"
    assert [p["as"] for p in data["pairings"]] == ["participant"]
    everything = list(_strings(data))
    assert not any("volunteer's words" in s for s in everything)
    assert not any("Alex" in s for s in everything)


def test_a_volunteer_exports_their_own_volunteering_without_staff_notes_or_names(
    client, org, volunteer, coordinator
):
    from peercircle.volunteers import services
    from peercircle.volunteers.gate import organisation_today
    from peercircle.volunteers.models import VolunteerProfile

    profile = VolunteerProfile.objects.get(person=volunteer)
    services.checkin_submit(
        actor=volunteer,
        profile=profile,
        ons4=[6, 7, 5, 4],
        workload={"manageable": 4, "supported": 4, "rested": 2, "carrying": 3},
        note="A heavy week at home",
    )
    services.activity_log(
        actor=volunteer,
        profile=profile,
        on=organisation_today(org),
        kind="one_to_one",
        hours="1.5",
        contacts=1,
    )
    services.volunteer_pause(actor=coordinator, profile=profile, reason="Taking a break for exams")
    client.force_login(volunteer)
    data = json.loads(client.post("/account/export/").content)
    assert data["format_version"] == 3
    (mine,) = data["volunteering"]
    assert mine["state"] == "paused"
    assert mine["lived_experience"].startswith("I lived with depression")
    assert [c["note"] for c in mine["wellbeing_checkins"]] == ["A heavy week at home"]
    assert mine["activity"] == [
        {
            "on": organisation_today(org).isoformat(),
            "kind": "one_to_one",
            "hours": "1.50",
            "contacts": 1,
        }
    ]
    assert mine["history"][-1]["reason"] == "Taking a break for exams"
    assert {t["reflection"] for t in mine["training"]} == {"I will listen more."}
    assert mine["background_checks"] and "note" not in mine["background_checks"][0]
    everything = list(_strings(data))
    # Nobody else: no coordinator, no referee.
    assert not any(
        s == coordinator.pseudonym or coordinator.real_name in s or "Referee" in s
        for s in everything
    )


def test_a_participant_exports_their_questionnaire_answers(
    client, programme, participant, group, coordinator
):
    from peercircle.questionnaires.models import Assignment
    from peercircle.questionnaires.services import (
        assignments_generate,
        response_submit,
        schedule_point_add,
    )

    enrolment_join(user=participant, group=group)
    schedule_point_add(actor=coordinator, programme=programme, instrument="gad7", label="Baseline")
    assignments_generate()
    assignment = Assignment.objects.get(person=participant)
    response_submit(person=participant, assignment=assignment, answers=[1, 2, 0, 1, 3, 0, 1])
    client.force_login(participant)
    data = json.loads(client.post("/account/export/").content)
    (response,) = data["questionnaire_responses"]
    assert response["instrument"] == "gad7"
    assert response["answers"] == [1, 2, 0, 1, 3, 0, 1]
    assert response["total"] == 8
    assert response["group"] == "Monday Men's Group"
    assert data["volunteering"] == []
