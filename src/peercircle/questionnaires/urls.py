"""The participant's questionnaire pages, under /questionnaires/. See docs/questionnaires.md."""

from __future__ import annotations

from django.urls import path

from peercircle.questionnaires import views

app_name = "questionnaires"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("progress/", views.progress, name="progress"),
    path("<int:assignment_id>/", views.answer, name="answer"),
    path("<int:assignment_id>/save/", views.save, name="save"),
    path("<int:assignment_id>/done/", views.done, name="done"),
    path("check-in/session/<int:session_id>/", views.checkin_session, name="checkin_session"),
    path("check-in/pairing/<int:pairing_id>/", views.checkin_pairing, name="checkin_pairing"),
]
