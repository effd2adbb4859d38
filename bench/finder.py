#!/usr/bin/env python
"""Throughput and latency of the public group finder (and the coordinator's dashboard).

A benchmark, not a test: it prints figures and checks two aims, and exits 0
whether they are met or not (1 only if the server could not be started or died).

1. Builds a fresh SQLite database in a temporary directory: 20 organisations,
   10,000 groups over Great Britain with their sessions, members, enrolments,
   and, for one organisation of ~200 groups, ~3,000 members with ~20 past
   sessions of registers per group and a signed-in coordinator.
2. Times ``finder_search`` in process (the selector alone, per query shape).
3. Starts one uvicorn worker on bench/asgi_bench.py and drives each endpoint with
   a closed-loop keep-alive HTTP/1.1 load generator (raw asyncio sockets, so the
   client costs far less CPU than the server) at 10 and 50 concurrent clients.
   ``/__bare`` is a Django view that returns "ok" through the full middleware
   stack: the baseline for every ratio.

    .venv/bin/python bench/finder.py                # full run (~3 minutes on 2 cores)
    .venv/bin/python bench/finder.py --quick        # 2,000 groups, short runs
    .venv/bin/python bench/finder.py --groups 20000 --seconds 10

Results are also written to bench/results/finder.json. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "finder.json"
COORDINATOR_USERNAME = "bench-coordinator"
COORDINATOR_PASSWORD = "bench coordinator password 1"  # noqa: S105 - a throwaway database

# (path, needs the coordinator's cookie). Query parameter names follow
# programmes/views_public.py; extra parameters a view does not read are ignored.
ENDPOINTS: list[tuple[str, str, bool]] = [
    ("bare", "/__bare", False),
    ("finder", "/", False),
    ("finder near Leeds 25 km", "/?place=Leeds&lat=53.8&lon=-1.55&radius=25", False),
    ("finder text + weekday", "/?q=anxiety&weekday=2", False),
    # A new point every request: nothing is ever served from a cache. Printed
    # for what it costs; the aims are checked on the finder as people use it.
    ("cold finder, new point each request", "/?lat=53.{n}&lon=-1.55&radius=25", False),
    ("coordinator dashboard", "/manage/", True),
]
FINDER_NAMES = [name for name, _, _ in ENDPOINTS if name.startswith("finder")]
CONCURRENCY = (10, 50)
AIM_P99_MS = 100.0
AIM_RATIO = 0.30

# Towns to scatter groups around (lat, lon); all inside lat 50-58.5, lon -5.5-1.7.
TOWNS = [
    ("Leeds", 53.8008, -1.5491),
    ("Bradford", 53.7960, -1.7594),
    ("Sheffield", 53.3811, -1.4701),
    ("York", 53.9590, -1.0815),
    ("Hull", 53.7676, -0.3274),
    ("Manchester", 53.4808, -2.2426),
    ("Liverpool", 53.4084, -2.9916),
    ("Preston", 53.7632, -2.7031),
    ("Newcastle", 54.9783, -1.6178),
    ("Sunderland", 54.9069, -1.3838),
    ("Middlesbrough", 54.5742, -1.2350),
    ("Carlisle", 54.8925, -2.9329),
    ("Lancaster", 54.0466, -2.8007),
    ("Birmingham", 52.4862, -1.8904),
    ("Coventry", 52.4068, -1.5197),
    ("Leicester", 52.6369, -1.1398),
    ("Nottingham", 52.9548, -1.1581),
    ("Derby", 52.9225, -1.4746),
    ("Stoke-on-Trent", 53.0027, -2.1794),
    ("Norwich", 52.6309, 1.2974),
    ("Cambridge", 52.2053, 0.1218),
    ("Ipswich", 52.0567, 1.1482),
    ("Oxford", 51.7520, -1.2577),
    ("London", 51.5072, -0.1276),
    ("Brighton", 50.8225, -0.1372),
    ("Southampton", 50.9097, -1.4044),
    ("Portsmouth", 50.8198, -1.0880),
    ("Bristol", 51.4545, -2.5879),
    ("Bath", 51.3811, -2.3590),
    ("Exeter", 50.7184, -3.5339),
    ("Plymouth", 50.3755, -4.1427),
    ("Truro", 50.2632, -5.0510),
    ("Cardiff", 51.4816, -3.1791),
    ("Swansea", 51.6214, -3.9436),
    ("Aberystwyth", 52.4153, -4.0829),
    ("Wrexham", 53.0462, -2.9930),
    ("Bangor", 53.2274, -4.1293),
    ("Glasgow", 55.8642, -4.2518),
    ("Edinburgh", 55.9533, -3.1883),
    ("Dundee", 56.4620, -2.9707),
    ("Aberdeen", 57.1497, -2.0943),
    ("Inverness", 57.4778, -4.2247),
    ("Stirling", 56.1165, -3.9369),
    ("Dumfries", 55.0709, -3.6051),
    ("Perth", 56.3950, -3.4308),
]
FOCUSES = [
    "general",
    "men",
    "women",
    "perinatal",
    "carers",
    "young_adults",
    "recovery",
    "bereavement",
    "lgbtq",
]
FOCUS_WORDS = {
    "general": "Peer support",
    "men": "Men's peer support",
    "women": "Women's circle",
    "perinatal": "New parents' group",
    "carers": "Carers' group",
    "young_adults": "Young adults' group",
    "recovery": "Recovery college",
    "bereavement": "Bereavement support",
    "lgbtq": "LGBTQ+ peer support",
}
TOPICS = [
    "anxiety",
    "low mood",
    "stress",
    "loneliness",
    "confidence",
    "sleep",
    "walking",
    "creative writing",
    "gardening",
    "hearing voices",
    "eating difficulties",
    "living with pain",
]
VENUES = [
    "Community centre",
    "Library meeting room",
    "Quaker meeting house",
    "Wellbeing hub",
    "Church hall",
    "Sports club",
]
LANGUAGES = ["en"] * 85 + ["cy"] * 8 + ["pl", "pl", "ur", "ur", "pa", "ar", "gd"]
START_TIMES = [
    dtime(10, 0),
    dtime(10, 30),
    dtime(13, 0),
    dtime(14, 0),
    dtime(18, 0),
    dtime(18, 30),
    dtime(19, 0),
    dtime(19, 30),
]


# --- environment and data -------------------------------------------------------


def configure_environment(data_dir: Path) -> dict[str, str]:
    """Environment for this process and the server: a fresh database, DEBUG off."""
    env = {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "PEERCIRCLE_DATA_DIR": str(data_dir),
        "SQLITE_PATH": str(data_dir / "bench.sqlite3"),
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DEBUG": "0",
        "PEERCIRCLE_TESTING": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join(
            [str(ROOT), str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]
        ).rstrip(os.pathsep),
    }
    for name in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)
    os.environ.update(env)
    for path in (str(ROOT / "src"), str(ROOT)):
        if path not in sys.path:
            sys.path.insert(0, path)
    return env


def build_data(*, n_groups: int, seed: int) -> dict[str, Any]:
    """Migrate and fill the database; return the coordinator's session key and counts.

    Rows are made with bulk_create (set-up, not app logic) but hold the values the
    services would write: sessions from programmes.schedule at local wall-clock
    times, places_taken equal to the active and offered enrolments and never over
    capacity, registers only for past sessions.
    """
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from peercircle.accounts.models import ContextProfile, User
    from peercircle.core.models import CrisisResource, Membership, Organisation
    from peercircle.programmes import schedule
    from peercircle.programmes.models import (
        Attendance,
        Enrolment,
        Facilitation,
        Group,
        Programme,
        Session,
    )

    rng = random.Random(seed)
    call_command("migrate", verbosity=0, interactive=False)
    now = timezone.now()
    today = timezone.localdate()
    horizon = today + timedelta(weeks=settings.SESSION_HORIZON_WEEKS)
    zone = ZoneInfo("Europe/London")
    unusable = make_password(None)

    with transaction.atomic():
        orgs = Organisation.objects.bulk_create(
            [
                Organisation(
                    name=f"{town} Peer Support",
                    slug=f"bench-org-{i}",
                    country="GB",
                    timezone="Europe/London",
                )
                for i, (town, _, _) in enumerate(TOWNS[:20])
            ]
        )
        CrisisResource.objects.bulk_create(
            [
                CrisisResource(
                    organisation=org,
                    name=name,
                    phone=phone,
                    hours=hours,
                    position=pos,
                    verified_at=today,
                )
                for org in orgs
                for pos, (name, phone, hours) in enumerate(
                    [
                        ("Samaritans", "116 123", "24 hours"),
                        ("NHS 111, option 2", "111", "24 hours"),
                        ("Shout", "", "Text SHOUT to 85258"),
                    ]
                )
            ]
        )
        programmes: dict[int, list[Programme]] = {}
        rows = []
        for org in orgs:
            for j, focus in enumerate(rng.sample(FOCUSES, 6)):
                rows.append(
                    Programme(
                        organisation=org,
                        name=f"{FOCUS_WORDS[focus]} programme",
                        slug=f"p-{j}",
                        focus=focus,
                        description=f"{FOCUS_WORDS[focus]} run by people with lived experience.",
                        min_age=18 if focus != "young_adults" else 16,
                        max_age=25 if focus == "young_adults" else None,
                    )
                )
        for programme in Programme.objects.bulk_create(rows):
            programmes.setdefault(programme.organisation_id, []).append(programme)

        # The coordinator's organisation gets 200 groups (fewer in a small run); the
        # others share the rest.
        coord_org = orgs[0]
        n_coord = min(200, max(10, n_groups // 50))
        owners = [coord_org] * n_coord + [orgs[1 + i % 19] for i in range(n_groups - n_coord)]
        groups = []
        for i, org in enumerate(owners):
            programme = rng.choice(programmes[org.pk])
            delivery = rng.choices(["in_person", "online", "hybrid"], weights=[60, 20, 20])[0]
            in_coord = org is coord_org
            if in_coord:
                town, lat0, lon0 = TOWNS[0]
            else:
                town, lat0, lon0 = rng.choice(TOWNS)
            lat = min(58.5, max(50.0, lat0 + rng.gauss(0, 0.12)))
            lon = min(1.7, max(-5.5, lon0 + rng.gauss(0, 0.18)))
            kind = "course" if rng.random() < 0.35 else "rolling"
            if in_coord:
                # Running long enough for ~20 past registers.
                start = today - timedelta(weeks=rng.randint(19, 23), days=rng.randint(0, 6))
                weeks = 30 if kind == "course" else None
            elif kind == "course":
                start = today + timedelta(days=rng.randint(-16 * 7, 6 * 7))
                weeks = rng.choice([6, 8, 10, 12])
            else:
                start = today + timedelta(days=rng.randint(-26 * 7, 4 * 7))
                weeks = None
            topics = rng.sample(TOPICS, 2)
            kind_word = "course" if kind == "course" else "group"
            located = delivery != "online"
            groups.append(
                Group(
                    organisation=org,
                    programme=programme,
                    name=f"{FOCUS_WORDS[programme.focus]} {kind_word}, {town} {i}",
                    slug=f"g-{i}",
                    kind=kind,
                    description=(
                        f"A friendly, confidential group about {topics[0]} and {topics[1]}. "
                        "Come as you are; you can listen for as long as you like before you share."
                    ),
                    delivery=delivery,
                    venue_name=rng.choice(VENUES) if located else "",
                    address=f"{rng.randint(1, 200)} High Street, {town}" if located else "",
                    area=town if located else "",
                    latitude=round(lat, 5) if located else None,
                    longitude=round(lon, 5) if located else None,
                    online_link="https://meet.example.org/" + secrets.token_hex(6)
                    if delivery != "in_person"
                    else "",
                    language=rng.choice(LANGUAGES),
                    capacity=rng.randint(8, 16),
                    places_taken=0,
                    weekday=rng.randint(0, 6),
                    start_time=rng.choice(START_TIMES),
                    duration_minutes=rng.choice([90, 120, 120]),
                    start_date=start,
                    course_weeks=weeks,
                    listed=rng.random() < 0.95,
                    is_active=rng.random() < 0.97,
                )
            )
        groups = Group.objects.bulk_create(groups, batch_size=2000)

        # Sessions as services.sessions_generate makes them.
        sessions = []
        for group in groups:
            duration = timedelta(minutes=group.duration_minutes)
            if group.kind == "course":
                slots = schedule.course_slots(
                    start_date=group.start_date,
                    weekday=group.weekday,
                    start=group.start_time,
                    duration=duration,
                    zone=zone,
                    count=group.course_weeks,
                )
            else:
                slots = schedule.rolling_slots(
                    from_day=group.start_date,
                    until_day=horizon,
                    weekday=group.weekday,
                    start=group.start_time,
                    duration=duration,
                    zone=zone,
                )
            for number, slot in enumerate(slots, start=1):
                cancelled = slot.starts_at > now and rng.random() < 0.02
                sessions.append(
                    Session(
                        group=group,
                        number=number,
                        starts_at=slot.starts_at,
                        ends_at=slot.ends_at,
                        status="cancelled" if cancelled else "scheduled",
                        cancelled_reason="Venue closed" if cancelled else "",
                        register_taken_at=(slot.ends_at + timedelta(hours=1))
                        if group.organisation_id == coord_org.pk
                        and slot.ends_at + timedelta(hours=1) < now
                        else None,
                    )
                )
        Session.objects.bulk_create(sessions, batch_size=5000)

        # People. The coordinator's organisation has ~3,000 members; the others a
        # pool each, enrolled in about three groups per person.
        pw_hash = make_password(COORDINATOR_PASSWORD)
        coordinator = User(
            username=COORDINATOR_USERNAME, pseudonym="Bench Coordinator", password=pw_hash
        )
        per_org_groups: dict[int, list[Group]] = {}
        for group in groups:
            per_org_groups.setdefault(group.organisation_id, []).append(group)
        users = [coordinator]
        pools: dict[int, list[User]] = {}
        for org in orgs:
            org_groups = per_org_groups.get(org.pk, [])
            size = 3000 if org is coord_org else max(20, len(org_groups) * 11 // 3)
            if org is coord_org and n_coord < 200:
                size = max(60, n_coord * 15)
            pool = [
                User(username=f"m{org.pk}-{k}", pseudonym=f"Member {org.pk}-{k}", password=unusable)
                for k in range(size)
            ]
            volunteers = [
                User(
                    username=f"v{org.pk}-{k}",
                    pseudonym=f"Volunteer {org.pk}-{k}",
                    password=unusable,
                )
                for k in range(max(3, len(org_groups) // 15))
            ]
            pools[org.pk] = pool
            pools[-org.pk] = volunteers
            users += pool + volunteers
        User.objects.bulk_create(users, batch_size=5000)
        ContextProfile.objects.bulk_create(
            [
                ContextProfile(
                    user=u,
                    year_of_birth=rng.randint(1950, 2006),
                    gender=rng.choice(["woman", "man", "non_binary", ""]),
                )
                for u in users
            ],
            batch_size=5000,
        )
        memberships = [Membership(user=coordinator, organisation=coord_org, role="coordinator")]
        for org in orgs:
            memberships += [
                Membership(user=u, organisation=org, role="participant") for u in pools[org.pk]
            ]
            memberships += [
                Membership(user=u, organisation=org, role="volunteer") for u in pools[-org.pk]
            ]
        Membership.objects.bulk_create(memberships, batch_size=5000)

        enrolments: list[Enrolment] = []
        facilitations: list[Facilitation] = []
        taken: dict[int, int] = {}
        members_of: dict[int, list[tuple[int, datetime]]] = {}
        for org in orgs:
            pool = pools[org.pk]
            cursor = 0
            for group in per_org_groups.get(org.pk, []):
                facilitations.append(
                    Facilitation(group=group, user=rng.choice(pools[-org.pk]), role="lead")
                )
                started = datetime.combine(group.start_date, group.start_time, tzinfo=zone)
                active = rng.randint(group.capacity // 2, group.capacity)
                offered = 1 if active < group.capacity and rng.random() < 0.15 else 0
                waiting = (
                    rng.randint(1, 5)
                    if active + offered == group.capacity and rng.random() < 0.5
                    else 0
                )
                left = rng.randint(0, 2)
                count = active + offered + waiting + left
                # Walk the pool so that everyone in the coordinator's organisation has a group.
                chosen = [pool[(cursor + k) % len(pool)] for k in range(min(count, len(pool)))]
                cursor += len(chosen) if org is coord_org else rng.randint(1, len(pool))
                for k, user in enumerate(chosen):
                    joined = (
                        min(now, started - timedelta(days=rng.randint(1, 14)))
                        if k < active // 2
                        else (min(now, started + timedelta(days=rng.randint(0, 60))))
                    )
                    if k < active:
                        enrolments.append(
                            Enrolment(group=group, user=user, status="active", joined_at=joined)
                        )
                        members_of.setdefault(group.pk, []).append((user.pk, joined))
                    elif k < active + offered:
                        enrolments.append(
                            Enrolment(
                                group=group,
                                user=user,
                                status="offered",
                                waiting_since=now - timedelta(days=9),
                                offered_at=now - timedelta(days=1),
                                offer_expires_at=now + timedelta(days=2),
                            )
                        )
                    elif k < active + offered + waiting:
                        enrolments.append(
                            Enrolment(
                                group=group,
                                user=user,
                                status="waiting",
                                waiting_since=now - timedelta(days=rng.randint(1, 40), minutes=k),
                            )
                        )
                    else:
                        enrolments.append(
                            Enrolment(
                                group=group,
                                user=user,
                                status="left",
                                joined_at=joined - timedelta(days=30),
                                ended_at=joined - timedelta(days=2),
                                ended_reason="Moved away",
                            )
                        )
                taken[group.pk] = min(active, len(chosen)) + (
                    offered if len(chosen) > active else 0
                )
        Enrolment.objects.bulk_create(enrolments, batch_size=5000)
        Facilitation.objects.bulk_create(facilitations, batch_size=5000)
        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE programmes_group SET places_taken = %s WHERE id = %s",
                [(n, pk) for pk, n in taken.items()],
            )

        # Registers for the coordinator's organisation: every past session.
        attendance = []
        past = Session.objects.filter(
            group__organisation=coord_org, register_taken_at__isnull=False
        ).values_list("pk", "group_id", "starts_at", "ends_at")
        for session_id, group_id, _starts_at, ends_at in past:
            for user_id, joined in members_of.get(group_id, []):
                if joined <= ends_at:
                    status = rng.choices(["present", "absent", "apologies"], weights=[75, 15, 10])[
                        0
                    ]
                    attendance.append(
                        Attendance(
                            session_id=session_id,
                            user_id=user_id,
                            status=status,
                            recorded_by=coordinator,
                        )
                    )
        Attendance.objects.bulk_create(attendance, batch_size=5000)

    # A signed-in coordinator, as django.contrib.auth.login would leave the session.
    store = SessionStore()
    store[SESSION_KEY] = str(coordinator.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = coordinator.get_session_auth_hash()
    store.create()
    counts = {
        "organisations": len(orgs),
        "groups": len(groups),
        "coordinator_groups": n_coord,
        "sessions": len(sessions),
        "users": len(users),
        "enrolments": len(enrolments),
        "attendance": len(attendance),
    }
    connection.close()
    return {
        "session_key": store.session_key,
        "cookie_name": settings.SESSION_COOKIE_NAME,
        "counts": counts,
    }


# --- the selector alone ---------------------------------------------------------


def time_selector(seconds_each: float) -> list[dict[str, Any]]:
    """finder_search in this process, per query shape: the floor under the page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from peercircle.programmes.selectors import FinderQuery, finder_search

    shapes = [
        ("no filters", FinderQuery()),
        ("near Leeds 25 km", FinderQuery(latitude=53.8, longitude=-1.55, radius_km=25)),
        ("text + weekday", FinderQuery(text="anxiety", weekday=2)),
        ("no filters, page 40", FinderQuery(page=40)),
    ]
    results = []
    for name, query in shapes:
        with CaptureQueriesContext(connection) as ctx:
            page = finder_search(query)
        timings = []
        deadline = time.perf_counter() + seconds_each
        while time.perf_counter() < deadline or len(timings) < 5:
            t0 = time.perf_counter()
            finder_search(query)
            timings.append((time.perf_counter() - t0) * 1000)
        timings.sort()
        results.append(
            {
                "shape": name,
                "calls": len(timings),
                "p50_ms": round(statistics.median(timings), 2),
                "p99_ms": round(percentile(timings, 99), 2),
                "queries": len(ctx.captured_queries),
                "total": page.total,
                "first_ids": [hit.group.pk for hit in page.hits[:5]],
            }
        )
    connection.close()
    return results


# --- server ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.asgi_bench:application",
        "--workers",
        "1",
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    log = log_path.open("wb")
    return subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
    )


def wait_until_ready(server: subprocess.Popen, port: int, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return False
        try:
            status, _ = asyncio.run(fetch_once(port, "/__bare", {}))
            if status == 200:
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process, from /proc (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def load_text() -> str:
    """The 1, 5 and 15 minute load averages: other work on the machine skews every figure."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


# --- load generator ------------------------------------------------------------------


class BadResponse(Exception):
    pass


async def read_response(reader: asyncio.StreamReader) -> tuple[int, int, bool]:
    """(status, body bytes, connection kept alive) of one HTTP/1.1 response."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    try:
        status = int(lines[0].split(b" ", 2)[1])
    except (IndexError, ValueError) as exc:
        raise BadResponse(lines[0][:80]) from exc
    length = None
    chunked = False
    keep_alive = True
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value.strip())
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
        elif name == b"connection" and b"close" in value.lower():
            keep_alive = False
    if chunked:
        size = 0
        while True:
            chunk_len = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            if chunk_len == 0:
                await reader.readuntil(b"\r\n")
                break
            await reader.readexactly(chunk_len + 2)
            size += chunk_len
        return status, size, keep_alive
    if length is None:
        body = await reader.read()
        return status, len(body), False
    await reader.readexactly(length)
    return status, length, keep_alive


def request_bytes(port: int, path: str, cookies: dict[str, str]) -> bytes:
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "User-Agent: peercircle-bench/1",
        "Accept: text/html",
    ]
    if cookies:
        lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


async def fetch_once(port: int, path: str, cookies: dict[str, str]) -> tuple[int, int]:
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 5)
    try:
        writer.write(request_bytes(port, path, cookies))
        status, size, _ = await asyncio.wait_for(read_response(reader), 30)
        return status, size
    finally:
        writer.close()


@dataclass
class Run:
    endpoint: str
    path: str
    clients: int
    seconds: float
    requests: int = 0
    errors: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    rps: float = 0.0
    p50_ms: float = 0.0
    p90_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    body_bytes: int = 0
    late: int = 0
    late_max_ms: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    ratio_to_bare: float | None = None


async def closed_loop(
    port: int, path: str, cookies: dict[str, str], clients: int, warmup: float, seconds: float
) -> dict[str, Any]:
    """Each client sends a request, waits for the whole response, and sends the next."""
    counter = 0

    def payload() -> bytes:
        # "{n}" in a path makes every request different, so nothing is served
        # from a cache: the cold cost of the page.
        nonlocal counter
        counter += 1
        return request_bytes(port, path.replace("{n}", f"{counter:06d}"), cookies)

    fixed = None if "{n}" in path else request_bytes(port, path, cookies)
    # perf_counter, not loop.time(): uvloop's clock has millisecond resolution.
    clock = time.perf_counter
    begin = clock()
    measure_from = begin + warmup
    stop_at = measure_from + seconds
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    sizes: list[int] = []
    errors = 0
    late: list[float] = []

    async def client() -> None:
        nonlocal errors
        reader = writer = None
        while True:
            if reader is None:
                try:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                except OSError:
                    errors += 1
                    statuses["connect-error"] = statuses.get("connect-error", 0) + 1
                    await asyncio.sleep(0.05)
                    if clock() >= stop_at:
                        return
                    continue
            started = clock()
            if started >= stop_at:
                writer.close()
                return
            try:
                writer.write(fixed or payload())
                status, size, keep_alive = await read_response(reader)
            except (
                OSError,
                asyncio.IncompleteReadError,
                asyncio.LimitOverrunError,
                BadResponse,
                ValueError,
            ) as exc:
                writer.close()
                reader = writer = None
                if measure_from <= clock() <= stop_at:
                    errors += 1
                    key = type(exc).__name__
                    statuses[key] = statuses.get(key, 0) + 1
                continue
            finished = clock()
            # Count what completes inside the window, whenever it was sent: at
            # high concurrency a response can take longer than the warm-up.
            if measure_from <= finished <= stop_at:
                latencies.append((finished - started) * 1000)
                statuses[str(status)] = statuses.get(str(status), 0) + 1
                if status != 200:
                    errors += 1
                if len(sizes) < 50:
                    sizes.append(size)
            elif finished > stop_at:
                late.append((finished - started) * 1000)
            if not keep_alive:
                writer.close()
                reader = writer = None

    await asyncio.gather(*(client() for _ in range(clients)))
    return {
        "latencies": latencies,
        "statuses": statuses,
        "errors": errors,
        "sizes": sizes,
        "late": late,
    }


def percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return float("nan")
    rank = max(0, min(len(sorted_values) - 1, round(pct / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]


def measure(
    server_pid: int,
    port: int,
    name: str,
    path: str,
    cookies: dict[str, str],
    clients: int,
    warmup: float,
    seconds: float,
) -> Run:
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        runner = asyncio.run
    server_before, client_before = cpu_seconds(server_pid), time.process_time()
    wall_before = time.perf_counter()
    raw = runner(closed_loop(port, path, cookies, clients, warmup, seconds))
    wall = time.perf_counter() - wall_before
    server_cpu = (cpu_seconds(server_pid) - server_before) / wall
    client_cpu = (time.process_time() - client_before) / wall
    latencies = sorted(raw["latencies"])
    run = Run(endpoint=name, path=path, clients=clients, seconds=seconds)
    run.requests = len(latencies)
    run.errors = raw["errors"]
    run.statuses = raw["statuses"]
    run.rps = round(len(latencies) / seconds, 1)
    run.p50_ms = round(percentile(latencies, 50), 2)
    run.p90_ms = round(percentile(latencies, 90), 2)
    run.p99_ms = round(percentile(latencies, 99), 2)
    run.max_ms = round(latencies[-1], 2) if latencies else float("nan")
    run.body_bytes = int(statistics.median(raw["sizes"])) if raw["sizes"] else 0
    # Responses to requests in flight when the window closed: at high
    # concurrency on a slow page they show how long the queue had grown.
    run.late = len(raw["late"])
    run.late_max_ms = round(max(raw["late"]), 1) if raw["late"] else 0.0
    run.server_cpu = round(server_cpu, 2)
    run.client_cpu = round(client_cpu, 2)
    return run


# --- report -----------------------------------------------------------------------


COLUMNS = [
    ("endpoint", "<26", lambda r: r.endpoint),
    ("clients", ">7", lambda r: r.clients),
    ("req/s", ">8", lambda r: f"{r.rps:.1f}"),
    ("p50 ms", ">8", lambda r: f"{r.p50_ms:.2f}"),
    ("p99 ms", ">8", lambda r: f"{r.p99_ms:.2f}"),
    ("errors", ">7", lambda r: r.errors),
    ("x bare", ">7", lambda r: "-" if r.ratio_to_bare is None else f"{r.ratio_to_bare:.2f}"),
    ("bytes", ">7", lambda r: r.body_bytes),
    ("srv cpu", ">8", lambda r: f"{r.server_cpu:.2f}"),
    ("cli cpu", ">8", lambda r: f"{r.client_cpu:.2f}"),
]


def print_table(runs: list[Run]) -> None:
    """One line per endpoint and concurrency; cpu is cores used (server, load generator)."""
    header = " ".join(f"{title:{align}}" for title, align, _ in COLUMNS)
    print(header)
    print("-" * len(header))
    for run in runs:
        print(" ".join(f"{str(value(run)):{align}}" for _, align, value in COLUMNS))
        if run.errors:
            print(f"{'':<26} statuses: {run.statuses}")
        if run.late and not run.requests:
            print(
                f"{'':<26} no response inside the window; {run.late} came after it, "
                f"the slowest after {run.late_max_ms / 1000:.1f} s"
            )


def check_aims(runs: list[Run]) -> list[dict[str, Any]]:
    aims = []
    at10 = [r for r in runs if r.endpoint in FINDER_NAMES and r.clients == 10]
    worst_p99 = max((r.p99_ms for r in at10), default=float("nan"))
    aims.append(
        {
            "aim": f"finder p99 < {AIM_P99_MS:.0f} ms at 10 clients",
            "figures": {r.endpoint: r.p99_ms for r in at10},
            "met": bool(at10) and all(r.p99_ms < AIM_P99_MS and r.errors == 0 for r in at10),
            "worst": worst_p99,
        }
    )
    at50 = [r for r in runs if r.endpoint in FINDER_NAMES and r.clients == 50]
    aims.append(
        {
            "aim": f"finder >= {AIM_RATIO:.0%} of bare view throughput at 50 clients",
            "figures": {r.endpoint: r.ratio_to_bare for r in at50},
            "met": bool(at50)
            and all((r.ratio_to_bare or 0) >= AIM_RATIO and r.errors == 0 for r in at50),
            "worst": min((r.ratio_to_bare or 0 for r in at50), default=float("nan")),
        }
    )
    return aims


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--groups", type=int, default=10_000, help="groups in the database (default 10,000)"
    )
    parser.add_argument(
        "--seconds", type=float, default=5.0, help="measured seconds per endpoint and concurrency"
    )
    parser.add_argument(
        "--warmup", type=float, default=1.0, help="unmeasured seconds before each measurement"
    )
    parser.add_argument(
        "--quick", action="store_true", help="2,000 groups, 2 s runs: for development"
    )
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary database and server log"
    )
    parser.add_argument(
        "--only", default="", help="comma-separated endpoint names to run (default all)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.groups = min(args.groups, 2000)
        args.seconds = min(args.seconds, 2.0)
        args.warmup = min(args.warmup, 0.5)

    data_dir = Path(tempfile.mkdtemp(prefix="peercircle-bench-"))
    env = configure_environment(data_dir)
    print(f"Database: {data_dir / 'bench.sqlite3'}")
    t0 = time.perf_counter()
    data = build_data(n_groups=args.groups, seed=args.seed)
    build_s = time.perf_counter() - t0
    print(
        f"Built in {build_s:.1f} s: " + ", ".join(f"{v:,} {k}" for k, v in data["counts"].items())
    )

    selector = time_selector(0.5 if args.quick else 1.5)
    print("\nfinder_search in process (no HTTP, no template):")
    print(f"{'shape':<22} {'p50 ms':>8} {'p99 ms':>8} {'queries':>8} {'matches':>8}")
    for row in selector:
        print(
            f"{row['shape']:<22} {row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f} "
            f"{row['queries']:>8} {row['total']:>8}"
        )

    port = free_port()
    log_path = data_dir / "uvicorn.log"
    server = start_server(env, port, log_path)
    runs: list[Run] = []
    failed = False
    try:
        if not wait_until_ready(server, port):
            print(
                f"\nThe server did not answer within 60 s. Its log ({log_path}):", file=sys.stderr
            )
            print(log_path.read_text(errors="replace")[-4000:], file=sys.stderr)
            return 1
        cookies = {data["cookie_name"]: data["session_key"]}
        wanted = {name.strip() for name in args.only.split(",") if name.strip()}
        endpoints = [e for e in ENDPOINTS if not wanted or e[0] in wanted or e[0] == "bare"]
        print(
            f"\nuvicorn pid {server.pid} on port {port}; "
            f"{args.warmup:g} s warm-up + {args.seconds:g} s per run; load average {load_text()}\n"
        )
        for clients in CONCURRENCY:
            for name, path, needs_cookie in endpoints:
                run = measure(
                    server.pid,
                    port,
                    name,
                    path,
                    cookies if needs_cookie else {},
                    clients,
                    args.warmup,
                    args.seconds,
                )
                runs.append(run)
                if server.poll() is not None:
                    failed = True
                    print(
                        f"The server exited (code {server.returncode}) during {name}.",
                        file=sys.stderr,
                    )
                    break
            if failed:
                break
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

    bare = {r.clients: r.rps for r in runs if r.endpoint == "bare"}
    for run in runs:
        if bare.get(run.clients):
            run.ratio_to_bare = round(run.rps / bare[run.clients], 3)
    print_table(runs)
    aims = check_aims(runs)
    print()
    for aim in aims:
        figures = ", ".join(f"{k}: {v}" for k, v in aim["figures"].items())
        verdict = ("PASS" if aim["met"] else "MISS") if aim["figures"] else "NOT MEASURED"
        print(f"{verdict}  {aim['aim']}  ({figures or 'no finder endpoint in this run'})")
    if any(0 < r.body_bytes < 200 for r in runs if r.endpoint != "bare"):
        print("\nNote: some pages returned under 200 bytes; they may still be placeholders.")
    if any(r.client_cpu > 0.8 for r in runs):
        print(
            "Note: the load generator used over 80% of a core in some runs; "
            "figures there may be client-bound."
        )

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "finder",
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": {
                    "platform": platform.platform(),
                    "python": platform.python_version(),
                    "cpus": os.cpu_count(),
                    "load_average_at_end": load_text(),
                },
                "options": {
                    "groups": args.groups,
                    "seconds": args.seconds,
                    "warmup": args.warmup,
                    "quick": args.quick,
                    "seed": args.seed,
                },
                "data": data["counts"],
                "build_seconds": round(build_s, 1),
                "selector": selector,
                "runs": [asdict(r) for r in runs],
                "aims": aims,
            },
            indent=2,
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
