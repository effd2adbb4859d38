from __future__ import annotations

from django.urls import path

from peercircle.programmes import views_manage as views

app_name = "manage"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
