"""Two-factor for staff pages. See docs/access.md."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

STAFF_PREFIXES = ("/manage/", "/admin/")


class StaffTwoFactorMiddleware:
    """Staff pages need a verified second factor when the person has one set up.

    With STAFF_TWO_FACTOR_REQUIRED, staff without a device are sent to set one up.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(STAFF_PREFIXES) and request.user.is_authenticated:
            from django_otp import user_has_device

            if user_has_device(request.user, confirmed=True):
                if not request.user.is_verified():
                    return redirect(
                        reverse("accounts:two_factor_verify")
                        + "?"
                        + urlencode({"next": request.path})
                    )
            elif settings.STAFF_TWO_FACTOR_REQUIRED:
                from peercircle.core.access import organisations_where
                from peercircle.core.roles import STAFF_ROLES

                if organisations_where(request.user, STAFF_ROLES) or request.user.is_staff:
                    return redirect("accounts:two_factor_setup")
        return self.get_response(request)
