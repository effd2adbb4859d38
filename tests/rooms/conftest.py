"""Rooms fixtures: an online group with a session on now, its members, and a
WebSocket client that speaks to the consumer with a signed-in user."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from channels.routing import URLRouter
from channels.testing.websocket import WebsocketCommunicator
from django.utils import timezone

from peercircle.config.routing import websocket_urlpatterns
from peercircle.programmes.models import Session
from peercircle.programmes.services import enrolment_join, group_create
from peercircle.rooms.services import room_for_session
from tests.conftest import member_with_consent
from tests.factories import next_weekday


@pytest.fixture
def online_group(programme, coordinator, volunteer):
    # It meets two days from now, so its next session falls within the week
    # "My rooms" looks ahead, whatever day the suite runs on.
    in_two_days = (timezone.localdate().weekday() + 2) % 7
    return group_create(
        actor=coordinator,
        programme=programme,
        facilitator_ids=[volunteer.pk],
        name="Online Men's Group",
        description="We meet online.",
        delivery="online",
        capacity=10,
        weekday=in_two_days,
        start_time=dt.time(19, 0),
        start_date=next_weekday(in_two_days),
    )


@pytest.fixture
def live_session(online_group):
    now = timezone.now()
    return Session.objects.create(
        group=online_group,
        number=90,
        starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(minutes=85),
    )


@pytest.fixture
def room(live_session, participant, online_group):
    enrolment_join(user=participant, group=online_group)
    return room_for_session(session=live_session)


@pytest.fixture
def second_member(org, online_group):
    user = member_with_consent(
        org, pseudonym="Kit", context={"gender": "man", "year_of_birth": 1990}
    )
    enrolment_join(user=user, group=online_group)
    return user


class Client:
    """A WebSocket client of the room consumer, signed in as ``user``."""

    def __init__(self, user, room_id, query=""):
        path = f"/ws/rooms/{room_id}/" + (f"?{query}" if query else "")
        self.communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), path)
        self.communicator.scope["user"] = user

    async def connect(self):
        connected, _ = await self.communicator.connect()
        assert connected
        return await self.receive()

    async def send(self, **frame):
        await self.communicator.send_to(text_data=json.dumps(frame))

    async def send_raw(self, text):
        await self.communicator.send_to(text_data=text)

    async def receive(self, timeout=3):
        return json.loads(await self.communicator.receive_from(timeout=timeout))

    async def receive_until(self, kind, timeout=3):
        seen = []
        while True:
            frame = await self.receive(timeout)
            seen.append(frame)
            if frame["type"] == kind:
                return frame, seen

    async def drain(self, timeout=0.3):
        """Every frame that arrives until the line is quiet for ``timeout``."""
        frames = []
        while not await self.communicator.receive_nothing(timeout=timeout):
            frames.append(await self.receive())
        return frames

    async def nothing(self, timeout=0.3):
        return await self.communicator.receive_nothing(timeout=timeout)

    async def output(self, timeout=3):
        return await self.communicator.receive_output(timeout=timeout)

    async def close(self):
        await self.communicator.disconnect()


@pytest.fixture
def ws():
    clients = []

    def make(user, room_id, query=""):
        client = Client(user, room_id, query)
        clients.append(client)
        return client

    yield make
