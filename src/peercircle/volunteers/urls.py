"""A volunteer's own pages: applying, their record, training, supervision,
check-ins and the supporters' network. See docs/volunteers.md ("Pages for
volunteers")."""

from __future__ import annotations

from django.urls import path

from peercircle.volunteers import views

app_name = "volunteers"

urlpatterns = [
    path("", views.home, name="home"),
    path("apply/", views.apply, name="apply"),
    path("<int:organisation_id>/", views.mine, name="mine"),
    path("<int:organisation_id>/pause/", views.pause, name="pause"),
    path("<int:organisation_id>/resume/", views.resume, name="resume"),
    path("<int:organisation_id>/leave/", views.leave, name="leave"),
    path("<int:organisation_id>/training/", views.training, name="training"),
    path("<int:organisation_id>/certificate/", views.certificate, name="certificate"),
    path("<int:organisation_id>/wellbeing/", views.wellbeing, name="wellbeing"),
    path("<int:organisation_id>/activity/", views.activity, name="activity"),
    path("<int:organisation_id>/network/", views.network, name="network"),
    path("modules/<int:module_id>/", views.module, name="module"),
    path("actions/<int:action_id>/done/", views.action_done, name="action_done"),
    path("debriefs/<int:offer_id>/", views.debrief_respond, name="debrief_respond"),
    path("activity/<int:entry_id>/remove/", views.activity_remove, name="activity_remove"),
]
