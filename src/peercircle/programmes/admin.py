"""Django admin for programmes, groups, sessions, enrolments and attendance.

Day-to-day changes go through the back office (/manage/), whose services keep
places, waiting lists and the audit log right. Here, ``Group.places_taken`` is
read-only, and enrolments and attendance can be looked at but not changed,
because editing them by hand would put the count of places out of step.
See docs/programmes.md.
"""

from __future__ import annotations

from django.contrib import admin

from peercircle.programmes.models import (
    Attendance,
    Enrolment,
    Facilitation,
    Group,
    Programme,
    Session,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "organisation",
        "focus",
        "is_active",
        "offers_groups",
        "offers_one_to_one",
    )
    list_filter = ("organisation", "focus", "is_active")
    search_fields = ("name", "slug")


class FacilitationInline(admin.TabularInline):
    model = Facilitation
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "organisation",
        "programme",
        "kind",
        "delivery",
        "capacity",
        "places_taken",
        "listed",
    )
    list_filter = ("organisation", "kind", "delivery", "listed", "is_active")
    search_fields = ("name", "slug", "area", "venue_name")
    readonly_fields = ("places_taken", "created_at", "updated_at")
    list_select_related = ("organisation", "programme")
    inlines = [FacilitationInline]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ("group", "number", "starts_at", "status", "register_taken_at")
    list_filter = ("status",)
    search_fields = ("group__name",)
    date_hierarchy = "starts_at"
    list_select_related = ("group",)
    raw_id_fields = ("group",)


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyAdmin):
    list_display = (
        "user",
        "group",
        "status",
        "joined_at",
        "waiting_since",
        "offer_expires_at",
        "ended_at",
    )
    list_filter = ("status",)
    search_fields = ("user__pseudonym", "group__name")
    list_select_related = ("user", "group")


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    list_display = ("session", "user", "status", "recorded_by", "recorded_at")
    list_filter = ("status",)
    search_fields = ("user__pseudonym",)
    list_select_related = ("session", "user", "recorded_by")
