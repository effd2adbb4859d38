"""The participant's questionnaire pages through HTTP: "My check-ins",
answering (saved as it goes, or all at once), refusals that name the question
and keep every answer, thanks with crisis resources after a risk answer,
another person's questionnaire, "My progress" with its chart, table and plain
words, and the mechanism check-in after a session and in a one-to-one.
See docs/questionnaires.md."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from peercircle.core.models import CrisisResource
from peercircle.programmes.models import Attendance, Enrolment, Session
from peercircle.questionnaires import charts, services
from peercircle.questionnaires.models import Assignment, MechanismCheckIn, Response
from peercircle.rooms.services import pairing_create
from peercircle.safety.models import Alert
from tests.questionnaires.conftest import JOINED

pytestmark = pytest.mark.django_db

MINE = "/questionnaires/"
PROGRESS = "/questionnaires/progress/"
CORE10_FILE = {
    "instrument": "core10",
    "version": "CORE-10 as published",
    "instructions": "Over the last week...",
    "items": [f"Core statement {n}" for n in range(1, 11)],
    "options": ["Not at all", "Only occasionally", "Sometimes", "Often", "Most of the time"],
    "copyright_notice": "Copyright CORE System Trust",
}


def answer_url(assignment):
    return f"/questionnaires/{assignment.pk}/"


def save_url(assignment):
    return f"/questionnaires/{assignment.pk}/save/"


def done_url(assignment):
    return f"/questionnaires/{assignment.pk}/done/"


def signed_in(client, user):
    client.force_login(user)
    return client


def save(client, assignment, item, value):
    response = client.post(
        save_url(assignment),
        data=json.dumps({"item": item, "value": value}),
        content_type="application/json",
    )
    return response.status_code, response.json()


def checked(html, item, value):
    """Whether the radio for ``value`` of question ``item`` is drawn chosen."""
    tag = re.search(rf'<input type="radio" name="item-{item}" id="item-{item}-{value}"[^>]*>', html)
    assert tag, f"no option {value} for question {item}"
    return " checked" in tag.group(0)


def answers(**by_item):
    """A form post: item-N fields."""
    return {f"item-{item}": str(value) for item, value in by_item.items()}


def all_answers(values):
    return {f"item-{n}": str(v) for n, v in enumerate(values, start=1)}


# --- My check-ins -----------------------------------------------------------------------


def test_my_check_ins_lists_what_is_open_and_says_it_is_up_to_you(client, due_now, participant):
    html = signed_in(client, participant).get(MINE).content.decode()
    assert "It is up to you" in html
    assert "Baseline: Patient Health Questionnaire (PHQ-9)" in html
    assert f'href="{answer_url(due_now)}"' in html
    assert "9 questions, about 2 minutes" in html
    assert f'href="{PROGRESS}"' in html
    # The nav says how many are open.
    assert ">Check-ins (1 open)</a>" in html


def test_the_check_ins_link_is_only_in_the_nav_when_something_is_open(client, participant, org):
    html = signed_in(client, participant).get(MINE).content.decode()
    assert "Nothing is waiting for you" in html
    assert "open)</a>" not in html


def test_my_check_ins_query_count_does_not_grow_with_questionnaires(
    client, programme, coordinator, member, participant
):
    Enrolment.objects.filter(pk=member.pk).update(joined_at=timezone.now())
    signed_in(client, participant)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(MINE).status_code == 200
        return len(queries)

    services.schedule_point_add(
        actor=coordinator, programme=programme, instrument="phq9", label="Baseline"
    )
    services.assignments_generate()
    client.get(MINE)
    few = count()
    for code in ("gad7", "ucla3", "ons4"):
        services.schedule_point_add(
            actor=coordinator, programme=programme, instrument=code, label="Baseline"
        )
    services.assignments_generate()
    assert Assignment.objects.count() == 4
    assert count() == few


# --- answering ------------------------------------------------------------------------------


def test_one_screen_shows_every_question_with_its_options(client, due_now, participant):
    response = signed_in(client, participant).get(answer_url(due_now))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<fieldset class="q-item"') == 9
    assert "Little interest or pleasure in doing things" in html
    assert html.count("Nearly every day") == 9
    # PHQ-9 needs every question answered: no "prefer not to answer".
    assert "Prefer not to answer" not in html
    assert 'data-save-url="/questionnaires/' in html
    assert "peercircle/questionnaire.js" in html
    assert response.headers["Cache-Control"].startswith("max-age=0")


def test_prefer_not_to_answer_and_the_copyright_notice_where_the_instrument_has_them(
    client, org, programme, coordinator, member, participant, second_participant
):
    services.text_load(organisation=org, data=CORE10_FILE, actor=coordinator)
    Enrolment.objects.filter(pk=member.pk).update(joined_at=timezone.now())
    services.schedule_point_add(
        actor=coordinator, programme=programme, instrument="core10", label="Baseline"
    )
    services.assignments_generate()
    assignment = Assignment.objects.get()
    html = signed_in(client, participant).get(answer_url(assignment)).content.decode()
    assert html.count("Prefer not to answer") == 10
    assert "Copyright CORE System Trust" in html
    assert "Over the last week..." in html
    # Loaded texts are shown to the person the questionnaire is for, and nobody else.
    client.force_login(second_participant)
    other = client.get(answer_url(assignment))
    assert other.status_code == 404
    assert "Core statement" not in other.content.decode()


def test_answers_save_as_they_go_and_come_back_when_the_page_is_opened_again(
    client, due_now, participant
):
    signed_in(client, participant)
    assert save(client, due_now, 1, 2) == (200, {"ok": True, "item": 1, "answered": 1, "of": 9})
    assert save(client, due_now, 3, "1")[1]["answered"] == 2
    assert save(client, due_now, 1, 0)[1]["answered"] == 2  # changed, not added
    # A plain form post works too.
    form = client.post(save_url(due_now), {"item": "4", "value": "3"})
    assert form.json()["ok"] is True
    assert Response.objects.get().answers == [0, None, 1, 3, None, None, None, None, None]
    html = client.get(answer_url(due_now)).content.decode()
    assert checked(html, 1, 0) and not checked(html, 1, 2)
    assert checked(html, 3, 1) and checked(html, 4, 3)
    assert not any(checked(html, 2, v) for v in range(4))


@pytest.mark.parametrize(
    ("item", "value", "message"),
    [
        (9, 4, "Question 9 of PHQ-9: choose one of the 4 answers."),
        (2, "decline", "Question 2 of PHQ-9: this questionnaire needs every question answered."),
        (12, 0, "There is no question 12 in PHQ-9; it has 9."),
        (3, "often", "Question 3 of PHQ-9: choose one of the answers"),
    ],
)
def test_a_refused_save_names_the_question(client, due_now, participant, item, value, message):
    status, body = save(signed_in(client, participant), due_now, item, value)
    assert status == 400 and body["ok"] is False
    assert body["error"].startswith(message)


def test_save_takes_one_answer_as_a_json_object(client, due_now, participant):
    signed_in(client, participant)
    response = client.post(save_url(due_now), data="[1, 2]", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "ok": False,
        "error": "Send one answer as a JSON object.",
        "code": "invalid",
    }


def test_sending_without_javascript_saves_every_answer_then_submits_and_thanks(
    client, due_now, participant
):
    signed_in(client, participant)
    assert "(1 open)" in client.get(MINE).content.decode()
    response = client.post(answer_url(due_now), all_answers([1, 2, 0, 3, 1, 0, 2, 1, 0]))
    assert response.status_code == 302 and response.headers["Location"] == done_url(due_now)
    saved = Response.objects.get()
    assert saved.submitted_at is not None and saved.total == 10
    due_now.refresh_from_db()
    assert due_now.state == "completed"
    html = client.get(done_url(due_now)).content.decode()
    assert "Thank you" in html
    assert "Your answers to PHQ-9 (Baseline) are sent." in html
    assert 'id="support"' not in html
    assert "open)</a>" not in html  # the nav's count is not left behind
    # No score on the thanks page; and nothing more to answer.
    assert "moderate" not in html and ">10<" not in html
    again = client.get(answer_url(due_now)).content.decode()
    assert "You have sent this questionnaire already. Thank you." in again
    assert "<form" not in again.split('id="main"')[1]
    assert save(client, due_now, 1, 0) == (
        409,
        {
            "ok": False,
            "item": None,
            "error": "You have sent this questionnaire already. Thank you.",
            "code": "done",
        },
    )


def test_a_refused_submission_names_every_open_question_and_keeps_every_answer(
    client, due_now, participant
):
    signed_in(client, participant)
    given = answers(**{"1": 3, "2": 2, "3": 1, "4": 0, "5": 1, "6": 2, "7": 3})
    response = client.post(answer_url(due_now), given)
    html = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in html
    assert '<a href="#item-8-0">Question 8 of PHQ-9 is not answered yet.</a>' in html
    assert '<a href="#item-9-0">Question 9 of PHQ-9 is not answered yet.</a>' in html
    assert "<title>Error:" in html
    for item, value in given.items():
        assert checked(html, item.removeprefix("item-"), value)
    # What was chosen is saved, and nothing is sent.
    saved = Response.objects.get()
    assert saved.submitted_at is None and saved.answers[:7] == [3, 2, 1, 0, 1, 2, 3]
    # Answering the rest sends it.
    response = client.post(answer_url(due_now), {**given, **answers(**{"8": 0, "9": 0})})
    assert response.status_code == 302


def test_an_answer_out_of_range_is_named_and_the_others_are_kept(client, due_now, participant):
    signed_in(client, participant)
    posted = all_answers([0, 1, 2, 7, 0, 1, 2, 3, 0])
    html = client.post(answer_url(due_now), posted).content.decode()
    assert '<a href="#item-4-0">Question 4 of PHQ-9: choose one of the 4 answers.</a>' in html
    assert 'id="item-4-error"><span class="visually-hidden">Error:</span>' in html
    assert checked(html, 3, 2) and checked(html, 8, 3)
    assert not Response.objects.filter(submitted_at__isnull=False).exists()


def test_a_risk_answer_brings_crisis_resources_at_once_and_alerts_the_lead(
    client, org, due_now, participant, safeguarding_lead
):
    CrisisResource.objects.create(
        organisation=org, name="Night Line", phone="0800 123 456", hours="every night"
    )
    signed_in(client, participant)
    response = client.post(answer_url(due_now), all_answers([0] * 8 + [1]), follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == done_url(due_now)
    support = html.split('id="support"')[1].split("</section>")[0]
    assert "Night Line" in support and 'href="tel:0800123456"' in support
    assert "Someone from our team will be in touch" in support
    assert "Thank you" in html
    alert = Alert.objects.get()
    assert (alert.source, alert.person, alert.assigned_to) == (
        "questionnaire",
        participant,
        safeguarding_lead,
    )


def test_someone_elses_questionnaire_is_the_same_404_as_one_that_does_not_exist(
    client, due_now, participant, second_participant
):
    services.answer_save(person=participant, assignment=due_now, item=1, value=2)
    signed_in(client, second_participant)
    missing = client.get("/questionnaires/999999/")
    for response in (
        client.get(answer_url(due_now)),
        client.post(answer_url(due_now), all_answers([0] * 9)),
        client.post(save_url(due_now), {"item": "1", "value": "0"}),
        client.get(done_url(due_now)),
    ):
        assert response.status_code == missing.status_code == 404
        assert response.content == missing.content
    assert Response.objects.get().answers[0] == 2
    assert not Response.objects.filter(submitted_at__isnull=False).exists()


def test_a_closed_questionnaire_says_so_plainly_and_keeps_what_was_saved(
    client, due_now, participant
):
    services.answer_save(person=participant, assignment=due_now, item=1, value=2)
    services.assignments_close_missed(due_now.closes_at)
    signed_in(client, participant)
    html = client.get(answer_url(due_now)).content.decode()
    assert "This questionnaire has closed" in html
    response = client.post(answer_url(due_now), all_answers([0] * 9))
    assert response.status_code == 200
    assert "has closed, so it can no longer be answered" in response.content.decode()
    assert Response.objects.get().answers[0] == 2
    assert client.get(done_url(due_now)).status_code == 302


# --- My progress ---------------------------------------------------------------------------


def _two_phq9s(programme, coordinator, participant, labels=("Baseline", "Week 5")):
    services.schedule_point_add(
        actor=coordinator, programme=programme, instrument="phq9", label=labels[0]
    )
    services.schedule_point_add(
        actor=coordinator, programme=programme, instrument="phq9", label=labels[1], offset_days=35
    )
    services.assignments_generate(JOINED + dt.timedelta(days=1))
    services.assignments_generate(JOINED + dt.timedelta(days=36))
    Assignment.objects.update(closes_at=timezone.now() + dt.timedelta(days=1))
    first, second = Assignment.objects.order_by("due_at")
    services.response_submit(
        person=participant, assignment=first, answers=[2] * 9, now=JOINED + dt.timedelta(days=1)
    )
    services.response_submit(
        person=participant, assignment=second, answers=[1] * 9, now=JOINED + dt.timedelta(days=36)
    )


def test_progress_draws_a_chart_with_a_table_and_plain_words(
    client, programme, coordinator, member, participant
):
    _two_phq9s(programme, coordinator, participant)
    html = signed_in(client, participant).get(PROGRESS).content.decode()
    assert "<h2" in html and "Patient Health Questionnaire (PHQ-9)" in html
    svg = html.split("<svg", 1)[1].split("</svg>")[0]
    assert 'role="img"' in svg and "PHQ-9: your scores over time" in svg
    assert svg.count("<circle") == 2 and svg.count("<rect") == 5  # two scores, five bands
    assert "Lower is better" in svg
    table = html.split('<table class="q-table">')[1].split("</table>")[0]
    assert '<th scope="col">Time point</th>' in table
    assert "Baseline" in table and "Week 5" in table
    assert "<td>18</td>" in table and "<td>9</td>" in table
    assert "moderately severe" in table and "mild" in table
    assert "6 Oct 2026" in table
    assert "Your first PHQ-9 score was 18 (moderately severe) at Baseline" in html
    assert "Lower scores mean fewer difficulties." in html
    assert "A big step: your score has moved by more than everyday ups and downs" in html


def test_progress_escapes_time_point_names_in_the_chart_and_the_table(
    client, programme, coordinator, member, participant
):
    _two_phq9s(programme, coordinator, participant, labels=("<b>Start</b>", "Week 5"))
    html = signed_in(client, participant).get(PROGRESS).content.decode()
    assert "<b>Start</b>" not in html
    assert "&lt;b&gt;Start&lt;/b&gt;" in html


def test_progress_shows_ons4_question_by_question(
    client, programme, coordinator, member, participant
):
    Enrolment.objects.filter(pk=member.pk).update(joined_at=timezone.now())
    services.schedule_point_add(
        actor=coordinator, programme=programme, instrument="ons4", label="Baseline"
    )
    services.assignments_generate()
    services.response_submit(
        person=participant, assignment=Assignment.objects.get(), answers=[7, 8, 6, 3]
    )
    html = signed_in(client, participant).get(PROGRESS).content.decode()
    assert html.count("<svg") == 4
    assert "never added up" in html
    for name in ("Life satisfaction", "Happiness yesterday", "Anxiety yesterday"):
        assert f">{name}</h3>" in html
    assert "Lower means less anxious." in html
    assert "You have one Anxiety yesterday score so far: 3 (low)" in html


def test_progress_before_anything_is_sent(client, participant):
    html = signed_in(client, participant).get(PROGRESS).content.decode()
    assert "When you have sent a questionnaire, your scores appear here." in html
    assert "<svg" not in html


# --- the chart itself ------------------------------------------------------------------------


def test_a_chart_escapes_its_text_and_keeps_points_inside_the_drawing():
    svg = charts.progress_svg(
        chart_id="c1",
        title='A "title" & <more>',
        description="desc",
        points=[
            charts.ChartPoint("<script>", "1 Jan", 30),  # above the range: drawn at the top
            charts.ChartPoint("Week 5", "9 Feb", -2),
        ],
        minimum=0,
        maximum=27,
        bands=[(0, 4, "minimal"), (5, 27, "<other>")],
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "A &quot;title&quot; &amp; &lt;more&gt;" in svg
    assert "&lt;other&gt;" in svg
    ys = [float(y) for y in re.findall(r'<circle cx="[\d.]+" cy="([\d.]+)"', svg)]
    assert ys == [charts.TOP, charts.HEIGHT - charts.BOTTOM]
    assert 'aria-labelledby="c1-title c1-desc"' in svg


def test_one_point_sits_in_the_middle_and_higher_is_better_says_so():
    svg = charts.progress_svg(
        chart_id="c2",
        title="t",
        description="d",
        points=[charts.ChartPoint("Baseline", "1 Jan", 24)],
        minimum=7,
        maximum=35,
        higher_is_better=True,
    )
    middle = charts.LEFT + (charts.WIDTH - charts.LEFT - charts.RIGHT) / 2
    assert f'cx="{charts._fmt(middle)}"' in svg
    assert "Higher is better" in svg and "<polyline" not in svg and "<rect" not in svg


def test_a_chart_needs_a_range():
    with pytest.raises(ValueError, match="maximum"):
        charts.progress_svg(
            chart_id="c", title="t", description="d", points=[], minimum=5, maximum=5
        )


# --- the mechanism check-in ----------------------------------------------------------------


@pytest.fixture
def past_session(group, member):
    now = timezone.now()
    return Session.objects.create(
        group=group,
        number=77,
        starts_at=now - dt.timedelta(hours=3),
        ends_at=now - dt.timedelta(hours=1),
    )


def checkin_session_url(session):
    return f"/questionnaires/check-in/session/{session.pk}/"


def test_a_check_in_is_offered_on_my_groups_and_takes_any_statements(
    client, participant, past_session, group
):
    signed_in(client, participant)
    groups = client.get("/me/groups/").content.decode()
    link = f"{checkin_session_url(past_session)}?next=/me/groups/"
    assert f'href="{link}"' in groups
    assert f'href="{checkin_session_url(past_session)}"' in client.get(MINE).content.decode()
    page = client.get(link)
    html = page.content.decode()
    assert page.status_code == 200
    assert "under a minute" in html and "Skip the check-in" in html
    assert html.count('<fieldset class="q-item"') == 8
    assert html.count("Neither agree nor disagree") == 8
    response = client.post(
        checkin_session_url(past_session),
        {"understood": "5", "comparison": "2", "next": "/me/groups/"},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/me/groups/"
    checkin = MechanismCheckIn.objects.get()
    assert checkin.answers == {"understood": 5, "comparison": 2}
    assert checkin.session == past_session and checkin.group == group
    assert "Thank you. Your check-in is saved." in client.get("/me/groups/").content.decode()
    assert "You have sent a check-in about" in client.get(link).content.decode()
    assert link not in client.get("/me/groups/").content.decode()


def test_a_check_in_with_nothing_chosen_is_fine(client, participant, past_session):
    signed_in(client, participant)
    assert client.post(checkin_session_url(past_session), {}).status_code == 302
    assert MechanismCheckIn.objects.get().answers == {}


def test_a_refused_check_in_says_which_statement_and_keeps_the_answers(
    client, participant, past_session
):
    signed_in(client, participant)
    response = client.post(checkin_session_url(past_session), {"understood": "4", "hope": "9"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Other people&#x27;s experiences gave me hope" in html
    assert re.search(r'id="understood-4" value="4" checked', html)
    assert not MechanismCheckIn.objects.exists()


def test_no_check_in_for_a_session_someone_was_not_part_of(
    client, participant, second_participant, volunteer, past_session
):
    for person in (second_participant, volunteer):
        client.force_login(person)
        assert client.get(checkin_session_url(past_session)).status_code == 404
        assert client.post(checkin_session_url(past_session), {}).status_code == 404
    Attendance.objects.create(session=past_session, user=participant, status="absent")
    client.force_login(participant)
    assert client.get(checkin_session_url(past_session)).status_code == 404
    assert not MechanismCheckIn.objects.exists()


def test_a_one_to_one_check_in_from_the_conversation(
    client, org, coordinator, participant, volunteer, second_participant
):
    pairing = pairing_create(
        actor=coordinator,
        organisation=org,
        participant_id=participant.pk,
        volunteer_id=volunteer.pk,
    )
    url = f"/questionnaires/check-in/pairing/{pairing.pk}/"
    room = signed_in(client, participant).get(f"/rooms/{pairing.room.pk}/").content.decode()
    assert f'href="{url}?next=/rooms/{pairing.room.pk}/"' in room
    assert "with Alex" in client.get(url).content.decode()
    response = client.post(url, {"connected": "4", "next": f"/rooms/{pairing.room.pk}/"})
    assert response.headers["Location"] == f"/rooms/{pairing.room.pk}/"
    checkin = MechanismCheckIn.objects.get()
    assert (checkin.pairing, checkin.contact_date) == (pairing, timezone.localdate())
    assert "sent a check-in" in client.get(url).content.decode()
    # The volunteer's page has no such link; someone else is not found.
    client.force_login(volunteer)
    assert url not in client.get(f"/rooms/{pairing.room.pk}/").content.decode()
    client.force_login(second_participant)
    assert client.get(url).status_code == 404


def test_next_must_stay_on_this_site(client, participant, past_session):
    signed_in(client, participant)
    response = client.post(
        checkin_session_url(past_session), {"next": "https://elsewhere.example/"}
    )
    assert response.headers["Location"] == MINE
