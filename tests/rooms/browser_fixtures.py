"""Helpers for the room page's browser tests (tests/rooms/test_browser.py).

- ``AsgiServer`` runs the real ASGI application (HTTP and WebSockets) under
  uvicorn in a background thread with its own event loop. Django's
  ``live_server`` speaks WSGI only, so it cannot serve the room's socket.
- ``BrowserThread`` owns a Playwright instance and headless Chromium on a
  thread of its own. The Sync API cannot be started twice in one thread, and
  ``tests/browser`` keeps its own session-wide instance in the main thread;
  a second thread lets both exist in one test run, in any order.
- ``session_cookie`` signs a person in by giving the browser a Django session.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

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
START_SECONDS = 15
STOP_SECONDS = 10


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _fresh_channel_layer() -> None:
    """Forget the process's channel layer, so that the next server's loop makes
    its own (the in-memory layer's queues belong to the loop that made them)."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()


class AsgiServer:
    """``peercircle.config.asgi.application`` under uvicorn, on 127.0.0.1."""

    def __init__(self) -> None:
        import uvicorn

        from peercircle.config.asgi import application

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(
            uvicorn.Config(
                application,
                host="127.0.0.1",
                port=self.port,
                lifespan="off",
                log_level="warning",
                timeout_graceful_shutdown=2,
            )
        )
        self.thread = threading.Thread(target=self._run, name="asgi-server", daemon=True)
        self.failure: BaseException | None = None

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self.server.serve())
        except BaseException as error:  # reported by start()
            self.failure = error
        finally:
            # Connections cut at shutdown leave their tasks (a room's closing
            # timer) pending: end them before the loop goes.
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

    def start(self) -> AsgiServer:
        _fresh_channel_layer()
        self.thread.start()
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.failure is not None or not self.thread.is_alive():
                raise RuntimeError(f"the ASGI server did not start: {self.failure!r}")
            if self.server.started:
                try:
                    with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                        return self
                except OSError:
                    pass
            time.sleep(0.05)
        raise RuntimeError(f"the ASGI server did not answer within {START_SECONDS} s")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(STOP_SECONDS)
        _fresh_channel_layer()
        assert not self.thread.is_alive(), "the ASGI server did not stop"


class BrowserThread:
    """Runs functions on one thread that owns Playwright and a Chromium browser.

    ``run(fn, *args)`` calls ``fn(browser, *args)`` there and returns its result
    or raises its exception here.
    """

    def __init__(self) -> None:
        self.executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="browser"
        )
        self.playwright: Any = None
        self.browser: Any = None
        self.run(lambda browser: None)

    def _start(self) -> None:
        from playwright.sync_api import sync_playwright

        self.playwright = sync_playwright().start()
        self.browser = self.playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )

    def run(self, fn: Callable[..., Any], *args: Any, timeout: float = 180) -> Any:
        def job() -> Any:
            if self.browser is None:
                self._start()
            return fn(self.browser, *args)

        return self.executor.submit(job).result(timeout=timeout)

    def close(self) -> None:
        def job() -> None:
            if self.browser is not None:
                self.browser.close()
            if self.playwright is not None:
                self.playwright.stop()

        try:
            self.executor.submit(job).result(timeout=30)
        finally:
            self.executor.shutdown(wait=True)


def session_cookie(user: Any, url: str) -> dict[str, str]:
    """A signed-in session for ``user``, as a cookie for Playwright."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": url,
    }


def open_page(browser: Any, server: Any, cookie: dict[str, str], path: str) -> Any:
    """A phone-sized page (390 x 844), signed in with ``cookie``, opened at ``path``."""
    context = browser.new_context(base_url=server.url, viewport={"width": 390, "height": 844})
    context.set_default_timeout(15_000)
    context.add_cookies([cookie])
    page = context.new_page()
    page.goto(path)
    return page


def page_problems(page: Any) -> list[str]:
    """Accessibility (axe) and width problems on the page as it is now."""
    from tests.rooms.test_browser import axe_violations, too_wide

    return axe_violations(page) + too_wide(page)


def from_db(fn: Callable[[], Any]) -> Any:
    """``fn()`` from the browser's thread, its database connections closed after."""
    from django.db import connections

    try:
        return fn()
    finally:
        connections.close_all()
