"""Permission-checked fetches for programmes. Each raises NotFound for both
"does not exist" and "not allowed". See docs/access.md."""

from __future__ import annotations

from typing import Any

from peercircle.core.access import NotFound, can_manage_programmes, has_role, id_or_not_found
from peercircle.core.roles import MANAGES_PROGRAMMES, Role
from peercircle.programmes.models import CURRENT_ENROLMENT, Enrolment, Group, Programme, Session


def access_programme_manage(user: Any, programme_id: Any) -> Programme:
    programme = (
        Programme.objects.select_related("organisation")
        .filter(pk=id_or_not_found(programme_id))
        .first()
    )
    if programme is None:
        raise NotFound()
    if not can_manage_programmes(user, programme.organisation_id):
        raise NotFound()
    return programme


def access_group_view(user: Any, group_id: Any) -> Group:
    """A group page: public when listed and active; otherwise only for its
    members, facilitators and the organisation's staff."""
    group = (
        Group.objects.select_related("programme", "organisation")
        .filter(pk=id_or_not_found(group_id))
        .first()
    )
    if group is None:
        raise NotFound()
    if group.listed and group.is_active:
        return group
    if has_role(
        user, group.organisation_id, MANAGES_PROGRAMMES | {Role.VOLUNTEER, Role.SAFEGUARDING_LEAD}
    ):
        return group
    if (
        user.is_authenticated
        and Enrolment.objects.filter(group=group, user=user, status__in=CURRENT_ENROLMENT).exists()
    ):
        return group
    raise NotFound()


def access_group_manage(user: Any, group_id: Any) -> Group:
    group = (
        Group.objects.select_related("programme", "organisation")
        .filter(pk=id_or_not_found(group_id))
        .first()
    )
    if group is None:
        raise NotFound()
    if not can_manage_programmes(user, group.organisation_id):
        raise NotFound()
    return group


def is_facilitator(user: Any, group: Group) -> bool:
    return user.is_authenticated and group.facilitations.filter(user=user).exists()


def access_group_register(user: Any, group_id: Any) -> Group:
    """Members list and registers: coordinators, and the group's facilitators."""
    group = (
        Group.objects.select_related("programme", "organisation")
        .filter(pk=id_or_not_found(group_id))
        .first()
    )
    if group is None:
        raise NotFound()
    if can_manage_programmes(user, group.organisation_id):
        return group
    if has_role(user, group.organisation_id, {Role.VOLUNTEER}) and is_facilitator(user, group):
        return group
    raise NotFound()


def access_session_register(user: Any, session_id: Any) -> Session:
    session = (
        Session.objects.select_related("group__organisation", "group__programme")
        .filter(pk=id_or_not_found(session_id))
        .first()
    )
    if session is None:
        raise NotFound()
    access_group_register(user, session.group_id)
    return session


def access_session_manage(user: Any, session_id: Any) -> Session:
    session = (
        Session.objects.select_related("group__organisation")
        .filter(pk=id_or_not_found(session_id))
        .first()
    )
    if session is None or not can_manage_programmes(user, session.group.organisation_id):
        raise NotFound()
    return session


def access_session_member(user: Any, session_id: Any) -> Session:
    """A session of a group the person is an active member of."""
    session = (
        Session.objects.select_related("group__organisation")
        .filter(pk=id_or_not_found(session_id))
        .first()
    )
    if session is None or not user.is_authenticated:
        raise NotFound()
    if not Enrolment.objects.filter(group_id=session.group_id, user=user, status="active").exists():
        raise NotFound()
    return session


def access_own_enrolment(user: Any, enrolment_id: Any) -> Enrolment:
    enrolment = (
        Enrolment.objects.select_related("group__organisation")
        .filter(pk=id_or_not_found(enrolment_id))
        .first()
    )
    if enrolment is None or not user.is_authenticated or enrolment.user_id != user.pk:
        raise NotFound()
    return enrolment


def access_enrolment_manage(user: Any, enrolment_id: Any) -> Enrolment:
    enrolment = (
        Enrolment.objects.select_related("group__organisation", "user")
        .filter(pk=id_or_not_found(enrolment_id))
        .first()
    )
    if enrolment is None or not can_manage_programmes(user, enrolment.group.organisation_id):
        raise NotFound()
    return enrolment
