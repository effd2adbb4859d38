"""Every page and endpoint, visited as every persona and as an outsider.

The matrix below says what each may get. "not found" and "not allowed" are the
same 404; a person who is not signed in is sent to sign in (pages) or gets 401
(API). Each visit runs in a savepoint that is rolled back, so a visit that
changes state does not affect the next persona. A route added without a row
here fails ``test_every_route_is_in_the_matrix``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.urls import get_resolver
from django.utils import timezone
from django.utils.html import escape

from peercircle.programmes.models import Attendance, Enrolment, Session
from peercircle.programmes.services import enrolment_join, group_create
from peercircle.rooms.access import room_seat
from peercircle.rooms.services import (
    member_enter,
    message_report,
    message_send,
    pairing_create,
    room_for_session,
    room_supporters,
)
from tests.conftest import (
    build_coordinator,
    build_evaluator,
    build_group,
    build_org,
    build_other_org,
    build_outsider,
    build_participant,
    build_private_group,
    build_programme,
    build_safeguarding_lead,
    build_volunteer,
    member_with_consent,
)
from tests.matchmaking import matrix as matchmaking_rows
from tests.matrix_base import (
    API_COORDINATOR_ONLY,
    API_PUBLIC,
    COORDINATOR_ONLY,
    IN_LIVE_ROOM,
    MODERATE_LIVE_ROOM,
    OWN_QUESTIONNAIRE,
    PERSONAS,
    PUBLIC,
    ROOM_PEOPLE,
    ROOM_PEOPLE_NAMES,
    SIGN_IN,
    SIGNED_IN,
    TO_LIVE_ROOM,
    Visit,
    expect,
)
from tests.volunteers import matrix_api as volunteers_api_rows
from tests.volunteers import matrix_manage as volunteers_manage_rows
from tests.volunteers import matrix_own as volunteers_own_rows

# Rows kept beside their subsystem's tests: each has ROWS and prepare(world).
ROW_MODULES = (volunteers_own_rows, volunteers_manage_rows, volunteers_api_rows, matchmaking_rows)


@dataclass
class World:
    org: object
    programme: object
    group: object
    private_group: object
    past_session: object
    future_session: object
    enrolment: object
    offered: object
    people: dict = field(default_factory=dict)
    # Live rooms: an online group's session on now (the participant is a
    # member, the volunteer facilitates), a one-to-one pairing of those two,
    # and the organisation's supporters' room.
    online_group: object = None
    live_session: object = None
    live_room: object = None
    pairing: object = None
    supporters_room: object = None
    # An open report: the volunteer's message in the live room, reported by the participant.
    report: object = None
    # A safeguarding alert about the participant (a concern the volunteer raised).
    alert: object = None
    # Questionnaires: the programme's baseline PHQ-9.
    schedule_point: object = None
    # The participant's "Week 4" PHQ-9, due now.
    assignment: object = None
    # What the rows gathered from other test packages need (their prepare()).
    extra: dict = field(default_factory=dict)


@pytest.fixture(scope="module")
def world(module_transaction):
    """Built once for the module (module_transaction); each test runs in a savepoint."""
    org, other_org = build_org(), build_other_org()
    coordinator = build_coordinator(org)
    participant = build_participant(org)
    volunteer = build_volunteer(org, coordinator)
    safeguarding_lead = build_safeguarding_lead(org)
    evaluator = build_evaluator(org)
    outsider = build_outsider(other_org)
    programme = build_programme(org, coordinator)
    group = build_group(programme, coordinator, volunteer)
    private_group = build_private_group(programme, coordinator)

    def make_member():
        return member_with_consent(org, context={"gender": "man", "year_of_birth": 1990})

    enrolment = enrolment_join(user=participant, group=group)
    # Fill the group so that the next person waits, then free a place: an offer.
    others = [make_member() for _ in range(3)]
    first = enrolment_join(user=others[0], group=group)
    enrolment_join(user=others[1], group=group)
    waiting = enrolment_join(user=others[2], group=group)
    from peercircle.programmes.services import enrolment_leave

    enrolment_leave(user=others[0], enrolment=first)
    waiting.refresh_from_db()
    assert waiting.status == "offered"
    now = timezone.now()
    # The participant has been a member for a month, so is on past registers.
    Enrolment.objects.filter(pk=enrolment.pk).update(joined_at=now - dt.timedelta(days=30))
    past = Session.objects.create(
        group=group,
        number=999,
        starts_at=now - dt.timedelta(days=7),
        ends_at=now - dt.timedelta(days=7, hours=-2),
    )
    future = group.sessions.filter(starts_at__gt=now).order_by("starts_at").first()
    Attendance.objects.create(
        session=past, user=participant, status="present", recorded_by=volunteer
    )
    online_group = group_create(
        actor=coordinator,
        programme=programme,
        facilitator_ids=[volunteer.pk],
        name="Online Group",
        delivery="online",
        capacity=10,
        weekday=3,
        start_time=dt.time(19, 0),
        start_date=timezone.localdate() + dt.timedelta(days=3),
    )
    enrolment_join(user=participant, group=online_group)
    live_session = Session.objects.create(
        group=online_group,
        number=998,
        starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(minutes=85),
    )
    pairing = pairing_create(
        actor=coordinator,
        organisation=org,
        participant_id=participant.pk,
        volunteer_id=volunteer.pk,
    )
    live_room = room_for_session(session=live_session)
    report = _live_room_report(live_room, poster=volunteer, reporter=participant)
    from peercircle.safety.services import concern_raise

    alert = concern_raise(
        actor=volunteer,
        organisation_id=org.pk,
        person=participant,
        level="high",
        categories=["self_harm"],
        note="Said they hurt themselves again",
        room=live_room,
        message=report.message,
    )
    from peercircle.questionnaires.services import schedule_point_add

    schedule_point = schedule_point_add(
        actor=coordinator, programme=programme, instrument="phq9", label="Baseline"
    )
    from peercircle.questionnaires.services import assignments_generate

    schedule_point_add(
        actor=coordinator, programme=programme, instrument="phq9", label="Week 4", offset_days=30
    )
    assignments_generate()
    assignment = participant.questionnaires_due.get(label="Week 4")
    world = World(
        schedule_point=schedule_point,
        assignment=assignment,
        alert=alert,
        report=report,
        online_group=online_group,
        live_session=live_session,
        live_room=live_room,
        pairing=pairing,
        supporters_room=room_supporters(organisation=org),
        org=org,
        programme=programme,
        group=group,
        private_group=private_group,
        past_session=past,
        future_session=future,
        enrolment=enrolment,
        offered=waiting,
        people={
            "participant": participant,
            "volunteer": volunteer,
            "coordinator": coordinator,
            "safeguarding_lead": safeguarding_lead,
            "evaluator": evaluator,
            "outsider": outsider,
            "offered": waiting.user,
        },
    )
    for rows in ROW_MODULES:
        rows.prepare(world)
    return world


def _live_room_report(room, *, poster, reporter):
    seats = {}
    for user in (poster, reporter):
        member_enter(seat=room_seat(user, room.pk), user=user)
        seats[user.pk] = room_seat(user, room.pk)
    posted = message_send(seat=seats[poster.pk], author=poster, body="A message someone reported")
    return message_report(
        seat=seats[reporter.pk], actor=reporter, message_id=posted.message.pk, reason="Unkind"
    )


def g(w):
    return w.group.pk


MATRIX = [
    # --- public pages --------------------------------------------------------
    Visit("public:finder", "get", lambda w: "/", PUBLIC),
    Visit("public:group_detail", "get", lambda w: f"/groups/{g(w)}/{w.group.slug}/", PUBLIC),
    Visit("public:group_detail_short", "get", lambda w: f"/groups/{g(w)}/", expect(302)),
    Visit(
        "public:group_detail",
        "get",
        lambda w: f"/groups/{w.private_group.pk}/{w.private_group.slug}/",
        expect(404, coordinator=200, volunteer=200, safeguarding_lead=200),
    ),
    Visit("core:crisis", "get", lambda w: "/help-now/", PUBLIC),
    Visit("core:healthz", "get", lambda w: "/healthz", PUBLIC),
    # --- a participant's own pages -------------------------------------------------
    Visit(
        "public:group_join",
        "get",
        lambda w: f"/groups/{g(w)}/join/",
        expect(200, anonymous=302, participant=302),
    ),
    Visit(
        "public:group_join",
        "post",
        lambda w: f"/groups/{w.private_group.pk}/join/",
        # Staff of the organisation see the confirmation step (consent first).
        expect(404, coordinator=200, volunteer=200, safeguarding_lead=200),
    ),
    Visit(
        "public:enrolment_leave",
        "post",
        lambda w: f"/enrolments/{w.enrolment.pk}/leave/",
        expect(404, anonymous=SIGN_IN, participant=302),
    ),
    Visit(
        "public:offer_accept",
        "post",
        lambda w: f"/enrolments/{w.offered.pk}/accept/",
        expect(404, anonymous=SIGN_IN),
    ),
    Visit(
        "public:offer_decline",
        "post",
        lambda w: f"/enrolments/{w.offered.pk}/decline/",
        expect(404, anonymous=SIGN_IN),
    ),
    Visit(
        "public:apologies_send",
        "post",
        lambda w: f"/sessions/{w.future_session.pk}/apologies/",
        expect(404, anonymous=SIGN_IN, participant=302),
    ),
    Visit("public:my_groups", "get", lambda w: "/me/groups/", SIGNED_IN),
    Visit(
        "public:calendar_reset",
        "post",
        lambda w: "/me/calendar/reset/",
        expect(302, anonymous=SIGN_IN),
    ),
    Visit(
        "public:calendar_feed", "get", lambda w: "/me/calendar/not-a-real-token.ics", expect(404)
    ),
    # --- accounts ------------------------------------------------------------
    Visit("accounts:home", "get", lambda w: "/account/", SIGNED_IN),
    # Signed-in people are sent on from the sign-in and sign-up pages.
    Visit("accounts:login", "get", lambda w: "/account/login/", expect(302, anonymous=200)),
    Visit("accounts:logout", "post", lambda w: "/account/logout/", expect(302)),
    Visit("accounts:signup", "get", lambda w: "/account/signup/", expect(302, anonymous=200)),
    Visit("accounts:profile", "get", lambda w: "/account/profile/", SIGNED_IN),
    Visit("accounts:password_change", "get", lambda w: "/account/profile/password/", SIGNED_IN),
    Visit("accounts:context", "get", lambda w: "/account/context/", SIGNED_IN),
    Visit("accounts:consent", "get", lambda w: "/account/consent/", SIGNED_IN),
    Visit("accounts:export", "get", lambda w: "/account/export/", SIGNED_IN),
    Visit(
        "accounts:two_factor_setup",
        "get",
        lambda w: "/account/two-factor/",
        expect(200, anonymous=SIGN_IN, participant=404, volunteer=404),
    ),
    Visit(
        "accounts:two_factor_verify",
        "get",
        lambda w: "/account/two-factor/verify/",
        expect(302, anonymous=SIGN_IN),
    ),
    Visit(
        "accounts:two_factor_disable",
        "get",
        lambda w: "/account/two-factor/disable/",
        expect(404, anonymous=SIGN_IN),
    ),
    # --- back office -----------------------------------------------------------
    # The outsider coordinates another organisation: their own dashboard, never Riverside's data.
    Visit(
        "manage:dashboard",
        "get",
        lambda w: "/manage/",
        expect(404, anonymous=SIGN_IN, coordinator=200, volunteer=200, outsider=200),
    ),
    Visit(
        "manage:programme_create",
        "get",
        lambda w: f"/manage/organisations/{w.org.pk}/programmes/new/",
        COORDINATOR_ONLY,
    ),
    Visit(
        "manage:contact_details",
        "get",
        lambda w: f"/manage/organisations/{w.org.pk}/people/{w.people['participant'].pk}/contact/",
        expect(404, anonymous=SIGN_IN, coordinator=200, safeguarding_lead=200),
    ),
    Visit(
        "manage:programme_edit",
        "get",
        lambda w: f"/manage/programmes/{w.programme.pk}/edit/",
        COORDINATOR_ONLY,
    ),
    Visit(
        "manage:group_create",
        "get",
        lambda w: f"/manage/programmes/{w.programme.pk}/groups/new/",
        COORDINATOR_ONLY,
    ),
    Visit(
        "manage:group_detail",
        "get",
        lambda w: f"/manage/groups/{g(w)}/",
        expect(404, anonymous=SIGN_IN, coordinator=200, volunteer=200),
    ),
    Visit("manage:group_edit", "get", lambda w: f"/manage/groups/{g(w)}/edit/", COORDINATOR_ONLY),
    Visit(
        "manage:enrolment_remove",
        "post",
        lambda w: f"/manage/enrolments/{w.enrolment.pk}/remove/",
        expect(404, anonymous=SIGN_IN, coordinator=302),
        data=lambda w: {"reason": "Moved to another group"},
    ),
    Visit(
        "manage:session_cancel",
        "post",
        lambda w: f"/manage/sessions/{w.future_session.pk}/cancel/",
        expect(404, anonymous=SIGN_IN, coordinator=302),
        data=lambda w: {"reason": "Venue closed"},
    ),
    Visit(
        "manage:session_reinstate",
        "post",
        lambda w: f"/manage/sessions/{w.future_session.pk}/reinstate/",
        expect(404, anonymous=SIGN_IN, coordinator=302),
    ),
    Visit(
        "manage:register",
        "get",
        lambda w: f"/manage/sessions/{w.past_session.pk}/register/",
        expect(404, anonymous=SIGN_IN, coordinator=200, volunteer=200),
    ),
    Visit(
        "manage:register_row",
        "post",
        lambda w: f"/manage/sessions/{w.past_session.pk}/register/{w.people['participant'].pk}/",
        # Without htmx the row save returns to the register page.
        expect(404, anonymous=SIGN_IN, coordinator=302, volunteer=302),
        data=lambda w: {"status": "absent"},
    ),
    # --- live rooms (back office) ---
    # Pairings and room settings are for coordinators; reported messages also for
    # safeguarding leads. The outsider coordinates elsewhere: their own overview only.
    Visit(
        "rooms_manage:index",
        "get",
        lambda w: "/manage/rooms/",
        expect(404, anonymous=SIGN_IN, coordinator=200, safeguarding_lead=200, outsider=200),
    ),
    Visit(
        "rooms_manage:pairings",
        "get",
        lambda w: f"/manage/rooms/organisations/{w.org.pk}/pairings/",
        COORDINATOR_ONLY,
    ),
    Visit(
        "rooms_manage:pairings",
        "post",
        lambda w: f"/manage/rooms/organisations/{w.org.pk}/pairings/",
        expect(404, anonymous=SIGN_IN, coordinator=302),
        data=lambda w: {
            "participant": w.people["offered"].pk,
            "volunteer": w.people["volunteer"].pk,
        },
    ),
    Visit(
        "rooms_manage:pairing_end",
        "post",
        lambda w: f"/manage/rooms/pairings/{w.pairing.pk}/end/",
        expect(404, anonymous=SIGN_IN, coordinator=302),
        data=lambda w: {"reason": "Support goals met"},
    ),
    Visit(
        "rooms_manage:settings",
        "get",
        lambda w: f"/manage/rooms/organisations/{w.org.pk}/settings/",
        COORDINATOR_ONLY,
    ),
    Visit(
        "rooms_manage:settings",
        "post",
        lambda w: f"/manage/rooms/organisations/{w.org.pk}/settings/",
        expect(404, anonymous=SIGN_IN, coordinator=302),
        data=lambda w: {"open_minutes_before": "20", "close_minutes_after": "20"},
    ),
    Visit(
        "rooms_manage:reports",
        "get",
        lambda w: f"/manage/rooms/organisations/{w.org.pk}/reports/",
        expect(404, anonymous=SIGN_IN, coordinator=200, safeguarding_lead=200),
    ),
    Visit(
        "rooms_manage:report_hide",
        "post",
        lambda w: f"/manage/rooms/reports/{w.report.pk}/hide/",
        expect(404, anonymous=SIGN_IN, coordinator=302, safeguarding_lead=302),
        data=lambda w: {"reason": "Unkind"},
    ),
    Visit(
        "rooms_manage:report_dismiss",
        "post",
        lambda w: f"/manage/rooms/reports/{w.report.pk}/dismiss/",
        expect(404, anonymous=SIGN_IN, coordinator=302, safeguarding_lead=302),
    ),
    # --- questionnaires (staff) ---
    # Coordinators set schedules and see who has not answered; evaluators see
    # instruments and response rates (small figures hidden), never names.
    Visit(
        "questionnaires_manage:index",
        "get",
        lambda w: "/manage/questionnaires/",
        expect(404, anonymous=SIGN_IN, coordinator=200, evaluator=200, outsider=200),
    ),
    Visit(
        "questionnaires_manage:organisation",
        "get",
        lambda w: f"/manage/questionnaires/organisations/{w.org.pk}/",
        expect(404, anonymous=SIGN_IN, coordinator=200, evaluator=200),
    ),
    Visit(
        "questionnaires_manage:rates",
        "get",
        lambda w: f"/manage/questionnaires/organisations/{w.org.pk}/responses/",
        expect(404, anonymous=SIGN_IN, coordinator=200, evaluator=200),
    ),
    Visit(
        "questionnaires_manage:overdue",
        "get",
        lambda w: f"/manage/questionnaires/organisations/{w.org.pk}/overdue/",
        COORDINATOR_ONLY,
    ),
    Visit(
        "questionnaires_manage:schedule",
        "get",
        lambda w: f"/manage/questionnaires/programmes/{w.programme.pk}/schedule/",
        COORDINATOR_ONLY,
    ),
    Visit(
        "questionnaires_manage:schedule",
        "post",
        lambda w: f"/manage/questionnaires/programmes/{w.programme.pk}/schedule/",
        expect(404, anonymous=SIGN_IN, coordinator=302),
        data=lambda w: {
            "instrument": "gad7",
            "label": "Week 5",
            "anchor": "joined",
            "offset_days": "35",
            "window_days": "14",
        },
    ),
    Visit(
        "questionnaires_manage:schedule_remove",
        "post",
        lambda w: f"/manage/questionnaires/schedule-points/{w.schedule_point.pk}/remove/",
        expect(404, anonymous=SIGN_IN, coordinator=302),
    ),
    # --- questionnaires (a participant's own) ---
    # Only the person a questionnaire is for may open, save or send it. Check-ins:
    # members of the session's group who were there; the two people of a pairing.
    Visit("questionnaires:mine", "get", lambda w: "/questionnaires/", SIGNED_IN),
    Visit("questionnaires:progress", "get", lambda w: "/questionnaires/progress/", SIGNED_IN),
    Visit(
        "questionnaires:answer",
        "get",
        lambda w: f"/questionnaires/{w.assignment.pk}/",
        OWN_QUESTIONNAIRE,
    ),
    Visit(
        "questionnaires:answer",
        "get",
        lambda w: "/questionnaires/999999/",
        expect(404, anonymous=SIGN_IN),
    ),
    Visit(
        "questionnaires:answer",
        "post",
        lambda w: f"/questionnaires/{w.assignment.pk}/",
        expect(404, anonymous=SIGN_IN, participant=302),
        data=lambda w: {f"item-{n}": "0" for n in range(1, 10)},
    ),
    Visit(
        "questionnaires:save",
        "post",
        lambda w: f"/questionnaires/{w.assignment.pk}/save/",
        OWN_QUESTIONNAIRE,
        data=lambda w: {"item": 1, "value": 2},
        as_json=True,
    ),
    # Not sent yet: the person is sent back to answer it.
    Visit(
        "questionnaires:done",
        "get",
        lambda w: f"/questionnaires/{w.assignment.pk}/done/",
        expect(404, anonymous=SIGN_IN, participant=302),
    ),
    Visit(
        "questionnaires:checkin_session",
        "get",
        lambda w: f"/questionnaires/check-in/session/{w.past_session.pk}/",
        expect(404, anonymous=SIGN_IN, participant=200),
    ),
    Visit(
        "questionnaires:checkin_session",
        "post",
        lambda w: f"/questionnaires/check-in/session/{w.past_session.pk}/",
        expect(404, anonymous=SIGN_IN, participant=302),
        data=lambda w: {"understood": "4"},
    ),
    Visit(
        "questionnaires:checkin_pairing",
        "get",
        lambda w: f"/questionnaires/check-in/pairing/{w.pairing.pk}/",
        expect(404, anonymous=SIGN_IN, participant=200, volunteer=200),
    ),
    Visit(
        "questionnaires:checkin_pairing",
        "post",
        lambda w: f"/questionnaires/check-in/pairing/{w.pairing.pk}/",
        expect(404, anonymous=SIGN_IN, participant=302, volunteer=302),
        data=lambda w: {"connected": "5"},
    ),
    # --- safeguarding ---
    # Only safeguarding leads (and administrators) see alerts; coordinators get
    # notices; volunteers, coordinators and leads may raise a concern about
    # someone they support.
    Visit(
        "safety:index",
        "get",
        lambda w: "/safety/",
        expect(404, anonymous=SIGN_IN, safeguarding_lead=302),
    ),
    Visit(
        "safety:queue",
        "get",
        lambda w: f"/safety/organisations/{w.org.pk}/",
        expect(404, anonymous=SIGN_IN, safeguarding_lead=200),
    ),
    Visit(
        "safety:settings",
        "get",
        lambda w: f"/safety/organisations/{w.org.pk}/settings/",
        expect(404, anonymous=SIGN_IN, safeguarding_lead=200),
    ),
    Visit(
        "safety:settings",
        "post",
        lambda w: f"/safety/organisations/{w.org.pk}/settings/",
        expect(404, anonymous=SIGN_IN, safeguarding_lead=302),
        data=lambda w: {
            "form": "policy",
            "imminent_minutes": "5",
            "high_minutes": "30",
            "moderate_minutes": "1440",
        },
    ),
    Visit(
        "safety:false_alarms",
        "get",
        lambda w: f"/safety/organisations/{w.org.pk}/false-alarms/",
        expect(404, anonymous=SIGN_IN, safeguarding_lead=200),
    ),
    Visit(
        "safety:alert",
        "get",
        lambda w: f"/safety/alerts/{w.alert.pk}/",
        expect(404, anonymous=SIGN_IN, safeguarding_lead=200),
    ),
    Visit(
        "safety:acknowledge",
        "post",
        lambda w: f"/safety/alerts/{w.alert.pk}/acknowledge/",
        expect(404, anonymous=SIGN_IN, safeguarding_lead=302),
    ),
    Visit(
        "safety:action",
        "post",
        lambda w: f"/safety/alerts/{w.alert.pk}/action/",
        expect(404, anonymous=SIGN_IN, safeguarding_lead=302),
        data=lambda w: {"note": "Phoned them"},
    ),
    Visit(
        "safety:note",
        "post",
        lambda w: f"/safety/alerts/{w.alert.pk}/note/",
        expect(404, anonymous=SIGN_IN, safeguarding_lead=302),
        data=lambda w: {"note": "Left a message"},
    ),
    Visit(
        "safety:close",
        "post",
        lambda w: f"/safety/alerts/{w.alert.pk}/close/",
        expect(404, anonymous=SIGN_IN, safeguarding_lead=302),
        data=lambda w: {"outcome": "contacted", "note": "Safe"},
    ),
    Visit(
        "safety:held",
        "post",
        lambda w: f"/safety/alerts/{w.alert.pk}/held/",
        expect(404, anonymous=SIGN_IN, safeguarding_lead=302),
        data=lambda w: {"decision": "show"},
    ),
    Visit(
        "safety:concern_new",
        "get",
        lambda w: (
            f"/safety/concerns/new/?organisation={w.org.pk}&person={w.people['participant'].pk}"
        ),
        expect(404, anonymous=SIGN_IN, volunteer=200, coordinator=200, safeguarding_lead=200),
    ),
    Visit(
        "safety:concern_new",
        "post",
        lambda w: "/safety/concerns/new/",
        expect(404, anonymous=SIGN_IN, volunteer=302, coordinator=302, safeguarding_lead=302),
        data=lambda w: {
            "organisation": w.org.pk,
            "person": w.people["participant"].pk,
            "level": "moderate",
            "categories": ["suicide"],
            "note": "Seemed very low tonight",
        },
    ),
    Visit(
        "safety:concern_sent",
        "get",
        lambda w: "/safety/concerns/sent/",
        # The outsider coordinates elsewhere: the page holds nothing of this organisation.
        expect(
            404,
            anonymous=SIGN_IN,
            volunteer=200,
            coordinator=200,
            safeguarding_lead=200,
            outsider=200,
        ),
    ),
    Visit(
        "safety:notices",
        "get",
        lambda w: "/safety/notices/",
        # Each person's own notices: the outsider sees theirs (none from here).
        expect(404, anonymous=SIGN_IN, coordinator=200, safeguarding_lead=200, outsider=200),
    ),
    Visit(
        "safety:notices",
        "post",
        lambda w: "/safety/notices/",
        expect(404, anonymous=SIGN_IN, coordinator=302, safeguarding_lead=302, outsider=302),
    ),
    # --- live rooms (pages) ---
    # Members and facilitators of the group are in its room; coordinators and
    # safeguarding leads moderate every room of their organisation.
    Visit("rooms:mine", "get", lambda w: "/rooms/", SIGNED_IN),
    Visit("rooms:room", "get", lambda w: f"/rooms/{w.live_room.pk}/", IN_LIVE_ROOM),
    Visit("rooms:room", "get", lambda w: f"/rooms/{w.pairing.room.pk}/", IN_LIVE_ROOM),
    Visit(
        "rooms:room",
        "get",
        lambda w: f"/rooms/{w.supporters_room.pk}/",
        expect(404, anonymous=SIGN_IN, volunteer=200, coordinator=200, safeguarding_lead=200),
    ),
    Visit("rooms:room", "get", lambda w: "/rooms/999999/", expect(404, anonymous=SIGN_IN)),
    Visit("rooms:session", "get", lambda w: f"/rooms/session/{w.live_session.pk}/", TO_LIVE_ROOM),
    Visit("rooms:standing", "get", lambda w: f"/rooms/group/{w.online_group.pk}/", TO_LIVE_ROOM),
    Visit(
        "rooms:supporters",
        "get",
        lambda w: f"/rooms/supporters/{w.org.pk}/",
        expect(404, anonymous=SIGN_IN, volunteer=302, coordinator=302, safeguarding_lead=302),
    ),
    Visit(
        "rooms:send",
        "post",
        lambda w: f"/rooms/{w.live_room.pk}/send/",
        TO_LIVE_ROOM,
        data=lambda w: {"body": "Hello, everyone", "client_id": "matrix-1"},
    ),
    Visit(
        "rooms:hide",
        "post",
        lambda w: f"/rooms/{w.live_room.pk}/messages/999999/hide/",
        MODERATE_LIVE_ROOM,
    ),
    Visit(
        "rooms:report_dismiss",
        "post",
        lambda w: f"/rooms/{w.live_room.pk}/reports/999999/dismiss/",
        MODERATE_LIVE_ROOM,
    ),
    # --- API -------------------------------------------------------------------
    Visit("api:openapi-json", "get", lambda w: "/api/openapi.json", API_PUBLIC),
    Visit("api:openapi-view", "get", lambda w: "/api/docs", API_PUBLIC),
    Visit("api:api-root", "get", lambda w: "/api/", expect(404)),
    Visit("api:groups_find", "get", lambda w: "/api/groups", API_PUBLIC),
    Visit("api:group_detail", "get", lambda w: f"/api/groups/{g(w)}", API_PUBLIC),
    Visit(
        "api:group_detail",
        "get",
        lambda w: f"/api/groups/{w.private_group.pk}",
        expect(404, coordinator=200, volunteer=200, safeguarding_lead=200),
    ),
    Visit("api:group_sessions", "get", lambda w: f"/api/groups/{g(w)}/sessions", API_PUBLIC),
    Visit("api:programmes_list", "get", lambda w: "/api/programmes", API_PUBLIC),
    Visit(
        "api:programme_create",
        "post",
        lambda w: "/api/programmes",
        expect(403, anonymous=401, coordinator=201, outsider=404),
        data=lambda w: {"organisation": w.org.slug, "name": "New", "focus": "general"},
        as_json=True,
    ),
    Visit(
        "api:programme_update",
        "patch",
        lambda w: f"/api/programmes/{w.programme.pk}",
        expect(403, anonymous=401, coordinator=200, outsider=404),
        data=lambda w: {"description": "Updated"},
        as_json=True,
    ),
    Visit(
        "api:group_create",
        "post",
        lambda w: "/api/groups",
        expect(403, anonymous=401, coordinator=201, outsider=404),
        data=lambda w: {
            "programme_id": w.programme.pk,
            "name": "Thursday group",
            "delivery": "online",
            "weekday": 3,
            "start_time": "18:30",
            "start_date": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
        },
        as_json=True,
    ),
    Visit(
        "api:group_update",
        "patch",
        lambda w: f"/api/groups/{g(w)}",
        expect(403, anonymous=401, coordinator=200, outsider=404),
        data=lambda w: {"capacity": 12},
        as_json=True,
    ),
    Visit(
        "api:session_cancel",
        "post",
        lambda w: f"/api/sessions/{w.future_session.pk}/cancel",
        expect(403, anonymous=401, coordinator=200, outsider=404),
        data=lambda w: {"reason": "Venue closed"},
        as_json=True,
    ),
    Visit(
        "api:session_reinstate",
        "post",
        lambda w: f"/api/sessions/{w.future_session.pk}/reinstate",
        expect(403, anonymous=401, coordinator=200, outsider=404),
        as_json=True,
    ),
    Visit(
        "api:group_enrolments",
        "get",
        lambda w: f"/api/groups/{g(w)}/enrolments",
        expect(403, anonymous=401, coordinator=200, volunteer=200, outsider=404),
    ),
    Visit(
        "api:enrolment_join",
        "post",
        lambda w: f"/api/groups/{g(w)}/enrolment",
        expect(422, anonymous=401, participant=409),
        as_json=True,
    ),
    Visit(
        "api:enrolment_leave",
        "delete",
        lambda w: f"/api/groups/{g(w)}/enrolment",
        expect(404, anonymous=401, participant=200),
    ),
    Visit(
        "api:enrolment_accept",
        "post",
        lambda w: f"/api/enrolments/{w.offered.pk}/accept",
        expect(404, anonymous=401),
        as_json=True,
    ),
    Visit(
        "api:enrolment_decline",
        "post",
        lambda w: f"/api/enrolments/{w.offered.pk}/decline",
        expect(404, anonymous=401),
        as_json=True,
    ),
    Visit("api:my_enrolments", "get", lambda w: "/api/me/enrolments", expect(200, anonymous=401)),
    Visit(
        "api:register_read",
        "get",
        lambda w: f"/api/sessions/{w.past_session.pk}/attendance",
        expect(403, anonymous=401, coordinator=200, volunteer=200, outsider=404),
    ),
    Visit(
        "api:register_take",
        "put",
        lambda w: f"/api/sessions/{w.past_session.pk}/attendance",
        expect(403, anonymous=401, coordinator=200, volunteer=200, outsider=404),
        data=lambda w: {"marks": {str(w.people["participant"].pk): "absent"}},
        as_json=True,
    ),
    Visit(
        "api:apologies_send",
        "post",
        lambda w: f"/api/sessions/{w.future_session.pk}/apologies",
        expect(404, anonymous=401, participant=200),
        as_json=True,
    ),
    # --- live rooms (API) ---
    # The people of the live room and the pairing (and the organisation's moderators);
    # everyone else gets the same 404 as for a room that does not exist.
    Visit("api:rooms_list", "get", lambda w: "/api/rooms", expect(200, anonymous=401)),
    Visit(
        "api:room_messages",
        "get",
        lambda w: f"/api/rooms/{w.live_room.pk}/messages",
        ROOM_PEOPLE,
    ),
    Visit(
        "api:room_messages",
        "get",
        lambda w: f"/api/rooms/{w.pairing.room.pk}/messages?limit=10",
        ROOM_PEOPLE,
    ),
    Visit(
        "api:room_message_send",
        "post",
        lambda w: f"/api/rooms/{w.live_room.pk}/messages",
        expect(404, anonymous=401, **dict.fromkeys(ROOM_PEOPLE_NAMES, 201)),
        data=lambda w: {"body": "Hello, everyone", "client_id": "matrix-1"},
        as_json=True,
    ),
    Visit(
        "api:room_read",
        "post",
        lambda w: f"/api/rooms/{w.pairing.room.pk}/read",
        ROOM_PEOPLE,
        data=lambda w: {"seq": 1},
        as_json=True,
    ),
    # --- questionnaires (API) ---
    # Instruments for anyone signed in (shipped wording only); schedules for the
    # organisation's coordinators; a questionnaire only for the person it is for.
    Visit("api:instruments_list", "get", lambda w: "/api/instruments", expect(200, anonymous=401)),
    Visit(
        "api:instrument_detail",
        "get",
        lambda w: "/api/instruments/phq9",
        expect(200, anonymous=401),
    ),
    Visit(
        "api:schedule_list",
        "get",
        lambda w: f"/api/programmes/{w.programme.pk}/schedule",
        API_COORDINATOR_ONLY,
    ),
    Visit(
        "api:schedule_add",
        "post",
        lambda w: f"/api/programmes/{w.programme.pk}/schedule",
        expect(404, anonymous=401, coordinator=201),
        data=lambda w: {"instrument": "gad7", "label": "Week 5", "offset_days": 35},
        as_json=True,
    ),
    Visit(
        "api:schedule_remove",
        "delete",
        lambda w: f"/api/schedule-points/{w.schedule_point.pk}",
        expect(404, anonymous=401, coordinator=204),
    ),
    Visit(
        "api:questionnaires_due",
        "get",
        lambda w: "/api/questionnaires/due",
        expect(200, anonymous=401),
    ),
    Visit(
        "api:questionnaires_responses",
        "get",
        lambda w: "/api/questionnaires/responses",
        expect(200, anonymous=401),
    ),
    Visit(
        "api:questionnaire_submit",
        "post",
        lambda w: f"/api/questionnaires/{w.assignment.pk}/response",
        expect(404, anonymous=401, participant=201),
        data=lambda w: {"answers": [0] * 9},
        as_json=True,
    ),
]
MATRIX += [visit for rows in ROW_MODULES for visit in rows.ROWS]


def _outcome(response) -> object:
    if response.status_code == 302 and "/account/login/" in response.headers.get("Location", ""):
        return SIGN_IN
    return response.status_code


def _visit(client, visit: Visit, w: World):
    url = visit.url(w)
    data = visit.data(w) if visit.data else None
    method = getattr(client, visit.method)
    if visit.method in ("get", "delete") and not data:
        return method(url)
    if visit.as_json or url.startswith("/api/"):
        return method(url, data=json.dumps(data or {}), content_type="application/json")
    return method(url, data=data or {})


def test_every_route_is_in_the_matrix():
    covered = {visit.route for visit in MATRIX}
    routes = set()

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                if pattern.namespace == "admin":
                    continue
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif pattern.name:
                routes.add(f"{namespace}:{pattern.name}")

    walk(get_resolver().url_patterns)
    assert routes - covered == set(), "routes missing from the authorisation matrix"


@pytest.mark.parametrize(
    "visit", MATRIX, ids=[f"{v.method}-{v.route}-{i}" for i, v in enumerate(MATRIX)]
)
def test_authorisation_matrix(db, client, world, visit):
    outcomes = {}
    for persona in PERSONAS:
        client.logout()
        if persona != "anonymous":
            client.force_login(world.people[persona])
        with transaction.atomic():
            outcomes[persona] = _outcome(_visit(client, visit, world))
            transaction.set_rollback(True)
    assert outcomes == visit.expected, f"actual: {outcomes}"


def test_offer_can_be_accepted_only_by_the_person_offered(db, client, world):
    client.force_login(world.people["offered"])
    response = client.post(f"/enrolments/{world.offered.pk}/accept/")
    assert response.status_code == 302
    assert Enrolment.objects.filter(pk=world.offered.pk, status="active").exists()


def test_nobody_but_coordinators_and_safeguarding_leads_sees_a_real_name(db, client, world):
    participant = world.people["participant"]
    pages = [
        "/",
        f"/groups/{world.group.pk}/{world.group.slug}/",
        f"/manage/groups/{world.group.pk}/",
        f"/manage/sessions/{world.past_session.pk}/register/",
        f"/api/groups/{world.group.pk}/enrolments",
        "/me/groups/",
        "/manage/",
        "/rooms/",
        f"/rooms/{world.live_room.pk}/",
        "/questionnaires/",
        "/questionnaires/progress/",
    ]
    for persona in ("participant", "volunteer", "evaluator", "outsider", "coordinator"):
        client.force_login(world.people[persona])
        for url in pages:
            body = client.get(url).content.decode()
            assert participant.real_name not in body, (persona, url)
            assert escape(participant.real_name) not in body, (persona, url)
            assert participant.email not in body, (persona, url)
