#!/usr/bin/env python
"""Live rooms under load: the real room consumer against a bare broadcast consumer.

A benchmark, not a test: it prints figures and checks the aims, and exits 0
whether they are met or not (1 only if a server could not be started or died).

1. Builds a fresh database: PostgreSQL (a database made for the run and dropped
   after; a SQLite file if PostgreSQL does not answer, and it says so) with one
   organisation, an online group with a session on now and its room for every
   room, and N members (2,000 by default), each enrolled in one room of 10 and
   one room of 50, each signed in (a Django session row, as ``login()`` leaves it).
2. For each room size, and for the real consumer (``/ws/rooms/<id>/``: session
   cookie, origin check, seat check, rate limit, store, screen, broadcast on
   commit) and the bare one (``/ws/bare/<room>/`` in bench/asgi_rooms_bench.py:
   group_send of the text, nothing else), starts a fresh uvicorn on
   bench/asgi_rooms_bench.py with the Redis pub/sub channel layer, opens the
   connections, and drives:
   - steady: 1,000 deliveries per second (100 sends/s in rooms of 10, 20 in
     rooms of 50), spread over every member in turn;
   - saturation: an offered rate far above what the server delivers, with at
     most ``--window`` messages in flight (a message is in flight until every
     member of its room has it), so that the server runs flat out without a
     queue that grows for ever.
   A delivery is one member receiving one message (the sender's own copy
   included); its latency runs from the sender's clock reading just before the
   frame is written (it travels in the body) to the moment the receiver has read
   it. Memory per connection is the servers' resident memory (VmRSS) after the
   connections opened, less before, over the connections held.
3. Prints a table, PASS/MISS per aim, and writes bench/results/rooms.json.

The load generator is a minimal WebSocket client on raw asyncio protocols
(uvloop), in this process: it shares the two cores with the server, Redis and
PostgreSQL, so it is kept lean (its share of a core is printed).

    .venv/bin/python bench/rooms.py                 # 2,000 connections (about 6 minutes on 2 cores)
    .venv/bin/python bench/rooms.py --quick         # 200 connections, short windows
    .venv/bin/python bench/rooms.py --workers 2     # two server processes
    .venv/bin/python bench/rooms.py --only real --sizes 10 --seconds 20

See docs/rooms.md ("Benchmark").
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from base64 import b64encode
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "rooms.json"
PG_DATABASE = "peercircle_bench_rooms"
ROOM_SIZES = (10, 50)
STEADY_DELIVERIES = 1000
AIM_CONNECTIONS = 2000
AIM_RATIO = 0.5
AIM_P99_MS = 100.0
DEFAULT_RATE_MESSAGES, DEFAULT_RATE_SECONDS, DEFAULT_FRAMES_PER_SECOND = 8, 10, 5

# --profile DIR: the server runs under cProfile (its event loop and every worker
# thread, timed by each thread's own CPU clock, so that waiting for the GIL or
# the database does not count) and counts SQL statements; both are written to
# DIR when it stops.
PROFILE_RUNNER = r"""
import atexit, collections, cProfile, io, os, pstats, sys, threading, time
import concurrent.futures.thread as pool_thread

out = os.environ["BENCH_PROFILE_DIR"]
tag = os.environ.get("BENCH_PROFILE_TAG", "server")
profiles = []
queries = collections.Counter()
query_seconds = collections.Counter()
original_worker = pool_thread._worker


def worker(*args, **kwargs):
    profile = cProfile.Profile(time.thread_time)
    profiles.append((threading.current_thread().name, profile))
    profile.enable()
    try:
        return original_worker(*args, **kwargs)
    finally:
        profile.disable()


pool_thread._worker = worker

from django.db.backends.signals import connection_created


def count(execute, sql, params, many, context):
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        key = " ".join(sql.split())[:110]
        queries[key] += 1
        query_seconds[key] += time.perf_counter() - started


def on_connection(sender, connection, **kwargs):
    connection.execute_wrappers.append(count)


connection_created.connect(on_connection)
main_profile = cProfile.Profile(time.thread_time)
profiles.append(("event loop", main_profile))


def dump(suffix=""):
    stats = None
    report = io.StringIO()
    for name, profile in profiles:
        try:
            one = pstats.Stats(profile, stream=report)
        except TypeError:  # nothing profiled in this thread
            continue
        if name == "event loop":
            report.write("=== event loop thread, by own time ===\n")
            one.sort_stats("tottime").print_stats(35)
        stats = one if stats is None else stats.add(one)
    if stats is not None:
        report.write("=== all threads, by own time ===\n")
        stats.sort_stats("tottime").print_stats(45)
        report.write("=== all threads, cumulative ===\n")
        stats.sort_stats("cumulative").print_stats(60)
        stats.dump_stats(os.path.join(out, f"{tag}-{os.getpid()}{suffix}.prof"))
    report.write("=== SQL statements: count, total ms, statement ===\n")
    for key, n in queries.most_common():
        report.write(f"{n:>8} {query_seconds[key] * 1000:>10.0f}  {key}\n")
    with open(os.path.join(out, f"{tag}-{os.getpid()}{suffix}.txt"), "w") as handle:
        handle.write(report.getvalue())


atexit.register(dump)
# uvicorn re-raises the signal that stopped it: exit normally, so that atexit runs.
import signal
signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))


def restart(signum, frame):
    # SIGUSR1: forget what was profiled so far (bench/rooms.py sends it before
    # the saturation mode, so that the profile is of that mode alone).
    for _, profile in profiles:
        profile.clear()
    queries.clear()
    query_seconds.clear()


signal.signal(signal.SIGUSR1, restart)
# SIGUSR2: write what was profiled since, as *-window.prof and *-window.txt.
signal.signal(signal.SIGUSR2, lambda signum, frame: dump("-window"))
from uvicorn.main import main

sys.argv[0] = "uvicorn"
main_profile.enable()
main()
"""


# --- environment -------------------------------------------------------------------


def raise_open_files(wanted: int) -> int:
    """Raise this process's (and so the servers') limit on open files."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(wanted, soft)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def postgres_answers(admin_url: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(admin_url, connect_timeout=3, autocommit=True):
            return True
    except Exception:  # noqa: BLE001 - any failure means "use SQLite"
        return False


def postgres_database(admin_url: str, name: str, *, create: bool) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')


def database_url_for(admin_url: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    return urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))


def redis_client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10)


def configure_environment(args: argparse.Namespace, data_dir: Path) -> dict[str, Any]:
    """Environment for this process and the servers. Returns it with notes."""
    prefix = f"bench-rooms-{secrets.token_hex(3)}"
    redis_url = f"{args.redis_url.rstrip('/')}/{args.redis_db}"
    env = {
        "DJANGO_SETTINGS_MODULE": "peercircle.config.settings",
        "PEERCIRCLE_DATA_DIR": str(data_dir),
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DEBUG": "0",
        "PEERCIRCLE_TESTING": "0",
        "LOG_LEVEL": "WARNING",
        "REDIS_URL": redis_url,
        "CHANNEL_PREFIX": prefix,
        "CACHE_KEY_PREFIX": prefix,
        "DATABASE_CONN_MAX_AGE": str(args.conn_max_age),
        "PYTHONPATH": os.pathsep.join(
            [str(ROOT), str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]
        ).rstrip(os.pathsep),
    }
    notes = []
    if args.sqlite or not postgres_answers(args.pg_url):
        if not args.sqlite:
            notes.append(f"PostgreSQL does not answer on {args.pg_url}: using a SQLite file.")
        env["SQLITE_PATH"] = str(data_dir / "bench.sqlite3")
        database = f"SQLite {env['SQLITE_PATH']}"
        os.environ.pop("DATABASE_URL", None)
    else:
        postgres_database(args.pg_url, PG_DATABASE, create=True)
        env["DATABASE_URL"] = database_url_for(args.pg_url, PG_DATABASE)
        database = f"PostgreSQL database {PG_DATABASE} (made for this run, dropped after)"
    # The per-person rate limit and per-connection frame budget, raised only if
    # the offered rates would otherwise be refused.
    per_client = max(
        args.offered / size / args.connections for size in args.sizes
    )  # sends per second per person, at most
    needed_messages = math.ceil(per_client * DEFAULT_RATE_SECONDS) + 1
    if needed_messages > DEFAULT_RATE_MESSAGES:
        env["ROOMS_RATE_MESSAGES"] = str(needed_messages)
        notes.append(
            f"Raised ROOMS_RATE_MESSAGES to {needed_messages} per {DEFAULT_RATE_SECONDS} s "
            f"(default {DEFAULT_RATE_MESSAGES}): saturation offers {per_client:.2f} "
            "sends/s per person."
        )
    if per_client * 2 > DEFAULT_FRAMES_PER_SECOND:
        frames = math.ceil(per_client * 2) + 1
        env["ROOMS_FRAMES_PER_SECOND"] = str(frames)
        notes.append(f"Raised ROOMS_FRAMES_PER_SECOND to {frames} (default 5).")
    for name in ("DATABASE_URL", "SQLITE_PATH", "ROOMS_RATE_MESSAGES", "ROOMS_FRAMES_PER_SECOND"):
        os.environ.pop(name, None)
    os.environ.update(env)
    for path in (str(ROOT / "src"), str(ROOT)):
        if path not in sys.path:
            sys.path.insert(0, path)
    return {"env": env, "notes": notes, "database": database, "redis_url": redis_url}


# --- data --------------------------------------------------------------------------


def build_data(*, connections: int, sizes: tuple[int, ...]) -> dict[str, Any]:
    """Migrate and fill the database. Returns each member's session key and the
    rooms per size, as lists of member indexes.

    Rows are made with bulk_create (set-up, not app logic) but hold what the
    services would write: active enrolments within capacity, a session on now,
    the session's room as ``room_for_session`` makes it.
    """
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session as WebSession
    from django.core.management import call_command
    from django.db import connections as db_connections
    from django.db import transaction
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from peercircle.accounts.models import User
    from peercircle.core.models import Membership, Organisation
    from peercircle.programmes.models import Enrolment, Group, Programme, Session
    from peercircle.rooms.models import Room, RoomKind

    call_command("migrate", verbosity=0, interactive=False)
    now = timezone.now()
    today = timezone.localdate()
    unusable = make_password(None)
    with transaction.atomic():
        org = Organisation.objects.create(
            name="Bench Peer Support", slug="bench", country="GB", timezone="Europe/London"
        )
        programme = Programme.objects.create(
            organisation=org,
            name="Online peer support",
            slug="online",
            focus="general",
            description="Peer support groups that meet online.",
        )
        users = User.objects.bulk_create(
            [
                User(username=f"bench-{i}", pseudonym=f"Member {i}", password=unusable)
                for i in range(connections)
            ],
            batch_size=2000,
        )
        Membership.objects.bulk_create(
            [Membership(user=u, organisation=org, role="participant") for u in users],
            batch_size=2000,
        )
        rooms: dict[int, list[dict[str, Any]]] = {}
        for size in sizes:
            count = connections // size
            groups = Group.objects.bulk_create(
                [
                    Group(
                        organisation=org,
                        programme=programme,
                        name=f"Online group of {size}, number {k}",
                        slug=f"g{size}-{k}",
                        delivery="online",
                        online_link="https://meet.example.org/bench",
                        capacity=size,
                        places_taken=size,
                        weekday=today.weekday(),
                        start_time=(now - timedelta(minutes=5)).time(),
                        duration_minutes=360,
                        start_date=today - timedelta(days=7),
                        listed=False,
                    )
                    for k in range(count)
                ]
            )
            sessions = Session.objects.bulk_create(
                [
                    Session(
                        group=g,
                        number=1,
                        starts_at=now - timedelta(minutes=5),
                        ends_at=now + timedelta(hours=6),
                    )
                    for g in groups
                ]
            )
            made = Room.objects.bulk_create(
                [
                    Room(organisation=org, kind=RoomKind.SESSION, group=g, session=s)
                    for g, s in zip(groups, sessions, strict=True)
                ]
            )
            Enrolment.objects.bulk_create(
                [
                    Enrolment(group=g, user=users[k * size + j], status="active", joined_at=now)
                    for k, g in enumerate(groups)
                    for j in range(size)
                ],
                batch_size=2000,
            )
            rooms[size] = [
                {
                    "id": room.pk,
                    "slug": f"s{size}-{k}",
                    "members": list(range(k * size, (k + 1) * size)),
                }
                for k, room in enumerate(made)
            ]
        # Signed in, as django.contrib.auth.login leaves the session.
        store = SessionStore()
        keys = [get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789") for _ in users]
        expire = now + timedelta(days=1)
        WebSession.objects.bulk_create(
            [
                WebSession(
                    session_key=key,
                    session_data=store.encode(
                        {
                            SESSION_KEY: str(user.pk),
                            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                            HASH_SESSION_KEY: user.get_session_auth_hash(),
                        }
                    ),
                    expire_date=expire,
                )
                for user, key in zip(users, keys, strict=True)
            ],
            batch_size=2000,
        )
    db_connections.close_all()
    return {
        "cookie_name": settings.SESSION_COOKIE_NAME,
        "session_keys": keys,
        "rooms": rooms,
        "counts": {
            "members": len(users),
            **{f"rooms of {size}": len(rooms[size]) for size in sizes},
        },
    }


# --- the server ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    env: dict[str, str],
    port: int,
    workers: int,
    ws: str,
    log_path: Path,
    profile: Path | None = None,
    tag: str = "server",
) -> subprocess.Popen:
    if profile is not None:
        profile.mkdir(parents=True, exist_ok=True)
        env = {**env, "BENCH_PROFILE_DIR": str(profile), "BENCH_PROFILE_TAG": tag}
        launcher = ["-c", PROFILE_RUNNER]
    else:
        launcher = ["-m", "uvicorn"]
    command = [
        sys.executable,
        *launcher,
        "bench.asgi_rooms_bench:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--ws",
        ws,
        "--ws-max-size",
        str(1 << 20),
        "--lifespan",
        "off",
        "--no-access-log",
        "--log-level",
        "warning",
        "--backlog",
        "4096",
    ]
    log = log_path.open("ab")
    return subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
    )


def wait_until_listening(server: subprocess.Popen, port: int, timeout: float = 60.0) -> bool:
    """uvicorn binds once the application has loaded (every worker, with --workers)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return False
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return True
        time.sleep(0.1)
    return False


def stop_server(server: subprocess.Popen, timeout: float = 15) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def process_tree(pid: int) -> list[int]:
    """pid and its descendants (uvicorn --workers N forks N children)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def rss_kib(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def service_pids(database: str) -> list[int]:
    """Redis, and PostgreSQL's own processes and its backends for ``database``:
    their CPU is part of the cost. (Other work on the same Redis counts too.)"""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                comm = (entry / "comm").read_text().strip()
                if comm == "postgres":
                    title = (entry / "cmdline").read_bytes().decode("latin-1")
                    # A client's backend is titled "postgres: user database host(port) ..."
                    backend = title.startswith("postgres: ") and "(" in title
                    if backend and f" {database} " not in title:
                        continue
                    found.append(int(entry.name))
                elif comm == "redis-server":
                    found.append(int(entry.name))
    return found


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    return {pid: cpu_seconds([pid]) for pid in pids}


def cpu_since(before: dict[int, float], pids: list[int]) -> float:
    """CPU used since ``before`` by the processes alive now (new ones from zero)."""
    return sum(max(0.0, cpu_seconds([pid]) - before.get(pid, 0.0)) for pid in pids)


def load_text() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


# --- the load generator ------------------------------------------------------------------


BODY_MARK = b'"body":"bench '
MESSAGE_FRAME = b'{"type":"message"'
BARE_FRAME = b'{"type":"send"'


class Client(asyncio.Protocol):
    """A WebSocket client that does only what the benchmark needs: the opening
    handshake, masked text frames out, unmasked frames in, pong, close."""

    def __init__(self, gen: Generator, index: int, room: int, request: bytes) -> None:
        self.gen = gen
        self.index = index
        self.room = room
        self.request = request
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.upgraded = False
        self.ready = asyncio.get_running_loop().create_future()
        self.open = False
        self.refused = ""
        self.seq = 0

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        was_open = self.open
        self.open = False
        if not self.ready.done():
            self.ready.set_result(False)
        if was_open:
            self.gen.lost(self)

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        if not self.upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if not buffer.startswith(b"HTTP/1.1 101"):
                self.refused = bytes(buffer[:40]).decode("latin-1")
                self.transport.close()
                return
            self.upgraded = True
            del buffer[: end + 4]
            if self.gen.target != "real":
                self._opened()
        pos, size = 0, len(buffer)
        while size - pos >= 2:
            length = buffer[pos + 1] & 0x7F
            head = 2
            if length == 126:
                if size - pos < 4:
                    break
                length = int.from_bytes(buffer[pos + 2 : pos + 4], "big")
                head = 4
            elif length == 127:
                if size - pos < 10:
                    break
                length = int.from_bytes(buffer[pos + 2 : pos + 10], "big")
                head = 10
            if size - pos < head + length:
                break
            opcode = buffer[pos] & 0x0F
            payload = bytes(buffer[pos + head : pos + head + length])
            pos += head + length
            if opcode == 1:
                self.gen.frame(self, payload)
            elif opcode == 9:
                self.send(payload, opcode=0xA)
            elif opcode == 8:
                self.send(payload[:2], opcode=0x8)
                self.transport.close()
        del buffer[:pos]

    def _opened(self) -> None:
        self.open = True
        if not self.ready.done():
            self.ready.set_result(True)

    def send(self, payload: bytes, opcode: int = 0x1) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        size = len(payload)
        if size < 126:
            head = bytes((0x80 | opcode, 0x80 | size))
        else:
            head = bytes((0x80 | opcode, 0xFE)) + size.to_bytes(2, "big")
        mask = os.urandom(4)
        key = int.from_bytes((mask * (size // 4 + 1))[:size], "big")
        masked = (int.from_bytes(payload, "big") ^ key).to_bytes(size, "big")
        self.transport.write(head + mask + masked)

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.send((1000).to_bytes(2, "big"), opcode=0x8)
            self.transport.close()


@dataclass
class Window:
    """What happened inside one measured window."""

    started: float = 0.0
    until: float = 0.0
    latencies: list[int] = field(default_factory=list)
    sends: int = 0
    errors: dict[str, int] = field(default_factory=dict)


class Generator:
    """Connections to one server for one target and room size, and the load on them."""

    def __init__(
        self, target: str, port: int, size: int, rooms: list[dict], data: dict[str, Any]
    ) -> None:
        self.target = target
        self.port = port
        self.size = size
        self.rooms = rooms
        self.data = data
        self.clients: list[Client] = []
        self.by_room: list[list[Client]] = []
        self.open_in_room: list[int] = []
        # (client index, seq) -> deliveries still expected
        self.in_flight: dict[bytes, list] = {}
        self.window: Window | None = None
        self.stray = 0
        self.duplicates = 0
        self.completed = 0
        self.lost_connections = 0
        self.refusals: dict[str, int] = {}
        # In every client_id, so that a later generator's messages are never taken
        # for repeats of an earlier one's (the server acknowledges those again).
        self.tag = secrets.token_hex(3)

    # -- connecting -------------------------------------------------------------------

    def request(self, path: str, cookie: str | None) -> bytes:
        key = b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: 127.0.0.1:{self.port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
            f"Origin: http://127.0.0.1:{self.port}",
        ]
        if cookie:
            lines.append(f"Cookie: {cookie}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")

    async def connect_all(self, *, batch: int = 50, timeout: float = 60.0) -> float:
        loop = asyncio.get_running_loop()
        cookie_name = self.data["cookie_name"]
        keys = self.data["session_keys"]
        started = time.perf_counter()
        plans = []
        for room_number, room in enumerate(self.rooms):
            self.by_room.append([])
            self.open_in_room.append(0)
            for member in room["members"]:
                if self.target == "real":
                    path = f"/ws/rooms/{room['id']}/"
                    cookie = f"{cookie_name}={keys[member]}"
                elif self.target == "direct":
                    path = f"/ws/bare-direct/{room['slug']}/"
                    cookie = None
                else:
                    path = f"/ws/bare/{room['slug']}/"
                    cookie = None
                plans.append((member, room_number, path, cookie))

        semaphore = asyncio.Semaphore(batch)

        async def one(member: int, room_number: int, path: str, cookie: str | None) -> None:
            async with semaphore:
                client = Client(self, member, room_number, self.request(path, cookie))
                try:
                    await asyncio.wait_for(
                        loop.create_connection(lambda: client, "127.0.0.1", self.port), timeout
                    )
                    ok = await asyncio.wait_for(asyncio.shield(client.ready), timeout)
                except (OSError, TimeoutError) as exc:
                    reason = type(exc).__name__
                    self.refusals[reason] = self.refusals.get(reason, 0) + 1
                    if client.transport is not None:
                        client.transport.close()
                    return
                if ok:
                    self.clients.append(client)
                    self.by_room[room_number].append(client)
                    self.open_in_room[room_number] += 1
                else:
                    reason = client.refused or "closed before welcome"
                    self.refusals[reason] = self.refusals.get(reason, 0) + 1

        await asyncio.gather(*(one(*plan) for plan in plans))
        # Interleave rooms, so that consecutive senders are in different rooms.
        self.clients.sort(key=lambda c: (c.index % self.size, c.room))
        return time.perf_counter() - started

    def lost(self, client: Client) -> None:
        self.lost_connections += 1
        self.open_in_room[client.room] -= 1

    def held(self) -> int:
        return sum(1 for c in self.clients if c.open)

    def close_all(self) -> None:
        for client in self.clients:
            client.close()

    # -- frames in ----------------------------------------------------------------------

    def frame(self, client: Client, payload: bytes) -> None:
        # A message: '{"type":"message",...,"body":"bench ..."' from the real
        # consumer, the frame as sent ('{"type":"send","body":"bench ...') from
        # the bare one. History pages at connect are not deliveries.
        if payload.startswith(MESSAGE_FRAME) or payload.startswith(BARE_FRAME):
            start = payload.find(BODY_MARK)
            if start < 0:
                return
            start += len(BODY_MARK)
            end = payload.find(b'"', start)
            ident, _, stamp = payload[start:end].rpartition(b" ")
            now = time.perf_counter_ns()
            window = self.window
            if window is not None and window.started <= now <= window.until:
                window.latencies.append(now - int(stamp))
            entry = self.in_flight.get(ident)
            if entry is None:
                self.stray += 1
                return
            if client.index in entry[1]:
                self.duplicates += 1
                return
            entry[1].add(client.index)
            entry[0] -= 1
            if entry[0] <= 0:
                del self.in_flight[ident]
                self.completed += 1
                if self.pump is not None:
                    self.pump()
            return
        if not client.open:
            if payload.startswith(b'{"type":"welcome"'):
                client._opened()
            elif payload.startswith(b'{"type":"error"'):
                client.refused = json.loads(payload).get("code", "error")
            return
        if payload.startswith(b'{"type":"error"'):
            frame = json.loads(payload)
            code = frame.get("code", "error")
            if self.window is not None:
                self.window.errors[code] = self.window.errors.get(code, 0) + 1
            client_id = frame.get("client_id")
            if client_id:
                _, index, seq = client_id.split("-")
                self.in_flight.pop(f"{index} {seq}".encode(), None)

    # -- frames out ----------------------------------------------------------------------

    pump = None

    async def drive(
        self, *, rate: float, window: int | None, warmup: float, seconds: float
    ) -> Window:
        """Send ``rate`` messages per second, in turn from every member, keeping at
        most ``window`` in flight; measure the ``seconds`` after ``warmup``."""
        clients = self.clients
        count = len(clients)
        clock = time.perf_counter
        begin = clock()
        measure_from = begin + warmup
        stop_at = measure_from + seconds
        result = Window(
            started=int(measure_from * 1e9), until=int(stop_at * 1e9), latencies=[], errors={}
        )
        self.window = result
        state = {"sent": 0, "next": 0}
        in_flight = self.in_flight
        template = '{"type":"send","body":"bench %d %d %d","client_id":"%s-%d-%d"}'

        def pump() -> None:
            now = clock()
            if now >= stop_at:
                return
            due = int((now - begin) * rate) - state["sent"]
            tries = 0
            while due > 0 and (window is None or len(in_flight) < window) and tries < count:
                client = clients[state["next"] % count]
                state["next"] += 1
                if not client.open:
                    tries += 1
                    continue
                tries = 0
                client.seq += 1
                ident = b"%d %d" % (client.index, client.seq)
                in_flight[ident] = [self.open_in_room[client.room], set()]
                stamp = time.perf_counter_ns()
                client.send(
                    (
                        template
                        % (client.index, client.seq, stamp, self.tag, client.index, client.seq)
                    ).encode()
                )
                state["sent"] += 1
                if measure_from <= now:
                    result.sends += 1
                due -= 1

        self.pump = pump
        try:
            while clock() < stop_at:
                pump()
                await asyncio.sleep(0.002)
        finally:
            self.pump = None
            self.window = None
        return result

    async def drain(self, timeout: float) -> int:
        """Wait until every message sent has reached every member, or the bound."""
        deadline = time.perf_counter() + timeout
        while self.in_flight and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        left = sum(entry[0] for entry in self.in_flight.values())
        if left and os.environ.get("BENCH_DEBUG"):
            for ident, entry in list(self.in_flight.items())[:10]:
                print("LEFT", ident, entry[0], sorted(entry[1]), file=sys.stderr)
        self.in_flight.clear()
        return left


# --- phases ---------------------------------------------------------------------------


@dataclass
class Run:
    target: str
    size: int
    mode: str
    connections: int
    held: int = 0
    offered_sends: float = 0.0
    window: int | None = None
    sends_per_s: float = 0.0
    delivered_per_s: float = 0.0
    p50_ms: float = float("nan")
    p90_ms: float = float("nan")
    p99_ms: float = float("nan")
    max_ms: float = float("nan")
    errors: dict[str, int] = field(default_factory=dict)
    undelivered: int = 0
    server_cpu: float = 0.0
    services_cpu: float = 0.0
    generator_cpu: float = 0.0


@dataclass
class Phase:
    target: str
    size: int
    connections: int
    held_after_connect: int = 0
    connect_seconds: float = 0.0
    refusals: dict[str, int] = field(default_factory=dict)
    rss_before_kib: int = 0
    rss_after_kib: int = 0
    kib_per_connection: float = float("nan")
    lost_connections: int = 0
    duplicates: int = 0
    stray: int = 0
    runs: list[Run] = field(default_factory=list)


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    rank = max(0, min(len(values) - 1, round(pct / 100 * len(values) + 0.5) - 1))
    return values[rank]


async def wait_quiet(pids: list[int], *, bound: float = 30.0, below: float = 0.05) -> None:
    """Until the servers use under ``below`` of a core over 0.5 s, or the bound."""
    deadline = time.perf_counter() + bound
    last = cpu_seconds(pids)
    while time.perf_counter() < deadline:
        await asyncio.sleep(0.5)
        now = cpu_seconds(pids)
        if (now - last) / 0.5 < below:
            return
        last = now


async def run_phase(
    *,
    target: str,
    size: int,
    port: int,
    server_pid: int,
    data: dict[str, Any],
    args: argparse.Namespace,
) -> Phase:
    rooms = data["rooms"][size]
    connections = sum(len(r["members"]) for r in rooms)
    phase = Phase(target=target, size=size, connections=connections)

    # Warm up: a few connections and messages, so that what loads on first use
    # (Redis and database connections, code paths) is in the "before" figure.
    pids = process_tree(server_pid)
    warm = Generator(target, port, size, rooms[:2], data)
    await warm.connect_all()
    await warm.drive(rate=20, window=None, warmup=0.0, seconds=1.0)
    await warm.drain(5)
    warm.close_all()
    await wait_quiet(pids)
    phase.rss_before_kib = rss_kib(pids)

    gen = Generator(target, port, size, rooms, data)
    phase.connect_seconds = round(await gen.connect_all(), 1)
    phase.refusals = gen.refusals
    await wait_quiet(pids)
    phase.held_after_connect = gen.held()
    phase.rss_after_kib = rss_kib(pids)
    if phase.held_after_connect:
        phase.kib_per_connection = round(
            (phase.rss_after_kib - phase.rss_before_kib) / phase.held_after_connect, 1
        )

    modes = [
        ("steady", STEADY_DELIVERIES / size, None),
        (
            "saturation",
            (args.offered if target == "real" else args.offered_bare) / size,
            args.window,
        ),
    ]
    for mode, rate, window in modes:
        if args.profile and mode == "saturation":
            for pid in pids:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGUSR1)
        database = os.environ.get("DATABASE_URL", "").rsplit("/", 1)[-1] or "-"
        services_before = cpu_by_pid(service_pids(database))
        server_cpu = cpu_seconds(pids)
        generator_cpu, wall = time.process_time(), time.perf_counter()
        result = await gen.drive(rate=rate, window=window, warmup=args.warmup, seconds=args.seconds)
        if args.profile and mode == "saturation":
            for pid in pids:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGUSR2)
        wall = time.perf_counter() - wall
        run = Run(target=target, size=size, mode=mode, connections=connections)
        run.server_cpu = round((cpu_seconds(pids) - server_cpu) / wall, 2)
        run.services_cpu = round(cpu_since(services_before, service_pids(database)) / wall, 2)
        run.generator_cpu = round((time.process_time() - generator_cpu) / wall, 2)
        run.undelivered = await gen.drain(args.seconds + 10)
        latencies = sorted(result.latencies)
        run.held = gen.held()
        run.offered_sends = round(rate, 1)
        run.window = window
        run.sends_per_s = round(result.sends / args.seconds, 1)
        run.delivered_per_s = round(len(latencies) / args.seconds, 1)
        if latencies:
            run.p50_ms = round(percentile(latencies, 50) / 1e6, 2)
            run.p90_ms = round(percentile(latencies, 90) / 1e6, 2)
            run.p99_ms = round(percentile(latencies, 99) / 1e6, 2)
            run.max_ms = round(latencies[-1] / 1e6, 2)
        run.errors = result.errors
        phase.runs.append(run)
        print_run(run)
        await wait_quiet(pids, bound=args.seconds + 10)

    phase.lost_connections = gen.lost_connections
    phase.duplicates = gen.duplicates
    phase.stray = gen.stray
    gen.close_all()
    await asyncio.sleep(0.5)
    return phase


# --- report -------------------------------------------------------------------------------


RUN_COLUMNS = [
    ("target", "<6", lambda r: r.target),
    ("room", ">4", lambda r: r.size),
    ("mode", "<10", lambda r: r.mode),
    ("held", ">9", lambda r: f"{r.held}/{r.connections}"),
    ("offer/s", ">8", lambda r: f"{r.offered_sends:.0f}"),
    ("sends/s", ">8", lambda r: f"{r.sends_per_s:.1f}"),
    ("deliv/s", ">8", lambda r: f"{r.delivered_per_s:.0f}"),
    ("p50 ms", ">8", lambda r: f"{r.p50_ms:.1f}"),
    ("p99 ms", ">8", lambda r: f"{r.p99_ms:.1f}"),
    ("max ms", ">8", lambda r: f"{r.max_ms:.0f}"),
    ("undeliv", ">7", lambda r: r.undelivered),
    ("srv cpu", ">7", lambda r: f"{r.server_cpu:.2f}"),
    ("pg+redis", ">8", lambda r: f"{r.services_cpu:.2f}"),
    ("gen cpu", ">7", lambda r: f"{r.generator_cpu:.2f}"),
]


def run_header() -> str:
    return " ".join(f"{title:{align}}" for title, align, _ in RUN_COLUMNS)


def print_run(run: Run) -> None:
    print(" ".join(f"{str(value(run)):{align}}" for _, align, value in RUN_COLUMNS), flush=True)
    if run.errors:
        print(f"{'':<22} errors: {run.errors}", flush=True)
    if run.mode == "saturation" and run.sends_per_s >= 0.95 * run.offered_sends:
        print(f"{'':<22} (not saturated: the server kept up with the offered rate)", flush=True)


def check_aims(phases: list[Phase], args: argparse.Namespace) -> list[dict[str, Any]]:
    runs = [r for p in phases for r in p.runs]
    real = [p for p in phases if p.target == "real"]
    aims = []
    full_size = args.connections >= AIM_CONNECTIONS
    aims.append(
        {
            "aim": f"{AIM_CONNECTIONS:,} concurrent connections held (real consumer)",
            "figures": {
                f"rooms of {p.size}": min([p.held_after_connect] + [r.held for r in p.runs])
                for p in real
            },
            "met": full_size
            and bool(real)
            and all(
                min([p.held_after_connect] + [r.held for r in p.runs]) >= AIM_CONNECTIONS
                for p in real
            ),
            "judged": full_size and bool(real),
            "why_not": "" if full_size else f"this run opened {args.connections:,}",
        }
    )
    ratios = {}
    for size in args.sizes:
        got = {
            r.target: r.delivered_per_s for r in runs if r.size == size and r.mode == "saturation"
        }
        if got.get("real") is not None and got.get("bare"):
            ratios[f"rooms of {size}"] = round(got["real"] / got["bare"], 3)
    aims.append(
        {
            "aim": f"real >= {AIM_RATIO:.0%} of the bare consumer's delivered rate at saturation",
            "figures": ratios,
            "met": bool(ratios) and all(v >= AIM_RATIO for v in ratios.values()),
            "judged": bool(ratios),
            "why_not": "" if ratios else "needs both targets",
        }
    )
    steady = {
        f"rooms of {r.size}": r.p99_ms for r in runs if r.target == "real" and r.mode == "steady"
    }
    aims.append(
        {
            "aim": f"real p99 < {AIM_P99_MS:.0f} ms at {STEADY_DELIVERIES:,} deliveries/s",
            "figures": steady,
            "met": bool(steady) and all(v < AIM_P99_MS for v in steady.values()),
            "judged": bool(steady),
            "why_not": "" if steady else "the real consumer was not run",
        }
    )
    return aims


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=2000, help="members connected at once")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per mode")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds before each")
    parser.add_argument(
        "--offered",
        type=float,
        default=12000.0,
        help="deliveries per second offered to the real consumer in the saturation mode "
        "(default 12,000: far above what it delivers, within the default rate limit)",
    )
    parser.add_argument(
        "--offered-bare",
        type=float,
        default=40000.0,
        help="the same for the bare consumers, which have no rate limit (default 40,000)",
    )
    parser.add_argument(
        "--window", type=int, default=100, help="messages in flight at most, in saturation"
    )
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument(
        "--ws",
        default="websockets-sansio",
        choices=["websockets-sansio", "websockets"],
        help="uvicorn's WebSocket implementation (default: what `peercircle run` gets)",
    )
    parser.add_argument(
        "--sizes", default="10,50", help="room sizes, comma-separated (default 10,50)"
    )
    parser.add_argument(
        "--targets",
        default="bare,real",
        help="comma-separated: bare, real, and direct (the bare consumer without "
        "Channels' per-event database housekeeping); default bare,real",
    )
    parser.add_argument("--only", choices=["real", "bare", "direct"], help="one target only")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=600,
        help="DATABASE_CONN_MAX_AGE for the servers (default 600: there is no pooler here, "
        "and no reconnects in the middle of a measurement)",
    )
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--sqlite", action="store_true", help="use a SQLite file, not PostgreSQL")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379")
    parser.add_argument(
        "--redis-db", type=int, default=13, help="Redis database for the run (flushed after)"
    )
    parser.add_argument("--quick", action="store_true", help="200 connections, 2 s windows")
    parser.add_argument("--keep", action="store_true", help="keep the server logs and database")
    parser.add_argument(
        "--profile",
        type=Path,
        help="run the servers under cProfile (all threads) and count SQL; write to this folder",
    )
    args = parser.parse_args(argv)
    args.sizes = tuple(int(s) for s in args.sizes.split(",") if s.strip())
    if args.quick:
        args.connections = min(args.connections, 200)
        args.seconds = min(args.seconds, 2.0)
        args.warmup = min(args.warmup, 1.0)
        args.offered = min(args.offered, 6000.0)
        args.offered_bare = min(args.offered_bare, 6000.0)
    if any(args.connections < size for size in args.sizes):
        parser.error("--connections must be at least the largest room size")

    files = raise_open_files(args.connections * 2 * max(1, args.workers) + 512)
    data_dir = Path(tempfile.mkdtemp(prefix="peercircle-bench-rooms-"))
    redis = redis_client(f"{args.redis_url.rstrip('/')}/{args.redis_db}")
    try:
        redis_empty = redis.dbsize() == 0
    except Exception as exc:  # noqa: BLE001
        print(f"Redis does not answer on {args.redis_url}: {exc}", file=sys.stderr)
        return 1
    setup = configure_environment(args, data_dir)
    env = setup["env"]
    print(f"Database: {setup['database']}")
    print(f"Redis: {setup['redis_url']}, channel prefix {env['CHANNEL_PREFIX']}")
    print(f"Open files allowed: {files:,}; DATABASE_CONN_MAX_AGE={args.conn_max_age}")
    for note in setup["notes"]:
        print(note)
    failed = False
    phases: list[Phase] = []
    t0 = time.perf_counter()
    try:
        data = build_data(connections=args.connections, sizes=args.sizes)
        print(
            f"Built in {time.perf_counter() - t0:.1f} s: "
            + ", ".join(f"{v:,} {k}" for k, v in data["counts"].items())
        )
        targets = [args.only] if args.only else [t.strip() for t in args.targets.split(",")]
        print(
            f"\nuvicorn --workers {args.workers} --ws {args.ws} --loop uvloop; "
            "Redis pub/sub layer; "
            f"{args.warmup:g} s warm-up + {args.seconds:g} s per mode; steady "
            f"{STEADY_DELIVERIES:,} deliveries/s; saturation offers {args.offered:,.0f} "
            f"deliveries/s to the real consumer, {args.offered_bare:,.0f} to the bare ones, "
            f"with at most {args.window} messages in flight; load average {load_text()}\n"
        )
        print(run_header())
        print("-" * len(run_header()))
        try:
            import uvloop

            runner = uvloop.run
        except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
            runner = asyncio.run
        for size in args.sizes:
            for target in targets:
                port = free_port()
                log_path = data_dir / f"uvicorn-{target}-{size}.log"
                server = start_server(
                    env,
                    port,
                    args.workers,
                    args.ws,
                    log_path,
                    profile=args.profile,
                    tag=f"{target}-{size}",
                )
                try:
                    if not wait_until_listening(server, port):
                        print(f"\nThe server did not start. Its log ({log_path}):", file=sys.stderr)
                        print(log_path.read_text(errors="replace")[-4000:], file=sys.stderr)
                        failed = True
                        break
                    phase = runner(
                        run_phase(
                            target=target,
                            size=size,
                            port=port,
                            server_pid=server.pid,
                            data=data,
                            args=args,
                        )
                    )
                    phases.append(phase)
                    if server.poll() is not None:
                        failed = True
                        print(f"The server exited (code {server.returncode}).", file=sys.stderr)
                finally:
                    # A profiled server writes its profile as it stops.
                    stop_server(server, timeout=120 if args.profile else 15)
            if failed:
                break
    finally:
        from django.db import connections as db_connections

        with contextlib.suppress(Exception):
            db_connections.close_all()
        if "DATABASE_URL" in env and not args.keep:
            with contextlib.suppress(Exception):
                postgres_database(args.pg_url, PG_DATABASE, create=False)
        with contextlib.suppress(Exception):
            if redis_empty:
                redis.flushdb()
            else:
                for key in redis.scan_iter(match=f"{env['CHANNEL_PREFIX']}*", count=1000):
                    redis.delete(key)

    if phases:
        print("\nAll runs:")
        print(run_header())
        print("-" * len(run_header()))
        for phase in phases:
            for run in phase.runs:
                print_run(run)
    print("\nConnections and memory (servers' VmRSS, summed over uvicorn processes):")
    print(
        f"{'target':<6} {'room':>4} {'held':>9} {'connect s':>9} {'RSS before':>11} "
        f"{'RSS after':>10} {'KiB/conn':>9} {'lost':>5} {'dupes':>6}"
    )
    for p in phases:
        print(
            f"{p.target:<6} {p.size:>4} {f'{p.held_after_connect}/{p.connections}':>9} "
            f"{p.connect_seconds:>9.1f} {p.rss_before_kib / 1024:>9.1f} M "
            f"{p.rss_after_kib / 1024:>8.1f} M {p.kib_per_connection:>9.1f} "
            f"{p.lost_connections:>5} {p.duplicates:>6}"
        )
        if p.refusals:
            print(f"{'':<12} refused: {p.refusals}")

    aims = check_aims(phases, args)
    print()
    for size in args.sizes:
        got = {
            r.target: r for p in phases for r in p.runs if r.size == size and r.mode == "saturation"
        }
        for base in ("bare", "direct"):
            if "real" in got and base in got and got[base].delivered_per_s:
                print(
                    f"rooms of {size}: real/{base} delivered at saturation = "
                    f"{got['real'].delivered_per_s:,.0f} / {got[base].delivered_per_s:,.0f} = "
                    f"{got['real'].delivered_per_s / got[base].delivered_per_s:.2f}"
                )
    for aim in aims:
        verdict = ("PASS" if aim["met"] else "MISS") if aim["judged"] else "NOT JUDGED"
        figures = ", ".join(f"{k}: {v}" for k, v in aim["figures"].items())
        why = f" ({aim['why_not']})" if aim["why_not"] else ""
        print(f"{verdict:<10} {aim['aim']}  [{figures}]{why}")
    if any(r.generator_cpu > 0.8 for p in phases for r in p.runs):
        print(
            "Note: the load generator used over 80% of a core in some runs; "
            "figures there may be limited by it."
        )

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "rooms",
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": {
                    "platform": platform.platform(),
                    "python": platform.python_version(),
                    "cpus": os.cpu_count(),
                    "load_average_at_end": load_text(),
                },
                "options": {
                    k: v for k, v in vars(args).items() if k not in ("pg_url", "redis_url")
                },
                "database": setup["database"],
                "notes": setup["notes"],
                "phases": [asdict(p) for p in phases],
                "aims": aims,
            },
            indent=2,
            default=str,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"\nWrote {RESULTS.relative_to(ROOT)}")
    if args.keep:
        print(f"Kept {data_dir}")
    else:
        shutil.rmtree(data_dir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
