"""Participants' and volunteers' one-to-one support pages, under /support/.
See docs/matching.md, "In the platform"."""

from __future__ import annotations

from django.urls import path

from peercircle.matchmaking import views

app_name = "support"

urlpatterns = [
    path("", views.home, name="home"),
    path("<int:organisation_id>/ask/", views.ask, name="ask"),
    path("requests/<int:request_id>/withdraw/", views.withdraw, name="withdraw"),
    path("pairings/<int:pairing_id>/change/", views.ask_change, name="ask_change"),
    path("offer/", views.offer, name="offer"),
    path("offer/<int:profile_id>/", views.offer_save, name="offer_save"),
]
