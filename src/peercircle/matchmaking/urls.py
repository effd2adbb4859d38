from __future__ import annotations

app_name = "support"
urlpatterns: list = []
