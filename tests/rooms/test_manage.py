"""The rooms back office: pairings by hand, room settings, reported messages.

Through HTTP as the personas: coordinators pair and unpair people and set the
rooms' opening times; coordinators and safeguarding leads deal with reported
messages, even after the room has closed; everyone else gets the same 404.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from peercircle.core.models import AuditEvent
from peercircle.rooms.access import room_seat
from peercircle.rooms.events import room_group
from peercircle.rooms.models import (
    Message,
    MessageKind,
    MessageReport,
    Pairing,
    ReportStatus,
    Room,
    RoomKind,
    RoomPolicy,
)
from peercircle.rooms.services import (
    member_enter,
    message_hide,
    message_report,
    message_send,
    pairing_create,
    pairing_end,
)
from tests.conftest import member_with_consent
from tests.factories import MembershipFactory


def _pairings_url(org):
    return reverse("rooms_manage:pairings", args=[org.pk])


def _reports_url(org):
    return reverse("rooms_manage:reports", args=[org.pk])


def _settings_url(org):
    return reverse("rooms_manage:settings", args=[org.pk])


def _seat(user, room):
    member_enter(seat=room_seat(user, room.pk), user=user)
    return room_seat(user, room.pk)


def _post(user, room, body):
    return message_send(seat=_seat(user, room), author=user, body=body).message


def _report(user, room, message, reason="This worried me."):
    return message_report(seat=_seat(user, room), actor=user, message_id=message.pk, reason=reason)


def _pair(org, coordinator, participant, volunteer):
    return pairing_create(
        actor=coordinator,
        organisation=org,
        participant_id=participant.pk,
        volunteer_id=volunteer.pk,
    )


def _errors(response):
    return " ".join(
        str(error) for errors in response.context["form"].errors.values() for error in errors
    )


def _heard(group, action):
    """Run ``action`` while listening on ``group``; return its result and the
    first event the group received. One event loop throughout, as the Redis
    layer keeps its channels per loop."""

    async def listen():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        try:
            result = await sync_to_async(action)()
            event = await asyncio.wait_for(layer.receive(channel), timeout=5)
        finally:
            await layer.group_discard(group, channel)
        return result, event

    return async_to_sync(listen)()


def _actions():
    return list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))


@pytest.fixture
def reported(room, participant, second_member):
    """A message by Kit in the live session room, reported by Sam."""
    message = _post(second_member, room, "Nobody here gets it, you're all useless.")
    report = _report(participant, room, message, reason="It felt like an attack on the group.")
    return report


# --- pairings ---------------------------------------------------------------------------


def test_coordinator_pairs_a_participant_with_a_volunteer_and_their_conversation_opens(
    client, org, coordinator, participant, volunteer
):
    client.force_login(coordinator)
    response = client.post(
        _pairings_url(org), {"participant": participant.pk, "volunteer": volunteer.pk}
    )
    assert response.status_code == 302
    pairing = Pairing.objects.get()
    assert (pairing.participant, pairing.volunteer, pairing.created_by) == (
        participant,
        volunteer,
        coordinator,
    )
    assert Room.objects.filter(kind=RoomKind.PAIRING, pairing=pairing).exists()
    assert "pairing.create" in _actions()
    page = client.get(response["Location"]).content.decode()
    assert "Sam and Alex are paired; their conversation is open." in page
    assert f'href="/rooms/{pairing.room.pk}/"' in page


def test_the_pairing_form_offers_the_organisations_participants_and_volunteers_by_pseudonym(
    client, org, coordinator, participant, volunteer, outsider, other_org
):
    MembershipFactory(
        user=member_with_consent(other_org, pseudonym="Elsewhere"),
        organisation=other_org,
        role="volunteer",
    )
    client.force_login(coordinator)
    response = client.get(_pairings_url(org))
    assert response.status_code == 200
    form = response.context["form"]
    assert [label for _, label in form.fields["participant"].widget.choices] == [
        "Choose a participant",
        "Sam",
    ]
    assert [label for _, label in form.fields["volunteer"].widget.choices] == [
        "Choose a volunteer",
        "Alex",
    ]
    page = response.content.decode()
    assert participant.real_name not in page and "Elsewhere" not in page and "Olly" not in page


def test_pairing_someone_with_themselves_is_refused_in_plain_words(
    client, org, coordinator, participant
):
    MembershipFactory(user=participant, organisation=org, role="volunteer")
    client.force_login(coordinator)
    response = client.post(
        _pairings_url(org), {"participant": participant.pk, "volunteer": participant.pk}
    )
    assert response.status_code == 200
    assert "A person cannot be paired with themselves." in _errors(response)
    assert "There is a problem" in response.content.decode()
    assert not Pairing.objects.exists()


def test_pairing_with_someone_who_is_not_a_volunteer_is_refused(
    client, org, coordinator, participant, make_member
):
    other = make_member()
    client.force_login(coordinator)
    response = client.post(
        _pairings_url(org), {"participant": participant.pk, "volunteer": other.pk}
    )
    assert response.status_code == 200
    assert "Choose a volunteer peer supporter of this organisation." in _errors(response)
    assert not Pairing.objects.exists()


def test_pairing_the_same_two_people_twice_is_refused(
    client, org, coordinator, participant, volunteer
):
    _pair(org, coordinator, participant, volunteer)
    client.force_login(coordinator)
    response = client.post(
        _pairings_url(org), {"participant": participant.pk, "volunteer": volunteer.pk}
    )
    assert response.status_code == 200
    assert "These two people are already paired." in _errors(response)
    assert Pairing.objects.count() == 1


def test_an_empty_pairing_form_says_what_to_choose(client, org, coordinator):
    client.force_login(coordinator)
    response = client.post(_pairings_url(org), {"participant": "", "volunteer": ""})
    assert response.status_code == 200
    errors = _errors(response)
    assert "Choose the participant to be supported." in errors
    assert "Choose the volunteer who will support them." in errors


def test_pairings_page_lists_active_and_ended_pairings_with_pseudonyms_only(
    client, org, coordinator, participant, volunteer, make_member
):
    other = make_member()
    active = _pair(org, coordinator, participant, volunteer)
    ended = pairing_create(
        actor=coordinator, organisation=org, participant_id=other.pk, volunteer_id=volunteer.pk
    )
    pairing_end(actor=coordinator, pairing=ended, reason="Support goals met")
    client.force_login(coordinator)
    response = client.get(_pairings_url(org))
    assert [p.pk for p in response.context["active"]] == [active.pk]
    assert [p.pk for p in response.context["ended"]] == [ended.pk]
    page = response.content.decode()
    assert "Support goals met" in page and other.pseudonym in page
    assert reverse("rooms_manage:pairing_end", args=[active.pk]) in page
    for person in (participant, volunteer, other):
        assert person.real_name not in page and person.email not in page


def test_coordinator_ends_a_pairing_with_a_reason(client, org, coordinator, participant, volunteer):
    pairing = _pair(org, coordinator, participant, volunteer)
    client.force_login(coordinator)
    url = reverse("rooms_manage:pairing_end", args=[pairing.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "Volunteer stepping back for a while"})
    assert response.status_code == 302
    pairing.refresh_from_db()
    assert pairing.ended_at is not None
    assert pairing.ended_reason == "Volunteer stepping back for a while"
    assert "pairing.end" in _actions()
    page = client.get(response["Location"]).content.decode()
    assert "has ended" in page


def test_ending_a_pairing_needs_a_reason_and_happens_once(
    client, org, coordinator, participant, volunteer
):
    pairing = _pair(org, coordinator, participant, volunteer)
    client.force_login(coordinator)
    url = reverse("rooms_manage:pairing_end", args=[pairing.pk])
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 200
    assert "Say briefly why; it stays in the record." in _errors(response)
    pairing.refresh_from_db()
    assert pairing.ended_at is None
    client.post(url, {"reason": "Moved away"})
    again = client.post(url, {"reason": "Twice"})
    assert "This pairing has already ended." in _errors(again)
    assert _actions().count("pairing.end") == 1


# --- room settings --------------------------------------------------------------------------


def test_room_settings_show_the_defaults_until_saved_then_save_through_the_service(
    client, org, coordinator
):
    client.force_login(coordinator)
    response = client.get(_settings_url(org))
    assert response.status_code == 200
    assert response.context["form"].initial == {
        "open_minutes_before": 15,
        "close_minutes_after": 15,
        "standing_group_rooms": False,
    }
    response = client.post(
        _settings_url(org),
        {"open_minutes_before": "30", "close_minutes_after": "10", "standing_group_rooms": "on"},
    )
    assert response.status_code == 302
    policy = RoomPolicy.objects.get(organisation=org)
    assert (policy.open_minutes_before, policy.close_minutes_after) == (30, 10)
    assert policy.standing_group_rooms
    assert "rooms.policy_update" in _actions()
    page = client.get(response["Location"])
    assert page.context["form"].initial["open_minutes_before"] == 30
    assert "Room settings saved." in page.content.decode()


def test_room_settings_refuse_times_out_of_range_in_plain_words(client, org, coordinator):
    client.force_login(coordinator)
    response = client.post(
        _settings_url(org), {"open_minutes_before": "600", "close_minutes_after": "ten"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["close_minutes_after"] == ["Enter a whole number, for example 12."]
    assert not RoomPolicy.objects.exists()
    response = client.post(
        _settings_url(org), {"open_minutes_before": "600", "close_minutes_after": "10"}
    )
    assert response.context["form"].errors["open_minutes_before"] == [
        "Choose between 0 and 240 minutes."
    ]
    assert not RoomPolicy.objects.exists()


# --- reported messages ---------------------------------------------------------------------


def test_safeguarding_lead_sees_open_reports_with_who_wrote_who_reported_why_and_where(
    client, org, safeguarding_lead, reported, participant, second_member
):
    client.force_login(safeguarding_lead)
    response = client.get(_reports_url(org))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nobody here gets it, you&#x27;re all useless." in page
    assert "It felt like an attack on the group." in page
    assert "Kit" in page and "Sam" in page
    assert "Online Men&#x27;s Group, session 90" in page
    assert f'href="/rooms/{reported.message.room_id}/"' in page
    for person in (participant, second_member):
        assert person.real_name not in page


def test_hiding_a_reported_message_hides_it_answers_the_report_audits_and_tells_the_room(
    client, org, coordinator, reported, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)

    def hide():
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse("rooms_manage:report_hide", args=[reported.pk]), {"reason": "Hostile"}
            )

    response, event = _heard(room_group(reported.message.room_id), hide)
    assert response.status_code == 302 and response["Location"] == _reports_url(org)
    message = Message.objects.get(pk=reported.message_id)
    assert message.hidden_at is not None and message.hidden_by == coordinator
    reported.refresh_from_db()
    assert (reported.status, reported.resolved_by) == (ReportStatus.HIDDEN, coordinator)
    audit = AuditEvent.objects.get(action="room.message_hide")
    assert audit.actor_id == coordinator.pk and audit.detail["reason"] == "Hostile"
    notice = Message.objects.get(room_id=message.room_id, kind=MessageKind.HIDDEN)
    assert notice.target_id == message.pk
    frame = json.loads(event["text"])
    assert (frame["type"], frame["kind"], frame["target"]) == ("notice", "hidden", message.pk)
    page = client.get(_reports_url(org)).content.decode()
    assert "No open reports." in page and "The message is hidden." in page


def test_dismissing_a_report_leaves_the_message_and_is_audited(
    client, org, safeguarding_lead, reported
):
    client.force_login(safeguarding_lead)
    response = client.post(reverse("rooms_manage:report_dismiss", args=[reported.pk]))
    assert response.status_code == 302
    reported.refresh_from_db()
    assert (reported.status, reported.resolved_by) == (ReportStatus.DISMISSED, safeguarding_lead)
    assert Message.objects.get(pk=reported.message_id).hidden_at is None
    assert "room.report_dismiss" in _actions()
    again = client.post(reverse("rooms_manage:report_dismiss", args=[reported.pk]), follow=True)
    assert "There is no open report like that in this room." in again.content.decode()


def test_a_report_can_be_dealt_with_after_the_session_room_has_closed(
    client, org, coordinator, reported, live_session
):
    live_session.starts_at = timezone.now() - dt.timedelta(hours=5)
    live_session.ends_at = timezone.now() - dt.timedelta(hours=3)
    live_session.save(update_fields=["starts_at", "ends_at"])
    client.force_login(coordinator)
    assert reported.message.room_id in [
        r.message.room_id for r in client.get(_reports_url(org)).context["reports"]
    ]
    client.post(reverse("rooms_manage:report_hide", args=[reported.pk]))
    assert Message.objects.get(pk=reported.message_id).hidden_at is not None


def test_a_report_in_an_ended_pairing_can_be_dismissed_and_reading_it_is_audited(
    client, org, coordinator, safeguarding_lead, participant, volunteer
):
    pairing = _pair(org, coordinator, participant, volunteer)
    message = _post(volunteer, pairing.room, "You should stop taking your medication.")
    report = _report(participant, pairing.room, message, reason="Not something a peer should say")
    pairing_end(actor=coordinator, pairing=pairing, reason="Concern raised")
    client.force_login(safeguarding_lead)
    page = client.get(_reports_url(org)).content.decode()
    assert "One-to-one: Sam and Alex" in page
    read = AuditEvent.objects.get(action="read.reported_messages")
    assert (read.actor_id, read.object_id) == (safeguarding_lead.pk, str(pairing.room.pk))
    client.post(reverse("rooms_manage:report_dismiss", args=[report.pk]))
    report.refresh_from_db()
    assert report.status == ReportStatus.DISMISSED


def test_hiding_a_message_that_was_already_hidden_answers_its_open_report(
    client, org, coordinator, volunteer, room, participant, second_member
):
    message = _post(second_member, room, "Something unkind")
    message_hide(seat=_seat(volunteer, room), actor=volunteer, message_id=message.pk)
    late = _report(participant, room, message)
    client.force_login(coordinator)
    client.post(reverse("rooms_manage:report_hide", args=[late.pk]))
    late.refresh_from_db()
    assert late.status == ReportStatus.HIDDEN
    assert "room.report_resolve" in _actions()
    assert Message.objects.filter(kind=MessageKind.HIDDEN).count() == 1


def test_reports_page_queries_do_not_grow_with_reports(
    client, org, coordinator, room, participant, second_member, volunteer
):
    client.force_login(coordinator)
    _report(participant, room, _post(second_member, room, "one"))
    client.get(_reports_url(org))  # warm per-minute caches

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(_reports_url(org)).status_code == 200
        return len(captured.captured_queries)

    small = count()
    pairing = _pair(org, coordinator, participant, volunteer)
    for n in range(4):
        _report(participant, room, _post(second_member, room, f"more {n}"))
        _report(participant, pairing.room, _post(volunteer, pairing.room, f"private {n}"))
    large = count()
    # One audit row per one-to-one conversation shown, not per report.
    assert large == small + 1
    assert len(client.get(_reports_url(org)).context["reports"]) == 9


def test_pairings_page_queries_do_not_grow_with_pairings(
    client, org, coordinator, volunteer, make_member
):
    client.force_login(coordinator)
    client.get(_pairings_url(org))

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(_pairings_url(org)).status_code == 200
        return len(captured.captured_queries)

    small = count()
    for _ in range(5):
        person = make_member()
        pairing_create(
            actor=coordinator, organisation=org, participant_id=person.pk, volunteer_id=volunteer.pk
        )
    assert count() == small


# --- who may see what -----------------------------------------------------------------------


def test_people_without_the_role_and_outsiders_get_the_same_404(
    client, org, request, reported, coordinator, participant, volunteer
):
    pairing = _pair(org, coordinator, participant, volunteer)
    pages = [
        ("get", _pairings_url(org), {"participant", "volunteer", "safeguarding_lead", "evaluator"}),
        ("get", _settings_url(org), {"participant", "volunteer", "safeguarding_lead", "evaluator"}),
        ("get", _reports_url(org), {"participant", "volunteer", "evaluator"}),
        (
            "post",
            reverse("rooms_manage:pairing_end", args=[pairing.pk]),
            {"participant", "volunteer", "safeguarding_lead", "evaluator"},
        ),
        ("post", reverse("rooms_manage:report_hide", args=[reported.pk]), {"volunteer"}),
        ("post", reverse("rooms_manage:report_dismiss", args=[reported.pk]), {"participant"}),
    ]
    for method, url, personas in pages:
        for persona in personas | {"outsider"}:
            client.force_login(request.getfixturevalue(persona))
            response = getattr(client, method)(url, {"reason": "x"} if method == "post" else None)
            assert response.status_code == 404, (persona, url)
    reported.refresh_from_db()
    pairing.refresh_from_db()
    assert reported.status == ReportStatus.OPEN and pairing.ended_at is None
    assert MessageReport.objects.count() == 1


def test_outsider_sees_only_their_own_organisation_in_the_rooms_overview(
    client, org, outsider, other_org, coordinator, safeguarding_lead, reported
):
    client.force_login(outsider)
    response = client.get(reverse("rooms_manage:index"))
    assert response.status_code == 200
    assert [row["organisation"] for row in response.context["rows"]] == [other_org]
    assert org.name not in response.content.decode()
    client.force_login(safeguarding_lead)
    rows = client.get(reverse("rooms_manage:index")).context["rows"]
    assert [(r["organisation"], r["manages"], r["open_reports"]) for r in rows] == [(org, False, 1)]


def test_the_dashboard_links_to_the_rooms_pages(client, org, coordinator):
    client.force_login(coordinator)
    page = client.get(reverse("manage:dashboard")).content.decode()
    for url in (_pairings_url(org), _reports_url(org), _settings_url(org)):
        assert url in page
