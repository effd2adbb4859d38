from __future__ import annotations

from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    """Volunteer peer supporters: the pipeline from application to active, the
    training curriculum, supervision, volunteers' own wellbeing and the gate on
    who may support people. See docs/volunteers.md."""

    name = "peercircle.volunteers"
    label = "volunteers"
    verbose_name = "Volunteers"

    def ready(self) -> None:
        from peercircle.volunteers import signals  # noqa: F401 - connects the receivers
