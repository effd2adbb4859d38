"""The questionnaires' staff pages, under /manage/questionnaires/. See docs/questionnaires.md."""

from __future__ import annotations

from django.urls import path

from peercircle.questionnaires import views_manage as views

app_name = "questionnaires_manage"

urlpatterns = [
    path("", views.index, name="index"),
    path("organisations/<int:organisation_id>/", views.organisation, name="organisation"),
    path("organisations/<int:organisation_id>/responses/", views.rates, name="rates"),
    path("organisations/<int:organisation_id>/overdue/", views.overdue, name="overdue"),
    path("programmes/<int:programme_id>/schedule/", views.schedule, name="schedule"),
    path("schedule-points/<int:point_id>/remove/", views.schedule_remove, name="schedule_remove"),
]
