"""Settings for benchmarks: the product's settings plus a URLconf with a bare view.

The bare view is the baseline every page is compared against; it never becomes
a route of the product. See docs/performance.md.
"""

from __future__ import annotations

from peercircle.config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
