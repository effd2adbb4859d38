from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from peercircle.api import api

admin.site.site_header = "PeerCircle administration"

urlpatterns = [
    path("", include("peercircle.programmes.urls_public")),
    path("account/", include("peercircle.accounts.urls")),
    path("manage/rooms/", include("peercircle.rooms.urls_manage")),
    path("manage/questionnaires/", include("peercircle.questionnaires.urls_manage")),
    path("manage/volunteers/", include("peercircle.volunteers.urls_manage")),
    path("manage/matching/", include("peercircle.matchmaking.urls_manage")),
    path("manage/", include("peercircle.programmes.urls_manage")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("rooms/", include("peercircle.rooms.urls")),
    path("safety/", include("peercircle.safety.urls")),
    path("questionnaires/", include("peercircle.questionnaires.urls")),
    path("volunteering/", include("peercircle.volunteers.urls")),
    path("support/", include("peercircle.matchmaking.urls")),
    path("", include("peercircle.core.urls")),
]
