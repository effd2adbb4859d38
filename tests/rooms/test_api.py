"""The rooms API: my rooms, history, sending and read positions, through HTTP
as the personas. It uses the same seat check and services as the socket, so
these tests are about the HTTP shapes: statuses, error bodies, pagination."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from peercircle.core.models import AuditEvent
from peercircle.programmes.models import Session
from peercircle.rooms.access import room_seat
from peercircle.rooms.events import room_group
from peercircle.rooms.models import Message, Room, RoomKind, RoomMember
from peercircle.rooms.services import (
    member_enter,
    member_mute,
    message_hide,
    message_send,
    pairing_create,
    room_lock,
)

NOT_FOUND = {"detail": "Not found."}


def _client(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _get(user, path, **params):
    return _client(user).get(path, params)


def _post(user, path, data):
    return _client(user).post(path, json.dumps(data), content_type="application/json")


def _seat(user, room):
    member_enter(seat=room_seat(user, room.pk), user=user)
    return room_seat(user, room.pk)


def _say(user, room, body):
    return message_send(seat=_seat(user, room), author=user, body=body).message


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


def _messages_url(room):
    return f"/api/rooms/{room.pk}/messages"


# --- my rooms -----------------------------------------------------------------------------


def test_my_rooms_lists_the_live_session_room_open_now_with_its_id(participant, room):
    response = _get(participant, "/api/rooms")
    assert response.status_code == 200
    [entry] = response.json()
    assert entry["id"] == room.pk
    assert (entry["kind"], entry["open"], entry["unread"]) == ("session", True, 0)
    assert entry["title"] == "Online Men's Group: session 90"
    assert entry["closes_at"].endswith("+00:00")


def test_my_rooms_makes_a_room_that_nobody_has_opened_yet(participant, live_session, online_group):
    from peercircle.programmes.services import enrolment_join

    enrolment_join(user=participant, group=online_group)
    assert not Room.objects.exists()
    [entry] = _get(participant, "/api/rooms").json()
    assert entry["id"] == Room.objects.get(session=live_session).pk


def test_my_rooms_counts_unread_messages_and_the_read_position_clears_them(
    participant, second_member, room
):
    for n in range(3):
        last = _say(second_member, room, f"hello {n}")
    [entry] = _get(participant, "/api/rooms").json()
    assert entry["unread"] == 3
    response = _post(participant, f"/api/rooms/{room.pk}/read", {"seq": last.seq})
    assert (response.status_code, response.json()) == (200, {"seq": last.seq})
    [entry] = _get(participant, "/api/rooms").json()
    assert entry["unread"] == 0


def test_the_read_position_never_moves_back_nor_past_the_end(participant, second_member, room):
    last = _say(second_member, room, "hello")
    _post(participant, f"/api/rooms/{room.pk}/read", {"seq": 999})
    member = RoomMember.objects.get(room=room, user=participant)
    assert member.last_read_seq == last.seq
    _post(participant, f"/api/rooms/{room.pk}/read", {"seq": 0})
    member.refresh_from_db()
    assert member.last_read_seq == last.seq
    bad = _post(participant, f"/api/rooms/{room.pk}/read", {"seq": -1})
    assert bad.status_code == 422 and bad.json()["errors"] == {"seq": ["Must be at least 0."]}


def test_volunteers_see_their_conversations_and_the_supporters_room(
    org, coordinator, participant, volunteer
):
    pairing = pairing_create(
        actor=coordinator,
        organisation=org,
        participant_id=participant.pk,
        volunteer_id=volunteer.pk,
    )
    rooms = {entry["kind"]: entry for entry in _get(volunteer, "/api/rooms").json()}
    assert rooms["pairing"]["id"] == pairing.room.pk
    assert rooms["pairing"]["title"] == "One-to-one with Sam"
    assert rooms["supporters"]["id"] == Room.objects.get(kind=RoomKind.SUPPORTERS).pk
    assert "supporters" not in {e["kind"] for e in _get(participant, "/api/rooms").json()}


def test_my_rooms_queries_do_not_grow_with_rooms_and_messages(
    org, coordinator, volunteer, make_member, room, second_member
):
    client = _client(volunteer)
    client.get("/api/rooms")  # rooms are made on first use

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/rooms").status_code == 200
        return len(captured.captured_queries)

    small = count()
    for n in range(4):
        person = make_member()
        pairing = pairing_create(
            actor=coordinator, organisation=org, participant_id=person.pk, volunteer_id=volunteer.pk
        )
        _say(person, pairing.room, f"hi {n}")
        _say(second_member, room, f"and {n}")
    assert count() == small
    assert len(client.get("/api/rooms").json()) == 6


def test_nobody_signed_in_gets_401(room):
    assert _get(None, "/api/rooms").status_code == 401
    assert _get(None, _messages_url(room)).status_code == 401
    assert _post(None, _messages_url(room), {"body": "hi"}).status_code == 401


# --- history ------------------------------------------------------------------------------


def test_history_pages_back_from_the_newest_oldest_first(participant, second_member, room):
    sent = [_say(second_member, room, f"message {n}") for n in range(5)]
    newest = _get(participant, _messages_url(room), limit=2).json()
    assert [m["body"] for m in newest["messages"]] == ["message 3", "message 4"]
    assert newest["more"] is True and newest["last_seq"] == sent[-1].seq
    first = newest["messages"][0]
    assert first == {
        "type": "message",
        "id": sent[3].pk,
        "seq": sent[3].seq,
        "member": sent[3].member_id,
        "author": "Kit",
        "body": "message 3",
        "sent_at": first["sent_at"],
        "hidden": False,
    }
    older = _get(participant, _messages_url(room), before_seq=first["seq"], limit=2).json()
    assert [m["body"] for m in older["messages"]] == ["message 1", "message 2"]
    oldest = _get(participant, _messages_url(room), before_seq=older["messages"][0]["seq"]).json()
    assert [m["body"] for m in oldest["messages"]] == ["message 0"]
    assert oldest["more"] is False


def test_history_limit_is_at_most_fifty(participant, room):
    response = _get(participant, _messages_url(room), limit=51)
    assert response.status_code == 422
    assert response.json()["errors"] == {"limit": ["Must be at most 50."]}


def test_hidden_messages_keep_their_text_from_members_but_not_from_moderators(
    participant, volunteer, second_member, room
):
    message = _say(second_member, room, "something unkind")
    message_hide(seat=_seat(volunteer, room), actor=volunteer, message_id=message.pk)
    as_member = _get(participant, _messages_url(room)).json()["messages"]
    assert as_member[0]["body"] == "Hidden by a facilitator" and "original" not in as_member[0]
    assert as_member[1]["type"] == "notice" and as_member[1]["target"] == message.pk
    as_facilitator = _get(volunteer, _messages_url(room)).json()["messages"]
    assert as_facilitator[0]["original"] == "something unkind"


def test_a_room_that_is_missing_or_not_yours_is_the_same_404(evaluator, outsider, room):
    for user, path in (
        (evaluator, _messages_url(room)),
        (outsider, _messages_url(room)),
        (evaluator, f"/api/rooms/{room.pk + 1000}/messages"),
    ):
        response = _get(user, path)
        assert (response.status_code, response.json()) == (404, NOT_FOUND)
    for user in (evaluator, outsider):
        response = _post(user, _messages_url(room), {"body": "hello"})
        assert (response.status_code, response.json()) == (404, NOT_FOUND)
        response = _post(user, f"/api/rooms/{room.pk}/read", {"seq": 1})
        assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert not Message.objects.exists()


def test_a_closed_room_is_409_with_the_reason_in_plain_words(participant, room, live_session):
    Session.objects.filter(pk=live_session.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=4),
        ends_at=timezone.now() - dt.timedelta(hours=3),
    )
    for response in (
        _get(participant, _messages_url(room)),
        _post(participant, _messages_url(room), {"body": "hello?"}),
    ):
        assert response.status_code == 409
        assert response.json() == {
            "detail": "This session has finished, so its room is closed.",
            "code": "closed",
            "errors": {"__all__": ["This session has finished, so its room is closed."]},
        }


def test_a_room_not_open_yet_says_when_it_opens(participant, room, live_session):
    Session.objects.filter(pk=live_session.pk).update(
        starts_at=timezone.now() + dt.timedelta(hours=2),
        ends_at=timezone.now() + dt.timedelta(hours=3),
    )
    body = _get(participant, _messages_url(room)).json()
    assert body["code"] == "closed" and "opens a little before" in body["detail"]
    assert body["opens_at"].startswith(
        (timezone.now() + dt.timedelta(hours=2) - dt.timedelta(minutes=15)).strftime("%Y-%m-%dT%H")
    )


def test_a_coordinator_reading_a_conversation_that_is_not_theirs_is_audited(
    org, coordinator, participant, volunteer
):
    pairing = pairing_create(
        actor=coordinator,
        organisation=org,
        participant_id=participant.pk,
        volunteer_id=volunteer.pk,
    )
    _say(participant, pairing.room, "Thanks for listening yesterday.")
    assert _get(participant, _messages_url(pairing.room)).status_code == 200
    assert not AuditEvent.objects.filter(action="read.conversation").exists()
    assert _get(coordinator, _messages_url(pairing.room)).status_code == 200
    event = AuditEvent.objects.get(action="read.conversation")
    assert (event.actor_id, event.object_id) == (coordinator.pk, str(pairing.room.pk))


# --- sending ------------------------------------------------------------------------------


def test_sending_stores_the_message_and_broadcasts_it_to_the_room(
    participant, room, django_capture_on_commit_callbacks
):
    def send():
        with django_capture_on_commit_callbacks(execute=True):
            return _post(participant, _messages_url(room), {"body": "Hi all", "client_id": "c-1"})

    response, event = _heard(room_group(room.pk), send)
    assert response.status_code == 201
    message = Message.objects.get()
    assert response.json() == {"id": message.pk, "seq": message.seq, "held": False, "support": None}
    assert (message.body, message.author, message.client_id) == ("Hi all", participant, "c-1")
    frame = json.loads(event["text"])
    assert (frame["type"], frame["id"], frame["author"], frame["body"]) == (
        "message",
        message.pk,
        "Sam",
        "Hi all",
    )
    assert event["seq"] == message.seq


def test_sending_the_same_client_id_again_returns_the_stored_message(participant, room):
    first = _post(participant, _messages_url(room), {"body": "Hi all", "client_id": "c-1"})
    again = _post(participant, _messages_url(room), {"body": "Hi all", "client_id": "c-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert Message.objects.count() == 1


def test_an_empty_or_too_long_message_is_422_on_the_body(participant, room, settings):
    settings.ROOMS_MAX_MESSAGE_CHARS = 10
    empty = _post(participant, _messages_url(room), {"body": "   "})
    assert empty.status_code == 422
    assert empty.json() == {
        "detail": "Write something before sending.",
        "code": "empty",
        "errors": {"body": ["Write something before sending."]},
    }
    long = _post(participant, _messages_url(room), {"body": "x" * 11})
    assert long.status_code == 422 and long.json()["code"] == "too_long"
    assert long.json()["errors"]["body"][0].startswith("Messages can be up to 10 characters")
    assert not Message.objects.exists()


def test_a_message_that_is_not_text_or_has_unknown_fields_is_422(participant, room):
    for payload, field in (
        ({"body": 12}, "body"),
        ({"text": "hi"}, "body"),
        ({"body": "hi", "colour": "red"}, "colour"),
        ({"body": "hi", "client_id": "x" * 65}, "client_id"),
    ):
        response = _post(participant, _messages_url(room), payload)
        assert response.status_code == 422, payload
        assert field in response.json()["errors"], (payload, response.json())
    assert not Message.objects.exists()


def test_sending_too_fast_is_429_with_retry_after(participant, room, settings):
    settings.ROOMS_RATE_MESSAGES = 2
    settings.ROOMS_RATE_SECONDS = 30
    for n in range(2):
        assert _post(participant, _messages_url(room), {"body": f"quick {n}"}).status_code == 201
    response = _post(participant, _messages_url(room), {"body": "one more"})
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "rate_limited" and 1 <= body["retry_after"] <= 31
    assert response["Retry-After"] == str(body["retry_after"])
    assert "your text is still in the box" in body["detail"]


def test_a_muted_member_or_a_locked_room_is_403_and_facilitators_can_still_write(
    participant, volunteer, room
):
    facilitator = _seat(volunteer, room)
    member = RoomMember.objects.get(pk=_seat(participant, room).member_id)
    member_mute(seat=facilitator, actor=volunteer, member_id=member.pk, minutes=10)
    muted = _post(participant, _messages_url(room), {"body": "hello"})
    assert muted.status_code == 403
    assert muted.json()["code"] == "muted" and muted.json()["until"]
    room_lock(seat=facilitator, actor=volunteer, locked=True)
    locked = _post(volunteer, _messages_url(room), {"body": "Let's pause here."})
    assert locked.status_code == 201
    member.muted_until = None
    member.save(update_fields=["muted_until"])
    response = _post(participant, _messages_url(room), {"body": "hello"})
    assert response.status_code == 403
    assert response.json()["code"] == "locked"
    assert response.json()["detail"].startswith("The conversation is paused")


@pytest.mark.parametrize(
    "persona", ["participant", "volunteer", "coordinator", "safeguarding_lead"]
)
def test_everyone_in_the_room_can_send(request, persona, room):
    user = request.getfixturevalue(persona)
    assert _post(user, _messages_url(room), {"body": "Hello"}).status_code == 201
