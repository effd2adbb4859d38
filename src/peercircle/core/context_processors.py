"""Crisis resources for every page. See docs/safety-on-every-page.md."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.utils.functional import SimpleLazyObject

from peercircle.core.models import CrisisResource, Organisation, tel_href

CACHE_SECONDS = 60


def crisis_cache_key(organisation_id: int | None) -> str:
    return f"crisis-resources:{organisation_id}"


def _organisation_id_for(request) -> int | None:
    explicit = getattr(request, "crisis_organisation_id", None)
    if explicit:
        return explicit
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from peercircle.core.access import roles_by_organisation

        orgs = sorted(roles_by_organisation(user))
        if orgs:
            return orgs[0]
    key = "crisis-default-organisation"
    cached = cache.get(key)
    if cached is None:
        queryset = Organisation.objects.order_by("id")
        if settings.DEFAULT_ORGANISATION:
            queryset = Organisation.objects.filter(slug=settings.DEFAULT_ORGANISATION)
        cached = queryset.values_list("id", flat=True).first() or 0
        cache.set(key, cached, CACHE_SECONDS)
    return cached or None


def crisis_resources_for(organisation_id: int | None) -> list[dict]:
    key = crisis_cache_key(organisation_id)
    resources = cache.get(key)
    if resources is None:
        resources = list(
            CrisisResource.objects.filter(organisation_id=organisation_id).values(
                "name", "description", "phone", "text_number", "url", "hours", "verified_at"
            )
        )
        for item in resources:
            item["tel_href"] = tel_href(item["phone"])
        cache.set(key, resources, CACHE_SECONDS)
    return resources


def crisis(request):
    return {
        "crisis_resources": SimpleLazyObject(
            lambda: crisis_resources_for(_organisation_id_for(request))
        )
    }


def navigation(request):
    """Whether to show the back-office link (coordinators, admins and facilitators)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show_manage_link": False}

    def compute() -> bool:
        from peercircle.core.access import organisations_where
        from peercircle.core.roles import MANAGES_PROGRAMMES

        if organisations_where(user, MANAGES_PROGRAMMES):
            return True
        from peercircle.programmes.models import Facilitation

        return Facilitation.objects.filter(user=user).exists()

    def safety() -> dict:
        from peercircle.core.access import organisations_where
        from peercircle.safety.selectors import unread_notice_count
        from peercircle.safety.services import ALERT_ROLES

        sees_alerts = bool(organisations_where(user, ALERT_ROLES))
        unread = unread_notice_count(user) if sees_alerts or compute() else 0
        return {"alerts": sees_alerts, "unread": unread}

    def questionnaires_due() -> int:
        from peercircle.questionnaires.selectors import due_count_for_nav

        return due_count_for_nav(user)

    return {
        "show_manage_link": SimpleLazyObject(compute),
        # Safeguarding leads: a link to the queue; anyone with unread
        # safeguarding notices (coordinators when an alert escalates): a count.
        "safety_nav": SimpleLazyObject(safety),
        # Questionnaires open now: a "Check-ins" link with their number.
        "questionnaires_due": SimpleLazyObject(questionnaires_due),
    }
