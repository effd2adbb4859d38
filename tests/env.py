"""Loaded before Django starts (``-p tests.env``): the environment of a test run."""

from __future__ import annotations

import os
import tempfile

os.environ["PEERCIRCLE_TESTING"] = "1"
os.environ.setdefault("SECRET_KEY", "test-secret-key-that-is-long-enough-for-the-settings-check")
os.environ.setdefault("PEERCIRCLE_DATA_DIR", tempfile.mkdtemp(prefix="peercircle-test-"))
# Playwright drives the live server from a thread, and its calls come back
# through an event loop; Django must allow ORM use there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
