"""A volunteer's own pages: applying, their record, training, supervision,
check-ins and the supporters' network. See docs/volunteers.md."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "volunteers"

urlpatterns: list[URLPattern] = []
