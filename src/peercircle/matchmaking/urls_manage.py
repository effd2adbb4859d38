from __future__ import annotations

app_name = "matching_manage"
urlpatterns: list = []
