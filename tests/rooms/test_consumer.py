"""The live room consumer over Channels' WebsocketCommunicator: connecting,
sending, acknowledgement, broadcast, reconnect without loss, authorisation at
connect and on every action, and bad input."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing.websocket import WebsocketCommunicator

from peercircle.core.models import AuditEvent
from peercircle.programmes.services import enrolment_remove, facilitators_set
from peercircle.rooms.models import Message, Room

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def test_a_member_connects_and_is_welcomed(ws, room, participant):
    client = ws(participant, room.pk)
    welcome = await client.connect()
    assert welcome["type"] == "welcome"
    assert welcome["room"]["id"] == room.pk
    assert welcome["me"]["name"] == "Sam"
    assert welcome["me"]["moderator"] is False
    assert {"member": welcome["me"]["member"], "name": "Sam"} in welcome["present"]
    history = await client.receive()
    assert history == {"type": "history", "messages": [], "more": False}
    await client.close()


async def test_a_message_is_stored_acknowledged_and_broadcast(ws, room, participant, second_member):
    sam = ws(participant, room.pk)
    kit = ws(second_member, room.pk)
    await sam.connect()
    await sam.receive()
    await kit.connect()
    await kit.receive()
    await sam.receive_until("presence")  # Kit arrived

    await sam.send(type="send", body="Hello <b>all</b>", client_id="c-1")
    own, _ = await sam.receive_until("message")
    ack, _ = await sam.receive_until("ack")
    stored = await Message.objects.aget(pk=ack["id"])
    assert stored.body == "Hello <b>all</b>"
    assert ack == {"type": "ack", "client_id": "c-1", "id": stored.pk, "seq": stored.seq}
    assert own["id"] == stored.pk and own["author"] == "Sam"

    heard, _ = await kit.receive_until("message")
    assert heard["body"] == "Hello <b>all</b>"
    assert heard["id"] == stored.pk
    await sam.close()
    await kit.close()


async def test_a_resend_with_the_same_client_id_is_not_stored_twice(ws, room, participant):
    sam = ws(participant, room.pk)
    await sam.connect()
    await sam.receive()
    await sam.send(type="send", body="only once", client_id="same")
    first, _ = await sam.receive_until("ack")
    await sam.send(type="send", body="only once", client_id="same")
    second, _ = await sam.receive_until("ack")
    assert first["id"] == second["id"]
    assert await Message.objects.filter(room=room, body="only once").acount() == 1
    await sam.close()


async def test_reconnect_with_last_id_gets_everything_missed_in_order_exactly_once(
    ws, room, participant, second_member
):
    kit = ws(second_member, room.pk)
    await kit.connect()
    await kit.receive()
    await kit.send(type="send", body="first", client_id="k1")
    first, _ = await kit.receive_until("ack")
    await kit.close()

    sam = ws(participant, room.pk)
    await sam.connect()
    await sam.receive()
    for n in range(5):
        await sam.send(type="send", body=f"missed {n}", client_id=f"s{n}")
        await sam.receive_until("ack")
    await sam.close()

    kit_again = ws(second_member, room.pk, query=f"last_id={first['id']}")
    welcome = await kit_again.connect()
    assert welcome["resumed"] is True
    frames = [await kit_again.receive() for _ in range(5)]
    assert [f["body"] for f in frames] == [f"missed {n}" for n in range(5)]
    seqs = [f["seq"] for f in frames]
    assert seqs == sorted(seqs) and len(set(seqs)) == 5
    # Nothing more of the log: the broadcasts of those messages are not sent again.
    rest = await kit_again.drain()
    assert [f for f in rest if f["type"] in ("message", "notice")] == []
    await kit_again.close()


async def test_an_outsider_and_an_unknown_room_get_the_same_refusal(ws, room, outsider, evaluator):
    answers = []
    for user, room_id in ((outsider, room.pk), (evaluator, room.pk), (outsider, 999999)):
        client = ws(user, room_id)
        connected, _ = await client.communicator.connect()
        assert connected
        answers.append(await client.receive())
        closed = await client.output()
        assert closed == {"type": "websocket.close", "code": 4404}
    assert answers[0] == answers[1] == answers[2]
    assert answers[0]["code"] == "not_found"


async def test_a_member_removed_from_the_group_is_disconnected_at_once(
    ws, room, participant, coordinator
):
    sam = ws(participant, room.pk)
    await sam.connect()
    await sam.receive()
    enrolment = await participant.enrolments.aget(group=room.group)
    await sync_to_async(enrolment_remove)(actor=coordinator, enrolment=enrolment, reason="test")
    removed, _ = await sam.receive_until("removed")
    assert removed["message"] == "You are no longer a member of this group."
    assert await sam.output() == {"type": "websocket.close", "code": 4403}
    # And cannot come back.
    again = ws(participant, room.pk)
    refusal = await again.connect()
    assert refusal["code"] == "not_found"


async def test_a_facilitator_taken_off_the_group_is_refused_on_the_next_action(
    ws, room, volunteer, coordinator
):
    alex = ws(volunteer, room.pk)
    await alex.connect()
    await sync_to_async(facilitators_set)(actor=coordinator, group=room.group, user_ids=[])
    await alex.send(type="send", body="still facilitating?", client_id="x")
    refused, _ = await alex.receive_until("error")
    assert refused["code"] == "removed"
    assert await alex.output() == {"type": "websocket.close", "code": 4403}
    assert not await Message.objects.filter(body="still facilitating?").aexists()


async def test_bad_frames_get_clear_errors_and_the_connection_survives(ws, room, participant):
    sam = ws(participant, room.pk)
    await sam.connect()
    await sam.receive()
    await sam.send_raw("not json")
    error, _ = await sam.receive_until("error")
    assert error["code"] == "bad_frame"
    await sam.send_raw("[1, 2]")
    assert (await sam.receive_until("error"))[0]["code"] == "bad_frame"
    await sam.send(type="teleport")
    assert (await sam.receive_until("error"))[0]["code"] == "bad_frame"
    await sam.send(type="send", body="x" * 2001, client_id="long")
    too_long, _ = await sam.receive_until("error")
    assert too_long["code"] == "too_long" and too_long["client_id"] == "long"
    await sam.send(type="send", body="   ", client_id="blank")
    assert (await sam.receive_until("error"))[0]["code"] == "empty"
    await sam.send_raw(json.dumps({"type": "send", "body": "y" * 20000}))
    assert (await sam.receive_until("error"))[0]["code"] == "too_long"
    # Still connected and working.
    await sam.send(type="send", body="fine", client_id="ok")
    ack, _ = await sam.receive_until("ack")
    assert ack["client_id"] == "ok"
    assert await Message.objects.filter(room=room).acount() == 1
    await sam.close()


async def test_a_facilitator_hides_a_message_and_it_is_audited(ws, room, participant, volunteer):
    sam = ws(participant, room.pk)
    alex = ws(volunteer, room.pk)
    await sam.connect()
    await sam.receive()
    welcome = await alex.connect()
    assert welcome["me"]["moderator"] is True
    await alex.receive()
    await sam.send(type="send", body="something unkind", client_id="u")
    ack, _ = await sam.receive_until("ack")
    await alex.receive_until("message")
    await alex.send(type="hide", id=ack["id"], reason="unkind")
    notice, _ = await sam.receive_until("notice")
    assert notice["kind"] == "hidden" and notice["target"] == ack["id"]
    assert await AuditEvent.objects.filter(action="room.message_hide").aexists()
    # A member may not hide.
    await sam.send(type="hide", id=ack["id"])
    assert (await sam.receive_until("error"))[0]["code"] == "not_allowed"
    await sam.close()
    await alex.close()
    assert (await Room.objects.aget(pk=room.pk)).last_seq == 2


async def test_the_full_stack_signs_people_in_by_cookie_and_checks_the_origin(room, participant):
    """Through peercircle.config.asgi: the session cookie signs the person in,
    and a page on another site cannot open a socket with the visitor's cookie."""
    from django.test import Client as DjangoClient

    from peercircle.config.asgi import application

    web = DjangoClient()
    await sync_to_async(web.force_login)(participant)
    cookie = f"sessionid={web.cookies['sessionid'].value}".encode()
    path = f"/ws/rooms/{room.pk}/"

    good = WebsocketCommunicator(
        application, path, headers=[(b"cookie", cookie), (b"origin", b"http://127.0.0.1:8000")]
    )
    connected, _ = await good.connect()
    assert connected
    welcome = json.loads(await good.receive_from())
    assert welcome["type"] == "welcome" and welcome["me"]["name"] == "Sam"
    await good.disconnect()

    anonymous = WebsocketCommunicator(application, path, headers=[(b"origin", b"http://127.0.0.1")])
    connected, _ = await anonymous.connect()
    assert connected
    assert json.loads(await anonymous.receive_from())["code"] == "not_found"
    await anonymous.disconnect()

    elsewhere = WebsocketCommunicator(
        application, path, headers=[(b"cookie", cookie), (b"origin", b"https://evil.example")]
    )
    connected, _ = await elsewhere.connect()
    assert not connected
