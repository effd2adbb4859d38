"""Headless Chromium (Debian's package) driven by Playwright against the live server.

No browser is downloaded: Playwright launches /usr/bin/chromium. If it is not
installed, these tests are skipped with a message saying so (scripts/test
installs it).
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def chromium():
    """One browser per test module. Playwright's Sync API marks an event loop as
    running in this thread while it is started; stopping it at the end of each
    module lets async tests (the live rooms) run after these in the same worker."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(
            f"Chromium not found at {CHROMIUM}; scripts/test installs Debian's chromium package"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    artefacts = os.environ.get("BROWSER_ARTEFACTS")
    if artefacts:
        os.makedirs(artefacts, exist_ok=True)
        page.screenshot(path=os.path.join(artefacts, f"{os.getpid()}-last.png"), full_page=True)
    context.close()


@pytest.fixture
def screenshot_dir():
    path = os.environ.get("BROWSER_ARTEFACTS") or tempfile.mkdtemp(prefix="peercircle-shots-")
    os.makedirs(path, exist_ok=True)
    yield path
    if not os.environ.get("BROWSER_ARTEFACTS"):
        shutil.rmtree(path, ignore_errors=True)
