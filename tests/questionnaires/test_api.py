"""The questionnaires API, called as the personas: instruments (shipped wording
only, never an organisation's licensed texts), programmes' schedules for
coordinators, and a person's own questionnaires: due, sent, and sending one,
with risk bringing crisis resources and bad answers storing nothing.
See docs/api.md and docs/questionnaires.md.
"""

from __future__ import annotations

import pytest

from peercircle.core.models import AuditEvent, CrisisResource
from peercircle.measures import INSTRUMENTS
from peercircle.questionnaires import services
from peercircle.questionnaires.models import Assignment, Response, SchedulePoint
from peercircle.safety.models import Alert
from tests.api.conftest import Caller
from tests.questionnaires.test_services import WEMWBS_FILE

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(request):
    return Caller(request)


def _schedule(programme):
    return f"/api/programmes/{programme.pk}/schedule"


def _submit(assignment):
    return f"/api/questionnaires/{assignment.pk}/response"


# --- instruments ----------------------------------------------------------------------


def test_instruments_need_a_sign_in(call):
    assert call(None, "get", "/api/instruments").status_code == 401
    assert call(None, "get", "/api/instruments/phq9").status_code == 401


def test_every_instrument_is_listed_with_its_scoring_and_licence(call):
    response = call("participant", "get", "/api/instruments")
    assert response.status_code == 200
    by_code = {row["code"]: row for row in response.json()}
    assert set(by_code) == set(INSTRUMENTS)
    phq9 = by_code["phq9"]
    assert phq9["items"] == 9 and phq9["option_values"][0] == [0, 1, 2, 3]
    assert phq9["risk_items"] == [9] and phq9["reliable_change"] == 6 and phq9["caseness"] == 10
    assert phq9["direction"] == "higher_worse"
    assert phq9["bands"][0] == {"low": 0, "high": 4, "label": "minimal"}
    assert "Kroenke" in phq9["citation"] and "No permission required" in phq9["licence"]
    assert phq9["texts"]["items"][8].startswith("Thoughts that you would be better off dead")
    assert phq9["texts"]["options"][0] == [
        "Not at all",
        "Several days",
        "More than half the days",
        "Nearly every day",
    ]
    core10 = by_code["core10"]
    assert core10["reversed_items"] == [2, 3] and core10["max_missing"] == 1
    epds = by_code["epds"]
    assert epds["option_values"][2] == [3, 2, 1, 0] and epds["needs_licensed_text"] is True
    ons4 = by_code["ons4"]
    assert ons4["has_total"] is False and ons4["min_total"] is None
    assert ons4["item_keys"] == ["satisfied", "worthwhile", "happy", "anxious"]
    assert ons4["item_bands"][3][0] == {"low": 0, "high": 1, "label": "very low"}
    assert by_code["swemwbs"]["direction"] == "higher_better"


def test_licensed_texts_are_never_served_even_when_an_organisation_loaded_them(
    call, org, coordinator
):
    services.text_load(organisation=org, data=WEMWBS_FILE, actor=coordinator)
    for persona in ("participant", "coordinator"):
        listed = call(persona, "get", "/api/instruments")
        one = call(persona, "get", "/api/instruments/wemwbs").json()
        assert one["texts"] is None and one["needs_licensed_text"] is True
        assert "Statement 1" not in listed.content.decode()
        assert WEMWBS_FILE["instructions"] not in listed.content.decode()
    # Texts not shipped (checked letter for letter first) are not served either.
    for code in ("epds", "swemwbs", "core10", "qpr15"):
        assert call("participant", "get", f"/api/instruments/{code}").json()["texts"] is None


def test_an_unknown_instrument_is_not_found(call):
    response = call("participant", "get", "/api/instruments/nope")
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


# --- schedules ----------------------------------------------------------------------------


def test_coordinators_read_add_and_remove_time_points(call, programme, baseline):
    listed = call("coordinator", "get", _schedule(programme))
    assert listed.status_code == 200
    assert [(p["instrument"], p["label"], p["when"]) for p in listed.json()] == [
        ("phq9", "Baseline", "on joining")
    ]
    added = call(
        "coordinator",
        "post",
        _schedule(programme),
        {"instrument": "gad7", "label": "Week 5", "offset_days": 35, "window_days": 10},
    )
    assert added.status_code == 201, added.content
    body = added.json()
    assert body["when"] == "5 weeks after joining" and body["window_days"] == 10
    assert body["anchor"] == "joined" and body["programme_id"] == programme.pk
    removed = call("coordinator", "delete", f"/api/schedule-points/{baseline.pk}")
    assert removed.status_code == 204
    assert [p["label"] for p in call("coordinator", "get", _schedule(programme)).json()] == [
        "Week 5"
    ]
    assert call("coordinator", "delete", f"/api/schedule-points/{baseline.pk}").status_code == 404
    assert AuditEvent.objects.filter(action__startswith="questionnaires.schedule").count() == 3


@pytest.mark.parametrize(
    "persona", ["participant", "volunteer", "safeguarding_lead", "evaluator", "outsider"]
)
def test_schedules_are_not_found_for_anyone_but_coordinators(call, programme, baseline, persona):
    point = {"instrument": "gad7", "label": "Week 5", "offset_days": 35}
    for method, path, data in (
        ("get", _schedule(programme), None),
        ("post", _schedule(programme), point),
        ("delete", f"/api/schedule-points/{baseline.pk}", None),
    ):
        response = call(persona, method, path, data)
        assert response.status_code == 404, (method, path)
        assert response.json() == {"detail": "Not found."}
    assert SchedulePoint.objects.filter(is_active=True).count() == 1
    assert call(None, "get", _schedule(programme)).status_code == 401


@pytest.mark.parametrize(
    ("payload", "status", "code", "field", "message"),
    [
        (
            {"instrument": "wemwbs", "label": "Baseline"},
            422,
            "needs_text",
            "instrument",
            "WEMWBS needs licensed text",
        ),
        (
            {"instrument": "nope", "label": "Baseline"},
            422,
            "instrument",
            "instrument",
            "Choose a questionnaire",
        ),
        ({"instrument": "phq9", "label": "Start"}, 409, "duplicate", "__all__", "already"),
        ({"instrument": "gad7", "label": " "}, 422, "invalid", "__all__", "Give the time point"),
        (
            {"instrument": "gad7", "label": "x", "window_days": 91},
            422,
            "invalid",
            "__all__",
            "1 to 90 days",
        ),
        (
            {"instrument": "gad7", "label": "x", "anchor": "monday"},
            422,
            "invalid",
            "__all__",
            "Count from joining",
        ),
        (
            {"instrument": "gad7", "label": "x", "offset_days": "soon"},
            422,
            "invalid",
            "offset_days",
            "Give a whole number.",
        ),
        (
            {"instrument": "gad7", "label": "x" * 61},
            422,
            "invalid",
            "label",
            "Must be at most 60 characters.",
        ),
        (
            {"instrument": "gad7", "label": "x", "colour": "red"},
            422,
            "invalid",
            "colour",
            "not a field we know",
        ),
    ],
)
def test_a_refused_time_point_says_why_in_plain_words(
    call, programme, baseline, payload, status, code, field, message
):
    response = call("coordinator", "post", _schedule(programme), payload)
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and message in body["detail"]
    assert message in " ".join(body["errors"][field])
    assert SchedulePoint.objects.count() == 1


# --- my questionnaires --------------------------------------------------------------------


def test_my_due_questionnaires(call, due_now, participant):
    response = call("participant", "get", "/api/questionnaires/due")
    assert response.status_code == 200
    [due] = response.json()
    assert due["id"] == due_now.pk and due["instrument"] == "phq9"
    assert due["instrument_name"] == "PHQ-9" and due["time_point"] == "Baseline"
    assert due["state"] == "due" and due["texts_shipped"] is True
    assert due["group"] == due_now.group.name and due["closes_at"].endswith("+00:00")
    assert call("second_participant", "get", "/api/questionnaires/due").json() == []
    assert call(None, "get", "/api/questionnaires/due").status_code == 401


def test_sending_answers_scores_them_and_lists_them_as_mine(call, due_now):
    answers = [1, 1, 1, 1, 1, 1, 1, 1, 0]
    response = call("participant", "post", _submit(due_now), {"answers": answers})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["total"] == 8 and body["band"] == "mild" and body["risk"] is False
    assert body["crisis_resources"] == [] and body["answers"] == answers
    assert not Alert.objects.exists()
    [mine] = call("participant", "get", "/api/questionnaires/responses").json()
    assert mine["id"] == body["id"] and mine["total"] == 8 and mine["time_point"] == "Baseline"
    assert call("participant", "get", "/api/questionnaires/due").json() == []
    # Sending again is a conflict, and changes nothing.
    again = call("participant", "post", _submit(due_now), {"answers": [0] * 9})
    assert again.status_code == 409 and again.json()["code"] == "done"
    assert Response.objects.get().total == 8


def test_a_risk_answer_brings_crisis_resources_and_tells_a_lead(call, org, due_now):
    CrisisResource.objects.create(organisation=org, name="Night Line", phone="0800 123 456")
    response = call("participant", "post", _submit(due_now), {"answers": [0] * 8 + [1]})
    assert response.status_code == 201
    body = response.json()
    assert body["risk"] is True
    [resource] = body["crisis_resources"]
    assert resource["name"] == "Night Line" and resource["tel_href"] == "tel:0800123456"
    assert Alert.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "item", "message"),
    [
        ({"answers": [0] * 8}, 9, "PHQ-9 has 9 questions and 8 answers were given"),
        ({"answers": [0] * 8 + [4]}, 9, "Question 9 of PHQ-9: choose one of the 4 answers."),
        ({"answers": [0, "lots"] + [0] * 7}, 2, "Question 2 of PHQ-9: choose one of the answers"),
        ({"answers": [0, 0, None] + [0] * 6}, 3, "Question 3 of PHQ-9 is not answered yet."),
        (
            {"answers": [0] * 9, "declined": [4]},
            4,
            "Question 4 of PHQ-9: this questionnaire needs every question answered.",
        ),
        ({"answers": [True] + [0] * 8}, 1, "Question 1 of PHQ-9: choose one of the answers"),
    ],
)
def test_a_bad_answer_names_the_question_and_stores_nothing(call, due_now, payload, item, message):
    response = call("participant", "post", _submit(due_now), payload)
    assert response.status_code == 422, response.content
    body = response.json()
    assert message in body["detail"] and body["item"] == item
    assert body["errors"] == {"answers": [body["detail"]]}
    assert not Response.objects.filter(submitted_at__isnull=False).exists()
    assert Assignment.objects.get().state in ("due", "started")
    assert not Alert.objects.exists()


def test_answers_must_be_a_list(call, due_now):
    response = call("participant", "post", _submit(due_now), {"answers": "0,1,2"})
    assert response.status_code == 422
    assert response.json()["errors"] == {"answers": ["Give a list."]}
    assert call("participant", "post", _submit(due_now), {}).status_code == 422


def test_someone_elses_questionnaire_is_not_found(call, due_now):
    for persona in ("second_participant", "coordinator", "safeguarding_lead", "outsider"):
        response = call(persona, "post", _submit(due_now), {"answers": [0] * 9})
        assert response.status_code == 404 and response.json() == {"detail": "Not found."}
    assert (
        call(
            "participant", "post", "/api/questionnaires/999999/response", {"answers": []}
        ).status_code
        == 404
    )
    assert not Response.objects.exists()


def test_the_openapi_document_lists_the_questionnaire_endpoints(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/instruments",
        "/api/instruments/{code}",
        "/api/programmes/{programme_id}/schedule",
        "/api/schedule-points/{point_id}",
        "/api/questionnaires/due",
        "/api/questionnaires/responses",
        "/api/questionnaires/{assignment_id}/response",
    ):
        assert path in paths, path
    assert set(paths["/api/programmes/{programme_id}/schedule"]) == {"get", "post"}
    assert paths["/api/instruments"]["get"]["security"]
