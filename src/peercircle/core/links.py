"""Links for pages that list hundreds of rows.

``reverse()`` per row was a visible share of such pages (docs/performance.md),
so a list reverses once per process into a ``str.format`` pattern and fills it
in per row.
"""

from __future__ import annotations

from functools import lru_cache

from django.urls import reverse


def url_pattern(viewname: str, **samples: int | str) -> str:
    """The URL of ``viewname`` with ``{name}`` where each keyword argument goes.

    Each sample is a value the URL's converter accepts and that appears nowhere
    else in the URL (e.g. ``group_id=987654321``).
    """
    return _url_pattern(viewname, tuple(samples.items()))


@lru_cache(maxsize=64)
def _url_pattern(viewname: str, samples: tuple[tuple[str, int | str], ...]) -> str:
    url = reverse(viewname, kwargs=dict(samples))
    for name, sample in samples:
        url = url.replace(str(sample), "{" + name + "}")
    return url
