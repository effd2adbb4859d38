"""A volunteer's own pages at /volunteering/ through the test client: applying
(an incomplete application names each field and keeps every word), "My
volunteering" (never staff-only notes), pausing with no questions asked,
resuming and leaving, training with a reflection, the certificate, the
wellbeing check-in, activity, debriefs and actions, the supporters' network,
and the way in from the navigation. Another person's records are a 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from peercircle.volunteers import services
from peercircle.volunteers.gate import organisation_today
from peercircle.volunteers.models import (
    ActivityLog,
    DebriefOffer,
    ModuleCompletion,
    TrainingModule,
    VolunteerProfile,
    WellbeingCheckIn,
)
from tests.factories import MembershipFactory, make_active_volunteer
from tests.volunteers.conftest import apply

pytestmark = pytest.mark.django_db

APPLY = "/volunteering/apply/"


@pytest.fixture
def alex(volunteer):
    return VolunteerProfile.objects.get(person=volunteer)


@pytest.fixture
def second(org, coordinator):
    """Kim: another active volunteer of the same organisation."""
    from tests.conftest import _persona

    kim = _persona(org, "volunteer", "kim", "Kim")
    return make_active_volunteer(kim, org, trainer=coordinator)


def signed_in(client, user):
    client.force_login(user)
    return client


def mine_url(org):
    return reverse("volunteers:mine", args=[org.pk])


def page(response) -> str:
    return response.content.decode()


def followed_messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


# --- applying --------------------------------------------------------------------------


def test_a_member_sees_the_application_form_for_their_organisation(client, applicant, org):
    response = signed_in(client, applicant).get(APPLY)
    assert response.status_code == 200
    html = page(response)
    assert "You are applying to volunteer with <strong>Riverside Peer Support</strong>" in html
    assert 'name="organisation"' not in html  # only one organisation: no choice to make
    assert 'id="availability-tue_evening"' in html
    assert 'for="lived_experience"' in html


def test_an_incomplete_application_names_each_field_and_keeps_what_was_typed(
    client, applicant, org
):
    words = "Years of anxiety <and> a group that <b>helped</b>."
    response = signed_in(client, applicant).post(
        APPLY,
        {
            "lived_experience": words,
            "languages": "  ",
            "roles_wanted": ["one_to_one"],
            "about": "I drive, so can get anywhere.",
        },
    )
    assert response.status_code == 400
    html = page(response)
    assert "Error: Volunteer with us" in html
    assert 'href="#languages"' in html
    assert "Add at least one language you could support people in." in html
    assert 'href="#availability-mon_morning"' in html
    assert "Choose at least one time when you are usually free." in html
    # Every word kept, escaped; the choice still ticked.
    assert "Years of anxiety &lt;and&gt; a group that &lt;b&gt;helped&lt;/b&gt;." in html
    assert "I drive, so can get anywhere." in html
    assert 'value="one_to_one" checked' in html
    assert 'id="lived_experience-error"' not in html
    assert not VolunteerProfile.objects.filter(person=applicant).exists()


def test_a_complete_application_is_sent_and_shows_where_it_is(client, applicant, org):
    response = signed_in(client, applicant).post(
        APPLY,
        {
            "lived_experience": "Postnatal depression; a group got me through.",
            "languages": "English, Urdu",
            "availability": ["tue_evening", "sat_morning"],
            "roles_wanted": ["facilitate"],
        },
        follow=True,
    )
    profile = VolunteerProfile.objects.get(person=applicant)
    assert response.redirect_chain == [(mine_url(org), 302)]
    assert profile.state == "applied"
    assert profile.languages == ["English", "Urdu"]
    assert profile.availability == ["tue_evening", "sat_morning"]
    assert "Thank you for applying to volunteer with Riverside" in followed_messages(response)
    html = page(response)
    assert "at the application stage" in html
    assert "Tuesday evening" in html


def test_someone_in_two_organisations_chooses_which_and_is_told_if_they_did_not(
    client, applicant, org, other_org
):
    MembershipFactory(user=applicant, organisation=other_org, role="participant")
    data = {
        "lived_experience": "Bipolar disorder, well managed now.",
        "languages": "English",
        "availability": ["mon_morning"],
        "roles_wanted": ["one_to_one"],
    }
    signed_in(client, applicant)
    response = client.post(APPLY, data)
    assert response.status_code == 400
    assert "Choose the organisation you would like to volunteer with." in page(response)
    assert "Bipolar disorder, well managed now." in page(response)
    # Every field that needs attention is named at once, the choice of organisation too.
    response = client.post(APPLY, {**data, "languages": ""})
    assert response.status_code == 400
    assert 'href="#organisation"' in page(response)
    assert 'href="#languages"' in page(response)
    response = client.post(APPLY, {**data, "organisation": str(other_org.pk)})
    assert response.status_code == 302
    assert VolunteerProfile.objects.get(person=applicant).organisation == other_org


def test_someone_already_volunteering_is_told_where_and_cannot_apply_twice(client, volunteer, org):
    response = signed_in(client, volunteer).get(APPLY)
    assert response.status_code == 200
    html = page(response)
    assert "You have applied to volunteer with Riverside Peer Support already" in html
    assert 'name="lived_experience"' not in html
    response = client.post(
        APPLY,
        {
            "lived_experience": "Again",
            "languages": "English",
            "availability": ["mon_morning"],
            "roles_wanted": ["one_to_one"],
        },
    )
    assert response.status_code == 400
    assert VolunteerProfile.objects.filter(person=volunteer).count() == 1


def test_someone_who_left_can_apply_again_on_the_same_record(client, volunteer, alex, org):
    services.volunteer_leave(actor=volunteer, profile=alex)
    signed_in(client, volunteer)
    assert "Riverside Peer Support" in page(client.get(APPLY))
    response = client.post(
        APPLY,
        {
            "lived_experience": "Back after a year away.",
            "languages": "English",
            "availability": ["sun_afternoon"],
            "roles_wanted": ["one_to_one"],
        },
    )
    assert response.status_code == 302
    alex.refresh_from_db()
    assert alex.state == "applied"
    assert alex.events.filter(kind="reapplied").exists()


def test_the_pages_ask_people_to_sign_in(client, org):
    for url in (APPLY, "/volunteering/", mine_url(org)):
        response = client.get(url)
        assert response.status_code == 302
        assert "/account/login/" in response["Location"]


# --- My volunteering -------------------------------------------------------------------


def test_my_volunteering_shows_the_record_and_never_staff_only_notes(
    client, volunteer, alex, org, coordinator
):
    today = organisation_today(org)
    services.check_record(
        actor=coordinator,
        profile=alex,
        kind="Enhanced DBS with barred lists",
        checked_on=today - dt.timedelta(days=3),
        expires_on=today + dt.timedelta(days=700),
        outcome="cleared_after_review",
        certificate="CERT-00123-SECRET",
        note="Disclosed caution reviewed by panel",
    )
    done = services.supervision_schedule(
        actor=coordinator,
        organisation=org,
        kind="one_to_one",
        scheduled_at=timezone.now() - dt.timedelta(days=2),
        supervisor=coordinator,
        profiles=[alex],
    )
    services.supervision_record(
        actor=coordinator, supervision=done, attended=[alex.pk], notes="Private: seems tired"
    )
    services.action_add(
        actor=coordinator, supervision=done, profile=alex, text="Take a weekend off."
    )
    services.supervision_schedule(
        actor=coordinator,
        organisation=org,
        kind="one_to_one",
        scheduled_at=timezone.now() + dt.timedelta(days=5),
        supervisor=coordinator,
        profiles=[alex],
        place="Café upstairs",
    )
    services.activity_log(
        actor=volunteer, profile=alex, on=today, kind="one_to_one", hours="1.5", contacts=2
    )
    response = signed_in(client, volunteer).get(mine_url(org))
    assert response.status_code == 200
    html = page(response)
    assert "You are <strong>active</strong>" in html
    assert "Enhanced DBS with barred lists" in html and "cleared" in html
    assert "Café upstairs" in html
    assert "Take a weekend off." in html
    assert "Pause my volunteering" in html
    assert ">1.50<" in html and ">2<" in html
    assert "Active listening" in html
    for secret in (
        "CERT-00123-SECRET",
        "Disclosed caution",
        "Private: seems tired",
        "Warm, clear",
        "Referee 0",
    ):
        assert secret not in html


def test_my_volunteering_of_an_organisation_where_i_have_no_record_is_a_404(
    client, participant, volunteer, org, other_org
):
    assert signed_in(client, participant).get(mine_url(org)).status_code == 404
    assert signed_in(client, volunteer).get(mine_url(other_org)).status_code == 404


def test_the_volunteering_home_goes_to_the_only_record_or_offers_a_way_in(
    client, volunteer, participant, org
):
    response = signed_in(client, volunteer).get("/volunteering/")
    assert response.status_code == 302 and response["Location"] == mine_url(org)
    response = signed_in(client, participant).get("/volunteering/")
    assert response.status_code == 200
    assert "Volunteer with us" in page(response)


def test_a_volunteer_pauses_with_no_questions_asked_and_resumes(client, volunteer, alex, org):
    signed_in(client, volunteer)
    response = client.post(reverse("volunteers:pause", args=[org.pk]), follow=True)
    assert response.redirect_chain[-1][0] == mine_url(org)
    alex.refresh_from_db()
    assert alex.state == "paused" and alex.paused_from == "active"
    assert "Your volunteering is paused" in followed_messages(response)
    assert "Resume my volunteering" in page(response)
    response = client.post(reverse("volunteers:resume", args=[org.pk]), follow=True)
    alex.refresh_from_db()
    assert alex.state == "active"
    assert "Welcome back" in followed_messages(response)


def test_resuming_when_not_paused_gives_a_plain_message(client, volunteer, alex, org):
    response = signed_in(client, volunteer).post(
        reverse("volunteers:resume", args=[org.pk]), follow=True
    )
    assert response.status_code == 200
    assert "Alex is not paused." in followed_messages(response)
    alex.refresh_from_db()
    assert alex.state == "active"


def test_pausing_needs_a_post_and_someone_elses_pause_is_a_404(client, volunteer, participant, org):
    assert (
        signed_in(client, volunteer).get(reverse("volunteers:pause", args=[org.pk])).status_code
        == 405
    )
    response = signed_in(client, participant).post(reverse("volunteers:pause", args=[org.pk]))
    assert response.status_code == 404


def test_leaving_asks_once_then_hands_over_and_keeps_the_history(
    client, volunteer, alex, org, group
):
    signed_in(client, volunteer)
    response = client.get(reverse("volunteers:leave", args=[org.pk]))
    assert response.status_code == 200
    assert "you will no longer facilitate your 1 group" in page(response)
    response = client.post(
        reverse("volunteers:leave", args=[org.pk]), {"reason": "Moving away"}, follow=True
    )
    alex.refresh_from_db()
    assert alex.state == "left"
    assert "Thank you for everything you gave" in followed_messages(response)
    assert "apply again" in page(response)
    assert not group.facilitations.filter(user=volunteer).exists()


# --- training ---------------------------------------------------------------------------


def test_the_training_list_shows_each_module_with_its_status(client, volunteer, org):
    response = signed_in(client, volunteer).get(reverse("volunteers:training", args=[org.pk]))
    assert response.status_code == 200
    html = page(response)
    assert html.count('class="v-card"') == TrainingModule.objects.filter(org_filter(org)).count()
    assert "Signed off" in html
    assert "refresher due" in html


def org_filter(org):
    from django.db.models import Q

    return Q(organisation=org, is_active=True)


def test_a_module_page_renders_its_markdown_safely_with_credits_and_version(client, volunteer, org):
    module = TrainingModule.objects.get(organisation=org, slug="active-listening")
    TrainingModule.objects.filter(pk=module.pk).update(
        body="## Listening\n\nA **bold** start.<script>alert(1)</script>\n\n- one\n- two",
        co_produced_with="Riverside volunteers' forum",
        version=3,
    )
    response = signed_in(client, volunteer).get(reverse("volunteers:module", args=[module.pk]))
    assert response.status_code == 200
    html = page(response)
    assert "<h2>Listening</h2>" in html
    assert "<strong>bold</strong>" in html
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert "Version 3" in html
    assert "with Riverside volunteers&#x27; forum" in html


def test_marking_a_module_complete_needs_a_reflection_and_keeps_it(client, alex, volunteer, org):
    module = TrainingModule.objects.get(organisation=org, slug="looking-after-yourself")
    url = reverse("volunteers:module", args=[module.pk])
    signed_in(client, volunteer)
    response = client.post(url, {"reflection": "   "})
    assert response.status_code == 400
    assert 'href="#reflection"' in page(response)
    waiting = ModuleCompletion.objects.filter(profile=alex, signed_off_at__isnull=True)
    assert not waiting.exists()
    response = client.post(url, {"reflection": "I walk the dog after hard calls."}, follow=True)
    assert response.redirect_chain[-1][0] == url
    assert waiting.get().reflection == "I walk the dog after hard calls."
    html = page(response)
    assert "it is waiting for your coordinator to sign it off" in html
    assert "I walk the dog after hard calls." in html
    assert "is marked complete" in followed_messages(response)


def test_a_module_of_another_organisation_or_for_an_applicant_is_a_404(
    client, volunteer, applicant, org, other_org
):
    theirs = TrainingModule.objects.filter(organisation=other_org).first()
    signed_in(client, volunteer)
    assert client.get(reverse("volunteers:module", args=[theirs.pk])).status_code == 404
    apply(applicant, org)
    ours = TrainingModule.objects.filter(organisation=org).first()
    signed_in(client, applicant)
    assert client.get(reverse("volunteers:module", args=[ours.pk])).status_code == 404
    response = client.get(reverse("volunteers:training", args=[org.pk]))
    assert "Training starts once screening is done" in page(response)


def test_the_certificate_lists_signed_off_modules_and_prints_clean(client, volunteer, org):
    response = signed_in(client, volunteer).get(reverse("volunteers:certificate", args=[org.pk]))
    assert response.status_code == 200
    html = page(response)
    assert "This is to certify that <strong>Alex</strong>" in html
    assert "Safeguarding and suicide awareness" in html
    assert "by Jo" in html
    assert "peercircle/volunteers.css" in html
    from django.contrib.staticfiles import finders

    with open(finders.find("peercircle/volunteers.css")) as file:
        css = file.read()
    assert "@media print" in css and ".crisis-strip" in css.split("@media print", 1)[1]


# --- wellbeing --------------------------------------------------------------------------


def test_a_checkin_with_an_answer_missing_names_it_and_keeps_the_answers(
    client, volunteer, alex, org
):
    url = reverse("volunteers:wellbeing", args=[org.pk])
    signed_in(client, volunteer)
    assert client.get(url).status_code == 200
    response = client.post(url, {"satisfied": "7", "manageable": "4", "note": "Long week."})
    assert response.status_code == 400
    html = page(response)
    assert "the things you do in your life are worthwhile" in html
    assert 'href="#worthwhile-0"' in html
    assert 'id="satisfied-7" value="7" checked' in html
    assert 'id="manageable-4" value="4" checked' in html
    assert "Long week." in html
    assert not WellbeingCheckIn.objects.exists()


def test_a_complete_checkin_is_saved_and_listed(client, volunteer, alex, org):
    url = reverse("volunteers:wellbeing", args=[org.pk])
    data = {"satisfied": "6", "worthwhile": "9", "happy": "5", "anxious": "7"}
    data.update({"manageable": "2", "supported": "4", "rested": "1", "carrying": "5"})
    response = signed_in(client, volunteer).post(
        url, {**data, "wants_chat": "yes", "note": "Could we talk?"}, follow=True
    )
    assert response.redirect_chain[-1][0] == url
    checkin = WellbeingCheckIn.objects.get(profile=alex)
    assert (checkin.satisfied, checkin.anxious, checkin.wants_chat) == (6, 7, True)
    assert checkin.workload == {"manageable": 2, "supported": 4, "rested": 1, "carrying": 5}
    assert "your coordinator will be in touch" in followed_messages(response)
    assert "<td>9</td>" in page(response)


# --- activity ---------------------------------------------------------------------------


def test_activity_with_bad_hours_is_refused_with_the_entry_kept_then_logged_and_removed(
    client, volunteer, alex, org
):
    url = reverse("volunteers:activity", args=[org.pk])
    today = organisation_today(org).isoformat()
    signed_in(client, volunteer)
    response = client.post(url, {"on": today, "kind": "group_session", "hours": "lots"})
    assert response.status_code == 400
    html = page(response)
    assert 'href="#hours"' in html and "Give the hours as a number" in html
    assert 'value="lots"' in html
    assert 'value="group_session" selected' in html
    response = client.post(
        url, {"on": today, "kind": "group_session", "hours": "2.5", "contacts": "6"}, follow=True
    )
    entry = ActivityLog.objects.get(profile=alex)
    assert (str(entry.hours), entry.contacts) == ("2.50", 6)
    assert "2.50 hours, 6 people supported" in page(response)
    client.post(reverse("volunteers:activity_remove", args=[entry.pk]))
    assert not ActivityLog.objects.exists()


def test_someone_elses_activity_action_or_debrief_is_a_404(
    client, volunteer, second, org, coordinator
):
    entry = services.activity_log(
        actor=second.person,
        profile=second,
        on=organisation_today(org),
        kind="training",
        hours="1",
    )
    supervision = services.supervision_schedule(
        actor=coordinator,
        organisation=org,
        kind="one_to_one",
        scheduled_at=timezone.now() - dt.timedelta(days=1),
        supervisor=coordinator,
        profiles=[second],
    )
    action = services.action_add(
        actor=coordinator, supervision=supervision, profile=second, text="Rest."
    )
    signed_in(client, volunteer)
    assert client.post(reverse("volunteers:activity_remove", args=[entry.pk])).status_code == 404
    assert client.post(reverse("volunteers:action_done", args=[action.pk])).status_code == 404
    assert ActivityLog.objects.filter(pk=entry.pk).exists()
    action.refresh_from_db()
    assert action.done_at is None


def test_a_volunteer_marks_their_own_action_done_once(client, volunteer, alex, org, coordinator):
    supervision = services.supervision_schedule(
        actor=coordinator,
        organisation=org,
        kind="one_to_one",
        scheduled_at=timezone.now() - dt.timedelta(days=1),
        supervisor=coordinator,
        profiles=[alex],
    )
    action = services.action_add(
        actor=coordinator, supervision=supervision, profile=alex, text="Read module 3."
    )
    url = reverse("volunteers:action_done", args=[action.pk])
    response = signed_in(client, volunteer).post(url, follow=True)
    action.refresh_from_db()
    assert action.done_at is not None
    assert "Marked as done" in followed_messages(response)
    response = client.post(url, follow=True)
    assert "This action is marked done already." in followed_messages(response)


# --- debriefs and the network -------------------------------------------------------------


@pytest.fixture
def debrief(volunteer, participant, org, alex):
    from peercircle.safety.services import concern_raise

    concern_raise(
        actor=volunteer,
        organisation_id=org.pk,
        person=participant,
        level="high",
        categories=["self_harm"],
        note="Talked about hurting themselves",
    )
    return DebriefOffer.objects.get(profile=alex)


def test_a_debrief_offer_is_answered_and_can_be_changed(client, volunteer, org, debrief):
    signed_in(client, volunteer)
    html = page(client.get(mine_url(org)))
    assert "Debriefs offered to you" in html
    assert "Talked about hurting" not in html and "Sam" not in html.split("Debriefs")[1]
    url = reverse("volunteers:debrief_respond", args=[debrief.pk])
    response = client.post(url, {"answer": "yes"}, follow=True)
    debrief.refresh_from_db()
    assert debrief.state == "accepted"
    assert "will be in touch to arrange it" in followed_messages(response)
    response = client.post(url, {"answer": "no"}, follow=True)
    debrief.refresh_from_db()
    assert debrief.state == "declined"
    assert "I'd like one after all" in page(response)  # they can change their mind
    response = client.post(url, {"answer": "maybe"}, follow=True)
    assert "Choose yes or no." in followed_messages(response)


def test_another_persons_debrief_is_a_404(client, second, org, debrief):
    signed_in(client, second.person)
    url = reverse("volunteers:debrief_respond", args=[debrief.pk])
    assert client.post(url, {"answer": "no"}).status_code == 404
    debrief.refresh_from_db()
    assert debrief.state == "offered"


def test_the_network_links_the_supporters_room_and_lists_events(
    client, volunteer, org, coordinator
):
    services.peer_event_create(
        actor=coordinator,
        organisation=org,
        title="Riverside walk",
        starts_at=timezone.now() + dt.timedelta(days=3),
        place="The bandstand",
    )
    response = signed_in(client, volunteer).get(reverse("volunteers:network", args=[org.pk]))
    assert response.status_code == 200
    html = page(response)
    assert reverse("rooms:supporters", args=[org.pk]) in html
    assert "Riverside walk" in html and "The bandstand" in html


# --- the way in -------------------------------------------------------------------------


def test_the_main_navigation_shows_volunteering_to_volunteers_only(client, volunteer, participant):
    link = '<a href="/volunteering/">Volunteering</a>'
    assert link in page(signed_in(client, volunteer).get("/account/profile/"))
    html = page(signed_in(client, participant).get("/account/profile/"))
    assert link not in html
    assert "Volunteer with us" in html


def test_someone_who_applies_sees_volunteering_in_the_navigation_at_once(
    client, org, applicant, django_capture_on_commit_callbacks
):
    from tests.volunteers.conftest import apply

    link = '<a href="/volunteering/">Volunteering</a>'
    assert link not in page(signed_in(client, applicant).get("/account/profile/"))
    with django_capture_on_commit_callbacks(execute=True):
        apply(applicant, org)  # no role yet; the cached "no" must not hide it
    assert link in page(client.get("/account/profile/"))


def test_my_volunteering_makes_the_same_queries_however_much_there_is(
    client, volunteer, alex, org, coordinator
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(count):
        supervision = services.supervision_schedule(
            actor=coordinator,
            organisation=org,
            kind="one_to_one",
            scheduled_at=timezone.now() + dt.timedelta(days=count),
            supervisor=coordinator,
            profiles=[alex],
        )
        for number in range(count):
            services.action_add(
                actor=coordinator, supervision=supervision, profile=alex, text=f"Step {number}"
            )
            services.checkin_submit(
                actor=volunteer,
                profile=alex,
                ons4=[7, 7, 7, 3],
                workload={"manageable": 4, "supported": 4, "rested": 4, "carrying": 2},
            )
            services.peer_event_create(
                actor=coordinator,
                organisation=org,
                title=f"Walk {count}-{number}",
                starts_at=timezone.now() + dt.timedelta(days=number + 1),
                place="The park",
            )

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(mine_url(org)).status_code == 200
        return len(captured.captured_queries)

    signed_in(client, volunteer)
    add(1)
    client.get(mine_url(org))
    few = queries()
    add(5)
    assert queries() == few


def test_a_post_without_the_csrf_token_is_refused(volunteer, alex, org):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(volunteer)
    response = client.post(reverse("volunteers:pause", args=[org.pk]))
    assert response.status_code == 403
    alex.refresh_from_db()
    assert alex.state == "active"


def test_an_applicant_is_told_plainly_what_opens_with_training(client, applicant, org):
    apply(applicant, org)
    signed_in(client, applicant)
    for name, words in (
        ("network", "once your training starts"),
        ("wellbeing", "Wellbeing check-ins start with training."),
        ("activity", "Logging hours starts with training."),
        ("training", "Training starts once screening is done."),
    ):
        response = client.get(reverse(f"volunteers:{name}", args=[org.pk]))
        assert response.status_code == 200, name
        assert words in page(response), name
    assert reverse("rooms:supporters", args=[org.pk]) not in page(
        client.get(reverse("volunteers:network", args=[org.pk]))
    )
