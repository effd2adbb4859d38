from __future__ import annotations

from django.urls import path

from peercircle.programmes import views_public as views

app_name = "public"

urlpatterns = [
    path("", views.finder, name="finder"),
    path("me/groups/", views.finder, name="my_groups"),
]
