from __future__ import annotations

from django.apps import AppConfig


class SafetyConfig(AppConfig):
    """Safeguarding alerts, escalation and the screening hook. See docs/safety.md."""

    name = "peercircle.safety"
    label = "safety"
    verbose_name = "Safeguarding"
