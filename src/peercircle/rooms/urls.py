"""Pages for live rooms. See docs/rooms.md ("The room page")."""

from __future__ import annotations

from django.urls import path

from peercircle.rooms import views

app_name = "rooms"

urlpatterns = [
    path("", views.my_rooms, name="mine"),
    path("<int:room_id>/", views.room, name="room"),
    path("<int:room_id>/send/", views.send, name="send"),
    path("<int:room_id>/messages/<int:message_id>/hide/", views.hide, name="hide"),
    path(
        "<int:room_id>/reports/<int:report_id>/dismiss/",
        views.report_dismiss,
        name="report_dismiss",
    ),
    path("session/<int:session_id>/", views.session_room, name="session"),
    path("group/<int:group_id>/", views.standing_room, name="standing"),
    path("supporters/<int:organisation_id>/", views.supporters_room, name="supporters"),
]
