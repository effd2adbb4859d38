"""The ``peercircle`` command: run, demo, migrate, createadmin, check, measures, manage.

``peercircle run`` is the embedded default in one command: it migrates the
database, seeds demo data when asked, starts the Django Tasks worker as a child
process, and serves the ASGI application with uvicorn in this process. The same
code runs at scale with settings from the environment. See docs/running.md and
docs/configuration.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import getpass
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from peercircle.config.env import ConfigError, env_int, env_str

SETTINGS_MODULE = "peercircle.config.settings"
ASGI_APP = "peercircle.config.asgi:application"
DB_TASKS_BACKEND = "django_tasks_db.DatabaseBackend"
#: Local time of day at which the daily programme housekeeping is enqueued.
DAILY_AT = dt.time(3, 0)
#: How often the live rooms' presence sweep is enqueued.
ROOMS_SWEEP_MINUTES = 10
#: The database task backend keeps a row for every task run (the escalation
#: check alone adds one a minute): finished rows older than this many days are
#: deleted daily, failed ones after ``FAILED_TASKS_KEPT_DAYS``, to be looked into.
TASKS_KEPT_DAYS = 14
FAILED_TASKS_KEPT_DAYS = 60
#: How often overdue safeguarding alerts are looked for (the shortest time
#: limit is minutes, so this is the escalation's resolution).
ESCALATION_EVERY = dt.timedelta(minutes=1)
#: How often questionnaires due are made, missed ones marked and reminders sent.
QUESTIONNAIRES_EVERY = dt.timedelta(hours=1)
WORKER_STOP_SECONDS = 15
WORKER_RESTART_LIMIT = 5


class CommandFailed(Exception):
    """A subcommand could not do its job; the message says why, for a person."""


def say(message: str = "") -> None:
    print(message, flush=True)


def warn(message: str) -> None:
    print(f"peercircle: {message}", file=sys.stderr, flush=True)


# --- setup ----------------------------------------------------------------------


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    import django

    django.setup()


def _database_label() -> str:
    from django.db import connection

    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"SQLite at {settings_dict['NAME']}"
    host = settings_dict.get("HOST") or "localhost"
    port = settings_dict.get("PORT") or ""
    where = f"{host}:{port}" if port else host
    return f"{connection.vendor} database {settings_dict.get('NAME')!r} at {where}"


def _channel_layer_label() -> str:
    from django.conf import settings

    backend = settings.CHANNEL_LAYERS["default"]["BACKEND"]
    if backend.endswith("InMemoryChannelLayer"):
        return "in-memory channel layer (live rooms work within this one process)"
    return f"{backend.rsplit('.', 1)[-1]} (Redis)"


def _tasks_backend() -> str:
    from django.conf import settings

    return settings.TASKS["default"]["BACKEND"]


# --- migrate, demo, createadmin -----------------------------------------------


def cmd_migrate(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    say(f"Migrating {_database_label()} ...")
    call_command("migrate", interactive=False, verbosity=1 if args.verbose else 0)
    say("The database is up to date.")
    return 0


def _print_demo_logins() -> None:
    from peercircle.core.demo import DEMO_PASSWORD, demo_logins

    logins = demo_logins()
    if not logins:
        return
    say(f"Demo logins (every one has the password {DEMO_PASSWORD!r}):")
    for username, label in logins:
        say(f"  {username:<18} {label}")


def _pending_migrations() -> int:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def cmd_demo(args: argparse.Namespace) -> int:
    from peercircle.core.demo import demo_seed

    if _pending_migrations():
        cmd_migrate(argparse.Namespace(verbose=False))
    result = demo_seed()
    say(result.summary())
    _print_demo_logins()
    return 0


def _read_password_file(path: str) -> str:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CommandFailed(
            f"cannot read the password file {path!r}: {exc.strerror or exc}"
        ) from exc
    if not lines or not lines[0]:
        raise CommandFailed(
            f"the password file {path!r} is empty; put the password on its first line"
        )
    return lines[0]


def _ask(prompt: str) -> str:
    if not sys.stdin.isatty():
        raise CommandFailed("no terminal to ask on; give --username and --password-file")
    return input(prompt).strip()


def cmd_createadmin(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from peercircle.accounts.services import membership_grant, user_create, user_make_superuser
    from peercircle.core.models import Organisation
    from peercircle.core.roles import Role

    organisation = None
    if args.organisation:
        organisation = Organisation.objects.filter(slug=args.organisation).first()
        if organisation is None:
            known = ", ".join(Organisation.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandFailed(
                f"no organisation with the slug {args.organisation!r} (known: {known})"
            )
    username = args.username or _ask("Sign-in name: ")
    if args.password_file:
        password = _read_password_file(args.password_file)
    else:
        if not sys.stdin.isatty():
            raise CommandFailed("no terminal to ask for a password on; give --password-file")
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != password:
            raise CommandFailed("the two passwords differ; nothing was created")
    try:
        with transaction.atomic():
            user = user_create(
                username=username,
                pseudonym=args.pseudonym or username,
                password=password,
                email=args.email or "",
            )
            user_make_superuser(user=user, organisation=organisation, source="createadmin")
            if organisation is not None:
                membership_grant(user=user, organisation=organisation, role=Role.ADMIN, actor=None)
    except ValidationError as exc:
        problems = [
            f"{field}: {message}"
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
        raise CommandFailed(
            "could not create the administrator:\n  " + "\n  ".join(problems)
        ) from exc
    where = f" and administrator of {organisation.name}" if organisation else ""
    say(f"Created {username!r}: a superuser{where}.")
    return 0


# --- check ----------------------------------------------------------------------


def _check_database() -> tuple[bool, str]:
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        pending = _pending_migrations()
    except Exception as exc:  # noqa: BLE001 - any failure here is the answer we report
        return False, f"cannot use {_database_label()}: {exc}"
    if pending:
        return (
            True,
            f"{_database_label()} answers; {pending} migrations to apply (`peercircle migrate`)",
        )
    return True, f"{_database_label()} answers and is up to date"


async def _channel_roundtrip(timeout: float) -> None:
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer is configured")
    channel = await layer.new_channel()
    await layer.send(channel, {"type": "peercircle.check"})
    message = await asyncio.wait_for(layer.receive(channel), timeout=timeout)
    if message.get("type") != "peercircle.check":
        raise RuntimeError(f"unexpected message {message!r}")
    flush = getattr(layer, "flush", None)
    if flush is not None and not _channel_layer_label().startswith("in-memory"):
        await flush()


def _check_channel_layer(timeout: float = 5.0) -> tuple[bool, str]:
    from asgiref.sync import async_to_sync

    try:
        async_to_sync(_channel_roundtrip)(timeout)
    except Exception as exc:  # noqa: BLE001
        return False, f"{_channel_layer_label()}: a message did not go round: {exc!r}"
    return True, f"{_channel_layer_label()}: a message went round"


def _check_cache() -> tuple[bool, str]:
    from django.core.cache import cache

    key = "peercircle:check"
    try:
        cache.set(key, "ok", 10)
        value = cache.get(key)
        cache.delete(key)
    except Exception as exc:  # noqa: BLE001
        return False, f"the cache does not answer: {exc}"
    if value != "ok":
        return False, "the cache did not keep a value"
    return True, "the cache keeps values"


def _check_messages() -> tuple[list[Any], list[Any]]:
    """Django's system checks, and the extra ones ``check --deploy`` adds."""
    from django.core import checks

    everyday = checks.run_checks()
    seen = {(m.id, m.msg) for m in everyday}
    deploy = [
        m for m in checks.run_checks(include_deployment_checks=True) if (m.id, m.msg) not in seen
    ]
    return everyday, deploy


def cmd_check(args: argparse.Namespace) -> int:
    everyday, deploy = _check_messages()
    failures = 0
    serious = [m for m in everyday if m.is_serious()]
    say(f"Django system checks: {len(serious)} errors, {len(everyday) - len(serious)} warnings")
    for message in everyday:
        say(f"  {'ERROR' if message.is_serious() else 'warning'} {message.id}: {message.msg}")
    failures += len(serious)
    if deploy:
        label = "must fix" if args.deploy else "fix before going live"
        say(f"Deployment advice ({label}): {len(deploy)}")
        for message in deploy:
            hint = f" ({message.hint})" if message.hint else ""
            say(f"  {message.id}: {message.msg.splitlines()[0]}{hint}")
        if args.deploy:
            failures += len(deploy)
    else:
        say("Deployment advice: none; settings look ready for production")
    for name, (ok, detail) in (
        ("database", _check_database()),
        ("channel layer", _check_channel_layer()),
        ("cache", _check_cache()),
    ):
        say(f"{name.capitalize()}: {'ok' if ok else 'FAILED'}: {detail}")
        failures += 0 if ok else 1
    say(f"Tasks backend: {_tasks_backend()}")
    say("All checks passed." if not failures else f"{failures} problem(s) found.")
    return 0 if not failures else 1


# --- run ------------------------------------------------------------------------


def _port_is_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _start_worker() -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "peercircle.cli", "manage", "db_worker", "--no-startup-delay"]
    return subprocess.Popen(command)


def _stop_worker(worker: subprocess.Popen[bytes] | None) -> None:
    if worker is None or worker.poll() is not None:
        return
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=WORKER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        warn("the task worker did not stop in time; killing it")
        worker.kill()
        worker.wait()


def next_daily_run(now: dt.datetime, at: dt.time = DAILY_AT) -> dt.datetime:
    """The next local ``at`` strictly after ``now`` (an aware datetime)."""
    candidate = now.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    if candidate <= now:
        candidate += dt.timedelta(days=1)
    return candidate


class Housekeeper(threading.Thread):
    """Deletes old finished task results and enqueues the daily programme and
    volunteers' tasks (at start, then daily), the live rooms' presence sweep (at
    start, then every ``ROOMS_SWEEP_MINUTES``), the safeguarding escalation check
    (every ``ESCALATION_EVERY``) and the questionnaires' task (every
    ``QUESTIONNAIRES_EVERY``), and keeps the task worker alive. Runs beside
    uvicorn in the ``run`` process."""

    def __init__(self, *, start_worker: bool) -> None:
        super().__init__(name="peercircle-housekeeper", daemon=True)
        self.stopping = threading.Event()
        self.worker: subprocess.Popen[bytes] | None = _start_worker() if start_worker else None
        self.restarts = 0
        self.lock = threading.Lock()

    def enqueue_daily(self) -> None:
        from peercircle.programmes.tasks import programmes_daily
        from peercircle.volunteers.tasks import volunteers_daily

        self._enqueue(programmes_daily, "the daily programme task")
        self._enqueue(volunteers_daily, "the volunteers' daily task")

    def prune_task_results(self) -> None:
        """Delete the database task backend's finished rows past their keeping time
        (django-tasks-db's own ``prune_db_task_results``); other backends keep none."""
        from django.core.management import call_command

        if _tasks_backend() != DB_TASKS_BACKEND:
            return
        self._safely(
            lambda: call_command(
                "prune_db_task_results",
                queue_name="*",
                min_age_days=TASKS_KEPT_DAYS,
                failed_min_age_days=FAILED_TASKS_KEPT_DAYS,
                verbosity=0,
            ),
            "could not delete old task results",
        )

    def enqueue_sweep(self) -> None:
        from peercircle.rooms.tasks import rooms_presence_sweep

        self._enqueue(rooms_presence_sweep, "the live rooms' presence sweep")

    def enqueue_escalation(self) -> None:
        from peercircle.safety.tasks import safety_escalate

        self._enqueue(safety_escalate, "the safeguarding escalation check")

    def enqueue_questionnaires(self) -> None:
        from peercircle.questionnaires.tasks import questionnaires_hourly

        self._enqueue(questionnaires_hourly, "the questionnaires' hourly task")

    def _enqueue(self, task: Any, what: str) -> None:
        self._safely(task.enqueue, f"could not enqueue {what}")

    def _safely(self, action: Callable[[], object], failure: str) -> None:
        """Run ``action`` on a fresh database connection; a failure is said, not raised."""
        from django.db import close_old_connections, connection

        try:
            close_old_connections()
            action()
        except Exception as exc:  # noqa: BLE001 - keep serving; say what went wrong
            warn(f"{failure}: {exc}")
        finally:
            connection.close()

    def check_worker(self) -> None:
        with self.lock:
            if self.worker is None or self.stopping.is_set() or self.worker.poll() is None:
                return
            if self.restarts >= WORKER_RESTART_LIMIT:
                return
            self.restarts += 1
            warn(
                f"the task worker stopped (exit status {self.worker.returncode}); starting it again"
            )
            self.worker = _start_worker()

    def run(self) -> None:
        from django.utils import timezone

        sweep_every = dt.timedelta(minutes=ROOMS_SWEEP_MINUTES)
        self.prune_task_results()
        self.enqueue_daily()
        self.enqueue_sweep()
        self.enqueue_escalation()
        self.enqueue_questionnaires()
        due = next_daily_run(timezone.localtime())
        sweep_due = timezone.now() + sweep_every
        escalation_due = timezone.now() + ESCALATION_EVERY
        questionnaires_due = timezone.now() + QUESTIONNAIRES_EVERY
        while not self.stopping.wait(15):
            self.check_worker()
            if timezone.now() >= questionnaires_due:
                self.enqueue_questionnaires()
                questionnaires_due = timezone.now() + QUESTIONNAIRES_EVERY
            if timezone.now() >= escalation_due:
                self.enqueue_escalation()
                escalation_due = timezone.now() + ESCALATION_EVERY
            if timezone.localtime() >= due:
                self.prune_task_results()
                self.enqueue_daily()
                due = next_daily_run(timezone.localtime())
            if timezone.now() >= sweep_due:
                self.enqueue_sweep()
                sweep_due = timezone.now() + sweep_every

    def stop(self) -> None:
        self.stopping.set()
        with self.lock:
            _stop_worker(self.worker)


def _browser_host(host: str) -> str:
    if host in {"0.0.0.0", "::", ""}:  # noqa: S104 - naming, not binding
        return "localhost"
    return f"[{host}]" if ":" in host else host


def cmd_run(args: argparse.Namespace) -> int:
    import uvicorn
    from django.db import connections

    from peercircle.core.models import Organisation

    host = args.host or env_str("HOST", "127.0.0.1") or "127.0.0.1"
    port = args.port if args.port is not None else env_int("PORT", 8000, minimum=1)
    if not _port_is_free(host, port):
        raise CommandFailed(f"port {port} on {host} is in use; choose another with --port or PORT")
    cmd_migrate(args)
    if args.demo:
        if Organisation.objects.exists():
            say("The database already has an organisation; demo data not added.")
        else:
            from peercircle.core.demo import demo_seed

            say(demo_seed().summary())
    backend = _tasks_backend()
    in_process_worker = backend == DB_TASKS_BACKEND and not args.no_worker
    connections.close_all()
    housekeeper = Housekeeper(start_worker=in_process_worker)
    housekeeper.start()

    say("")
    say(f"PeerCircle is running at http://{_browser_host(host)}:{port}/")
    say(f"  database:         {_database_label()}")
    say(f"  live rooms:       {_channel_layer_label()}")
    if housekeeper.worker is not None:
        say(f"  background tasks: worker started (pid {housekeeper.worker.pid})")
    else:
        say(f"  background tasks: {backend}; run its workers separately")
    _print_demo_logins()
    say("Press Ctrl+C to stop.")
    say("")
    # uvicorn re-raises the signal that stopped it once it has shut down; with
    # the default SIGTERM action that would end this process before the worker
    # is stopped, so SIGTERM gets a handler that lets the ``finally`` run.
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: None)
    try:
        uvicorn.run(
            ASGI_APP,
            host=host,
            port=port,
            # Channels' router does not speak the lifespan protocol.
            lifespan="off",
            log_level=env_str("UVICORN_LOG_LEVEL", "info") or "info",
            access_log=not args.quiet,
            proxy_headers=True,
            # Live rooms answer frames over ROOMS_MAX_FRAME_BYTES with an error
            # frame; anything past 1 MiB is no person typing and is cut off.
            ws_max_size=1 << 20,
            forwarded_allow_ips=env_str("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        )
    finally:
        housekeeper.stop()
        signal.signal(signal.SIGTERM, previous)
        say("PeerCircle stopped.")
    return 0


# --- measures ---------------------------------------------------------------------

#: The example texts file's version begins with this: placeholder wording, never to be loaded.
EXAMPLE_VERSION = "EXAMPLE"


def _organisation_by_slug(slug: str) -> Any:
    from peercircle.core.models import Organisation

    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        known = ", ".join(Organisation.objects.values_list("slug", flat=True)) or "none yet"
        raise CommandFailed(f"no organisation with the slug {slug!r} (known: {known})")
    return organisation


def _read_texts_file(path: str) -> Any:
    try:
        raw = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CommandFailed(f"there is no file {path!r}") from None
    except UnicodeDecodeError:
        raise CommandFailed(f"{path!r} is not UTF-8 text; save it as UTF-8 and try again") from None
    except OSError as exc:
        raise CommandFailed(f"cannot read {path!r}: {exc.strerror or exc}") from exc
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise CommandFailed(
            f"{path!r} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None


def cmd_measures_load_text(args: argparse.Namespace) -> int:
    """Load an organisation's licensed item texts for one instrument from a JSON
    file (docs/questionnaires.md; an example is in docs/examples/)."""
    from peercircle.measures import instruments
    from peercircle.questionnaires.models import InstrumentText
    from peercircle.questionnaires.services import QuestionnaireError, text_load

    organisation = _organisation_by_slug(args.organisation)
    data = _read_texts_file(args.file)
    version = data.get("version") if isinstance(data, dict) else None
    if isinstance(version, str) and version.strip().upper().startswith(EXAMPLE_VERSION):
        raise CommandFailed(
            f"{args.file!r} is the example file, with placeholder wording. Copy it, put in the "
            "texts exactly as your licence gives them, and say which edition and licence in "
            '"version". Nothing was loaded.'
        )
    code = data.get("instrument") if isinstance(data, dict) else None
    replacing = InstrumentText.objects.filter(
        organisation=organisation, instrument=str(code)
    ).first()
    try:
        row = text_load(organisation=organisation, data=data, actor=None)
    except QuestionnaireError as exc:
        raise CommandFailed(f"{args.file}: {exc.text} Nothing was loaded.") from None
    spec = instruments.get(row.instrument)
    options = sorted({len(labels) for labels in row.options})
    say(
        f"Loaded the {spec.short_name} texts for {organisation.name} ({row.version}): "
        f"{len(row.items)} questions, {'/'.join(map(str, options))} answer options each"
        + (", instructions" if row.instructions else "")
        + (", copyright notice" if row.copyright_notice else "")
        + "."
    )
    if replacing is not None:
        earlier = f"{replacing.loaded_at:%Y-%m-%d} ({replacing.version})"
        say(f"They replace the texts loaded on {earlier}.")
    say(f"{spec.short_name} can now be scheduled by {organisation.name}'s coordinators.")
    return 0


def cmd_measures_status(args: argparse.Namespace) -> int:
    """Which instruments an organisation can schedule, and where their texts come from."""
    from peercircle.questionnaires.selectors import instruments_overview

    organisation = _organisation_by_slug(args.organisation)
    say(f"Questionnaires at {organisation.name}:")
    for row in instruments_overview(organisation.pk):
        if row.texts == "loaded":
            source = f"texts loaded: {row.loaded_version}"
        elif row.texts == "shipped":
            source = "texts shipped with PeerCircle"
        else:
            source = "load its texts with `peercircle measures load-text`"
        say(f"  {row.code:<8} {row.short_name:<8} {row.status:<20} {source}")
    return 0


# --- manage -----------------------------------------------------------------------


def cmd_manage(argv: Sequence[str]) -> int:
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["peercircle manage", *argv])
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


# --- entry point --------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="peercircle",
        description="PeerCircle: community mental-health peer support. See docs/running.md.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="migrate, start the task worker and serve the site")
    run.add_argument("--host", help="address to listen on (default: $HOST or 127.0.0.1)")
    run.add_argument("--port", type=int, help="port to listen on (default: $PORT or 8000)")
    run.add_argument(
        "--demo", action="store_true", help="add demo data if the database has no organisation"
    )
    run.add_argument("--no-worker", action="store_true", help="do not start the task worker here")
    run.add_argument("--quiet", action="store_true", help="no access log")
    run.add_argument("--verbose", action="store_true", help="show each migration")
    run.set_defaults(func=cmd_run)

    demo = sub.add_parser("demo", help="add the demo organisation and logins (safe to repeat)")
    demo.set_defaults(func=cmd_demo)

    migrate = sub.add_parser("migrate", help="bring the database up to date")
    migrate.add_argument("--verbose", action="store_true", help="show each migration")
    migrate.set_defaults(func=cmd_migrate)

    admin = sub.add_parser(
        "createadmin", help="create a superuser (asks, or reads --password-file)"
    )
    admin.add_argument("--username", help="sign-in name")
    admin.add_argument("--password-file", help="file whose first line is the password")
    admin.add_argument("--pseudonym", help="name shown to others (default: the sign-in name)")
    admin.add_argument("--email", help="contact email (stored encrypted)")
    admin.add_argument(
        "--organisation", metavar="SLUG", help="also make them administrator of this organisation"
    )
    admin.set_defaults(func=cmd_createadmin)

    check = sub.add_parser(
        "check", help="system checks, deployment advice, database and channel layer"
    )
    check.add_argument("--deploy", action="store_true", help="treat deployment advice as failures")
    check.set_defaults(func=cmd_check)

    measures = sub.add_parser(
        "measures", help="questionnaire texts: load licensed wording, see what is ready"
    )
    measures.set_defaults(func=lambda args: _print_help(measures))
    actions = measures.add_subparsers(dest="action", metavar="ACTION")
    load_text = actions.add_parser(
        "load-text",
        help="load an organisation's licensed item texts from a JSON file",
        description="Load (or replace) an organisation's item texts for one questionnaire "
        "from a JSON file. The layout is in docs/questionnaires.md; "
        "docs/examples/instrument-texts.example.json shows it with placeholder wording.",
    )
    load_text.add_argument("file", metavar="FILE", help="the JSON file with the texts")
    load_text.add_argument(
        "--organisation", metavar="SLUG", required=True, help="the organisation holding the licence"
    )
    load_text.set_defaults(func=cmd_measures_load_text)
    status = actions.add_parser(
        "status", help="which questionnaires an organisation can schedule, and why not"
    )
    status.add_argument("--organisation", metavar="SLUG", required=True)
    status.set_defaults(func=cmd_measures_status)

    sub.add_parser("manage", help="any django-admin command, e.g. `peercircle manage shell`")
    return parser


def _print_help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    # ``manage`` hands everything after it to django-admin, options included.
    passthrough = argv[1:] if argv[:1] == ["manage"] else None
    args = parser.parse_args(argv) if passthrough is None else None
    if args is not None and args.command is None:
        parser.print_help()
        return 2

    from django.core.exceptions import ImproperlyConfigured
    from django.db import DatabaseError

    try:
        _setup_django()
        if passthrough is not None:
            return cmd_manage(passthrough)
        assert args is not None
        return int(args.func(args))
    except (ConfigError, ImproperlyConfigured, ValueError) as exc:
        if isinstance(exc, ValueError) and not _is_settings_error(exc):
            raise
        prefix = "DATABASE_URL: " if isinstance(exc, ValueError) else ""
        warn(f"configuration problem: {prefix}{exc}")
        warn("See .env.example and docs/configuration.md for the settings and their values.")
        return 2
    except DatabaseError as exc:
        warn(f"the database does not answer or refused: {exc}".rstrip())
        warn("Check DATABASE_URL (see docs/configuration.md), or `peercircle check`.")
        return 1
    except CommandFailed as exc:
        warn(str(exc))
        return 1
    except KeyboardInterrupt:
        return 130


def _is_settings_error(exc: ValueError) -> bool:
    """dj-database-url reports a DATABASE_URL it cannot parse as a ValueError."""
    import dj_database_url

    return isinstance(exc, dj_database_url.ParseError | dj_database_url.UnknownSchemeError)


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main())
