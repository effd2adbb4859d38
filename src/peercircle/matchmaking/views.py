"""Participants' and volunteers' one-to-one support pages at /support/: ask
for a peer supporter, see where the request stands, the supporter's name and
a link to the conversation once matched, and ask to end or change it; for
volunteers, what they offer and the people they support. See
docs/matching.md, "In the platform".

Views parse, make one access check (``NotFound`` for "not there" and "not
yours" alike), call one service or selector and render. A refused form comes
back with what was typed and the reason on its field.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from peercircle.core.access import NotFound, organisations_where
from peercircle.core.roles import Role
from peercircle.matchmaking import selectors, services
from peercircle.matchmaking.access import (
    access_organisation_member,
    access_pairing_side,
    access_profile_own,
    access_request_own,
)
from peercircle.matchmaking.forms import AskChangeForm, OfferForm, RequestForm
from peercircle.matchmaking.models import OPEN_STATES, RequestState, SupportRequest
from peercircle.matchmaking.services import MatchmakingError

T = "matchmaking/"
GET_POST = require_http_methods(["GET", "POST"])


def _data(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The person's one-to-one support in each organisation where they are a member."""
    organisation_ids = organisations_where(request.user, {Role.PARTICIPANT})
    context = {
        "sections": selectors.my_support(request.user, organisation_ids),
        "volunteering": bool(selectors.own_profiles(request.user)),
        "groups": _group_suggestions(request.user, organisation_ids),
    }
    return render(request, T + "home.html", context)


def _group_suggestions(user: Any, organisation_ids: list[int]) -> list[Any]:
    from peercircle.matchmaking.groups import suggestions_for

    return suggestions_for(user, organisation_ids)


@login_required
@GET_POST
def ask(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Ask for a peer supporter, or change what was asked while waiting."""
    organisation = access_organisation_member(request.user, organisation_id)
    current = (
        SupportRequest.objects.filter(
            organisation=organisation, person=request.user, state__in=OPEN_STATES
        )
        .select_related("pairing")
        .first()
    )
    if current is not None and current.state == RequestState.MATCHED:
        if current.pairing is None or current.pairing.ended_at is None:
            return render(request, T + "matched.html", {"organisation": organisation})
        current = None  # that support has ended; they may ask again
    initial = RequestForm.initial_from(current) if current else None
    form = RequestForm(_data(request), initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                if current is None:
                    services.request_submit(
                        person=request.user, organisation=organisation, **form.service_fields()
                    )
                else:
                    services.request_update(
                        actor=request.user, request=current, **form.service_fields()
                    )
            except MatchmakingError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(
                    request,
                    "Thank you. A coordinator will look for a peer supporter who suits you, and "
                    "you will see here when someone is found.",
                )
                return redirect("support:home")
    context = {"organisation": organisation, "form": form, "current": current}
    return render(request, T + "ask.html", context, status=status)


@login_required
@require_POST
def withdraw(request: HttpRequest, request_id: int) -> HttpResponse:
    support_request = access_request_own(request.user, request_id)
    try:
        services.request_withdraw(actor=request.user, request=support_request)
    except MatchmakingError as exc:
        messages.error(request, exc.text)
    else:
        messages.success(request, "Your request is withdrawn. You can ask again at any time.")
    return redirect("support:home")


@login_required
@GET_POST
def ask_change(request: HttpRequest, pairing_id: int) -> HttpResponse:
    """Either side of a pairing asks to end it or change supporter."""
    pairing = access_pairing_side(request.user, pairing_id)
    participant = pairing.participant_id == request.user.pk
    form = AskChangeForm(_data(request), participant=participant)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.change_request_submit(
                    actor=request.user,
                    pairing=pairing,
                    kind=form.cleaned_data["kind"],
                    note=form.cleaned_data["note"],
                    prefer=form.cleaned_data.get("prefer", ""),
                )
            except MatchmakingError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(
                    request,
                    "Thank you for telling us. A coordinator will be in touch; until then "
                    "nothing changes.",
                )
                return redirect("support:offer" if not participant else "support:home")
    other = pairing.volunteer if participant else pairing.participant
    context = {"pairing": pairing, "participant": participant, "other": other, "form": form}
    return render(request, T + "ask_change.html", context, status=status)


def _offer_page(
    request: HttpRequest, forms: dict[int, OfferForm] | None = None, status: int = 200
) -> HttpResponse:
    profiles = selectors.own_profiles(request.user)
    if not profiles:
        raise NotFound()
    forms = forms or {}
    rows = []
    for profile in profiles:
        form = forms.get(profile.pk)
        if form is None:
            offer = services.offer_for(profile)
            form = OfferForm(
                initial={"formats": offer.formats, "tags": offer.tags, "town": offer.town},
                auto_id=f"offer{profile.pk}-%s",
            )
        rows.append(
            {
                "profile": profile,
                "form": form,
                "one_to_one": "one_to_one" in (profile.roles_wanted or []),
            }
        )
    context = {"rows": rows, "pairings": selectors.supporting(request.user)}
    return render(request, T + "offer.html", context, status=status)


@login_required
def offer(request: HttpRequest) -> HttpResponse:
    """What the volunteer offers one to one, and the people they support."""
    return _offer_page(request)


@login_required
@require_POST
def offer_save(request: HttpRequest, profile_id: int) -> HttpResponse:
    profile = access_profile_own(request.user, profile_id)
    form = OfferForm(request.POST, auto_id=f"offer{profile.pk}-%s")
    if form.is_valid():
        try:
            services.offer_update(actor=request.user, profile=profile, **form.cleaned_data)
        except MatchmakingError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, "Saved. Coordinators will use this when matching.")
            return redirect("support:offer")
    return _offer_page(request, {profile.pk: form}, status=400)
