"""Questionnaire services: texts and licences, schedules, assignments made,
missed and reminded, answers saved as they go, submitting with scoring, risk
items, bad input that stores nothing, and the mechanism check-in.
See docs/questionnaires.md."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from peercircle.accounts.consent import Purpose
from peercircle.accounts.services import consent_give
from peercircle.core.models import AuditEvent, CrisisResource
from peercircle.measures import instruments, score
from peercircle.programmes.models import Enrolment, Session
from peercircle.programmes.services import enrolment_leave, group_create
from peercircle.questionnaires import selectors, services
from peercircle.questionnaires.models import Assignment, MechanismCheckIn, Response
from peercircle.questionnaires.services import DECLINE, QuestionnaireError
from peercircle.safety.models import Alert
from tests.factories import next_weekday
from tests.questionnaires.conftest import JOINED

pytestmark = pytest.mark.django_db

WEMWBS_FILE = {
    "instrument": "wemwbs",
    "version": "WEMWBS v1, licence R-123",
    "instructions": "Tick the box that best describes your experience.",
    "items": [f"Statement {n}" for n in range(1, 15)],
    "options": ["None of the time", "Rarely", "Some of the time", "Often", "All of the time"],
}


# --- texts and licences ---------------------------------------------------------------


def test_licensed_instruments_need_their_texts_loaded_before_they_can_be_scheduled(
    org, programme, coordinator
):
    assert services.instrument_status(org.pk, "phq9") == "ready"
    for code in ("wemwbs", "swemwbs", "epds"):
        assert services.instrument_status(org.pk, code) == "needs licensed text"
        assert services.texts_for(org.pk, code) is None
    with pytest.raises(QuestionnaireError, match="needs licensed text"):
        services.schedule_point_add(
            actor=coordinator, programme=programme, instrument="wemwbs", label="Baseline"
        )
    services.text_load(organisation=org, data=WEMWBS_FILE, actor=coordinator)
    assert services.instrument_status(org.pk, "wemwbs") == "ready"
    texts = services.texts_for(org.pk, "wemwbs")
    assert texts.items[0] == "Statement 1" and texts.options[13][4] == "All of the time"
    point = services.schedule_point_add(
        actor=coordinator, programme=programme, instrument="wemwbs", label="Baseline"
    )
    assert point.instrument == "wemwbs"
    assert AuditEvent.objects.filter(action="questionnaires.text_load").count() == 1


def test_loaded_texts_belong_to_one_organisation(org, other_org, coordinator):
    services.text_load(organisation=org, data=WEMWBS_FILE, actor=coordinator)
    assert services.instrument_status(other_org.pk, "wemwbs") == "needs licensed text"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"instrument": "nope"}, "Unknown instrument"),
        ({"version": " "}, "version"),
        ({"items": ["only one"]}, "must have 14 entries; the file has 1"),
        ({"items": ["x"] * 13 + [""]}, "non-empty texts"),
        ({"options": ["a", "b"]}, "item 1 options must have 5 entries"),
        ({"options": [["a"] * 5] * 3}, "one per item"),
    ],
)
def test_a_wrong_text_file_says_what_is_wrong_and_stores_nothing(org, change, message):
    with pytest.raises(QuestionnaireError, match=message):
        services.text_load(organisation=org, data={**WEMWBS_FILE, **change})
    assert services.instrument_status(org.pk, "wemwbs") == "needs licensed text"


# --- schedules and assignments ------------------------------------------------------------


def test_schedule_points_are_checked(programme, coordinator, baseline):
    with pytest.raises(QuestionnaireError, match="already scheduled"):
        services.schedule_point_add(
            actor=coordinator, programme=programme, instrument="phq9", label="Again"
        )
    with pytest.raises(QuestionnaireError, match="name people will see"):
        services.schedule_point_add(
            actor=coordinator, programme=programme, instrument="gad7", label=" "
        )
    with pytest.raises(QuestionnaireError, match="0 to 730"):
        services.schedule_point_add(
            actor=coordinator, programme=programme, instrument="gad7", label="x", offset_days=-1
        )
    with pytest.raises(QuestionnaireError, match="whole numbers"):
        services.schedule_point_add(
            actor=coordinator, programme=programme, instrument="gad7", label="x", window_days="a"
        )
    assert baseline.when == "on joining"


def test_assignments_fall_due_from_joining_and_are_made_once(
    programme, coordinator, member, baseline, participant
):
    week5 = services.schedule_point_add(
        actor=coordinator,
        programme=programme,
        instrument="phq9",
        label="Week 5",
        offset_days=35,
        window_days=14,
    )
    assert week5.when == "5 weeks after joining"
    # Before joining's window closes, only the baseline is due.
    assert services.assignments_generate(JOINED + dt.timedelta(days=1)) == 1
    assert services.assignments_generate(JOINED + dt.timedelta(days=2)) == 0
    due = participant.questionnaires_due.get()
    assert (due.label, due.due_at, due.closes_at) == (
        "Baseline",
        JOINED,
        JOINED + dt.timedelta(days=14),
    )
    assert due.group == member.group
    # Week 5: due on day 35, not made once its window has passed.
    assert services.assignments_generate(JOINED + dt.timedelta(days=34)) == 0
    assert services.assignments_generate(JOINED + dt.timedelta(days=35)) == 1
    assert services.assignments_close_missed(JOINED + dt.timedelta(days=14)) == 1
    assert Assignment.objects.get(label="Baseline").state == "missed"


def test_nothing_is_made_for_points_whose_window_passed_before_the_schedule_existed(
    member, baseline
):
    # Sam joined in October; the baseline's 14 days passed long ago.
    assert services.assignments_generate() == 0


def test_end_of_course_counts_from_the_last_session_and_people_who_left_early_are_not_chased(
    programme, coordinator, volunteer, participant, second_participant
):
    course = group_create(
        actor=coordinator,
        programme=programme,
        facilitator_ids=[volunteer.pk],
        name="Recovery Course",
        kind="course",
        course_weeks=2,
        delivery="online",
        capacity=10,
        weekday=0,
        start_time=dt.time(19, 0),
        start_date=next_weekday(0),
    )
    from peercircle.programmes.services import enrolment_join

    stays = enrolment_join(user=participant, group=course)
    leaves = enrolment_join(user=second_participant, group=course)
    last_end = Session.objects.filter(group=course).order_by("-ends_at").first().ends_at
    Enrolment.objects.filter(pk__in=[stays.pk, leaves.pk]).update(joined_at=JOINED)
    services.schedule_point_add(
        actor=coordinator,
        programme=programme,
        instrument="gad7",
        label="End of course",
        anchor="course_end",
    )
    assert services.assignments_generate(last_end - dt.timedelta(minutes=1)) == 0
    leaves.refresh_from_db()
    enrolment_leave(user=second_participant, enrolment=leaves)
    made = services.assignments_generate(last_end + dt.timedelta(hours=1))
    # The one who left gets theirs from the day they left (already open);
    # the one who stayed from the last session.
    assert made == 2
    by_person = {a.person_id: a for a in Assignment.objects.all()}
    assert by_person[participant.pk].due_at == last_end
    assert by_person[second_participant.pk].due_at < last_end


def test_one_reminder_goes_by_email_only_to_people_who_agreed_to_contact(
    org, due_now, participant, mailoutbox
):
    later = due_now.due_at + services.REMIND_AFTER
    assert services.reminders_send(later - dt.timedelta(minutes=1)) == 0
    # No contact consent: reminded on their own page only.
    assert services.reminders_send(later) == 0
    assert Assignment.objects.get().reminded_at is not None
    Assignment.objects.update(reminded_at=None)
    consent_give(user=participant, organisation=org, purpose=Purpose.CONTACT)
    assert services.reminders_send(later) == 1
    assert services.reminders_send(later) == 0
    assert mailoutbox[0].to == [participant.email]
    assert "/questionnaires/" in mailoutbox[0].body and "PHQ" not in mailoutbox[0].body


# --- answering -------------------------------------------------------------------------------


def test_answers_are_saved_as_they_go_and_scored_on_submit(due_now, participant, group, volunteer):
    for item, answer in enumerate([1, 2, 0, 3, 1, 0, 2, 1], start=1):
        services.answer_save(person=participant, assignment=due_now, item=item, value=answer)
    response = Response.objects.get()
    assert response.answers == [1, 2, 0, 3, 1, 0, 2, 1, None] and response.submitted_at is None
    assert response.group == group and response.facilitator_ids == [volunteer.pk]
    assert response.instrument_version == "1/shipped"
    due_now.refresh_from_db()
    assert due_now.state == "started"
    with pytest.raises(QuestionnaireError, match="Question 9 of PHQ-9 is not answered yet"):
        services.response_submit(person=participant, assignment=due_now)
    services.answer_save(person=participant, assignment=due_now, item=9, value=0)
    submitted = services.response_submit(person=participant, assignment=due_now)
    expected = score("phq9", [1, 2, 0, 3, 1, 0, 2, 1, 0])
    assert submitted.response.total == expected.total == 10
    assert submitted.response.band == expected.band == "moderate"
    assert submitted.alert is None and submitted.crisis_resources == []
    due_now.refresh_from_db()
    assert due_now.state == "completed"
    with pytest.raises(QuestionnaireError, match="sent this questionnaire already"):
        services.answer_save(person=participant, assignment=due_now, item=1, value=0)


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ([0] * 8, "9 questions and 8 answers were given: question 9 is not answered"),
        ([0] * 10, "9 questions and 10 answers"),
        ([0] * 8 + [4], "Question 9 of PHQ-9: choose one of the 4 answers"),
        ([0] * 3 + ["often"] + [0] * 5, "Question 4 of PHQ-9: choose one of the answers"),
        ([0] * 4 + [1.5] + [0] * 4, "Question 5 of PHQ-9"),
        ([0] * 5 + [None] + [0] * 3, "Question 6 of PHQ-9 is not answered yet"),
        ("0,0,0", "Give 9 answers"),
    ],
)
def test_bad_answers_name_the_question_and_store_nothing(due_now, participant, answers, message):
    with pytest.raises(QuestionnaireError, match=message):
        services.response_submit(person=participant, assignment=due_now, answers=answers)
    assert not Response.objects.filter(submitted_at__isnull=False).exists()
    due_now.refresh_from_db()
    assert due_now.state in ("due", "started")


def test_prefer_not_to_answer_only_where_the_instrument_allows_a_missing_answer(
    programme, coordinator, member, participant
):
    Enrolment.objects.filter(pk=member.pk).update(joined_at=timezone.now())
    services.text_load(
        organisation=programme.organisation,
        data={
            "instrument": "core10",
            "version": "CORE-10 as published",
            "items": [f"Item {n}" for n in range(1, 11)],
            "options": [
                "Not at all",
                "Only occasionally",
                "Sometimes",
                "Often",
                "Most of the time",
            ],
        },
    )
    for code in ("phq9", "core10"):
        services.schedule_point_add(
            actor=coordinator, programme=programme, instrument=code, label="Baseline"
        )
    services.assignments_generate()
    phq9 = Assignment.objects.get(instrument="phq9")
    core10 = Assignment.objects.get(instrument="core10")
    with pytest.raises(QuestionnaireError, match="needs every question answered"):
        services.answer_save(person=participant, assignment=phq9, item=2, value=DECLINE)
    answers = [1, 3, 3, 1, 1, 0, 1, 1, 1, 1]
    for item, answer in enumerate(answers, start=1):
        services.answer_save(person=participant, assignment=core10, item=item, value=answer)
    services.answer_save(person=participant, assignment=core10, item=4, value=DECLINE)
    submitted = services.response_submit(person=participant, assignment=core10)
    assert submitted.response.declined == [4]
    assert submitted.response.total == score("core10", [1, 3, 3, None, 1, 0, 1, 1, 1, 1]).total


def test_a_risk_item_raises_an_alert_and_brings_crisis_resources(
    org, due_now, participant, safeguarding_lead
):
    CrisisResource.objects.create(organisation=org, name="Night Line", phone="0800 123 456")
    submitted = services.response_submit(
        person=participant, assignment=due_now, answers=[0, 0, 0, 0, 0, 0, 0, 0, 2]
    )
    assert submitted.response.risk is True
    assert [r["name"] for r in submitted.crisis_resources] == ["Night Line"]
    alert = Alert.objects.get()
    assert (alert.source, alert.level, alert.person) == ("questionnaire", "high", participant)
    assert alert.assigned_to == safeguarding_lead
    assert alert.detail["time_point"] == "Baseline"


def test_someone_elses_questionnaire_is_not_found(due_now, second_participant):
    from peercircle.core.access import NotFound

    with pytest.raises(NotFound):
        services.answer_save(person=second_participant, assignment=due_now, item=1, value=0)
    with pytest.raises(NotFound):
        services.open_assignment(second_participant, due_now.pk)


def test_a_closed_questionnaire_keeps_what_was_saved_but_takes_no_more(due_now, participant):
    services.answer_save(person=participant, assignment=due_now, item=1, value=2)
    services.assignments_close_missed(due_now.closes_at)
    due_now.refresh_from_db()
    with pytest.raises(QuestionnaireError, match="has closed"):
        services.answer_save(person=participant, assignment=due_now, item=2, value=0)
    assert Response.objects.get().answers[0] == 2


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_any_complete_set_of_answers_scores_as_the_library_does(data):
    """Property: for every instrument with texts, what is stored is what
    peercircle.measures.score says of the same answers."""
    code = data.draw(st.sampled_from(["phq9", "gad7", "ucla3", "ons4"]))
    spec = instruments.get(code)
    answers = [data.draw(st.integers(0, len(spec.option_values[i]) - 1)) for i in range(spec.items)]
    checked, declined = services._all_answers(code, answers, None)
    assert checked == answers and declined == []
    expected = score(code, answers)
    assert expected.total is None or spec.min_total <= expected.total <= spec.max_total


# --- the mechanism check-in ------------------------------------------------------------------


@pytest.fixture
def past_session(group, member):
    now = timezone.now()
    return Session.objects.create(
        group=group,
        number=77,
        starts_at=now - dt.timedelta(hours=3),
        ends_at=now - dt.timedelta(hours=1),
    )


def test_a_check_in_after_a_session_is_optional_per_statement_and_once(
    participant, past_session, group, volunteer
):
    assert selectors.checkin_offers(participant) == [past_session]
    checkin = services.checkin_submit(
        person=participant, session=past_session, answers={"understood": 5, "comparison": "2"}
    )
    assert checkin.answers == {"understood": 5, "comparison": 2}
    assert checkin.group == group and checkin.facilitator_ids == [volunteer.pk]
    assert selectors.checkin_offers(participant) == []
    with pytest.raises(QuestionnaireError, match="already"):
        services.checkin_submit(person=participant, session=past_session, answers={})


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"understood": 6}, '"I felt understood.": choose 1 to 5'),
        ({"hope": "lots"}, "Other people's experiences gave me hope"),
        ({"mood": 3}, "no statement 'mood'"),
        ([3, 4], "per statement"),
    ],
)
def test_a_bad_check_in_says_which_statement_and_stores_nothing(
    participant, past_session, answers, message
):
    with pytest.raises(QuestionnaireError, match=message):
        services.checkin_submit(person=participant, session=past_session, answers=answers)
    assert not MechanismCheckIn.objects.exists()


def test_no_check_in_for_a_session_someone_was_not_part_of(
    past_session, second_participant, participant
):
    from peercircle.core.access import NotFound
    from peercircle.programmes.models import Attendance

    with pytest.raises(NotFound):
        services.checkin_submit(person=second_participant, session=past_session, answers={})
    Attendance.objects.create(session=past_session, user=participant, status="absent")
    assert selectors.checkin_offers(participant) == []


def test_progress_shows_change_in_plain_words(programme, coordinator, member, participant):
    services.schedule_point_add(
        actor=coordinator, programme=programme, instrument="phq9", label="Baseline"
    )
    services.schedule_point_add(
        actor=coordinator, programme=programme, instrument="phq9", label="Week 5", offset_days=35
    )
    services.assignments_generate(JOINED + dt.timedelta(days=1))
    services.assignments_generate(JOINED + dt.timedelta(days=36))
    first, second = Assignment.objects.order_by("due_at")
    Assignment.objects.update(closes_at=timezone.now() + dt.timedelta(days=1))
    first.refresh_from_db()
    second.refresh_from_db()
    services.response_submit(person=participant, assignment=first, answers=[2] * 9)  # 18
    services.response_submit(person=participant, assignment=second, answers=[1] * 9)  # 9
    [series] = selectors.progress(participant)
    assert [p.value for p in series.points] == [18, 9]
    assert series.change == "recovered"
    assert "everyday ups and downs" in series.change_words


def test_no_check_in_is_offered_for_a_session_before_joining_or_one_not_yet_over(
    participant, past_session, member, group
):
    Enrolment.objects.filter(pk=member.pk).update(joined_at=past_session.ends_at)
    assert selectors.checkin_offers(participant) == [past_session]
    Enrolment.objects.filter(pk=member.pk).update(
        joined_at=past_session.ends_at + dt.timedelta(minutes=1)
    )
    assert selectors.checkin_offers(participant) == []
    assert not services.may_check_in_session(participant, past_session)
    now = timezone.now()
    Session.objects.create(
        group=group, number=78, starts_at=now - dt.timedelta(minutes=5), ends_at=now
    )
    Enrolment.objects.filter(pk=member.pk).update(joined_at=JOINED)
    offered = selectors.checkin_offers(participant, now - dt.timedelta(seconds=1))
    assert [s.number for s in offered] == [77]
