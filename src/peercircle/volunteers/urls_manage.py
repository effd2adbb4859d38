"""Coordinators' volunteer pages: the overview with its flags, each volunteer's
pipeline and screening, training sign-off, supervision and the hours export.
See docs/volunteers.md, "Pages for coordinators"."""

from __future__ import annotations

from django.urls import URLPattern, path

from peercircle.volunteers import views_manage as views

app_name = "volunteers_manage"

urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("organisations/<int:organisation_id>/", views.overview, name="overview"),
    path("organisations/<int:organisation_id>/training/", views.training, name="training"),
    path(
        "organisations/<int:organisation_id>/training/new/",
        views.module_create,
        name="module_create",
    ),
    path(
        "organisations/<int:organisation_id>/supervision/",
        views.supervision,
        name="supervision",
    ),
    path("organisations/<int:organisation_id>/events/", views.events, name="events"),
    path("organisations/<int:organisation_id>/hours/", views.export, name="export"),
    path("organisations/<int:organisation_id>/policy/", views.policy, name="policy"),
    path("people/<int:profile_id>/", views.volunteer, name="volunteer"),
    path("people/<int:profile_id>/move/", views.volunteer_move, name="move"),
    path("people/<int:profile_id>/references/", views.reference_add, name="reference_add"),
    path("people/<int:profile_id>/checks/", views.check_record, name="check_record"),
    path("people/<int:profile_id>/interviews/", views.interview_record, name="interview_record"),
    path("people/<int:profile_id>/caseload/", views.caseload_limit, name="caseload_limit"),
    path(
        "references/<int:reference_id>/received/",
        views.reference_receive,
        name="reference_receive",
    ),
    path("debriefs/<int:offer_id>/done/", views.debrief_done, name="debrief_done"),
    path("checkins/<int:checkin_id>/chat/", views.chat_answered, name="chat_answered"),
    path("completions/<int:completion_id>/sign-off/", views.sign_off, name="sign_off"),
    path("modules/<int:module_id>/edit/", views.module_edit, name="module_edit"),
    path("modules/<int:module_id>/active/", views.module_active, name="module_active"),
    path(
        "supervision/<int:supervision_id>/",
        views.supervision_detail,
        name="supervision_detail",
    ),
    path(
        "supervision/<int:supervision_id>/record/",
        views.supervision_record,
        name="supervision_record",
    ),
    path(
        "supervision/<int:supervision_id>/cancel/",
        views.supervision_cancel,
        name="supervision_cancel",
    ),
    path(
        "supervision/<int:supervision_id>/notes/",
        views.supervision_notes,
        name="supervision_notes",
    ),
    path("supervision/<int:supervision_id>/actions/", views.action_add, name="action_add"),
    path("actions/<int:action_id>/done/", views.action_done, name="action_done"),
    path("events/<int:event_id>/cancel/", views.event_cancel, name="event_cancel"),
]
