"""The coordinator back office. See docs/programmes.md."""

from __future__ import annotations

from django.urls import path

from peercircle.programmes import views_manage as views

app_name = "manage"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path(
        "organisations/<int:organisation_id>/programmes/new/",
        views.programme_create,
        name="programme_create",
    ),
    path(
        "organisations/<int:organisation_id>/people/<int:person_id>/contact/",
        views.contact_details,
        name="contact_details",
    ),
    path("programmes/<int:programme_id>/edit/", views.programme_edit, name="programme_edit"),
    path("programmes/<int:programme_id>/groups/new/", views.group_create, name="group_create"),
    path("groups/<int:group_id>/", views.group_detail, name="group_detail"),
    path("groups/<int:group_id>/edit/", views.group_edit, name="group_edit"),
    path("enrolments/<int:enrolment_id>/remove/", views.enrolment_remove, name="enrolment_remove"),
    path("sessions/<int:session_id>/cancel/", views.session_cancel, name="session_cancel"),
    path("sessions/<int:session_id>/reinstate/", views.session_reinstate, name="session_reinstate"),
    path("sessions/<int:session_id>/register/", views.register, name="register"),
    path(
        "sessions/<int:session_id>/register/<int:user_id>/", views.register_row, name="register_row"
    ),
]
