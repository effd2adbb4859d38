"""Django admin for organisations, roles, crisis resources and the audit log.

The admin is for staff accounts (``is_staff``) with model permissions. The audit
log is read-only here as everywhere: no one may add, change or delete an event.
See docs/access.md and docs/data-protection.md.
"""

from __future__ import annotations

from django.contrib import admin

from peercircle.core.models import AuditEvent, CrisisResource, Membership, Organisation


class CrisisResourceInline(admin.TabularInline):
    model = CrisisResource
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "country", "timezone", "default_language")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [CrisisResourceInline]


@admin.register(CrisisResource)
class CrisisResourceAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation", "phone", "hours", "verified_at", "position")
    list_filter = ("organisation",)
    search_fields = ("name",)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "role", "created_at")
    list_filter = ("role", "organisation")
    # Pseudonyms only: real names and contact details are encrypted and not searchable.
    search_fields = ("user__pseudonym", "user__username")
    autocomplete_fields = ("user",)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "action", "actor_id", "organisation_id", "object_type", "object_id")
    list_filter = ("action", "object_type")
    search_fields = ("action", "object_type", "object_id")
    date_hierarchy = "at"
    readonly_fields = (
        "at",
        "actor_id",
        "organisation_id",
        "action",
        "object_type",
        "object_id",
        "detail",
    )
    fields = readonly_fields
    list_select_related = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
