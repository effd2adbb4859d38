"""Safeguarding pages, under /safety/. See docs/safety.md."""

from __future__ import annotations

from django.urls import path

from peercircle.safety import views

app_name = "safety"

urlpatterns = [
    path("", views.index, name="index"),
    path("organisations/<int:organisation_id>/", views.queue, name="queue"),
    path("organisations/<int:organisation_id>/settings/", views.settings_page, name="settings"),
    path(
        "organisations/<int:organisation_id>/false-alarms/",
        views.false_alarms,
        name="false_alarms",
    ),
    path("alerts/<int:alert_id>/", views.alert_detail, name="alert"),
    path("alerts/<int:alert_id>/acknowledge/", views.alert_acknowledge, name="acknowledge"),
    path("alerts/<int:alert_id>/action/", views.alert_action, name="action"),
    path("alerts/<int:alert_id>/note/", views.alert_note, name="note"),
    path("alerts/<int:alert_id>/close/", views.alert_close, name="close"),
    path("alerts/<int:alert_id>/held/", views.alert_held, name="held"),
    path("concerns/new/", views.concern_new, name="concern_new"),
    path("concerns/sent/", views.concern_sent, name="concern_sent"),
    path("notices/", views.notices, name="notices"),
]
