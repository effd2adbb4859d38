"""The coordinators' matching pages, under /manage/matching/. See docs/matching.md."""

from __future__ import annotations

from django.urls import path

from peercircle.matchmaking import views_manage as views

app_name = "matching_manage"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:organisation_id>/", views.organisation, name="organisation"),
    path("<int:organisation_id>/run/", views.run, name="run"),
    path("proposals/<int:proposal_id>/accept/", views.accept, name="accept"),
    path("proposals/<int:proposal_id>/change/", views.change, name="change"),
    path("proposals/<int:proposal_id>/reject/", views.reject, name="reject"),
    path("change-requests/<int:change_id>/", views.resolve, name="resolve"),
]
