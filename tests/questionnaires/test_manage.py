"""The questionnaires' staff pages at /manage/questionnaires/, through HTTP as
the personas: coordinators see instruments, schedules, response rates and who
has not answered yet (by pseudonym); evaluators see instruments and rates with
small figures hidden, never a name; everyone else gets the same 404.
See docs/questionnaires.md.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from peercircle.core.models import AuditEvent
from peercircle.programmes.services import programme_create
from peercircle.questionnaires import services
from peercircle.questionnaires.models import Assignment, MechanismCheckIn, SchedulePoint
from tests.conftest import member_with_consent
from tests.factories import MembershipFactory, UserFactory
from tests.questionnaires.test_services import WEMWBS_FILE

pytestmark = pytest.mark.django_db


def _org_url(org):
    return reverse("questionnaires_manage:organisation", args=[org.pk])


def _schedule_url(programme):
    return reverse("questionnaires_manage:schedule", args=[programme.pk])


def _rates_url(org):
    return reverse("questionnaires_manage:rates", args=[org.pk])


def _overdue_url(org):
    return reverse("questionnaires_manage:overdue", args=[org.pk])


def _page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    return response.status_code, response.content.decode()


def _assignment(person, group, *, state="due", label="Baseline", instrument="phq9", due=None):
    now = timezone.now()
    due = due or now - dt.timedelta(days=3)
    return Assignment.objects.create(
        organisation_id=group.organisation_id,
        person=person,
        group=group,
        instrument=instrument,
        label=label,
        due_at=due,
        closes_at=due + dt.timedelta(days=14),
        state=state,
    )


ADD = {
    "instrument": "phq9",
    "label": "Week 5",
    "anchor": "joined",
    "offset_days": "35",
    "window_days": "14",
}


# --- who may see what --------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "organisation", "rates", "overdue", "schedule"),
    [
        ("coordinator", 200, 200, 200, 200),
        ("evaluator", 200, 200, 404, 404),
        ("participant", 404, 404, 404, 404),
        ("volunteer", 404, 404, 404, 404),
        ("safeguarding_lead", 404, 404, 404, 404),
        ("outsider", 404, 404, 404, 404),
    ],
)
def test_who_sees_which_page(
    request, client, org, programme, persona, organisation, rates, overdue, schedule
):
    person = request.getfixturevalue(persona)
    urls = (_org_url(org), _rates_url(org), _overdue_url(org), _schedule_url(programme))
    outcomes = tuple(_page(client, person, url)[0] for url in urls)
    assert outcomes == (organisation, rates, overdue, schedule)


def test_administrators_manage_questionnaires_as_coordinators_do(client, org, programme):
    admin = UserFactory(username="ada", pseudonym="Ada")
    MembershipFactory(user=admin, organisation=org, role="admin")
    for url in (_org_url(org), _rates_url(org), _overdue_url(org), _schedule_url(programme)):
        assert _page(client, admin, url)[0] == 200, url
    assert client.post(_schedule_url(programme), ADD).status_code == 302
    assert SchedulePoint.objects.filter(programme=programme, label="Week 5").exists()


def test_signed_out_people_are_asked_to_sign_in(client, org):
    response = client.get(_org_url(org))
    assert response.status_code == 302 and "/account/login/" in response["Location"]


def test_the_index_lists_the_organisations_a_person_may_see(client, org, coordinator, evaluator):
    status, body = _page(client, coordinator, reverse("questionnaires_manage:index"))
    assert status == 200 and org.name in body and _overdue_url(org) in body
    status, body = _page(client, evaluator, reverse("questionnaires_manage:index"))
    assert status == 200 and _rates_url(org) in body and _overdue_url(org) not in body


def test_the_manage_dashboard_links_to_the_questionnaires(client, org, coordinator):
    status, body = _page(client, coordinator, reverse("manage:dashboard"))
    assert status == 200
    assert _org_url(org) in body and _rates_url(org) in body and _overdue_url(org) in body


# --- instruments ----------------------------------------------------------------------


def test_instruments_show_citation_licence_and_whether_they_are_ready(
    client, org, programme, coordinator
):
    status, body = _page(client, coordinator, _org_url(org))
    assert status == 200
    assert "Kroenke K, Spitzer RL, Williams JBW" in body  # PHQ-9's citation
    assert "No permission required to reproduce" in body  # and its licence
    phq9 = body[body.index('id="instrument-phq9"') :][:1200]
    wemwbs = body[body.index('id="instrument-wemwbs"') :][:1200]
    core10 = body[body.index('id="instrument-core10"') :][:1200]
    assert "Ready" in phq9 and "texts shipped with PeerCircle" in phq9
    assert "Needs licensed text" in wemwbs and "registration" in wemwbs
    assert "Needs text" in core10
    assert f"--organisation {org.slug}" in body  # how to load texts
    assert _schedule_url(programme) in body


def test_loaded_texts_make_an_instrument_ready_and_say_which_edition(client, org, coordinator):
    services.text_load(organisation=org, data=WEMWBS_FILE, actor=coordinator)
    status, body = _page(client, coordinator, _org_url(org))
    wemwbs = body[body.index('id="instrument-wemwbs"') :][:1200]
    assert "Ready" in wemwbs and "WEMWBS v1, licence R-123" in wemwbs
    # The licensed wording itself never appears on this page.
    assert "Statement 1" not in body


def test_evaluators_see_instruments_but_no_schedules(client, org, programme, evaluator):
    status, body = _page(client, evaluator, _org_url(org))
    assert status == 200 and "PHQ-9" in body
    assert _schedule_url(programme) not in body and _overdue_url(org) not in body


def test_the_instruments_page_makes_the_same_queries_for_more_programmes(
    client, org, programme, coordinator
):
    client.force_login(coordinator)
    url = _org_url(org)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(5):
        programme_create(actor=coordinator, organisation=org, name=f"Programme {n}")
    with CaptureQueriesContext(connection) as more:
        assert client.get(url).status_code == 200
    assert len(more) == len(few)


# --- schedules -------------------------------------------------------------------------


def test_a_coordinator_adds_a_time_point(client, programme, coordinator):
    client.force_login(coordinator)
    response = client.post(_schedule_url(programme), ADD, follow=True)
    body = response.content.decode()
    point = SchedulePoint.objects.get()
    assert (point.instrument, point.label, point.offset_days, point.window_days) == (
        "phq9",
        "Week 5",
        35,
        14,
    )
    assert "5 weeks after joining" in body and "is in the schedule" in body
    assert AuditEvent.objects.filter(action="questionnaires.schedule_add").count() == 1


def test_instruments_without_texts_are_listed_but_cannot_be_chosen(client, programme, coordinator):
    status, body = _page(client, coordinator, _schedule_url(programme))
    assert '<option value="phq9">' in body
    assert '<option value="wemwbs" disabled>' in body
    assert "needs licensed text" in body


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"instrument": "wemwbs"}, "WEMWBS needs licensed text"),
        ({"instrument": "nonsense"}, "Choose a questionnaire from the list."),
        ({"label": " "}, "Give the time point a name people will see"),
        ({"offset_days": "800"}, "The time point must be 0 to 730 days after."),
        ({"window_days": "0"}, "It must stay open for 1 to 90 days."),
        ({"offset_days": "five"}, "Enter a whole number"),
        ({"anchor": "tuesday"}, "Count from joining or from the end of the course."),
    ],
)
def test_a_refused_time_point_says_why_and_keeps_what_was_typed(
    client, programme, coordinator, change, message
):
    client.force_login(coordinator)
    data = {**ADD, "label": "Mid-way check", **change}
    response = client.post(_schedule_url(programme), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body and message in body
    if "label" not in change:
        assert 'value="Mid-way check"' in body
    assert not SchedulePoint.objects.exists()


def test_the_same_time_point_twice_is_refused_in_plain_words(
    client, programme, coordinator, baseline
):
    client.force_login(coordinator)
    data = {**ADD, "label": "Start", "offset_days": "0"}
    body = client.post(_schedule_url(programme), data).content.decode()
    assert "PHQ-9 is already scheduled at that time point." in body
    assert SchedulePoint.objects.count() == 1


def test_a_coordinator_removes_a_time_point_and_what_was_sent_stays(
    client, programme, coordinator, group, participant, baseline
):
    sent = _assignment(participant, group)
    sent.point = baseline
    sent.save(update_fields=["point"])
    client.force_login(coordinator)
    url = reverse("questionnaires_manage:schedule_remove", args=[baseline.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    assert "is no longer in the schedule" in response.content.decode()
    baseline.refresh_from_db()
    assert baseline.is_active is False
    assert Assignment.objects.get().state == "due"
    assert AuditEvent.objects.filter(action="questionnaires.schedule_remove").count() == 1
    # Gone from the page, and removing it again is not found.
    assert f'id="point-{baseline.pk}"' not in client.get(_schedule_url(programme)).content.decode()
    assert client.post(url).status_code == 404


def test_only_the_organisations_coordinators_remove_time_points(
    client, baseline, evaluator, volunteer, outsider
):
    url = reverse("questionnaires_manage:schedule_remove", args=[baseline.pk])
    for person in (evaluator, volunteer, outsider):
        client.force_login(person)
        assert client.post(url).status_code == 404
    baseline.refresh_from_db()
    assert baseline.is_active is True


# --- response rates, check-ins and who has not answered -----------------------------------


def test_coordinators_see_every_rate(client, org, group, coordinator, participant, make_member):
    _assignment(participant, group, state="completed")
    _assignment(make_member(), group, state="missed")
    _assignment(make_member(), group, state="due")
    status, body = _page(client, coordinator, _rates_url(org))
    row = body[body.index(f'<th scope="row">{escape(group.name)}</th>') :][:800]
    # Sent, answered, missed, still open, and the share of closed ones answered.
    for cell in ("3", "1", "1", "1", "50%"):
        assert f'<td class="numeric">{cell}</td>' in row
    assert "hidden" not in row


def test_evaluators_never_see_figures_about_fewer_than_five_people(
    client, org, group, evaluator, make_member
):
    for _ in range(6):
        _assignment(make_member(), group, state="completed", label="Baseline")
    _assignment(make_member(), group, state="missed", label="Baseline")
    for _ in range(3):
        _assignment(make_member(), group, state="completed", label="Week 5")
    status, body = _page(client, evaluator, _rates_url(org))
    assert status == 200
    baseline = body[body.index("<td>Baseline</td>") :][:600]
    week5 = body[body.index("<td>Week 5</td>") :][:600]
    # Baseline: 7 sent, but one missed would pick someone out: only the total shows.
    assert '<td class="numeric">7</td>' in baseline and "fewer than 5 people" in baseline
    assert '<td class="numeric">6</td>' not in baseline
    assert "fewer than 5" in week5 and '<td class="numeric">3</td>' not in week5


def test_check_in_means_per_group_and_small_groups_hidden_from_evaluators(
    client, org, group, coordinator, evaluator, make_member
):
    session = group.sessions.order_by("starts_at").first()
    people = [make_member() for _ in range(4)]
    for number, person in enumerate(people, start=1):
        MechanismCheckIn.objects.create(
            organisation=org,
            person=person,
            session=session,
            group=group,
            answers={"understood": 4, "comparison": number},
        )
    status, body = _page(client, coordinator, _rates_url(org))
    card = body[body.index(f"<h3>{escape(group.name)}</h3>") :][:2000]
    assert "4 check-ins from 4 people" in card and "read with care" in card
    assert "4.0 on average" in card and "2.5 on average" in card
    status, body = _page(client, evaluator, _rates_url(org))
    card = body[body.index(f"<h3>{escape(group.name)}</h3>") :][:600]
    assert "Hidden: fewer than 5 people" in card and "on average" not in card
    MechanismCheckIn.objects.create(
        organisation=org, person=make_member(), session=session, group=group, answers={}
    )
    status, body = _page(client, evaluator, _rates_url(org))
    assert "5 check-ins from 5 people" in body and "4.0 on average" in body


def test_rates_and_overdue_pages_make_the_same_queries_for_more_people(
    client, org, group, coordinator, make_member
):
    client.force_login(coordinator)
    _assignment(make_member(), group)
    client.get(_rates_url(org))  # fills the per-organisation caches (crisis resources)
    counts = []
    for extra in (0, 6):
        for _ in range(extra):
            person = make_member()
            _assignment(person, group, state="completed", label="Week 5")
            _assignment(person, group)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_rates_url(org)).status_code == 200
            assert client.get(_overdue_url(org)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_overdue_questionnaires_by_pseudonym_with_a_kind_hint(
    client, org, group, coordinator, participant, make_member
):
    _assignment(participant, group)  # due three days ago: past its reminder
    _assignment(
        member_with_consent(org, pseudonym="Kit"), group, due=timezone.now() - dt.timedelta(hours=2)
    )
    _assignment(member_with_consent(org, pseudonym="Lee"), group, state="completed")
    status, body = _page(client, coordinator, _overdue_url(org))
    assert status == 200
    assert participant.pseudonym in body and "friendly word" in body
    assert "Kit" not in body and "Lee" not in body
    assert participant.real_name not in body and participant.email not in body
