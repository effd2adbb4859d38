"""Moderation, limits, presence, read positions, screening and the kinds of
room, through the consumer (Channels' WebsocketCommunicator)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.utils import timezone

from peercircle.core.models import AuditEvent
from peercircle.programmes.models import Session
from peercircle.programmes.services import session_cancel
from peercircle.rooms import selectors, services
from peercircle.rooms.access import room_seat
from peercircle.rooms.events import HIDDEN_TEXT, encode, message_payload, room_group
from peercircle.rooms.models import (
    Message,
    MessageReport,
    Presence,
    RoomMember,
    RoomPolicy,
)
from tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def seated(user, room_id):
    """A seat with a member row, as a connection has after it entered."""
    seat = room_seat(user, room_id)
    if seat.member_id is None:
        services.member_enter(seat=seat, user=user)
        seat = room_seat(user, room_id)
    return seat


async def enter(ws, user, room_id, query=""):
    client = ws(user, room_id, query)
    welcome = await client.connect()
    assert welcome["type"] == "welcome", welcome
    await client.receive()  # the newest page of history
    return client, welcome


async def test_a_muted_member_can_read_but_not_send_until_unmuted(ws, room, participant, volunteer):
    sam, sam_welcome = await enter(ws, participant, room.pk)
    alex, _ = await enter(ws, volunteer, room.pk)
    await alex.send(type="mute", member=sam_welcome["me"]["member"], minutes=10)
    done, _ = await alex.receive_until("done")
    assert done["action"] == "mute"
    await sam.send(type="send", body="can I talk?", client_id="m1")
    muted, _ = await sam.receive_until("error")
    assert muted["code"] == "muted" and muted["client_id"] == "m1"
    assert "You can still read" in muted["message"]
    await alex.send(type="send", body="reading still works", client_id="a1")
    heard, _ = await sam.receive_until("message")
    assert heard["body"] == "reading still works"
    await alex.send(type="unmute", member=sam_welcome["me"]["member"])
    await alex.receive_until("done")
    await sam.send(type="send", body="thanks", client_id="m2")
    assert (await sam.receive_until("ack"))[0]["client_id"] == "m2"
    actions = [a async for a in AuditEvent.objects.values_list("action", flat=True)]
    assert "room.member_mute" in actions and "room.member_unmute" in actions
    for client in (sam, alex):
        await client.close()


async def test_a_removed_member_is_disconnected_kept_out_and_others_see_them_leave(
    ws, room, participant, second_member, volunteer
):
    kit, kit_welcome = await enter(ws, second_member, room.pk)
    sam, _ = await enter(ws, participant, room.pk)
    alex, _ = await enter(ws, volunteer, room.pk)
    kit_member = kit_welcome["me"]["member"]
    await alex.send(type="remove", member=kit_member, reason="")
    assert (await alex.receive_until("error"))[0]["code"] == "empty"
    await alex.send(type="remove", member=kit_member, reason="Repeated unkind remarks")
    removed, _ = await kit.receive_until("removed")
    assert "removed you" in removed["message"]
    assert await kit.output() == {"type": "websocket.close", "code": 4403}
    left = None
    while left is None:
        frame, _ = await sam.receive_until("presence")
        left = frame.get("left")
    assert left == kit_member
    refusal = await ws(second_member, room.pk).connect()
    assert refusal["code"] == "not_found"
    assert await AuditEvent.objects.filter(action="room.member_remove").aexists()
    assert not await Presence.objects.filter(member_id=kit_member).aexists()
    assert (await alex.receive_until("done"))[0]["action"] == "remove"
    await alex.send(type="readmit", member=kit_member)
    assert (await alex.receive_until("done"))[0]["action"] == "readmit"
    back = ws(second_member, room.pk)
    assert (await back.connect())["type"] == "welcome"
    await back.close()
    for client in (sam, alex):
        await client.close()


async def test_members_cannot_moderate_and_moderators_cannot_remove_coordinators(
    ws, room, participant, second_member, volunteer, coordinator
):
    sam, _ = await enter(ws, participant, room.pk)
    kit, kit_welcome = await enter(ws, second_member, room.pk)
    jo, jo_welcome = await enter(ws, coordinator, room.pk)
    for frame in (
        {"type": "mute", "member": kit_welcome["me"]["member"], "minutes": 5},
        {"type": "unmute", "member": kit_welcome["me"]["member"]},
        {"type": "remove", "member": kit_welcome["me"]["member"], "reason": "no"},
        {"type": "lock"},
        {"type": "unlock"},
        {"type": "hide", "id": 1},
    ):
        await sam.send(**frame)
        error, _ = await sam.receive_until("error")
        assert error["code"] == "not_allowed", frame
    alex, _ = await enter(ws, volunteer, room.pk)
    await alex.send(type="remove", member=jo_welcome["me"]["member"], reason="test")
    assert (await alex.receive_until("error"))[0]["code"] == "not_allowed"
    await alex.send(type="mute", member=999999, minutes=5)
    assert (await alex.receive_until("error"))[0]["code"] == "not_found"
    await alex.send(type="mute", member=kit_welcome["me"]["member"], minutes="soon")
    assert (await alex.receive_until("error"))[0]["code"] == "bad_frame"
    assert not await RoomMember.objects.filter(muted_until__isnull=False).aexists()
    for client in (sam, kit, jo, alex):
        await client.close()


async def test_a_locked_room_lets_only_moderators_write(ws, room, participant, volunteer):
    sam, _ = await enter(ws, participant, room.pk)
    alex, _ = await enter(ws, volunteer, room.pk)
    await alex.send(type="lock")
    notice, _ = await sam.receive_until("notice")
    assert notice["kind"] == "locked"
    await sam.send(type="send", body="hello?", client_id="s1")
    locked, _ = await sam.receive_until("error")
    assert locked["code"] == "locked" and locked["client_id"] == "s1"
    await alex.send(type="send", body="Let's pause for a moment.", client_id="a1")
    assert (await sam.receive_until("message"))[0]["body"] == "Let's pause for a moment."
    await alex.send(type="unlock")
    assert (await sam.receive_until("notice"))[0]["kind"] == "unlocked"
    await sam.send(type="send", body="hello again", client_id="s2")
    assert (await sam.receive_until("ack"))[0]["client_id"] == "s2"
    for client in (sam, alex):
        await client.close()


async def test_a_report_reaches_the_moderators_and_is_recorded(
    ws, room, participant, second_member, volunteer
):
    kit, _ = await enter(ws, second_member, room.pk)
    sam, _ = await enter(ws, participant, room.pk)
    alex, _ = await enter(ws, volunteer, room.pk)
    await kit.send(type="send", body="a worrying message", client_id="k1")
    ack, _ = await kit.receive_until("ack")
    await sam.send(type="report", id=ack["id"], reason="")
    assert (await sam.receive_until("error"))[0]["code"] == "empty"
    await sam.send(type="report", id=ack["id"], reason="This worried me")
    thanks, _ = await sam.receive_until("reported")
    assert "Thank you" in thanks["message"]
    seen, _ = await alex.receive_until("reported")
    assert seen["id"] == ack["id"]
    assert seen["author"] == second_member.pseudonym
    report = await MessageReport.objects.aget(message_id=ack["id"])
    assert report.reason == "This worried me" and report.status == "open"
    # The report is not broadcast to other members.
    rest = await kit.drain()
    assert not [f for f in rest if f["type"] == "reported"]
    # Hiding the message resolves the report.
    await alex.send(type="hide", id=ack["id"])
    await sam.receive_until("notice")
    await report.arefresh_from_db()
    assert report.status == "hidden"
    for client in (sam, kit, alex):
        await client.close()


async def test_a_facilitator_who_connects_after_a_report_hears_of_it_in_the_welcome(
    ws, room, participant, second_member, volunteer
):
    # Reports are not in the message log, so a facilitator whose connection
    # was down when one was made learns of it from the welcome instead.
    kit, _ = await enter(ws, second_member, room.pk)
    sam, _ = await enter(ws, participant, room.pk)
    await kit.send(type="send", body="a worrying message", client_id="k1")
    ack, _ = await kit.receive_until("ack")
    await sam.send(type="report", id=ack["id"], reason="This worried me")
    await sam.receive_until("reported")
    report = await MessageReport.objects.aget(message_id=ack["id"])
    alex, welcome = await enter(ws, volunteer, room.pk)
    assert welcome["reports"] == [
        {
            "type": "reported",
            "id": ack["id"],
            "report": report.pk,
            "author": second_member.pseudonym,
        }
    ]
    # Members who do not moderate are not told of reports.
    again, kit_welcome = await enter(ws, second_member, room.pk)
    assert "reports" not in kit_welcome
    # A dismissed report is no longer in the welcome.
    await sync_to_async(services.report_dismiss)(
        seat=await sync_to_async(seated)(volunteer, room.pk), actor=volunteer, report_id=report.pk
    )
    late, later_welcome = await enter(ws, volunteer, room.pk)
    assert later_welcome["reports"] == []
    for client in (sam, kit, alex, again, late):
        await client.close()


async def test_a_hidden_message_is_hidden_in_history_except_from_moderators(
    ws, room, participant, second_member, volunteer
):
    kit, _ = await enter(ws, second_member, room.pk)
    await kit.send(type="send", body="the original words", client_id="k1")
    ack, _ = await kit.receive_until("ack")
    alex, _ = await enter(ws, volunteer, room.pk)
    await alex.send(type="hide", id=ack["id"])
    await alex.receive_until("notice")
    sam = ws(participant, room.pk)
    await sam.connect()
    history = await sam.receive()
    hidden = next(m for m in history["messages"] if m["id"] == ack["id"])
    assert hidden["body"] == HIDDEN_TEXT and hidden["hidden"] is True
    assert "original" not in hidden and "the original words" not in json.dumps(history)
    await alex.send(type="history")
    page, _ = await alex.receive_until("history")
    seen = next(m for m in page["messages"] if m["id"] == ack["id"])
    assert seen["original"] == "the original words"
    for client in (sam, kit, alex):
        await client.close()


async def test_the_rate_limit_answers_in_plain_words_and_stores_nothing_more(
    ws, room, participant, settings
):
    settings.ROOMS_RATE_MESSAGES = 3
    settings.ROOMS_RATE_SECONDS = 60
    sam, _ = await enter(ws, participant, room.pk)
    for n in range(3):
        await sam.send(type="send", body=f"message {n}", client_id=f"s{n}")
        await sam.receive_until("ack")
    await sam.send(type="send", body="one too many", client_id="s3")
    limited, _ = await sam.receive_until("error")
    assert limited["code"] == "rate_limited" and limited["client_id"] == "s3"
    assert 1 <= limited["retry_after"] <= 61
    assert "Please wait" in limited["message"]
    assert await Message.objects.filter(room=room).acount() == 3
    await sam.close()


async def test_a_flood_of_frames_is_answered_then_closed(ws, room, participant, settings):
    settings.ROOMS_FRAME_BURST = 5
    settings.ROOMS_FRAMES_PER_SECOND = 1
    settings.ROOMS_FLOOD_CLOSE_AFTER = 20
    sam, _ = await enter(ws, participant, room.pk)
    for _ in range(40):
        await sam.send(type="ping")
    frames = []
    while True:
        output = await sam.output()
        if output["type"] == "websocket.close":
            assert output["code"] == 4429
            break
        frames.append(json.loads(output["text"]))
    errors = [f for f in frames if f["type"] == "error"]
    assert errors[0]["code"] == "flood"
    assert "still waiting to be sent" in errors[0]["message"]
    assert len([f for f in frames if f["type"] == "pong"]) == 5


async def test_a_gap_in_the_broadcasts_is_filled_from_the_database_in_order(
    ws, room, participant, second_member
):
    sam, _ = await enter(ws, participant, room.pk)

    def store_quietly_then_send():
        kit_seat = seated(second_member, room.pk)
        from django.db import transaction

        with transaction.atomic():
            quiet = services._append(
                room.pk, kind="text", author_id=second_member.pk, body="stored, not yet broadcast"
            )
        loud = services.message_send(seat=kit_seat, author=second_member, body="broadcast")
        return quiet, loud.message

    quiet, loud = await sync_to_async(store_quietly_then_send)()
    first, _ = await sam.receive_until("message")
    second, _ = await sam.receive_until("message")
    assert [first["seq"], second["seq"]] == [quiet.seq, loud.seq]
    assert first["body"] == "stored, not yet broadcast"
    # The late broadcast of the quiet one is dropped: exactly once.
    late = message_payload(quiet, author_name="Kit")
    await get_channel_layer().group_send(
        room_group(room.pk), {"type": "room.frame", "text": encode(late), "seq": quiet.seq}
    )
    rest = await sam.drain()
    assert not [f for f in rest if f["type"] == "message"]
    await sam.close()


async def test_broadcasts_that_arrive_out_of_order_are_put_in_order_without_the_database(
    ws, room, participant, second_member, monkeypatch
):
    """Across processes broadcasts may overtake each other; a connection holds
    the one that came early and sends both in order when the other arrives,
    without asking the database (that is only for a gap that stays open)."""
    sam, _ = await enter(ws, participant, room.pk)

    def store_two_quietly():
        from django.db import transaction

        with transaction.atomic():
            first = services._append(room.pk, kind="text", author_id=second_member.pk, body="one")
            second = services._append(room.pk, kind="text", author_id=second_member.pk, body="two")
        return first, second

    first, second = await sync_to_async(store_two_quietly)()
    asked = []
    real_log_between = selectors.log_between

    def counting_log_between(*args, **kwargs):
        asked.append(args)
        return real_log_between(*args, **kwargs)

    monkeypatch.setattr(selectors, "log_between", counting_log_between)
    layer = get_channel_layer()
    for message in (second, first):  # the later one arrives first
        frame = message_payload(message, author_name="Kit")
        await layer.group_send(
            room_group(room.pk), {"type": "room.frame", "text": encode(frame), "seq": message.seq}
        )
    got_first, _ = await sam.receive_until("message")
    got_second, _ = await sam.receive_until("message")
    assert [got_first["body"], got_second["body"]] == ["one", "two"]
    assert [got_first["seq"], got_second["seq"]] == [first.seq, second.seq]
    assert asked == []
    assert not [f for f in await sam.drain() if f["type"] == "message"]
    await sam.close()


async def test_presence_shows_arrivals_and_departures_once_per_person(
    ws, room, participant, second_member
):
    sam, _ = await enter(ws, participant, room.pk)
    kit_tab_1, kit_welcome = await enter(ws, second_member, room.pk)
    kit_member = kit_welcome["me"]["member"]
    joined = {}
    while joined.get("joined", {}).get("name") != "Kit":
        joined, _ = await sam.receive_until("presence")
    assert joined["joined"] == {"member": kit_member, "name": "Kit"}
    kit_tab_2, welcome_2 = await enter(ws, second_member, room.pk)
    names = sorted(p["name"] for p in welcome_2["present"])
    assert names == ["Kit", "Sam"]
    await kit_tab_1.close()
    assert not [f for f in await sam.drain() if f["type"] == "presence"]
    await kit_tab_2.close()
    left, _ = await sam.receive_until("presence")
    assert left["left"] == kit_member
    await sam.close()


async def test_the_read_position_moves_forward_only(ws, room, participant, second_member):
    kit, _ = await enter(ws, second_member, room.pk)
    for n in range(3):
        await kit.send(type="send", body=f"m{n}", client_id=f"k{n}")
        await kit.receive_until("ack")
    sam, welcome = await enter(ws, participant, room.pk)
    member = welcome["me"]["member"]
    await sam.send(type="read", seq=2)
    await sam.send(type="read", seq=1)
    await sam.send(type="read", seq=99)
    await sam.send(type="read", seq="x")
    assert (await sam.receive_until("error"))[0]["code"] == "bad_frame"
    assert (await RoomMember.objects.aget(pk=member)).last_read_seq == 3
    for client in (sam, kit):
        await client.close()


def raising_hook(text, language="en"):
    raise RuntimeError("screening is down")


class Flagged:
    level = "high"
    categories = frozenset({"suicide"})
    evidence = ()


def flagging_hook(text, language="en"):
    return Flagged()


async def test_a_failing_screening_hook_never_stops_a_message(ws, room, participant, settings):
    settings.ROOMS_SCREENING_HOOK = "tests.rooms.test_moderation_and_limits.raising_hook"
    sam, _ = await enter(ws, participant, room.pk)
    await sam.send(type="send", body="hello", client_id="s1")
    ack, _ = await sam.receive_until("ack")
    stored = await Message.objects.aget(pk=ack["id"])
    assert stored.screening_failed is True


async def test_the_screening_hook_sees_every_message_and_its_result_is_kept(
    ws, room, participant, settings
):
    settings.ROOMS_SCREENING_HOOK = "tests.rooms.test_moderation_and_limits.flagging_hook"
    sam, _ = await enter(ws, participant, room.pk)
    await sam.send(type="send", body="words", client_id="s1")
    ack, _ = await sam.receive_until("ack")
    stored = await Message.objects.aget(pk=ack["id"])
    assert (stored.screening_level, stored.screening_categories) == ("high", ["suicide"])
    assert stored.screening_failed is False
    await sam.close()


async def test_a_room_before_its_opening_time_says_when_it_opens(ws, online_group, participant):
    from peercircle.programmes.services import enrolment_join

    await sync_to_async(enrolment_join)(user=participant, group=online_group)
    later = timezone.now() + dt.timedelta(hours=3)
    session = await Session.objects.acreate(
        group=online_group, number=91, starts_at=later, ends_at=later + dt.timedelta(hours=1)
    )
    room = await sync_to_async(services.room_for_session)(session=session)
    client = ws(participant, room.pk)
    await client.communicator.connect()
    closed = await client.receive()
    assert closed["code"] == "closed" and "opens" in closed["message"]
    assert closed["opens_at"].startswith(str((later - dt.timedelta(minutes=15)).date()))
    assert await client.output() == {"type": "websocket.close", "code": 4000}


async def test_a_cancelled_session_room_is_closed(ws, room, participant, coordinator):
    await sync_to_async(session_cancel)(
        actor=coordinator, session=room.session, reason="Facilitator unwell"
    )
    client = ws(participant, room.pk)
    await client.communicator.connect()
    closed = await client.receive()
    assert closed["code"] == "closed" and "cancelled" in closed["message"]


async def test_the_room_closes_by_itself_at_closing_time(ws, room, participant, org):
    await RoomPolicy.objects.acreate(organisation=org, close_minutes_after=0)
    await Session.objects.filter(pk=room.session_id).aupdate(
        ends_at=timezone.now() + dt.timedelta(seconds=1)
    )
    sam, _ = await enter(ws, participant, room.pk)
    closed, _ = await sam.receive_until("error", timeout=5)
    assert closed["code"] == "closed"
    assert await sam.output() == {"type": "websocket.close", "code": 4000}


async def test_a_pairing_is_private_overseen_with_an_audit_and_ends_for_both(
    ws, org, participant, volunteer, coordinator, second_member
):
    pairing = await sync_to_async(services.pairing_create)(
        actor=coordinator,
        organisation=org,
        participant_id=participant.pk,
        volunteer_id=volunteer.pk,
    )
    room = await pairing.room.__class__.objects.aget(pairing=pairing)
    sam, sam_welcome = await enter(ws, participant, room.pk)
    alex, alex_welcome = await enter(ws, volunteer, room.pk)
    assert sam_welcome["me"]["moderator"] is False and alex_welcome["me"]["moderator"] is False
    refusal = await ws(second_member, room.pk).connect()
    assert refusal["code"] == "not_found"
    jo, jo_welcome = await enter(ws, coordinator, room.pk)
    assert jo_welcome["me"]["moderator"] is True
    assert await AuditEvent.objects.filter(
        action="read.conversation", actor=coordinator, object_id=str(room.pk)
    ).aexists()
    await sync_to_async(services.pairing_end)(actor=coordinator, pairing=pairing, reason="Done")
    for client in (sam, alex):
        removed, _ = await client.receive_until("removed")
        assert "ended" in removed["message"]
    await jo.close()


async def test_the_supporters_room_is_for_volunteers_and_staff_only(
    ws, org, participant, volunteer, safeguarding_lead, evaluator
):
    room = await sync_to_async(services.room_supporters)(organisation=org)
    alex, welcome = await enter(ws, volunteer, room.pk)
    assert welcome["me"]["moderator"] is False
    priya, priya_welcome = await enter(ws, safeguarding_lead, room.pk)
    assert priya_welcome["me"]["moderator"] is True
    for user in (participant, evaluator):
        refusal = await ws(user, room.pk).connect()
        assert refusal["code"] == "not_found"
    other_volunteer = await sync_to_async(UserFactory)(pseudonym="Robin")
    await sync_to_async(MembershipFactory)(user=other_volunteer, organisation=org, role="volunteer")
    robin, _ = await enter(ws, other_volunteer, room.pk)
    await robin.send(type="send", body="Rough shift today.", client_id="r1")
    assert (await alex.receive_until("message"))[0]["body"] == "Rough shift today."
    for client in (alex, priya, robin):
        await client.close()


async def test_history_pages_back_fifty_at_a_time(ws, room, participant, settings):
    settings.ROOMS_RATE_MESSAGES = 1000

    def fill():
        seat = seated(participant, room.pk)
        for n in range(60):
            services.message_send(seat=seat, author=participant, body=f"m{n}", client_id=f"c{n}")

    await sync_to_async(fill)()
    sam = ws(participant, room.pk)
    await sam.connect()
    newest = await sam.receive()
    assert [m["body"] for m in newest["messages"]] == [f"m{n}" for n in range(10, 60)]
    assert newest["more"] is True
    await sam.send(type="history", before_seq=newest["messages"][0]["seq"])
    older, _ = await sam.receive_until("history")
    assert [m["body"] for m in older["messages"]] == [f"m{n}" for n in range(10)]
    assert older["more"] is False
    await sam.send(type="history", before_seq=-1)
    assert (await sam.receive_until("error"))[0]["code"] == "bad_frame"
    await sam.close()


async def test_moving_on_after_a_dropped_connection_many_times_loses_nothing(
    ws, room, participant, second_member, settings
):
    """Kit drops and reconnects after every few messages; at the end Kit has
    seen every message exactly once, in order."""
    settings.ROOMS_RATE_MESSAGES = 1000
    sam, _ = await enter(ws, participant, room.pk)
    seen: list[int] = []
    last_id = None
    sent = 0
    for _round in range(4):
        query = f"last_id={last_id}" if last_id else ""
        kit = ws(second_member, room.pk, query)
        welcome = await kit.connect()
        assert welcome["type"] == "welcome"
        if not last_id:
            seen += [m["seq"] for m in (await kit.receive())["messages"]]
        for _ in range(3):
            await sam.send(type="send", body=f"n{sent}", client_id=f"n{sent}")
            await sam.receive_until("ack")
            sent += 1
        frames = [f for f in await kit.drain() if f["type"] == "message"]
        seen += [f["seq"] for f in frames]
        last_id = frames[-1]["id"] if frames else last_id
        await kit.close()
        # Messages sent while Kit is away.
        for _ in range(2):
            await sam.send(type="send", body=f"n{sent}", client_id=f"n{sent}")
            await sam.receive_until("ack")
            sent += 1
    kit = ws(second_member, room.pk, f"last_id={last_id}")
    await kit.connect()
    seen += [f["seq"] for f in await kit.drain() if f["type"] == "message"]
    assert seen == list(range(1, sent + 1))
    await kit.close()
    await sam.close()
