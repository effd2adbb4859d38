"""ASGI entry point for benchmarks: the real application under bench.settings.

``/__bare`` reaches a bare Django view (bench/urls.py); every other path reaches
the product exactly as peercircle.config.asgi serves it.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from peercircle.config.asgi import application  # noqa: E402

__all__ = ["application"]
