"""The rooms back office, under /manage/rooms/. See docs/rooms.md."""

from __future__ import annotations

from django.urls import path

from peercircle.rooms import views_manage as views

app_name = "rooms_manage"

urlpatterns = [
    path("", views.index, name="index"),
    path("organisations/<int:organisation_id>/pairings/", views.pairings, name="pairings"),
    path("organisations/<int:organisation_id>/settings/", views.room_settings, name="settings"),
    path("organisations/<int:organisation_id>/reports/", views.reports, name="reports"),
    path("pairings/<int:pairing_id>/end/", views.pairing_end, name="pairing_end"),
    path("reports/<int:report_id>/hide/", views.report_hide, name="report_hide"),
    path("reports/<int:report_id>/dismiss/", views.report_dismiss, name="report_dismiss"),
]
