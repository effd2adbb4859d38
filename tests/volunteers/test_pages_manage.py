"""The coordinators' volunteer pages at /manage/volunteers/, through the Django
test client: the overview and its flags, every step of the pipeline through
its buttons, screening, caseload, training sign-off, debriefs, the curriculum,
supervision, supporters' events, the hours export and the policy. Refused
input keeps what was typed, changes nothing and says why; another
organisation's volunteer is the same 404 as one that does not exist."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from peercircle.core.models import AuditEvent
from peercircle.safety import services as safety
from peercircle.volunteers import services
from peercircle.volunteers.gate import organisation_today
from peercircle.volunteers.models import (
    ActivityLog,
    BackgroundCheck,
    DebriefOffer,
    Interview,
    ModuleCompletion,
    PeerEvent,
    Reference,
    Supervision,
    SupervisionAction,
    TrainingModule,
    VolunteerEvent,
    VolunteerPolicy,
    VolunteerProfile,
)
from tests.volunteers.conftest import apply

pytestmark = pytest.mark.django_db

BASE = "/manage/volunteers"


@pytest.fixture
def alex(volunteer):
    return VolunteerProfile.objects.get(person=volunteer)


@pytest.fixture
def robin(applicant, org):
    return apply(applicant, org)


@pytest.fixture
def jo(client, coordinator):
    client.force_login(coordinator)
    return client


def _state(profile):
    profile.refresh_from_db()
    return profile.state


def _move(client, profile, to, reason=""):
    return client.post(f"{BASE}/people/{profile.pk}/move/", {"to": to, "reason": reason})


def _today(org):
    return organisation_today(org)


# --- the overview -----------------------------------------------------------------------


def test_the_overview_lists_each_volunteer_with_state_caseload_and_hours(jo, org, alex, robin):
    today = _today(org)
    services.activity_log(
        actor=alex.person, profile=alex, on=today, kind="one_to_one", hours="1.5", contacts=2
    )
    page = jo.get(f"{BASE}/organisations/{org.pk}/").content.decode()
    assert f"{BASE}/people/{alex.pk}/" in page
    assert f"{BASE}/people/{robin.pk}/" in page
    assert "Alex" in page and "Robin" in page
    assert ">1.50<" in page
    assert "Applied" in page and "Active" in page


def test_the_overview_shows_flags_prominently_and_filters_to_flagged_only(
    jo, coordinator, org, alex, robin, group
):
    services.caseload_limit_set(actor=coordinator, profile=alex, limit=0)
    page = jo.get(f"{BASE}/organisations/{org.pk}/").content.decode()
    assert "1 volunteer needs attention" in page
    assert 'data-flag="over_caseload"' in page
    assert "Over their caseload limit: 1" in page
    flagged = jo.get(f"{BASE}/organisations/{org.pk}/?flagged=1").content.decode()
    assert f"{BASE}/people/{alex.pk}/" in flagged
    assert f"{BASE}/people/{robin.pk}/" not in flagged


def test_the_overview_filters_by_state(jo, org, alex, robin):
    page = jo.get(f"{BASE}/organisations/{org.pk}/?state=applied").content.decode()
    assert f"{BASE}/people/{robin.pk}/" in page
    assert f"{BASE}/people/{alex.pk}/" not in page
    nobody = jo.get(f"{BASE}/organisations/{org.pk}/?state=paused").content.decode()
    assert "Nobody matches these filters." in nobody


def test_the_overview_flags_a_safeguarding_alert_until_the_debrief_is_done(
    jo, org, alex, volunteer, participant, safeguarding_lead
):
    safety.concern_raise(
        actor=volunteer,
        organisation_id=org.pk,
        person=participant,
        level="high",
        categories=["suicide"],
        note="He said he has a plan.",
    )
    offer = DebriefOffer.objects.get(profile=alex)
    page = jo.get(f"{BASE}/organisations/{org.pk}/").content.decode()
    assert 'data-flag="safeguarding"' in page
    assert "debrief offered, not answered yet" in page
    response = jo.post(f"{BASE}/debriefs/{offer.pk}/done/")
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.state == "done"
    page = jo.get(f"{BASE}/organisations/{org.pk}/").content.decode()
    assert 'data-flag="safeguarding"' not in page
    again = jo.post(f"{BASE}/debriefs/{offer.pk}/done/", follow=True).content.decode()
    assert "This debrief is recorded as done already." in again


def test_the_overview_takes_the_same_number_of_queries_for_more_volunteers(
    jo, org, coordinator, django_assert_max_num_queries
):
    from tests.conftest import _persona

    for number in range(6):
        person = _persona(org, "participant", f"applicant{number}", f"Applicant {number}")
        apply(person, org)
    with django_assert_max_num_queries(25):
        response = jo.get(f"{BASE}/organisations/{org.pk}/")
    assert response.content.decode().count(f"{BASE}/people/") == 6


def test_another_organisations_volunteer_is_the_same_404_as_a_missing_one(
    client, outsider, org, alex
):
    client.force_login(outsider)
    for url in (
        f"{BASE}/people/{alex.pk}/",
        f"{BASE}/people/999999/",
        f"{BASE}/organisations/{org.pk}/",
        f"{BASE}/organisations/{org.pk}/hours/?start=2026-01-01&end=2026-02-01",
    ):
        assert client.get(url).status_code == 404, url
    assert _move(client, alex, "paused", "Taking a break").status_code == 404
    assert _state(alex) == "active"


def test_a_volunteer_cannot_open_the_coordinators_pages_even_for_themselves(
    client, volunteer, alex
):
    client.force_login(volunteer)
    assert client.get(f"{BASE}/people/{alex.pk}/").status_code == 404
    assert client.get(f"{BASE}/").status_code == 404


def test_the_manage_dashboard_links_to_the_volunteers(jo, org):
    page = jo.get("/manage/").content.decode()
    assert f"{BASE}/organisations/{org.pk}/" in page


# --- one volunteer ----------------------------------------------------------------------


def test_the_volunteer_page_shows_the_application_and_audits_the_reads(jo, coordinator, robin):
    page = jo.get(f"{BASE}/people/{robin.pk}/").content.decode()
    assert "postnatal depression" in page
    assert "Urdu" in page
    actions = set(
        AuditEvent.objects.filter(actor=coordinator, object_id=str(robin.pk)).values_list(
            "action", flat=True
        )
    )
    assert {"read.application", "read.screening"} <= actions


def test_the_page_offers_only_the_steps_allowed_from_here(jo, robin):
    page = jo.get(f"{BASE}/people/{robin.pk}/").content.decode()
    assert "Start screening" in page
    assert 'value="training"' not in page and 'value="active"' not in page
    assert "Record that they have left" in page


def test_every_step_of_the_pipeline_through_the_page(jo, coordinator, org, robin, applicant):
    today = _today(org)
    assert _move(jo, robin, "screening").status_code == 302
    assert _state(robin) == "screening"

    # Training needs references and an interview: refused, with the service's
    # words and the reason kept.
    response = _move(jo, robin, "training", "Ready to start")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Robin can&#x27;t start training yet: there is no interview on record" in page
    assert "Ready to start</textarea>" in page
    assert _state(robin) == "screening"

    for number in range(2):
        jo.post(
            f"{BASE}/people/{robin.pk}/references/",
            {"referee_name": f"Referee {number}", "relationship": "employer", "contact": "x@y.z"},
        )
    references = list(Reference.objects.filter(profile=robin))
    assert len(references) == 2
    for reference in references:
        response = jo.post(
            f"{BASE}/references/{reference.pk}/received/",
            {"satisfactory": "yes", "received_on": today.isoformat(), "note": "Glowing"},
        )
        assert response.status_code == 302
    response = jo.post(
        f"{BASE}/people/{robin.pk}/interviews/",
        {"held_on": today.isoformat(), "outcome": "proceed", "notes": "Warm and clear."},
    )
    assert response.status_code == 302
    assert _move(jo, robin, "training", "Screening went well").status_code == 302
    assert _state(robin) == "training"

    # Active needs a check and training.
    page = _move(jo, robin, "active").content.decode()
    assert "Robin can&#x27;t become active yet: they have no background check on record" in page
    assert _state(robin) == "training"
    response = jo.post(
        f"{BASE}/people/{robin.pk}/checks/",
        {
            "kind": "Enhanced DBS",
            "checked_on": (today - dt.timedelta(days=5)).isoformat(),
            "expires_on": (today + dt.timedelta(days=700)).isoformat(),
            "outcome": "clear",
            "certificate": "001234",
        },
    )
    assert response.status_code == 302
    for module in TrainingModule.objects.filter(organisation=org, is_active=True):
        completion = services.module_complete(
            actor=applicant, profile=robin, module=module, reflection="I will listen."
        )
        assert jo.post(f"{BASE}/completions/{completion.pk}/sign-off/").status_code == 302
    assert not ModuleCompletion.objects.filter(profile=robin, signed_off_at__isnull=True).exists()
    assert _move(jo, robin, "active").status_code == 302
    assert _state(robin) == "active"

    # Pausing needs a reason from a coordinator.
    page = _move(jo, robin, "paused").content.decode()
    assert "Say briefly why Robin is pausing" in page
    assert _state(robin) == "active"
    assert _move(jo, robin, "paused", "A family illness").status_code == 302
    assert _state(robin) == "paused"
    page = jo.get(f"{BASE}/people/{robin.pk}/").content.decode()
    assert "Resume" in page and "Start screening" not in page
    assert _move(jo, robin, "resume").status_code == 302
    assert _state(robin) == "active"
    page = _move(jo, robin, "left").content.decode()
    assert "Say briefly why Robin is leaving" in page
    assert _move(jo, robin, "left", "Moved away").status_code == 302
    assert _state(robin) == "left"

    history = jo.get(f"{BASE}/people/{robin.pk}/").content.decode()
    assert "A family illness" in history and "Moved away" in history
    assert "There are no further steps" in history
    assert list(
        VolunteerEvent.objects.filter(profile=robin)
        .order_by("at", "id")
        .values_list("to_state", flat=True)
    ) == ["applied", "screening", "training", "active", "paused", "active", "left"]


def test_an_out_of_order_step_gets_the_plain_message_and_changes_nothing(jo, robin):
    response = _move(jo, robin, "active", "Skipping ahead")
    page = response.content.decode()
    assert response.status_code == 200
    assert "You can&#x27;t move from applied to active: screening and training come first." in page
    assert "Nothing has changed." in page
    assert _state(robin) == "applied"
    assert VolunteerEvent.objects.filter(profile=robin).count() == 1


def test_a_made_up_step_is_refused(jo, robin):
    page = _move(jo, robin, "promoted").content.decode()
    assert "Choose one of the steps shown." in page
    assert _state(robin) == "applied"


def test_a_refused_background_check_keeps_what_was_typed(jo, org, robin):
    today = _today(org)
    response = jo.post(
        f"{BASE}/people/{robin.pk}/checks/",
        {
            "kind": "Enhanced DBS",
            "checked_on": today.isoformat(),
            "expires_on": (today - dt.timedelta(days=1)).isoformat(),
            "outcome": "clear",
            "certificate": "C-998877",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "The renewal date must be after the date of the check." in page
    assert 'value="C-998877"' in page
    assert not BackgroundCheck.objects.filter(profile=robin).exists()


def test_a_check_date_that_is_not_a_date_is_refused(jo, robin):
    page = jo.post(
        f"{BASE}/people/{robin.pk}/checks/",
        {"kind": "DBS", "checked_on": "last tuesday", "expires_on": "2030-01-01"},
    ).content.decode()
    assert "Enter a date, for example 2026-01-31." in page
    assert 'value="last tuesday"' in page


def test_a_reference_without_a_name_is_refused_with_both_messages(jo, robin):
    page = jo.post(
        f"{BASE}/people/{robin.pk}/references/", {"contact": "someone@example.org"}
    ).content.decode()
    assert "Give the referee&#x27;s name." in page
    assert "Say how the referee knows them" in page
    assert 'value="someone@example.org"' in page
    assert not Reference.objects.filter(profile=robin).exists()


def test_a_reference_received_twice_is_refused(jo, coordinator, robin):
    reference = services.reference_add(
        actor=coordinator, profile=robin, referee_name="Pat", relationship="tutor"
    )
    services.reference_receive(actor=coordinator, reference=reference, satisfactory=False)
    page = jo.post(
        f"{BASE}/references/{reference.pk}/received/", {"satisfactory": "yes"}
    ).content.decode()
    assert "This reference has been recorded as received already." in page
    reference.refresh_from_db()
    assert reference.status == "concerns"


def test_an_interview_in_the_future_is_refused(jo, org, robin):
    future = (_today(org) + dt.timedelta(days=3)).isoformat()
    page = jo.post(
        f"{BASE}/people/{robin.pk}/interviews/",
        {"held_on": future, "outcome": "proceed", "notes": "To come"},
    ).content.decode()
    assert "That date is in the future" in page
    assert "To come</textarea>" in page
    assert not Interview.objects.exists()


def test_interview_notes_are_shown_to_the_coordinator(jo, coordinator, org, robin):
    services.interview_record(
        actor=coordinator, profile=robin, held_on=_today(org), outcome="talk_again", notes="Nervous"
    )
    page = jo.get(f"{BASE}/people/{robin.pk}/").content.decode()
    assert "Nervous" in page and "Talk again" in page


def test_the_caseload_limit_is_set_and_a_bad_one_refused(jo, alex):
    assert jo.post(f"{BASE}/people/{alex.pk}/caseload/", {"limit": "2"}).status_code == 302
    alex.refresh_from_db()
    assert alex.caseload_limit == 2
    page = jo.post(f"{BASE}/people/{alex.pk}/caseload/", {"limit": "99"}).content.decode()
    assert "Choose a caseload limit from 0 to 50, or leave it empty." in page
    assert jo.post(f"{BASE}/people/{alex.pk}/caseload/", {"limit": ""}).status_code == 302
    alex.refresh_from_db()
    assert alex.caseload_limit is None


# --- training -----------------------------------------------------------------------------


def test_the_training_page_lists_modules_and_completions_waiting(jo, org, alex, volunteer):
    module = TrainingModule.objects.filter(organisation=org).order_by("position").first()
    completion = services.module_complete(
        actor=volunteer, profile=alex, module=module, reflection="A refresher, with care."
    )
    page = jo.get(f"{BASE}/organisations/{org.pk}/training/").content.decode()
    assert "Active listening" in page
    assert "A refresher, with care." in page
    response = jo.post(f"{BASE}/completions/{completion.pk}/sign-off/", {"back": "training"})
    assert response["Location"] == f"{BASE}/organisations/{org.pk}/training/"
    completion.refresh_from_db()
    assert completion.signed_off_at is not None
    # Once signed off it is no longer waiting: the same 404 as anything missing.
    assert jo.post(f"{BASE}/completions/{completion.pk}/sign-off/").status_code == 404


def test_a_coordinator_cannot_sign_off_their_own_training(client, org, coordinator, volunteer):
    profile = apply(coordinator, org)
    client.force_login(coordinator)
    module = TrainingModule.objects.filter(organisation=org).first()
    ModuleCompletion.objects.create(
        profile=profile,
        module=module,
        module_version=1,
        reflection="x",
        completed_at=timezone.now(),
    )
    completion = ModuleCompletion.objects.get(profile=profile)
    assert client.post(f"{BASE}/completions/{completion.pk}/sign-off/").status_code == 404


def test_a_module_is_created_with_credits_and_a_missing_title_keeps_the_text(jo, org):
    data = {
        "title": "",
        "summary": "Peer support online",
        "body": "# Online groups\n\nKeep it kind.",
        "reflection_prompt": "What would you do differently online?",
        "written_by": "Sam and Jo",
        "co_produced_with": "The Tuesday group",
        "refresher_months": "12",
        "required_for": ["facilitate"],
    }
    url = f"{BASE}/organisations/{org.pk}/training/new/"
    page = jo.post(url, data).content.decode()
    assert "Give the module a title." in page
    assert "Keep it kind.</textarea>" in page
    assert not TrainingModule.objects.filter(organisation=org, written_by="Sam and Jo").exists()
    assert jo.post(url, {**data, "title": "Online groups"}).status_code == 302
    module = TrainingModule.objects.get(organisation=org, title="Online groups")
    assert (module.co_produced_with, module.required_for, module.refresher_months) == (
        "The Tuesday group",
        ["facilitate"],
        12,
    )


def test_editing_a_modules_text_makes_a_new_version_and_it_can_be_retired(jo, org):
    module = TrainingModule.objects.filter(organisation=org).order_by("position").first()
    page = jo.get(f"{BASE}/modules/{module.pk}/edit/").content.decode()
    assert module.title in page and "Version 1" in page
    assert "<h2>What it is</h2>" in page  # its Markdown, rendered as volunteers see it
    data = {
        "title": module.title,
        "summary": module.summary,
        "body": module.body + "\n\nA new paragraph.",
        "reflection_prompt": module.reflection_prompt,
        "written_by": module.written_by,
        "co_produced_with": "Riverside volunteers",
        "refresher_months": str(module.refresher_months),
        "required_for": module.required_for,
        "position": str(module.position),
    }
    assert jo.post(f"{BASE}/modules/{module.pk}/edit/", data).status_code == 302
    module.refresh_from_db()
    assert module.version == 2 and module.revisions.count() == 2
    assert jo.post(f"{BASE}/modules/{module.pk}/active/", {"active": "0"}).status_code == 302
    module.refresh_from_db()
    assert not module.is_active
    page = jo.get(f"{BASE}/organisations/{org.pk}/training/").content.decode()
    assert "Retired" in page and "Bring back" in page


def test_a_refresher_that_is_not_a_number_is_refused(jo, org):
    module = TrainingModule.objects.filter(organisation=org).first()
    data = {
        "title": "T",
        "body": module.body,
        "reflection_prompt": module.reflection_prompt,
        "written_by": module.written_by,
        "refresher_months": "-3",
    }
    page = jo.post(f"{BASE}/modules/{module.pk}/edit/", data).content.decode()
    assert "Give the months until a refresher (0 for none, up to 120)." in page
    module.refresh_from_db()
    assert module.title != "T"


# --- supervision --------------------------------------------------------------------------


def _local(org, moment):
    """``moment`` as the organisation's wall-clock time, as a datetime-local field says it."""
    return moment.astimezone(ZoneInfo(org.timezone)).strftime("%Y-%m-%dT%H:%M")


def _schedule(client, org, coordinator, profiles, kind="one_to_one", when=None):
    when = when or timezone.now() - dt.timedelta(hours=2)
    return client.post(
        f"{BASE}/organisations/{org.pk}/supervision/",
        {
            "kind": kind,
            "scheduled_at": _local(org, when),
            "duration_minutes": "60",
            "place": "Room 2",
            "supervisor": str(coordinator.pk),
            "profiles": [str(p.pk) for p in profiles],
        },
    )


def test_supervision_is_scheduled_recorded_with_notes_and_actions(
    jo, org, coordinator, alex, volunteer
):
    page = _schedule(jo, org, coordinator, [alex], kind="group").content.decode()
    assert "Group supervision is with two or more volunteers" in page
    assert 'value="Room 2"' in page
    assert not Supervision.objects.exists()

    response = _schedule(jo, org, coordinator, [alex])
    supervision = Supervision.objects.get()
    assert response["Location"] == f"{BASE}/supervision/{supervision.pk}/"
    detail = jo.get(f"{BASE}/supervision/{supervision.pk}/").content.decode()
    assert "Room 2" in detail and "Alex" in detail

    response = jo.post(
        f"{BASE}/supervision/{supervision.pk}/record/",
        {"attended": [str(alex.pk)], "notes": "Talked about boundaries."},
    )
    assert response.status_code == 302
    supervision.refresh_from_db()
    assert supervision.state == "done"
    page = jo.get(f"{BASE}/organisations/{org.pk}/").content.decode()
    assert 'data-flag="no_supervision"' not in page

    # The notes are read on their own page, and each reading is audited.
    before = AuditEvent.objects.filter(action="read.supervision_notes").count()
    notes = jo.get(f"{BASE}/supervision/{supervision.pk}/notes/").content.decode()
    assert "Talked about boundaries." in notes
    assert AuditEvent.objects.filter(action="read.supervision_notes").count() == before + 1
    assert "Talked about boundaries." not in detail
    jo.post(f"{BASE}/supervision/{supervision.pk}/notes/", {"notes": "Updated notes."})
    supervision.refresh_from_db()
    assert supervision.notes == "Updated notes."

    page = jo.post(
        f"{BASE}/supervision/{supervision.pk}/actions/", {"text": "", "due_on": "2026-13-01"}
    ).content.decode()
    assert "Enter a date, for example 2026-01-31." in page
    due = (_today(org) + dt.timedelta(days=14)).isoformat()
    response = jo.post(
        f"{BASE}/supervision/{supervision.pk}/actions/",
        {"text": "Read the boundaries module again", "due_on": due, "profile": str(alex.pk)},
    )
    assert response.status_code == 302
    action = SupervisionAction.objects.get()
    assert (action.profile, action.due_on.isoformat()) == (alex, due)
    assert jo.post(f"{BASE}/actions/{action.pk}/done/").status_code == 302
    action.refresh_from_db()
    assert action.done_at is not None


def test_supervision_not_yet_happened_cannot_be_recorded_and_can_be_cancelled(
    jo, org, coordinator, alex
):
    later = timezone.now() + dt.timedelta(days=3)
    _schedule(jo, org, coordinator, [alex], when=later)
    supervision = Supervision.objects.get()
    page = jo.post(
        f"{BASE}/supervision/{supervision.pk}/record/", {"attended": [str(alex.pk)]}
    ).content.decode()
    assert "This supervision hasn&#x27;t happened yet" in page
    response = jo.post(f"{BASE}/supervision/{supervision.pk}/cancel/", {"reason": "Sick"})
    assert response.status_code == 302
    supervision.refresh_from_db()
    assert supervision.state == "cancelled"
    page = jo.post(f"{BASE}/supervision/{supervision.pk}/cancel/", {"reason": ""}).content.decode()
    assert "This supervision is cancelled already." in page


def test_another_organisations_supervision_is_not_found(client, outsider, org, coordinator, alex):
    supervision = services.supervision_schedule(
        actor=coordinator,
        organisation=org,
        kind="one_to_one",
        scheduled_at=timezone.now(),
        supervisor=coordinator,
        profiles=[alex],
    )
    client.force_login(outsider)
    assert client.get(f"{BASE}/supervision/{supervision.pk}/notes/").status_code == 404
    assert client.get(f"{BASE}/supervision/{supervision.pk}/").status_code == 404


# --- events, export, policy ----------------------------------------------------------------


def test_a_peer_event_is_added_and_cancelled(jo, org):
    url = f"{BASE}/organisations/{org.pk}/events/"
    start = timezone.now() + dt.timedelta(days=5)
    data = {"title": "Walk by the river", "starts_at": _local(org, start)}
    page = jo.post(url, data).content.decode()
    assert "Say where it is, or give a link to join online." in page
    assert 'value="Walk by the river"' in page
    assert not PeerEvent.objects.exists()
    assert jo.post(url, {**data, "place": "The boathouse"}).status_code == 302
    event = PeerEvent.objects.get()
    assert "Walk by the river" in jo.get(url).content.decode()
    assert jo.post(f"{BASE}/events/{event.pk}/cancel/").status_code == 302
    event.refresh_from_db()
    assert event.cancelled_at is not None
    assert "<h3>Walk by the river</h3>" not in jo.get(url).content.decode()


def test_the_hours_export_downloads_a_csv_with_a_sensible_name(jo, org, alex):
    today = _today(org)
    ActivityLog.objects.create(
        profile=alex, on=today, kind="group_session", hours=Decimal("2.5"), contacts=6
    )
    start = today.replace(day=1)
    url = f"{BASE}/organisations/{org.pk}/hours/?start={start.isoformat()}&end={today.isoformat()}"
    response = jo.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == (
        f'attachment; filename="volunteer-hours-riverside-{start.isoformat()}-to-'
        f'{today.isoformat()}.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:2] == ["month", "volunteer"]
    alex_row = next(row for row in rows if row[1] == "Alex")
    header = rows[0]
    assert Decimal(alex_row[header.index("hours_group_session")]) == Decimal("2.5")
    assert alex_row[header.index("contacts")] == "6"
    assert rows[-1][1] == "All volunteers"


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-03-01", "2026-02-01", "The end date is before the start date."),
        ("soon", "2026-02-01", "Enter a date, for example 2026-01-31."),
        ("", "2026-02-01", "Give the start date."),
    ],
)
def test_bad_export_dates_get_a_plain_message(jo, org, start, end, message):
    response = jo.get(f"{BASE}/organisations/{org.pk}/hours/", {"start": start, "end": end})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert message in response.content.decode()


def test_the_export_form_shows_without_dates(jo, org):
    page = jo.get(f"{BASE}/organisations/{org.pk}/hours/").content.decode()
    assert "Download the CSV" in page and "There is a problem" not in page


def test_the_policy_is_saved_and_a_number_out_of_range_refused(jo, org):
    url = f"{BASE}/organisations/{org.pk}/policy/"
    page = jo.get(url).content.decode()
    assert 'name="supervision_weeks"' in page and 'value="8"' in page
    data = {
        "references_required": "2",
        "caseload_limit": "3",
        "supervision_weeks": "6",
        "debrief_days": "14",
        "wellbeing_drop": "3",
        "anxiety_high": "6",
        "anxious_checkins": "2",
        "refresher_notice_days": "30",
    }
    assert jo.post(url, data).status_code == 302
    policy = VolunteerPolicy.objects.get(organisation=org)
    assert (policy.caseload_limit, policy.supervision_weeks) == (3, 6)
    page = jo.post(url, {**data, "supervision_weeks": "99"}).content.decode()
    assert "Choose a whole number from 1 to 52." in page
    assert 'value="99"' in page
    policy.refresh_from_db()
    assert policy.supervision_weeks == 6


def test_posts_need_the_csrf_token(coordinator, robin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(coordinator)
    assert _move(client, robin, "screening").status_code == 403
    assert _state(robin) == "applied"


def test_a_coordinator_with_two_factor_set_up_must_verify_first(client, coordinator, org, robin):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=coordinator, name="phone", confirmed=True)
    client.force_login(coordinator)
    response = client.get(f"{BASE}/people/{robin.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/two-factor/")
    assert _move(client, robin, "screening").status_code == 302
    assert _state(robin) == "applied"


def test_staff_without_two_factor_are_sent_to_set_it_up_when_it_is_required(jo, org, settings):
    settings.STAFF_TWO_FACTOR_REQUIRED = True
    response = jo.get(f"{BASE}/organisations/{org.pk}/")
    assert response.status_code == 302
    assert "two-factor" in response["Location"]


def test_the_volunteer_page_takes_the_same_number_of_queries_with_a_longer_record(
    jo, coordinator, org, robin
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add_records(count):
        for number in range(count):
            services.reference_add(
                actor=coordinator, profile=robin, referee_name=f"R{number}", relationship="tutor"
            )
            services.interview_record(
                actor=coordinator, profile=robin, held_on=_today(org), outcome="talk_again"
            )

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert jo.get(f"{BASE}/people/{robin.pk}/").status_code == 200
        return len(captured.captured_queries)

    add_records(1)
    services.volunteer_screen(actor=coordinator, profile=robin, reason="Go")
    queries()  # the first request also fills the role cache
    few = queries()
    add_records(5)
    services.volunteer_pause(actor=coordinator, profile=robin, reason="Break")
    services.volunteer_resume(actor=coordinator, profile=robin)
    assert queries() == few
    assert few < 40


def test_a_request_for_a_chat_is_flagged_until_a_coordinator_has_been_in_touch(
    jo, org, alex, volunteer
):
    checkin = services.checkin_submit(
        actor=volunteer,
        profile=alex,
        ons4=[7, 7, 7, 3],
        workload={"manageable": 4, "supported": 4, "rested": 3, "carrying": 2},
        wants_chat=True,
        note="A hard week in the group.",
    )
    page = jo.get(f"{BASE}/people/{alex.pk}/").content.decode()
    assert 'data-flag="wants_chat"' in page
    assert "A hard week in the group." in page
    response = jo.post(f"{BASE}/checkins/{checkin.pk}/chat/")
    assert response["Location"] == f"{BASE}/people/{alex.pk}/#wellbeing"
    checkin.refresh_from_db()
    assert checkin.chat_answered_at is not None
    page = jo.get(f"{BASE}/organisations/{org.pk}/").content.decode()
    assert 'data-flag="wants_chat"' not in page
    again = jo.post(f"{BASE}/checkins/{checkin.pk}/chat/", follow=True).content.decode()
    assert "Someone has been in touch about this already." in again
