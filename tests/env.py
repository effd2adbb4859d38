"""Loaded before Django starts (``-p tests.env``): the environment of a test run."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

os.environ["PEERCIRCLE_TESTING"] = "1"
os.environ.setdefault("SECRET_KEY", "test-secret-key-that-is-long-enough-for-the-settings-check")
# A folder for the run's files (the SQLite test databases among them), made by
# the process that starts the run, shared by its workers, removed at its end.
_MADE_DATA_DIR = "PEERCIRCLE_DATA_DIR" not in os.environ
if _MADE_DATA_DIR:
    os.environ["PEERCIRCLE_DATA_DIR"] = tempfile.mkdtemp(prefix="peercircle-test-")
# Playwright drives the live server from a thread, and its calls come back
# through an event loop; Django must allow ORM use there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Parallel workers (pytest-xdist) each get their own Redis database and
# prefixes, so one worker's cache.clear() (FLUSHDB) or pub/sub traffic never
# reaches another's.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker and os.environ.get("REDIS_URL"):
    from urllib.parse import urlsplit, urlunsplit

    _index = int("".join(ch for ch in _worker if ch.isdigit()) or 0)
    _url = urlsplit(os.environ["REDIS_URL"])
    _base = int(_url.path.strip("/") or 0)
    os.environ["REDIS_URL"] = urlunsplit(_url._replace(path=f"/{_base + 1 + _index}"))
    os.environ["CHANNEL_PREFIX"] = f"peercircle-{_worker}"
    os.environ["CACHE_KEY_PREFIX"] = f"peercircle-{_worker}"


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    if _MADE_DATA_DIR:
        shutil.rmtree(os.environ["PEERCIRCLE_DATA_DIR"], ignore_errors=True)
