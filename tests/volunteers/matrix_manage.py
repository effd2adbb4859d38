"""Authorisation-matrix rows for the coordinators' volunteer pages at
/manage/volunteers/ (see tests/matrix_base.py).

Only the organisation's coordinator gets in; the volunteer cannot open even
their own record here, and the outsider (a coordinator elsewhere) gets the same
404 as for something that does not exist. POSTs that work redirect (302).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

from peercircle.volunteers import services
from peercircle.volunteers.gate import organisation_today
from peercircle.volunteers.models import DebriefOffer, TrainingModule, VolunteerProfile
from tests.factories import MembershipFactory, UserFactory
from tests.matrix_base import COORDINATOR_ONLY, SIGN_IN, Visit, expect

#: A POST that a coordinator of the organisation makes, and nobody else.
COORDINATOR_POST = expect(404, anonymous=SIGN_IN, coordinator=302)
BASE = "/manage/volunteers"


def prepare(world) -> None:
    """An applicant (Robin) with a reference out, a completion of Alex's waiting
    for sign-off, Alex's debrief after the world's alert, a supervision of Alex
    two hours ago with an agreed action, and a supporters' event."""
    org = world.org
    coordinator = world.people["coordinator"]
    volunteer = world.people["volunteer"]
    alex = VolunteerProfile.objects.get(organisation=org, person=volunteer)
    robin_person = UserFactory(username="robin-matrix", pseudonym="Robin")
    MembershipFactory(user=robin_person, organisation=org, role="participant")
    robin = services.application_submit(
        person=robin_person,
        organisation=org,
        lived_experience="A group helped me after my son was born.",
        languages=["English"],
        availability=["sat_morning"],
        roles_wanted=["facilitate"],
    )
    reference = services.reference_add(
        actor=coordinator, profile=robin, referee_name="Pat", relationship="tutor"
    )
    module = TrainingModule.objects.filter(organisation=org, is_active=True).first()
    completion = services.module_complete(
        actor=volunteer, profile=alex, module=module, reflection="A refresher."
    )
    debrief = DebriefOffer.objects.get(profile=alex, alert=world.alert)
    supervision = services.supervision_schedule(
        actor=coordinator,
        organisation=org,
        kind="one_to_one",
        scheduled_at=timezone.now() - dt.timedelta(hours=2),
        supervisor=coordinator,
        profiles=[alex],
    )
    action = services.action_add(
        actor=coordinator, supervision=supervision, text="Take a week off", profile=alex
    )
    checkin = services.checkin_submit(
        actor=volunteer,
        profile=alex,
        ons4=[7, 7, 7, 3],
        workload={"manageable": 4, "supported": 4, "rested": 3, "carrying": 2},
        wants_chat=True,
    )
    event = services.peer_event_create(
        actor=coordinator,
        organisation=org,
        title="Walk",
        starts_at=timezone.now() + dt.timedelta(days=4),
        place="The park gates",
    )
    world.extra.update(
        vol_alex=alex,
        vol_robin=robin,
        vol_reference=reference,
        vol_module=module,
        vol_completion=completion,
        vol_debrief=debrief,
        vol_supervision=supervision,
        vol_action=action,
        vol_event=event,
        vol_checkin=checkin,
    )


def _x(w, name):
    return w.extra["vol_" + name].pk


def _org(w):
    return f"{BASE}/organisations/{w.org.pk}"


def _local(w, moment):
    return moment.astimezone(ZoneInfo(w.org.timezone)).strftime("%Y-%m-%dT%H:%M")


def _check(w):
    today = organisation_today(w.org)
    return {
        "kind": "Enhanced DBS",
        "checked_on": (today - dt.timedelta(days=3)).isoformat(),
        "expires_on": (today + dt.timedelta(days=900)).isoformat(),
        "outcome": "clear",
    }


def _export(w):
    today = organisation_today(w.org)
    return f"{_org(w)}/hours/?start={today.replace(day=1).isoformat()}&end={today.isoformat()}"


R = "volunteers_manage:"

ROWS: list[Visit] = [
    # The outsider coordinates another organisation: they see a list of their own.
    Visit(
        R + "index",
        "get",
        lambda w: f"{BASE}/",
        expect(404, anonymous=SIGN_IN, coordinator=200, outsider=200),
    ),
    Visit(R + "overview", "get", lambda w: f"{_org(w)}/", COORDINATOR_ONLY),
    Visit(R + "overview", "get", lambda w: f"{_org(w)}/?flagged=1&state=active", COORDINATOR_ONLY),
    Visit(R + "training", "get", lambda w: f"{_org(w)}/training/", COORDINATOR_ONLY),
    Visit(R + "module_create", "get", lambda w: f"{_org(w)}/training/new/", COORDINATOR_ONLY),
    Visit(R + "supervision", "get", lambda w: f"{_org(w)}/supervision/", COORDINATOR_ONLY),
    Visit(R + "events", "get", lambda w: f"{_org(w)}/events/", COORDINATOR_ONLY),
    Visit(R + "export", "get", lambda w: f"{_org(w)}/hours/", COORDINATOR_ONLY),
    Visit(R + "export", "get", _export, COORDINATOR_ONLY),
    Visit(R + "policy", "get", lambda w: f"{_org(w)}/policy/", COORDINATOR_ONLY),
    Visit(R + "volunteer", "get", lambda w: f"{BASE}/people/{_x(w, 'alex')}/", COORDINATOR_ONLY),
    Visit(R + "volunteer", "get", lambda w: f"{BASE}/people/{_x(w, 'robin')}/", COORDINATOR_ONLY),
    Visit(
        R + "move",
        "post",
        lambda w: f"{BASE}/people/{_x(w, 'robin')}/move/",
        COORDINATOR_POST,
        data=lambda w: {"to": "screening"},
    ),
    Visit(
        R + "reference_add",
        "post",
        lambda w: f"{BASE}/people/{_x(w, 'robin')}/references/",
        COORDINATOR_POST,
        data=lambda w: {"referee_name": "Sam", "relationship": "employer"},
    ),
    Visit(
        R + "check_record",
        "post",
        lambda w: f"{BASE}/people/{_x(w, 'robin')}/checks/",
        COORDINATOR_POST,
        data=_check,
    ),
    Visit(
        R + "interview_record",
        "post",
        lambda w: f"{BASE}/people/{_x(w, 'robin')}/interviews/",
        COORDINATOR_POST,
        data=lambda w: {
            "held_on": organisation_today(w.org).isoformat(),
            "outcome": "proceed",
        },
    ),
    Visit(
        R + "caseload_limit",
        "post",
        lambda w: f"{BASE}/people/{_x(w, 'alex')}/caseload/",
        COORDINATOR_POST,
        data=lambda w: {"limit": "3"},
    ),
    Visit(
        R + "reference_receive",
        "post",
        lambda w: f"{BASE}/references/{_x(w, 'reference')}/received/",
        COORDINATOR_POST,
        data=lambda w: {"satisfactory": "yes"},
    ),
    Visit(
        R + "debrief_done",
        "post",
        lambda w: f"{BASE}/debriefs/{_x(w, 'debrief')}/done/",
        COORDINATOR_POST,
    ),
    Visit(
        R + "chat_answered",
        "post",
        lambda w: f"{BASE}/checkins/{_x(w, 'checkin')}/chat/",
        COORDINATOR_POST,
    ),
    Visit(
        R + "sign_off",
        "post",
        lambda w: f"{BASE}/completions/{_x(w, 'completion')}/sign-off/",
        COORDINATOR_POST,
    ),
    Visit(
        R + "module_edit",
        "get",
        lambda w: f"{BASE}/modules/{_x(w, 'module')}/edit/",
        COORDINATOR_ONLY,
    ),
    Visit(
        R + "module_active",
        "post",
        lambda w: f"{BASE}/modules/{_x(w, 'module')}/active/",
        COORDINATOR_POST,
        data=lambda w: {"active": "0"},
    ),
    Visit(
        R + "supervision_detail",
        "get",
        lambda w: f"{BASE}/supervision/{_x(w, 'supervision')}/",
        COORDINATOR_ONLY,
    ),
    Visit(
        R + "supervision_notes",
        "get",
        lambda w: f"{BASE}/supervision/{_x(w, 'supervision')}/notes/",
        COORDINATOR_ONLY,
    ),
    Visit(
        R + "supervision_notes",
        "post",
        lambda w: f"{BASE}/supervision/{_x(w, 'supervision')}/notes/",
        COORDINATOR_POST,
        data=lambda w: {"notes": "Tired but well."},
    ),
    Visit(
        R + "supervision_record",
        "post",
        lambda w: f"{BASE}/supervision/{_x(w, 'supervision')}/record/",
        COORDINATOR_POST,
        data=lambda w: {"attended": [str(_x(w, "alex"))]},
    ),
    Visit(
        R + "supervision_cancel",
        "post",
        lambda w: f"{BASE}/supervision/{_x(w, 'supervision')}/cancel/",
        COORDINATOR_POST,
        data=lambda w: {"reason": "Unwell"},
    ),
    Visit(
        R + "action_add",
        "post",
        lambda w: f"{BASE}/supervision/{_x(w, 'supervision')}/actions/",
        COORDINATOR_POST,
        data=lambda w: {"text": "Rest"},
    ),
    Visit(
        R + "action_done",
        "post",
        lambda w: f"{BASE}/actions/{_x(w, 'action')}/done/",
        COORDINATOR_POST,
    ),
    Visit(
        R + "policy",
        "post",
        lambda w: f"{_org(w)}/policy/",
        COORDINATOR_POST,
        data=lambda w: {
            "references_required": "2",
            "caseload_limit": "3",
            "supervision_weeks": "6",
            "debrief_days": "14",
            "wellbeing_drop": "3",
            "anxiety_high": "6",
            "anxious_checkins": "2",
            "refresher_notice_days": "30",
        },
    ),
    Visit(
        R + "events",
        "post",
        lambda w: f"{_org(w)}/events/",
        COORDINATOR_POST,
        data=lambda w: {
            "title": "Picnic",
            "starts_at": _local(w, timezone.now() + dt.timedelta(days=9)),
            "place": "The park",
        },
    ),
    Visit(
        R + "supervision",
        "post",
        lambda w: f"{_org(w)}/supervision/",
        COORDINATOR_POST,
        data=lambda w: {
            "kind": "one_to_one",
            "scheduled_at": _local(w, timezone.now() + dt.timedelta(days=2)),
            "duration_minutes": "60",
            "supervisor": str(w.people["coordinator"].pk),
            "profiles": [str(_x(w, "alex"))],
        },
    ),
    Visit(
        R + "module_edit",
        "post",
        lambda w: f"{BASE}/modules/{_x(w, 'module')}/edit/",
        COORDINATOR_POST,
        data=lambda w: {
            "title": "Listening, actively",
            "body": "Listen.",
            "reflection_prompt": "What did you hear?",
            "written_by": "Jo",
            "refresher_months": "0",
        },
    ),
    Visit(
        R + "event_cancel",
        "post",
        lambda w: f"{BASE}/events/{_x(w, 'event')}/cancel/",
        COORDINATOR_POST,
    ),
]
