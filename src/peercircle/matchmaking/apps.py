from __future__ import annotations

from django.apps import AppConfig


class MatchmakingConfig(AppConfig):
    """One-to-one matching in the platform: support requests, supporters'
    offers, matching rounds and their proposals, and change requests on
    pairings. See docs/matching.md, "In the platform"."""

    name = "peercircle.matchmaking"
    label = "matchmaking"
    verbose_name = "One-to-one matching"
