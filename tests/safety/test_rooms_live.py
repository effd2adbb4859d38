"""What happens in a live room when screening finds risk: the writer's support
prompt, the facilitators' alert, the lead's queue, the hold policy and its
release, and a screening failure that still delivers the message.

The screening hook here is a stand-in with a fixed answer, so each test sets
exactly the level it is about; the engine itself is tested in test_screening.py
and, end to end with the real engine, in the last test of this file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from channels.routing import URLRouter
from channels.testing.websocket import WebsocketCommunicator

from peercircle.config.routing import websocket_urlpatterns
from peercircle.core.models import CrisisResource
from peercircle.rooms.models import Message
from peercircle.safety.models import Alert, AlertEvent, SafetyPolicy, Source
from tests.rooms.test_moderation_and_limits import enter

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

HOOKS = "tests.safety.test_rooms_live."


@dataclass(frozen=True)
class Found:
    level: str
    categories: frozenset[str] = field(default_factory=frozenset)
    evidence: tuple = ()
    about: str = "self"


def high_risk(text, language="en"):
    return Found("high", frozenset({"suicide"}), about="self")


def moderate_risk(text, language="en"):
    return Found("moderate", frozenset({"self_harm"}))


def nothing_found(text, language="en"):
    return Found("none")


def about_a_friend(text, language="en"):
    return Found("high", frozenset({"suicide"}), about="someone_else")


def broken(text, language="en"):
    raise RuntimeError("the screening engine is down")


def log_frames(frames):
    """The frames about the room's log, without presence comings and goings."""
    return [frame for frame in frames if frame["type"] != "presence"]


async def queue_listener(user, organisation_id):
    communicator = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns), f"/ws/safety/{organisation_id}/"
    )
    communicator.scope["user"] = user
    connected, code = await communicator.connect()
    return communicator, connected, code


@pytest.fixture
def crisis_line(org):
    return CrisisResource.objects.create(
        organisation=org, name="Night Line", phone="0800 123 456", hours="Every night"
    )


async def test_a_risky_message_brings_its_writer_support_and_the_room_facilitators_an_alert(
    ws, room, org, participant, volunteer, safeguarding_lead, settings, crisis_line
):
    settings.ROOMS_SCREENING_HOOK = HOOKS + "high_risk"
    lead, connected, _ = await queue_listener(safeguarding_lead, org.pk)
    assert connected
    sam, _ = await enter(ws, participant, room.pk)
    alex, _ = await enter(ws, volunteer, room.pk)

    await sam.send(type="send", body="I can't see a way through any more", client_id="s1")
    support, seen = await sam.receive_until("support")
    kinds = [frame["type"] for frame in seen]
    # Their own message first, then its ack, then the prompt: nothing is hidden
    # from the writer, and the prompt comes at once.
    assert kinds.index("message") < kinds.index("ack") < kinds.index("support")
    own = next(frame for frame in seen if frame["type"] == "message")
    assert own["body"] == "I can't see a way through any more" and not own.get("held")
    assert "you don't have to face them alone" in support["message"]
    assert "trained member of our team" in support["message"]
    assert [r["name"] for r in support["resources"]] == ["Night Line"]
    assert support["resources"][0]["tel"].startswith("tel:")

    alert_frame, alex_seen = await alex.receive_until("alert")
    assert alert_frame["level"] == "high" and alert_frame["held"] is False
    assert "Sam" in alert_frame["message"] and "safeguarding lead" in alert_frame["message"]
    # Other members get the message, not the alert.
    assert any(f["type"] == "message" and f["id"] == own["id"] for f in alex_seen)

    alert = await Alert.objects.select_related("person").aget(message_id=own["id"])
    assert (alert.source, alert.level, alert.categories) == (Source.MESSAGE, "high", ["suicide"])
    assert alert.person == participant and alert.room_id == room.pk
    assert alert.assigned_to_id == safeguarding_lead.pk and alert.about_someone_else is False

    frame = await lead.receive_json_from(timeout=3)
    assert (frame["type"], frame["id"], frame["level"]) == ("alert", alert.pk, "high")
    # The queue frame says that something changed, never what was written.
    assert "I can't see" not in str(frame)
    await lead.disconnect()


async def test_a_moderate_message_brings_the_prompt_but_no_alert(
    ws, room, participant, volunteer, settings
):
    settings.ROOMS_SCREENING_HOOK = HOOKS + "moderate_risk"
    sam, _ = await enter(ws, participant, room.pk)
    alex, _ = await enter(ws, volunteer, room.pk)
    await sam.send(type="send", body="had a rough night with old habits", client_id="s1")
    support, _ = await sam.receive_until("support")
    assert "trained member of our team" not in support["message"]
    frames = log_frames(await alex.drain())
    assert [f["type"] for f in frames] == ["message"]
    assert await Alert.objects.acount() == 0


async def test_an_ordinary_message_brings_no_prompt_and_no_alert(ws, room, participant, settings):
    settings.ROOMS_SCREENING_HOOK = HOOKS + "nothing_found"
    sam, _ = await enter(ws, participant, room.pk)
    await sam.send(type="send", body="good to see everyone", client_id="s1")
    await sam.receive_until("ack")
    assert "support" not in [f["type"] for f in await sam.drain()]
    assert await Alert.objects.acount() == 0


async def test_under_a_hold_policy_the_room_waits_for_a_facilitator_and_nothing_is_lost(
    ws, room, org, participant, second_member, volunteer, settings
):
    settings.ROOMS_SCREENING_HOOK = HOOKS + "high_risk"
    await SafetyPolicy.objects.aupdate_or_create(
        organisation=org, defaults={"hold_high_risk_messages": True}
    )
    sam, _ = await enter(ws, participant, room.pk)
    kit, _ = await enter(ws, second_member, room.pk)
    alex, _ = await enter(ws, volunteer, room.pk)

    await sam.send(type="send", body="pills saved up for tonight", client_id="s1")
    support, seen = await sam.receive_until("support")
    own = next(frame for frame in seen if frame["type"] == "message")
    # The writer sees their message, marked held, with why.
    assert own["body"] == "pills saved up for tonight" and own["held"] is True
    assert own["held_reason"]
    assert support["held"] is True

    # Another member learns only that the place in the log is taken.
    kit_frames = log_frames(await kit.drain())
    assert [f["type"] for f in kit_frames] == ["skip"]
    assert "pills" not in str(kit_frames)
    # The facilitator reads it in full, held, and is told why.
    alert_frame, alex_seen = await alex.receive_until("alert")
    held = next(f for f in alex_seen if f["type"] == "message")
    assert held["body"] == "pills saved up for tonight" and held["held"] is True
    assert alert_frame["held"] is True and "held back" in alert_frame["message"]
    alert = await Alert.objects.aget(message_id=own["id"])
    assert alert.message_held is True

    # The facilitator shows it; everyone's page puts it in its place.
    await alex.send(type="release", id=own["id"])
    notice, _ = await kit.receive_until("notice")
    assert notice["kind"] == "released" and notice["target"] == own["id"]
    assert notice["message"]["body"] == "pills saved up for tonight"
    stored = await Message.objects.aget(pk=own["id"])
    assert stored.held is False and stored.body == "pills saved up for tonight"
    assert await AlertEvent.objects.filter(alert=alert).aexists()


async def test_a_held_message_stays_out_of_other_members_history_until_shown(
    ws, room, org, participant, second_member, settings
):
    settings.ROOMS_SCREENING_HOOK = HOOKS + "high_risk"
    await SafetyPolicy.objects.aupdate_or_create(
        organisation=org, defaults={"hold_high_risk_messages": True}
    )
    sam, _ = await enter(ws, participant, room.pk)
    await sam.send(type="send", body="I have written my goodbye letters", client_id="s1")
    await sam.receive_until("support")
    kit = ws(second_member, room.pk)
    await kit.connect()
    page = await kit.receive()
    assert page["type"] == "history" and "goodbye letters" not in str(page)
    assert [m["type"] for m in page["messages"]][-1] == "skip"
    # ... but the writer's own history keeps it, marked held.
    again = ws(participant, room.pk)
    await again.connect()
    page = await again.receive()
    assert page["messages"][-1]["body"] == "I have written my goodbye letters"
    assert page["messages"][-1]["held"] is True


async def test_a_worry_about_someone_else_is_never_held_and_the_alert_says_so(
    ws, room, org, participant, second_member, settings
):
    settings.ROOMS_SCREENING_HOOK = HOOKS + "about_a_friend"
    await SafetyPolicy.objects.aupdate_or_create(
        organisation=org, defaults={"hold_high_risk_messages": True}
    )
    sam, _ = await enter(ws, participant, room.pk)
    kit, _ = await enter(ws, second_member, room.pk)
    await sam.send(type="send", body="my brother says he wants to end it", client_id="s1")
    support, _ = await sam.receive_until("support")
    assert "worried about someone" in support["message"]
    assert [f["type"] for f in log_frames(await kit.drain())] == ["message"]
    alert = await Alert.objects.aget()
    assert alert.about_someone_else is True and alert.message_held is False


async def test_when_screening_fails_the_message_is_delivered_and_a_human_is_told(
    ws, room, participant, second_member, safeguarding_lead, settings
):
    settings.ROOMS_SCREENING_HOOK = HOOKS + "broken"
    sam, _ = await enter(ws, participant, room.pk)
    kit, _ = await enter(ws, second_member, room.pk)
    await sam.send(type="send", body="can anyone hear me", client_id="s1")
    ack, _ = await sam.receive_until("ack")
    delivered = log_frames(await kit.drain())
    assert [(f["type"], f["body"]) for f in delivered] == [("message", "can anyone hear me")]
    alert = await Alert.objects.aget(message_id=ack["id"])
    assert alert.source == Source.SCREENING_FAILED
    assert alert.assigned_to_id == safeguarding_lead.pk


async def test_only_safeguarding_leads_hear_the_queue(
    org, volunteer, coordinator, safeguarding_lead, outsider
):
    for user in (volunteer, coordinator, outsider):
        communicator, connected, code = await queue_listener(user, org.pk)
        assert not connected and code == 4404
    communicator, connected, _ = await queue_listener(safeguarding_lead, org.pk)
    assert connected
    await communicator.disconnect()


async def test_the_real_engine_in_a_room(ws, room, participant, volunteer, settings):
    """End to end with the engine the platform ships: a plain statement of a
    plan raises an alert; a figure of speech does not."""
    settings.ROOMS_SCREENING_HOOK = "peercircle.safety.screen"
    sam, _ = await enter(ws, participant, room.pk)
    await sam.send(type="send", body="this job is killing me, honestly", client_id="s1")
    await sam.receive_until("ack")
    await sam.send(
        type="send", body="I've decided I'm going to kill myself tonight", client_id="s2"
    )
    ack, _ = await sam.receive_until("ack")
    await sam.receive_until("support")
    alerts = [a async for a in Alert.objects.all()]
    assert [a.message_id for a in alerts] == [ack["id"]]
    assert alerts[0].level == "imminent"
    assert any(item["rule"] for item in alerts[0].evidence)
