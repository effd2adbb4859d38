"""The alert workflow with simulated time: raising, the rota, acknowledging,
escalation when a limit passes, closing with an outcome, false alarms per
rule, questionnaire risk items and concerns. See docs/safety.md."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peercircle.core.models import AuditEvent
from peercircle.safety import selectors, services
from peercircle.safety.models import Alert, AlertEvent, EventKind, Notice, SafetyPolicy
from peercircle.safety.services import SafetyError

pytestmark = pytest.mark.django_db

#: A fixed moment in the past: steps taken now come after it.
T0 = dt.datetime(2026, 11, 1, 21, 0, tzinfo=dt.UTC)


def raise_imminent(org, person, *, at=T0, rules=("en.suicide.plan",)):
    return services.raise_alert(
        organisation_id=org.pk,
        source="message",
        level="imminent",
        categories=["suicide"],
        person=person,
        evidence=[
            {
                "rule": rule,
                "category": "suicide",
                "level": "imminent",
                "start": 0,
                "end": 4,
                "text": "pills",
            }
            for rule in rules
        ],
        excerpt="pills tonight",
        now=at,
    )


def test_an_alert_goes_to_the_first_lead_on_the_rota_with_the_policy_time_limit(
    org, participant, safeguarding_lead, second_lead
):
    alert = raise_imminent(org, participant)
    assert alert.state == "open"
    assert alert.due_at == T0 + dt.timedelta(minutes=5)
    assert alert.assigned_to == safeguarding_lead  # lowest id among leads with no shifts
    assert Notice.objects.get(alert=alert).person == safeguarding_lead
    assert AlertEvent.objects.get(alert=alert).kind == EventKind.RAISED
    assert AuditEvent.objects.filter(action="safety.alert_raise").count() == 1
    # The excerpt is stored encrypted.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT excerpt FROM safety_alert WHERE id = %s", [alert.pk])
        stored = cursor.fetchone()[0]
    assert "pills" not in stored and Alert.objects.get(pk=alert.pk).excerpt == "pills tonight"


def test_time_limits_come_from_the_organisations_policy(org, participant, safeguarding_lead):
    SafetyPolicy.objects.create(organisation=org, imminent_minutes=2, high_minutes=15)
    assert raise_imminent(org, participant).due_at == T0 + dt.timedelta(minutes=2)
    high = services.raise_alert(
        organisation_id=org.pk, source="concern", level="high", person=participant, now=T0
    )
    assert high.due_at == T0 + dt.timedelta(minutes=15)


def test_the_shift_on_duty_comes_first_then_its_backup_then_the_other_leads(
    org, participant, safeguarding_lead, second_lead, coordinator
):
    services.shift_add(
        actor=coordinator,
        organisation_id=org.pk,
        person=second_lead,
        starts_at=T0 - dt.timedelta(hours=1),
        ends_at=T0 + dt.timedelta(hours=8),
        position=0,
    )
    assert services.rota_at(org.pk, T0) == [second_lead.pk, safeguarding_lead.pk]
    # Outside the shift, every lead in turn.
    assert services.rota_at(org.pk, T0 + dt.timedelta(days=1)) == [
        safeguarding_lead.pk,
        second_lead.pk,
    ]
    with pytest.raises(SafetyError, match="Only safeguarding leads"):
        services.shift_add(
            actor=coordinator,
            organisation_id=org.pk,
            person=participant,
            starts_at=T0,
            ends_at=T0 + dt.timedelta(hours=1),
        )


def test_a_limit_that_passes_escalates_to_the_next_lead_and_the_coordinators(
    org, participant, safeguarding_lead, second_lead, coordinator
):
    alert = raise_imminent(org, participant)
    assert services.escalate_due(T0 + dt.timedelta(minutes=4, seconds=59)) == 0
    assert services.escalate_due(T0 + dt.timedelta(minutes=5)) == 1
    alert.refresh_from_db()
    assert alert.escalations == 1
    assert alert.assigned_to == second_lead
    assert alert.due_at == T0 + dt.timedelta(minutes=10)
    told = {
        n.person_id: n.text
        for n in Notice.objects.filter(alert=alert).exclude(person=safeguarding_lead)
    }
    assert set(told) == {second_lead.pk, coordinator.pk}
    # Coordinators learn that it waits, not what it says.
    assert "pills" not in told[coordinator.pk] and "waiting" in told[coordinator.pk]
    escalated = AlertEvent.objects.get(alert=alert, kind=EventKind.ESCALATED)
    assert escalated.actor is None and set(escalated.notified) == {second_lead.pk, coordinator.pk}
    # Running the check again at once does nothing; after the next limit it goes round.
    assert services.escalate_due(T0 + dt.timedelta(minutes=6)) == 0
    assert services.escalate_due(T0 + dt.timedelta(minutes=10)) == 1
    alert.refresh_from_db()
    assert alert.assigned_to == safeguarding_lead and alert.escalations == 2


def test_raised_and_escalated_alerts_are_emailed_without_saying_what_they_are_about(
    org,
    participant,
    safeguarding_lead,
    second_lead,
    coordinator,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        alert = raise_imminent(org, participant)
        services.escalate_due(T0 + dt.timedelta(minutes=5))
    queued = DBTaskResult.objects.filter(task_path="peercircle.safety.tasks.safety_notify")
    assert queued.count() == 2
    ids = [i for row in queued for i in row.args_kwargs["kwargs"]["notice_ids"]]
    assert services.notices_email(ids) == 3
    by_address = {mail.to[0]: mail for mail in mailoutbox}
    assert set(by_address) == {
        safeguarding_lead.email,
        second_lead.email,
        coordinator.email,
    }
    lead_mail = by_address[second_lead.email]
    assert f"/safety/alerts/{alert.pk}/" in lead_mail.body and "needs you" in lead_mail.subject
    coordinator_mail = by_address[coordinator.email]
    assert "/safety/notices/" in coordinator_mail.body
    assert f"/safety/alerts/{alert.pk}/" not in coordinator_mail.body
    for mail in mailoutbox:
        assert "Sam" not in mail.body and "pills" not in mail.body
    # A notice already read is not sent again.
    Notice.objects.update(read_at=T0)
    assert services.notices_email(ids) == 0


def test_an_acknowledged_alert_no_longer_escalates_and_closes_with_an_outcome(
    org, participant, safeguarding_lead, second_lead
):
    alert = raise_imminent(org, participant)
    services.alert_acknowledge(alert=alert, actor=second_lead, note="Calling now")
    assert services.escalate_due(T0 + dt.timedelta(hours=2)) == 0
    alert.refresh_from_db()
    assert alert.state == "acknowledged" and alert.assigned_to == second_lead
    with pytest.raises(SafetyError, match="acknowledged already"):
        services.alert_acknowledge(alert=alert, actor=safeguarding_lead)
    services.alert_action(alert=alert, actor=second_lead, note="Spoke to Sam; safe with family")
    with pytest.raises(SafetyError, match="outcome"):
        services.alert_close(alert=alert, actor=second_lead, outcome="", note="done")
    with pytest.raises(SafetyError, match="why you are closing"):
        services.alert_close(alert=alert, actor=second_lead, outcome="contacted", note="  ")
    alert.refresh_from_db()
    assert alert.state == "action_taken"  # the refused closes changed nothing
    services.alert_close(alert=alert, actor=second_lead, outcome="contacted", note="Safe plan")
    alert.refresh_from_db()
    assert alert.state == "closed" and alert.outcome == "contacted"
    kinds = list(alert.events.values_list("kind", flat=True))
    assert kinds == ["raised", "acknowledged", "action_taken", "closed"]
    assert alert.events.get(kind="action_taken").note == "Spoke to Sam; safe with family"
    with pytest.raises(SafetyError, match="closed already"):
        services.alert_close(alert=alert, actor=second_lead, outcome="contacted", note="again")


def test_false_alarms_are_counted_per_rule(org, participant, safeguarding_lead):
    wrong = raise_imminent(org, participant, rules=("en.suicide.plan", "en.means.pills"))
    right = raise_imminent(org, participant, rules=("en.suicide.plan",))
    raise_imminent(org, participant, rules=("en.means.pills",))  # still open
    services.alert_close(
        alert=wrong, actor=safeguarding_lead, outcome="false_alarm", note="Talking about vitamins"
    )
    services.alert_close(alert=right, actor=safeguarding_lead, outcome="contacted", note="ok")
    figures = {f.rule: f for f in selectors.false_alarms_by_rule(org.pk)}
    assert (
        figures["en.means.pills"].alerts,
        figures["en.means.pills"].closed,
        figures["en.means.pills"].false_alarms,
    ) == (2, 1, 1)
    assert figures["en.means.pills"].false_alarm_rate == 1.0
    assert figures["en.suicide.plan"].false_alarm_rate == 0.5
    assert [f.rule for f in selectors.false_alarms_by_rule(org.pk)][0] == "en.means.pills"


@pytest.mark.parametrize(
    ("instrument", "answers", "level", "categories"),
    [
        ("phq9", [0, 0, 0, 0, 0, 0, 0, 0, 1], "moderate", ["self_harm", "suicide"]),
        ("phq9", [3, 3, 3, 3, 3, 3, 3, 3, 2], "high", ["self_harm", "suicide"]),
        # EPDS item 10 prints 3,2,1,0: the first option scores 3.
        ("epds", [0, 0, 3, 0, 3, 3, 3, 3, 3, 0], "high", ["self_harm", "suicide"]),
        ("core10", [0, 0, 0, 0, 0, 1, 0, 0, 0, 0], "high", ["suicide"]),
        ("core10", [0, 0, 0, 0, 0, 4, 0, 0, 0, 0], "imminent", ["suicide"]),
    ],
)
def test_questionnaire_risk_items_raise_an_alert(
    org, participant, safeguarding_lead, instrument, answers, level, categories
):
    alert = services.alert_from_questionnaire(
        organisation_id=org.pk, person=participant, instrument=instrument, answers=answers
    )
    assert alert is not None
    assert (alert.level, alert.categories, alert.source) == (level, categories, "questionnaire")
    assert alert.evidence[0]["rule"].startswith(f"questionnaire.{instrument}.item")


@pytest.mark.parametrize(
    ("instrument", "answers"),
    [
        ("phq9", [3, 3, 3, 3, 3, 3, 3, 3, 0]),
        ("epds", [0, 0, 3, 0, 3, 3, 3, 3, 3, 3]),
        ("core10", [4, 4, 4, 4, 4, 0, 4, 4, 4, 4]),
        ("phq9", [3, 3, 3, 3, 3, 3, 3, 3, None]),
    ],
)
def test_no_alert_when_the_risk_item_is_at_its_lowest_or_missing(
    org, participant, instrument, answers
):
    assert (
        services.alert_from_questionnaire(
            organisation_id=org.pk, person=participant, instrument=instrument, answers=answers
        )
        is None
    )
    assert not Alert.objects.exists()


def test_a_concern_needs_words_and_a_known_level(org, participant, volunteer, safeguarding_lead):
    with pytest.raises(SafetyError, match="what worries you"):
        services.concern_raise(
            actor=volunteer,
            organisation_id=org.pk,
            person=participant,
            level="high",
            categories=["abuse"],
            note=" ",
        )
    with pytest.raises(SafetyError, match="urgent"):
        services.concern_raise(
            actor=volunteer,
            organisation_id=org.pk,
            person=participant,
            level="severe",
            categories=["abuse"],
            note="x",
        )
    assert not Alert.objects.exists()
    alert = services.concern_raise(
        actor=volunteer,
        organisation_id=org.pk,
        person=participant,
        level="high",
        categories=["abuse"],
        note="Said her partner hit her last night",
    )
    assert alert.raised_by == volunteer and alert.source == "concern"
    assert alert.due_at - alert.created_at == dt.timedelta(minutes=30)


def test_the_queue_puts_the_most_urgent_first(org, participant, safeguarding_lead):
    now = timezone.now()
    moderate = services.raise_alert(
        organisation_id=org.pk, source="concern", level="moderate", person=participant, now=now
    )
    high_late = services.raise_alert(
        organisation_id=org.pk, source="concern", level="high", person=participant, now=now
    )
    imminent = services.raise_alert(
        organisation_id=org.pk, source="concern", level="imminent", person=participant, now=now
    )
    high_early = services.raise_alert(
        organisation_id=org.pk,
        source="concern",
        level="high",
        person=participant,
        now=now - dt.timedelta(minutes=10),
    )
    services.alert_acknowledge(alert=imminent, actor=safeguarding_lead)
    order = [row.alert.pk for row in selectors.queue(org.pk, now=now)]
    # Not yet acknowledged first (by level, then time left), then acknowledged.
    assert order == [high_early.pk, high_late.pk, moderate.pk, imminent.pk]
