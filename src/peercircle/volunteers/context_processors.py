"""Whether to show "Volunteering" in the main navigation: for a signed-in
person with a volunteer profile anywhere. A volunteer (the role comes with
training) is known from the cached roles with no query; for anyone else the
answer is looked up once and cached for a few minutes, and applying clears it
(``services.application_submit``). See docs/volunteers.md ("Pages for
volunteers")."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

NAV_CACHE_SECONDS = 300


def nav_cache_key(person_id: int) -> str:
    return f"volunteering-nav:{person_id}"


def volunteering(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"volunteering_nav": False}

    def has_profile() -> bool:
        from peercircle.core.access import roles_by_organisation
        from peercircle.core.roles import Role
        from peercircle.volunteers.models import VolunteerProfile

        if any(Role.VOLUNTEER in roles for roles in roles_by_organisation(user).values()):
            return True
        key = nav_cache_key(user.pk)
        known = cache.get(key)
        if known is None:
            known = VolunteerProfile.objects.filter(person_id=user.pk).exists()
            cache.set(key, known, NAV_CACHE_SECONDS)
        return bool(known)

    return {"volunteering_nav": SimpleLazyObject(has_profile)}
