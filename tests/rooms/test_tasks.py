"""The live rooms' periodic task: forgetting connections of a server process
that stopped without closing them, and its place in ``peercircle run``."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import default_task_backend

from peercircle.cli import Housekeeper
from peercircle.rooms.models import PRESENCE_STALE_SECONDS, Presence, RoomMember
from peercircle.rooms.tasks import rooms_presence_sweep


def _presence(room, user, channel, seen_seconds_ago):
    member, _ = RoomMember.objects.get_or_create(room=room, user=user)
    return Presence.objects.create(
        room=room,
        member=member,
        channel_name=channel,
        seen_at=timezone.now() - dt.timedelta(seconds=seen_seconds_ago),
    )


def test_the_sweep_forgets_only_connections_not_seen_for_a_while(room, participant, volunteer):
    _presence(room, participant, "dead-process.1", PRESENCE_STALE_SECONDS + 60)
    _presence(room, volunteer, "alive.1", 5)
    assert rooms_presence_sweep.call() == {"connections_forgotten": 1}
    assert list(Presence.objects.values_list("channel_name", flat=True)) == ["alive.1"]
    assert rooms_presence_sweep.call() == {"connections_forgotten": 0}


def test_the_housekeeper_enqueues_the_sweep(settings, transactional_db):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    Housekeeper(start_worker=False).enqueue_sweep()
    assert [r.task.name for r in default_task_backend.results] == ["rooms_presence_sweep"]
