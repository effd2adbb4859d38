"""Groups that may suit a person, for the "Groups that may suit you" section
of their one-to-one support page, ranked by the pure
``peercircle.matching.groups.rank_groups``. See docs/matching.md, "In the
platform" and "Group suggestions".

What the person asked for one to one (times, ways to meet, place, what they
are going through) is used where they have an open request; otherwise their
context profile. Programmes they are not eligible for, groups they are
already in (or waiting for), and unlisted or inactive groups are left out
before ranking.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from peercircle.accounts.models import ContextProfile
from peercircle.matching.groups import GroupOption, Seeker, rank_groups
from peercircle.matchmaking.models import OPEN_STATES, SupportRequest
from peercircle.matchmaking.vocabulary import language_code
from peercircle.programmes import eligibility
from peercircle.programmes.models import CURRENT_ENROLMENT, Enrolment, Focus, Group

#: Lived experience and circumstances that make a group focus theirs.
TAG_FOCUS = {
    "new_dad": "perinatal",
    "new_mum": "perinatal",
    "carer": "carers",
    "bereavement": "bereavement",
    "lgbtq": "lgbtq",
    "addiction_recovery": "recovery",
    "psychosis": "recovery",
    "bipolar": "recovery",
}
GENDER_FOCUS = {"man": "men", "woman": "women"}
FOCUS_WORDS = {code: label.lower() for code, label in Focus.choices}
LIMIT = 3


def _codes(languages: list[str]) -> set[str]:
    """The codes of the known languages among those a person wrote."""
    return {code for code in map(language_code, languages) if code is not None}


@dataclass(frozen=True)
class GroupSuggestion:
    name: str
    url: str
    reasons: tuple[str, ...]


def _age(context: ContextProfile | None) -> int | None:
    from django.utils import timezone

    if context is None or context.year_of_birth is None:
        return None
    return timezone.localdate().year - context.year_of_birth


def _seeker(request: SupportRequest | None, context: ContextProfile | None) -> Seeker:
    focus = set()
    gender = context.gender if context else ""
    if gender in GENDER_FOCUS:
        focus.add(GENDER_FOCUS[gender])
    if context is not None and context.perinatal_stage:
        focus.add("perinatal")
    languages = list(context.languages or []) if context else []
    if request is None:
        return Seeker(
            languages=_codes(languages),
            focus=focus,
        )
    focus |= {TAG_FOCUS[tag] for tag in request.tags if tag in TAG_FOCUS}
    ways = {way for way in request.formats if way in ("in_person", "online")} or {"online"}
    languages = [*languages, *request.languages]
    return Seeker(
        languages=_codes(languages),
        ways=ways,
        slots=set(request.slots),
        location=request.location if "in_person" in ways else None,
        focus=focus,
    )


def suggestions_for(user: Any, organisation_ids: list[int]) -> list[GroupSuggestion]:
    """Up to three groups of the person's organisations that may suit them."""
    if not organisation_ids:
        return []
    context = ContextProfile.objects.filter(user=user).first()
    request = (
        SupportRequest.objects.filter(
            person=user, organisation_id__in=organisation_ids, state__in=OPEN_STATES
        )
        .order_by("-created_at")
        .first()
    )
    person = eligibility.Person(
        age=_age(context),
        gender=context.gender if context else "",
        perinatal_stage=context.perinatal_stage if context else "",
    )
    joined = set(
        Enrolment.objects.filter(user=user, status__in=CURRENT_ENROLMENT).values_list(
            "group_id", flat=True
        )
    )
    groups = {
        group.pk: group
        for group in Group.objects.filter(
            organisation_id__in=organisation_ids,
            listed=True,
            is_active=True,
            programme__is_active=True,
        )
        .exclude(pk__in=joined)
        .select_related("programme")
        if eligibility.check(group.programme.rules, person).eligible
    }
    options = [
        GroupOption(
            id=group.pk,
            focus=group.programme.focus or "general",
            delivery=group.delivery,
            language=group.language or "en",
            weekday=group.weekday,
            start_time=group.start_time,
            places_left=group.places_left,
            location=(
                (group.latitude, group.longitude)
                if group.latitude is not None and group.longitude is not None
                else None
            ),
        )
        for group in groups.values()
    ]
    ranked = rank_groups(_seeker(request, context), options, limit=LIMIT, focus_words=FOCUS_WORDS)
    return [
        GroupSuggestion(
            name=groups[s.group_id].name,
            url=reverse("public:group_detail_short", args=[s.group_id]),
            reasons=s.reasons,
        )
        for s in ranked
    ]
