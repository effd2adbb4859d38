"""Whether to show "Volunteering" in the main navigation: for a signed-in
person with a volunteer profile anywhere. One indexed query (profiles by
person), made only when a page draws the navigation. See docs/volunteers.md
("Pages for volunteers")."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def volunteering(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"volunteering_nav": False}

    def has_profile() -> bool:
        from peercircle.volunteers.models import VolunteerProfile

        return VolunteerProfile.objects.filter(person_id=user.pk).exists()

    return {"volunteering_nav": SimpleLazyObject(has_profile)}
