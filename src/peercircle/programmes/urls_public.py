"""Public pages: finder, group pages, joining, My groups, calendar feed.

See docs/finder.md.
"""

from __future__ import annotations

from django.urls import path

from peercircle.programmes import views_public as views

app_name = "public"

urlpatterns = [
    path("", views.finder, name="finder"),
    path("groups/<int:group_id>/", views.group_detail, name="group_detail_short"),
    path("groups/<int:group_id>/join/", views.group_join, name="group_join"),
    path("groups/<int:group_id>/<slug:slug>/", views.group_detail, name="group_detail"),
    path("enrolments/<int:enrolment_id>/leave/", views.enrolment_leave, name="enrolment_leave"),
    path("enrolments/<int:enrolment_id>/accept/", views.offer_accept, name="offer_accept"),
    path("enrolments/<int:enrolment_id>/decline/", views.offer_decline, name="offer_decline"),
    path("sessions/<int:session_id>/apologies/", views.apologies_send, name="apologies_send"),
    path("me/groups/", views.my_groups, name="my_groups"),
    path("me/calendar/reset/", views.calendar_reset, name="calendar_reset"),
    path("me/calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
