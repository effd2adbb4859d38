"""Live rooms across two real server processes on Redis.

Two uvicorn processes serve ``peercircle.config.asgi`` with the Redis pub/sub
channel layer and one SQLite file between them (WAL mode lets both read and
write it). A person connected to one process must hear what a person connected
to the other says, and see them arrive. Nothing here is faked: the database is
migrated by ``peercircle migrate`` and seeded by a script, each in its own
process; the people sign in with a session cookie and an Origin header, as a
browser does.

Skipped unless Redis answers on ``REDIS_URL`` (or, with it unset,
``PEERCIRCLE_TEST_REDIS_URL`` or redis://127.0.0.1:6379/0). The channel and
cache prefixes get a random suffix, so parallel workers and other runs on the
same Redis never hear each other. PostgreSQL is never needed. See docs/rooms.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 60
# A bound on waiting for each frame, not a speed check: the first message
# through a fresh server process loads the screening rules, which on a busy
# two-core machine has taken more than 10 s.
FRAME_SECONDS = 30

SEED_SCRIPT = r"""
import json
from datetime import time, timedelta

import django

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from peercircle.accounts.consent import Purpose
from peercircle.accounts.models import User
from peercircle.accounts.services import consent_give
from peercircle.core.models import Membership, Organisation
from peercircle.programmes.models import Session
from peercircle.programmes.services import enrolment_join, group_create, programme_create
from peercircle.rooms.services import room_for_session

org = Organisation.objects.create(name="Riverside Peer Support", slug="riverside", country="GB")
coordinator = User.objects.create_user(username="jo", pseudonym="Jo", password=None)
Membership.objects.create(user=coordinator, organisation=org, role="coordinator")
programme = programme_create(
    actor=coordinator,
    organisation=org,
    name="Peer Support Online",
    focus="general",
    description="Peer support, online.",
)
group = group_create(
    actor=coordinator,
    programme=programme,
    name="Thursday Online Group",
    description="We meet online.",
    delivery="online",
    capacity=10,
    weekday=3,
    start_time=time(19, 0),
    start_date=timezone.localdate() + timedelta(days=7),
)
now = timezone.now()
session = Session.objects.create(
    group=group,
    number=90,
    starts_at=now - timedelta(minutes=5),
    ends_at=now + timedelta(minutes=85),
)
people = {}
for username, pseudonym in (("sam", "Sam"), ("kit", "Kit")):
    user = User.objects.create_user(username=username, pseudonym=pseudonym, password=None)
    Membership.objects.create(user=user, organisation=org, role="participant")
    consent_give(user=user, organisation=org, purpose=Purpose.SERVICE)
    enrolment_join(user=user, group=group)
    # Signed in, as django.contrib.auth.login leaves the session.
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    people[pseudonym] = store.session_key
room = room_for_session(session=session)
print(json.dumps({"room": room.pk, "sessions": people}))
"""


# --- Redis --------------------------------------------------------------------------


def _redis_url() -> str:
    return (
        os.environ.get("REDIS_URL")
        or os.environ.get("PEERCIRCLE_TEST_REDIS_URL")
        or "redis://127.0.0.1:6379/0"
    )


def _redis_answers(url: str) -> bool:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


# --- the servers ----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(env: dict[str, str], args: list[str], what: str) -> str:
    done = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    if done.returncode != 0:
        pytest.fail(f"{what} failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _wait_until_listening(server: subprocess.Popen, port: int, log: Path) -> None:
    """Poll until the port accepts connections (uvicorn binds after loading the
    application), the process dies, or the bound runs out."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"uvicorn on port {port} exited early:\n{log.read_text()[-4000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    pytest.fail(f"uvicorn on port {port} was not listening after {STARTUP_SECONDS} s")


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Two uvicorn processes on one SQLite file and one Redis, and two signed-in people."""
    redis_url = _redis_url()
    if not _redis_answers(redis_url):
        pytest.skip(f"Redis does not answer on {redis_url}: the multi-process room tests need it")
    tmp = tmp_path_factory.mktemp("multiprocess")
    # Workers of a parallel run each have their own prefix (tests/env.py); the
    # random suffix keeps two runs on the same Redis apart as well.
    prefix = f"{os.environ.get('CHANNEL_PREFIX', 'peercircle')}-mp-{secrets.token_hex(4)}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "peercircle.config.settings",
        "PEERCIRCLE_DATA_DIR": str(tmp),
        "SQLITE_PATH": str(tmp / "shared.sqlite3"),
        "SECRET_KEY": secrets.token_urlsafe(48),
        "REDIS_URL": redis_url,
        "CHANNEL_PREFIX": prefix,
        "CACHE_KEY_PREFIX": prefix,
        "DEBUG": "0",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }
    env.pop("DATABASE_URL", None)
    _run(env, ["-m", "peercircle.cli", "migrate"], "peercircle migrate")
    seeded = json.loads(_run(env, ["-c", SEED_SCRIPT], "the seed script").strip().splitlines()[-1])

    servers: list[tuple[subprocess.Popen, int, Path]] = []
    try:
        for number in (1, 2):
            port = _free_port()
            log = tmp / f"uvicorn-{number}.log"
            with log.open("wb") as out:
                server = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "uvicorn",
                        "peercircle.config.asgi:application",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(port),
                        "--lifespan",
                        "off",
                        "--no-access-log",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            servers.append((server, port, log))
        for server, port, log in servers:
            _wait_until_listening(server, port, log)
        yield {
            "room": seeded["room"],
            "sessions": seeded["sessions"],
            "ports": [port for _, port, _ in servers],
            "logs": [log for _, _, log in servers],
        }
    finally:
        for server, _, _ in servers:
            _stop(server)
        _forget_cache_keys(redis_url, prefix)


def _forget_cache_keys(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=5)
    with contextlib.suppress(redis.RedisError, OSError):
        keys = list(client.scan_iter(match=f"{prefix}:*", count=500))
        if keys:
            client.delete(*keys)
    client.close()


# --- a browser's socket ----------------------------------------------------------------


class Person:
    """One WebSocket connection to one server process, signed in by cookie."""

    def __init__(self, cluster: dict, name: str, process: int) -> None:
        self.port = cluster["ports"][process]
        self.url = f"ws://127.0.0.1:{self.port}/ws/rooms/{cluster['room']}/"
        self.cookie = f"sessionid={cluster['sessions'][name]}"
        self.log = cluster["logs"][process]
        self.socket = None

    async def connect(self) -> dict:
        from websockets.asyncio.client import connect

        self.socket = await connect(
            self.url,
            origin=f"http://127.0.0.1:{self.port}",
            additional_headers={"Cookie": self.cookie},
            open_timeout=FRAME_SECONDS,
        )
        welcome = await self.until("welcome")
        return welcome

    async def send(self, **frame) -> None:
        await self.socket.send(json.dumps(frame))

    async def until(self, kind: str, wanted=lambda frame: True) -> dict:
        """The next frame of ``kind`` that ``wanted`` accepts, within the bound."""
        deadline = time.monotonic() + FRAME_SECONDS
        seen = []
        while True:
            left = deadline - time.monotonic()
            try:
                frame = json.loads(await asyncio.wait_for(self.socket.recv(), max(0.01, left)))
            except TimeoutError:
                pytest.fail(
                    f"no matching {kind} frame within {FRAME_SECONDS} s on port {self.port}; "
                    f"saw {seen}\nserver log:\n{self.log.read_text()[-3000:]}"
                )
            seen.append(frame)
            if frame.get("type") == kind and wanted(frame):
                return frame

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()


@contextlib.asynccontextmanager
async def people(*pairs: Person):
    try:
        yield pairs
    finally:
        for person in pairs:
            with contextlib.suppress(Exception):
                await person.close()


# --- the test -------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_two_processes_share_a_room_through_redis(cluster):
    """One test, so that a parallel run starts the two servers once."""
    async with people(Person(cluster, "Sam", 0), Person(cluster, "Kit", 1)) as (sam, kit):
        sam_welcome = await sam.connect()
        kit_welcome = await kit.connect()
        sam_member, kit_member = sam_welcome["me"]["member"], kit_welcome["me"]["member"]

        # Kit's process read Sam's presence from the shared database ...
        assert {"member": sam_member, "name": "Sam"} in kit_welcome["present"]
        # ... and Sam's process heard Kit arrive through Redis.
        joined = await sam.until("presence", lambda f: f.get("joined", {}).get("name") == "Kit")
        assert joined["joined"]["member"] == kit_member

        # A message sent on the first process: acknowledged there, heard on the second.
        client_id = f"mp-{secrets.token_hex(4)}"
        body = f"Hello from the first process ({client_id})"
        await sam.send(type="send", body=body, client_id=client_id)
        ack = await sam.until("ack", lambda f: f["client_id"] == client_id)
        heard = await kit.until("message", lambda f: f["id"] == ack["id"])
        assert heard["body"] == body
        assert heard["seq"] == ack["seq"]
        assert heard["author"] == "Sam"
        assert heard["member"] == sam_member

        # And back the other way.
        reply_id = f"mp-{secrets.token_hex(4)}"
        await kit.send(type="send", body="Hello back", client_id=reply_id)
        reply_ack = await kit.until("ack", lambda f: f["client_id"] == reply_id)
        reply = await sam.until("message", lambda f: f["id"] == reply_ack["id"])
        assert reply["body"] == "Hello back"
        assert reply["author"] == "Kit"
        assert reply["seq"] == ack["seq"] + 1

        # Kit leaves the second process; the first hears it.
        await kit.close()
        left = await sam.until("presence", lambda f: "left" in f)
        assert left == {"type": "presence", "left": kit_member}
