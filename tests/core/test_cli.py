"""The ``peercircle`` command, called as people call it.

Most subcommands run in-process through ``cli.main``; ``run`` and the bad-setting
cases run in a child process, because they start servers or must load settings
afresh. Every wait is bounded and every child process is killed at the end.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.test import override_settings

from peercircle import cli
from peercircle.accounts.models import User
from peercircle.core.demo import DEMO_PASSWORD
from peercircle.core.models import Membership
from peercircle.core.roles import Role
from tests.factories import OrganisationFactory

REPO = Path(__file__).resolve().parents[2]
#: Variables that would point a child process at the shared services of the test run.
SERVICE_VARIABLES = ("DATABASE_URL", "REDIS_URL", "SQLITE_PATH", "TASKS_BACKEND", "PORT", "HOST")


def _child_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(PEERCIRCLE_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1", **extra)
    return env


# --- in-process subcommands ---------------------------------------------------------


def test_no_subcommand_prints_help_and_fails(capsys):
    assert cli.main([]) == 2
    assert "run" in capsys.readouterr().out


def test_check_reports_the_database_and_the_channel_layer(db, capsys):
    status = cli.main(["check"])
    out = capsys.readouterr().out
    assert "Database: ok" in out
    assert "Channel layer: ok: " in out
    assert "Cache: ok" in out
    assert status == 0, out


def test_check_deploy_treats_deployment_advice_as_failures(db, capsys):
    # The test settings have no secure cookies or HSTS: advice Django gives for production.
    assert cli.main(["check", "--deploy"]) == 1
    out = capsys.readouterr().out
    assert "Deployment advice (must fix)" in out
    assert "security." in out


@override_settings(
    CHANNEL_LAYERS={
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
)
def test_check_fails_when_the_channel_layer_does_not_answer(db, capsys):
    assert cli.main(["check"]) == 1
    out = capsys.readouterr().out
    assert "Channel layer: FAILED" in out
    assert "Database: ok" in out


def test_demo_seeds_prints_the_logins_and_is_safe_to_repeat(db, capsys):
    assert cli.main(["demo"]) == 0
    first = capsys.readouterr().out
    assert DEMO_PASSWORD in first
    for role in Role:
        assert f"  {role.value} " in first
    people = User.objects.count()
    assert cli.main(["demo"]) == 0
    assert "nothing changed" in capsys.readouterr().out
    assert User.objects.count() == people


def test_createadmin_makes_a_superuser_who_administers_the_organisation(db, tmp_path, capsys):
    organisation = OrganisationFactory(slug="hilltop")
    password_file = tmp_path / "password"
    password_file.write_text("a long and unusual passphrase\n", encoding="utf-8")
    status = cli.main(
        [
            "createadmin",
            "--username",
            "ops",
            "--password-file",
            str(password_file),
            "--organisation",
            "hilltop",
        ]
    )
    assert status == 0, capsys.readouterr()
    user = User.objects.get(username="ops")
    assert user.is_staff and user.is_superuser
    assert user.check_password("a long and unusual passphrase")
    assert Membership.objects.filter(user=user, organisation=organisation, role="admin").exists()


def test_createadmin_refuses_a_weak_password_and_creates_nobody(db, tmp_path, capsys):
    password_file = tmp_path / "password"
    password_file.write_text("password\n", encoding="utf-8")
    assert (
        cli.main(["createadmin", "--username", "ops", "--password-file", str(password_file)]) == 1
    )
    err = capsys.readouterr().err
    assert "password:" in err
    assert not User.objects.filter(username="ops").exists()


def test_createadmin_names_an_unknown_organisation(db, tmp_path, capsys):
    password_file = tmp_path / "password"
    password_file.write_text("a long and unusual passphrase\n", encoding="utf-8")
    status = cli.main(
        [
            "createadmin",
            "--username",
            "ops",
            "--password-file",
            str(password_file),
            "--organisation",
            "nowhere",
        ]
    )
    assert status == 1
    assert "no organisation with the slug 'nowhere'" in capsys.readouterr().err
    assert not User.objects.filter(username="ops").exists()


def test_manage_passes_options_through_to_django_admin(db, capsys):
    assert cli.main(["manage", "showmigrations", "core", "--plan"]) == 0
    assert "core.0001_initial" in capsys.readouterr().out


# --- child processes ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG must be true or false"),
        ("LOGIN_FAILURE_LIMIT", "0", "LOGIN_FAILURE_LIMIT must be at least 1"),
        ("SECRET_KEY", "short", "SECRET_KEY must be at least 32 characters"),
    ],
)
def test_a_bad_setting_is_reported_plainly_without_a_traceback(tmp_path, variable, value, message):
    done = subprocess.run(
        [sys.executable, "-m", "peercircle.cli", "check"],
        env=_child_env(tmp_path, **{variable: value}),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "docs/configuration.md" in done.stderr


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own local server
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


def _wait_for(predicate, *, within: float, process: subprocess.Popen, log: Path, what: str):
    """Poll ``predicate`` until it is truthy; fail (with the server's log) if the
    server exits or ``within`` seconds pass. A bound, not a timing assertion."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if process.poll() is not None:
            pytest.fail(
                f"peercircle run exited ({process.returncode}) before {what}:\n{log.read_text()}"
            )
        time.sleep(0.5)
    pytest.fail(f"gave up waiting for {what}:\n{log.read_text()}")


def _daily_task_succeeded(database: Path) -> bool:
    if not database.exists():
        return False
    try:
        with sqlite3.connect(database, timeout=1) as connection:
            rows = connection.execute(
                "SELECT status FROM django_tasks_database_dbtaskresult WHERE task_path LIKE ?",
                ("%programmes_daily",),
            ).fetchall()
    except sqlite3.Error:
        return False
    return ("SUCCESSFUL",) in rows


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_run_serves_the_site_runs_the_daily_task_and_stops_its_worker(tmp_path):
    port = _free_port()
    log = tmp_path / "run.log"
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "peercircle.cli",
                "run",
                "--demo",
                "--port",
                str(port),
                "--quiet",
            ],
            env=_child_env(tmp_path),
            cwd=tmp_path,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_for(
            lambda: _get(f"{base}/healthz") == 200,
            within=240,
            process=process,
            log=log,
            what="/healthz",
        )
        assert _get(f"{base}/") == 200
        output = log.read_text()
        assert f"PeerCircle is running at {base}/" in output
        assert DEMO_PASSWORD in output
        for role in Role:
            assert f"  {role.value} " in output
        worker_pid = int(output.split("worker started (pid ", 1)[1].split(")", 1)[0])
        assert _alive(worker_pid)
        _wait_for(
            lambda: _daily_task_succeeded(tmp_path / "peercircle.sqlite3"),
            within=120,
            process=process,
            log=log,
            what="the daily programme task to run",
        )

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0, log.read_text()
        assert not _alive(worker_pid), "the task worker outlived peercircle run"
        assert "PeerCircle stopped." in log.read_text()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        # The worker shares the session; make sure nothing of ours is left behind.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def test_the_housekeeper_deletes_old_finished_task_results_and_keeps_the_rest(
    settings, transactional_db
):
    # The database task backend keeps a row per run (one a minute for the
    # escalation check alone): old finished rows go, failed ones later, and
    # nothing still to run is touched.
    import datetime as dt

    from django.utils import timezone
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from peercircle.rooms.tasks import rooms_presence_sweep

    settings.TASKS = {"default": {"BACKEND": cli.DB_TASKS_BACKEND}}
    now = timezone.now()
    rows = {}
    for name, status, days_ago in [
        ("old done", TaskResultStatus.SUCCESSFUL, cli.TASKS_KEPT_DAYS + 1),
        ("recent done", TaskResultStatus.SUCCESSFUL, cli.TASKS_KEPT_DAYS - 1),
        ("failed a while ago", TaskResultStatus.FAILED, cli.TASKS_KEPT_DAYS + 1),
        ("failed long ago", TaskResultStatus.FAILED, cli.FAILED_TASKS_KEPT_DAYS + 1),
        ("still to run", TaskResultStatus.READY, None),
    ]:
        result = rooms_presence_sweep.enqueue()
        finished = None if days_ago is None else now - dt.timedelta(days=days_ago)
        DBTaskResult.objects.filter(id=result.id).update(status=status, finished_at=finished)
        rows[name] = str(result.id)

    cli.Housekeeper(start_worker=False).prune_task_results()

    left = {str(pk) for pk in DBTaskResult.objects.values_list("id", flat=True)}
    assert left == {rows["recent done"], rows["failed a while ago"], rows["still to run"]}
    # Other backends keep no rows, and nothing is asked of them.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    cli.Housekeeper(start_worker=False).prune_task_results()
