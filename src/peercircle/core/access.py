"""Central access checks.

Every permission-checked fetch is an ``access_<thing>(user, id)`` function that
either returns the object or raises ``NotFound``: "not found" and "not allowed"
are the same error, so nobody outside can learn that something exists.
Views never query sensitive models directly. See docs/access.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import Http404

from peercircle.core.models import Membership, Organisation
from peercircle.core.roles import MANAGES_PROGRAMMES, SEES_CONTACT_DETAILS, Role


class NotFound(Http404):
    """Raised for both "does not exist" and "you may not see it"."""

    def __init__(self, message: str = "Not found") -> None:
        super().__init__(message)


def id_or_not_found(value: Any) -> int:
    """An id from a URL, a form or a caller as a whole number above 0;
    anything else is the same 404 as a missing thing."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise NotFound() from None
    if number <= 0:
        raise NotFound()
    return number


def signed_in_pk(user: Any) -> int | None:
    """The signed-in person's id, or None for nobody signed in."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return int(user.pk)


def roles_by_organisation(user: Any) -> dict[int, frozenset[Role]]:
    """The user's roles, per organisation id; cached on the user for the request."""
    if user is None or not user.is_authenticated:
        return {}
    cached = getattr(user, "_peercircle_roles", None)
    if cached is None:
        found: dict[int, set[Role]] = {}
        for organisation_id, role in Membership.objects.filter(user=user).values_list(
            "organisation_id", "role"
        ):
            found.setdefault(organisation_id, set()).add(Role(role))
        cached = {key: frozenset(value) for key, value in found.items()}
        user._peercircle_roles = cached
    return cached


def forget_roles(user: Any) -> None:
    if hasattr(user, "_peercircle_roles"):
        del user._peercircle_roles


def roles_in(user: Any, organisation_id: int) -> frozenset[Role]:
    return roles_by_organisation(user).get(organisation_id, frozenset())


def has_role(user: Any, organisation_id: int, roles: Iterable[Role]) -> bool:
    return bool(roles_in(user, organisation_id) & frozenset(roles))


def organisations_where(user: Any, roles: Iterable[Role]) -> list[int]:
    wanted = frozenset(roles)
    return [org_id for org_id, held in roles_by_organisation(user).items() if held & wanted]


def can_manage_programmes(user: Any, organisation_id: int) -> bool:
    return has_role(user, organisation_id, MANAGES_PROGRAMMES)


def can_see_contact_details(user: Any, organisation_id: int) -> bool:
    return has_role(user, organisation_id, SEES_CONTACT_DETAILS)


def access_organisation(
    user: Any, organisation_id: int | str, *, roles: Iterable[Role]
) -> Organisation:
    """The organisation, if ``user`` holds one of ``roles`` in it."""
    try:
        organisation_id = int(organisation_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    if not has_role(user, organisation_id, roles):
        raise NotFound()
    try:
        return Organisation.objects.get(pk=organisation_id)
    except Organisation.DoesNotExist:
        raise NotFound() from None
