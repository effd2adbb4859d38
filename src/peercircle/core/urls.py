from __future__ import annotations

from django.urls import path

from peercircle.core import views

app_name = "core"

urlpatterns = [
    path("help-now/", views.crisis_page, name="crisis"),
    path("healthz", views.healthz, name="healthz"),
]
