"""Coordinators' volunteer pages: the overview with its flags, each volunteer's
pipeline and screening, training sign-off, supervision and the hours export.
See docs/volunteers.md."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "volunteers_manage"

urlpatterns: list[URLPattern] = []
