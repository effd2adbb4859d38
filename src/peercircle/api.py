"""The JSON API (django-ninja). OpenAPI at /api/docs. See docs/api.md.

Routers live in each app's ``api.py`` and call the same services as the pages.
"""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(
    title="PeerCircle API",
    version="1",
    description="Programmes, groups, sessions, enrolment and attendance.",
    urls_namespace="api",
)
