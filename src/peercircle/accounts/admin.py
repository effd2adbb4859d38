"""Django admin for people, their context and consents.

Real name, email and phone are encrypted at rest: the admin shows and edits
them, but never searches, filters or sorts by them (the database holds only
ciphertext, and a search box over them would be a way to probe for people).
See docs/data-protection.md.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm

from peercircle.accounts.models import Consent, ContextProfile, User


class PeerUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


class PeerUserCreationForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "pseudonym")


class ContextProfileInline(admin.StackedInline):
    model = ContextProfile
    can_delete = False
    extra = 0


@admin.register(User)
class PeerUserAdmin(UserAdmin):
    form = PeerUserChangeForm
    add_form = PeerUserCreationForm
    list_display = ("pseudonym", "username", "is_active", "is_staff", "date_joined")
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("pseudonym", "username")  # never the encrypted fields
    ordering = ("pseudonym",)
    readonly_fields = ("date_joined", "last_login", "calendar_token")
    fieldsets = (
        (None, {"fields": ("username", "pseudonym", "password")}),
        ("Contact details (encrypted)", {"fields": ("real_name", "email", "phone")}),
        (
            "Access",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("date_joined", "last_login", "calendar_token")}),
    )
    add_fieldsets = (
        (
            None,
            {"classes": ("wide",), "fields": ("username", "pseudonym", "password1", "password2")},
        ),
    )
    filter_horizontal = ("groups", "user_permissions")
    inlines = [ContextProfileInline]


@admin.register(ContextProfile)
class ContextProfileAdmin(admin.ModelAdmin):
    list_display = (
        "user",
        "year_of_birth",
        "gender",
        "perinatal_stage",
        "postcode_area",
        "updated_at",
    )
    list_filter = ("gender", "perinatal_stage")
    search_fields = ("user__pseudonym",)
    raw_id_fields = ("user",)


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "purpose", "version", "given_at", "withdrawn_at")
    list_filter = ("purpose", "organisation")
    search_fields = ("user__pseudonym",)
    raw_id_fields = ("user",)


# django-otp's device admin searches ``user__email``, which here is ciphertext:
# replace its search with the fields that are stored in the clear.
try:
    from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
    from django_otp.plugins.otp_totp.models import TOTPDevice
except ImportError:  # pragma: no cover - the plugin is always installed with django-otp
    TOTPDevice = None

if TOTPDevice is not None and admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)

    @admin.register(TOTPDevice)
    class PeerTOTPDeviceAdmin(TOTPDeviceAdmin):
        search_fields = ("name", "user__pseudonym", "user__username")
