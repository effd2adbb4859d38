"""The coordinators' matching pages at /manage/matching/: who is waiting, run
a round, decide on each suggestion (accept, choose another supporter, or
reject with a reason), who was left waiting and why, and requests to end or
change a pairing. See docs/matching.md, "In the platform".

Each view parses, makes one access check (``NotFound`` for "not there" and
"not yours" alike), calls one service or selector and renders. A refused form
comes back with what was typed and the reason on its field.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from peercircle.core.access import NotFound, organisations_where
from peercircle.core.roles import MANAGES_PROGRAMMES
from peercircle.matchmaking import selectors, services
from peercircle.matchmaking.access import (
    access_change_request_manage,
    access_organisation_manage,
    access_proposal_manage,
)
from peercircle.matchmaking.forms import ChangeForm, ReasonForm, ResolveForm, RoundForm
from peercircle.matchmaking.services import MatchmakingError
from peercircle.matchmaking.vocabulary import OBJECTIVE_LABELS
from peercircle.programmes.selectors import organisations_by_id

T = "matchmaking/manage/"
GET_POST = require_http_methods(["GET", "POST"])


def _data(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _back(organisation_id: int) -> HttpResponse:
    return redirect("matching_manage:organisation", organisation_id=organisation_id)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The organisations whose matching this person runs."""
    organisation_ids = organisations_where(request.user, MANAGES_PROGRAMMES)
    if not organisation_ids:
        raise NotFound()
    rows = [
        {"organisation": organisation, "waiting": selectors.waiting_count(organisation)}
        for organisation in organisations_by_id(organisation_ids)
    ]
    return render(request, T + "index.html", {"rows": rows})


def _organisation_page(
    request: HttpRequest, organisation: Any, form: RoundForm, status: int = 200
) -> HttpResponse:
    latest = selectors.latest_round(organisation)
    context = {
        "organisation": organisation,
        "form": form,
        "waiting": selectors.waiting_count(organisation),
        "latest": latest,
        "objective_label": OBJECTIVE_LABELS.get(latest.round.objective, "") if latest else "",
        "changes": selectors.open_change_requests(organisation),
        "reject_form": ReasonForm(auto_id="reject-%s"),
    }
    return render(request, T + "organisation.html", context, status=status)


@login_required
def organisation(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = access_organisation_manage(request.user, organisation_id)
    return _organisation_page(request, organisation, RoundForm())


@login_required
@require_POST
def run(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = access_organisation_manage(request.user, organisation_id)
    form = RoundForm(request.POST)
    if form.is_valid():
        try:
            matching_round = services.round_run(
                actor=request.user,
                organisation=organisation,
                objective=form.cleaned_data["objective"],
            )
        except MatchmakingError as exc:
            form.add_service_errors(exc)
        else:
            count = matching_round.proposals.count()
            messages.success(
                request,
                f"The round suggested {count} pairing{'s' if count != 1 else ''}; "
                f"{len(matching_round.unmatched)} "
                f"{'person is' if len(matching_round.unmatched) == 1 else 'people are'} "
                "still waiting. Nothing changes for anyone until you accept a suggestion.",
            )
            return _back(organisation.pk)
    return _organisation_page(request, organisation, form, status=400)


@login_required
@require_POST
def accept(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = access_proposal_manage(request.user, proposal_id)
    try:
        services.proposal_accept(actor=request.user, proposal=proposal)
    except MatchmakingError as exc:
        messages.error(request, f"Not accepted: {exc.text}")
    else:
        messages.success(
            request,
            f"{proposal.request.person.pseudonym} and {proposal.profile.person.pseudonym} are "
            "paired. Their conversation is open in their rooms, and they have been told.",
        )
    return _back(proposal.request.organisation_id)


@login_required
@GET_POST
def change(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """Choose another supporter from those who fit now, with their reasons."""
    proposal = access_proposal_manage(request.user, proposal_id)
    alternatives = selectors.alternatives_for(proposal) if proposal.state == "proposed" else []
    choices = [(a.profile.pk, a.profile.person.pseudonym) for a in alternatives]
    form = ChangeForm(_data(request), choices=choices, auto_id="change-%s")
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            from peercircle.volunteers.models import VolunteerProfile

            profile = (
                VolunteerProfile.objects.select_related("person")
                .filter(
                    pk=form.cleaned_data["profile"],
                    organisation_id=proposal.request.organisation_id,
                )
                .first()
            )
            if profile is None:
                form.add_error("profile", "Choose a supporter from the list.")
            else:
                try:
                    services.proposal_change(actor=request.user, proposal=proposal, profile=profile)
                except MatchmakingError as exc:
                    form.add_error("profile", exc.text)
                else:
                    messages.success(
                        request,
                        f"{proposal.request.person.pseudonym} and {profile.person.pseudonym} are "
                        "paired. Their conversation is open in their rooms, and they have been "
                        "told.",
                    )
                    return _back(proposal.request.organisation_id)
    context = {
        "proposal": proposal,
        "organisation": proposal.request.organisation,
        "alternatives": alternatives,
        "described": selectors.describe(proposal.request),
        "form": form,
    }
    return render(request, T + "change.html", context, status=status)


@login_required
@GET_POST
def reject(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = access_proposal_manage(request.user, proposal_id)
    form = ReasonForm(_data(request), auto_id="reject-%s")
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.proposal_reject(
                    actor=request.user, proposal=proposal, reason=form.cleaned_data["reason"]
                )
            except MatchmakingError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(
                    request,
                    f"Turned down. {proposal.request.person.pseudonym} is waiting again, and "
                    f"{proposal.profile.person.pseudonym} will not be suggested for them again.",
                )
                return _back(proposal.request.organisation_id)
    context = {"proposal": proposal, "organisation": proposal.request.organisation, "form": form}
    return render(request, T + "reject.html", context, status=status)


@login_required
@GET_POST
def resolve(request: HttpRequest, change_id: int) -> HttpResponse:
    change_request = access_change_request_manage(request.user, change_id)
    form = ResolveForm(_data(request), auto_id="resolve-%s")
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.change_request_resolve(
                    actor=request.user,
                    change=change_request,
                    outcome=form.cleaned_data["outcome"],
                    reason=form.cleaned_data["reason"],
                )
            except MatchmakingError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, "Done: the pairing has ended.")
                return _back(change_request.organisation_id)
    context = {
        "change": change_request,
        "organisation": change_request.organisation,
        "form": form,
    }
    return render(request, T + "resolve.html", context, status=status)
