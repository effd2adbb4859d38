from __future__ import annotations

from django.apps import AppConfig


class QuestionnairesConfig(AppConfig):
    """Questionnaire schedules, responses, the mechanism check-in and each
    participant's progress. Scoring is the pure ``peercircle.measures``.
    See docs/questionnaires.md."""

    name = "peercircle.questionnaires"
    label = "questionnaires"
    verbose_name = "Questionnaires"
