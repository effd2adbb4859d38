"""A volunteer's own pages at /volunteering/: applying, "My volunteering"
(state and history, caseload, hours, checks, training, supervision and
actions, debriefs, pausing, resuming and leaving), training modules with a
reflection, the printable certificate, wellbeing check-ins, logging
activity, and the supporters' network. See docs/volunteers.md ("Pages for
volunteers").

Views parse, make one access check (``NotFound`` for "not there" and "not
yours" alike), call one service or selector, and render. Every POST ends in
a redirect with a message; a refusal re-renders the page with what the
person typed still in place and the problem named beside its field. Staff-only
records (references, interview notes, check certificates and notes,
supervision notes) are never read here.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from peercircle.core.access import NotFound, roles_by_organisation
from peercircle.core.models import Organisation
from peercircle.measures import instruments
from peercircle.volunteers import access, markup, rules, selectors, services
from peercircle.volunteers.gate import organisation_today
from peercircle.volunteers.models import (
    AVAILABILITY_CHOICES,
    DAYS,
    PARTS,
    WORKLOAD_ITEMS,
    WORKLOAD_SCALE,
    ActivityKind,
    State,
    SupportRole,
    VolunteerProfile,
)
from peercircle.volunteers.services import VOLUNTEERING, VolunteerError

T = "volunteers/"
GET_POST = require_http_methods(["GET", "POST"])
ONS4_KEYS = ("satisfied", "worthwhile", "happy", "anxious")


def _own(request: HttpRequest, organisation_id: int) -> VolunteerProfile:
    return access.access_own_profile(request.user, organisation_id)


def _field_errors(error: VolunteerError) -> tuple[dict[str, str], list[str]]:
    """The service's refusal as a message per field, and messages for no field."""
    if hasattr(error, "error_dict"):
        return {name: " ".join(texts) for name, texts in error.message_dict.items()}, []
    return {}, [error.text]


def _summary(errors: dict[str, str], anchors: dict[str, str]) -> list[tuple[str, str]]:
    """(anchor, message) for the error summary, in the order of ``anchors``."""
    return [(anchors[name], errors[name]) for name in anchors if name in errors]


# --- the way in ------------------------------------------------------------------------


@never_cache
@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Someone with one volunteer profile goes to it; otherwise the list, and
    a way to apply."""
    profiles = selectors.profiles_of(request.user)
    if len(profiles) == 1:
        return redirect("volunteers:mine", organisation_id=profiles[0].organisation_id)
    for profile in profiles:
        profile.state_words = rules.state_words(profile.state)
    return render(
        request,
        T + "home.html",
        {"profiles": profiles, "may_apply": bool(_organisations_to_apply(request.user))},
    )


def _organisations_to_apply(user: Any) -> list[Organisation]:
    """Organisations where the person could apply: where they are a member and
    have no profile, and where they volunteered before and left (leaving takes
    the volunteer role away, so they may be a member no more)."""
    profiles = selectors.profiles_of(user)
    member_of = set(roles_by_organisation(user))
    member_of |= {p.organisation_id for p in profiles if p.state == State.LEFT}
    taken = {p.organisation_id for p in profiles if p.state != State.LEFT}
    return list(
        Organisation.objects.filter(pk__in=member_of - taken).order_by("name", "id"),
    )


APPLY_ANCHORS = {
    "organisation": "organisation",
    "lived_experience": "lived_experience",
    "languages": "languages",
    "availability": "availability-mon_morning",
    "roles_wanted": "roles_wanted-facilitate",
    "about": "about",
}


@never_cache
@GET_POST
@login_required
def apply(request: HttpRequest) -> HttpResponse:
    organisations = _organisations_to_apply(request.user)
    values: dict[str, Any] = {
        "organisation": request.GET.get("organisation", ""),
        "lived_experience": "",
        "languages": "",
        "availability": [],
        "roles_wanted": [],
        "about": "",
    }
    errors: dict[str, str] = {}
    general: list[str] = []
    if request.method == "POST":
        values = {
            "organisation": request.POST.get("organisation", ""),
            "lived_experience": request.POST.get("lived_experience", ""),
            "languages": request.POST.get("languages", ""),
            "availability": request.POST.getlist("availability"),
            "roles_wanted": request.POST.getlist("roles_wanted"),
            "about": request.POST.get("about", ""),
        }
        if len(organisations) == 1:
            organisation: Organisation | None = organisations[0]
        else:
            organisation = next(
                (o for o in organisations if str(o.pk) == values["organisation"]), None
            )
        if not organisations:
            general = ["There is no organisation here you could apply to."]
        else:
            fields = {
                "lived_experience": values["lived_experience"],
                "languages": values["languages"].split(","),
                "availability": values["availability"],
                "roles_wanted": values["roles_wanted"],
                "about": values["about"],
            }
            try:
                if organisation is None:
                    services.application_check(**fields)  # name every other field too
                else:
                    services.application_submit(
                        person=request.user, organisation=organisation, **fields
                    )
            except VolunteerError as refused:
                errors, general = _field_errors(refused)
            if organisation is None:
                errors["organisation"] = "Choose the organisation you would like to volunteer with."
            elif not errors and not general:
                messages.success(
                    request,
                    f"Thank you for applying to volunteer with {organisation.name}. A "
                    "coordinator will be in touch about the next steps.",
                )
                return redirect("volunteers:mine", organisation_id=organisation.pk)
    context = {
        "organisations": organisations,
        "values": values,
        "errors": errors,
        "general": general,
        "summary": _summary(errors, APPLY_ANCHORS),
        "days": [
            {
                "label": day_label,
                "slots": [
                    {
                        "value": f"{day}_{part}",
                        "label": part_label,
                        "checked": f"{day}_{part}" in values["availability"],
                    }
                    for part, part_label in PARTS
                ],
            }
            for day, day_label in DAYS
        ],
        "roles": [
            {"value": value, "label": label, "checked": value in values["roles_wanted"]}
            for value, label in SupportRole.choices
        ],
        "profiles": [p for p in selectors.profiles_of(request.user) if p.state != State.LEFT],
    }
    status = 400 if errors or general else 200
    return render(request, T + "apply.html", context, status=status)


# --- My volunteering ---------------------------------------------------------------------


@never_cache
@require_GET
@login_required
def mine(request: HttpRequest, organisation_id: int) -> HttpResponse:
    profile = _own(request, organisation_id)
    mv = selectors.my_volunteering(profile)
    context = {
        "profile": profile,
        "mv": mv,
        "state_words": rules.state_words(profile.state),
        "paused_from_words": (
            rules.state_words(profile.paused_from) if profile.paused_from else ""
        ),
        "volunteering": profile.state in VOLUNTEERING,
        "caseload": selectors.caseload_for(profile),
        "application": selectors.application_read(request.user, profile),
        "availability_words": dict(AVAILABILITY_CHOICES),
        "role_words": dict(SupportRole.choices),
        "debriefs": selectors.debriefs_not_done(profile),
    }
    return render(request, T + "mine.html", context)


@require_POST
@login_required
def pause(request: HttpRequest, organisation_id: int) -> HttpResponse:
    profile = _own(request, organisation_id)
    try:
        services.volunteer_pause(
            actor=request.user, profile=profile, reason=request.POST.get("reason", "")
        )
    except VolunteerError as refused:
        messages.error(request, refused.text)
    else:
        messages.success(
            request,
            "Your volunteering is paused. Take the time you need; nobody new will be given "
            "to you, and you can resume here whenever you are ready.",
        )
    return redirect("volunteers:mine", organisation_id=profile.organisation_id)


@require_POST
@login_required
def resume(request: HttpRequest, organisation_id: int) -> HttpResponse:
    profile = _own(request, organisation_id)
    try:
        services.volunteer_resume(actor=request.user, profile=profile)
    except VolunteerError as refused:
        messages.error(request, refused.text)
    else:
        messages.success(request, "Welcome back. Your volunteering has resumed.")
    return redirect("volunteers:mine", organisation_id=profile.organisation_id)


@never_cache
@GET_POST
@login_required
def leave(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Leaving asks once, on its own page: it hands over groups and pairings."""
    profile = _own(request, organisation_id)
    reason = ""
    error = ""
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        try:
            services.volunteer_leave(actor=request.user, profile=profile, reason=reason)
        except VolunteerError as refused:
            error = refused.text
        else:
            messages.success(
                request,
                "You have stepped down from volunteering. Thank you for everything you gave. "
                "You are welcome to apply again at any time.",
            )
            return redirect("volunteers:mine", organisation_id=profile.organisation_id)
    context = {
        "profile": profile,
        "reason": reason,
        "error": error,
        "caseload": selectors.caseload_for(profile),
    }
    return render(request, T + "leave.html", context, status=400 if error else 200)


@require_POST
@login_required
def action_done(request: HttpRequest, action_id: int) -> HttpResponse:
    action = access.access_action(request.user, action_id)
    organisation_id = action.supervision.organisation_id
    # These pages are the volunteer's: supervisors mark actions from their own.
    _own(request, organisation_id)
    if action.profile is not None and action.profile.person_id != request.user.pk:
        raise NotFound()
    try:
        services.action_done(actor=request.user, action=action)
    except VolunteerError as refused:
        messages.error(request, refused.text)
    else:
        messages.success(request, "Marked as done. Well done.")
    return redirect(reverse("volunteers:mine", args=[organisation_id]) + "#supervision")


@require_POST
@login_required
def debrief_respond(request: HttpRequest, offer_id: int) -> HttpResponse:
    offer = access.access_debrief(request.user, offer_id)
    if offer.profile.person_id != request.user.pk:
        raise NotFound()  # only the volunteer answers; coordinators see it on their pages
    answer = request.POST.get("answer", "")
    organisation_id = offer.profile.organisation_id
    back = reverse("volunteers:mine", args=[organisation_id]) + "#debriefs"
    if answer not in ("yes", "no"):
        messages.error(request, "Choose yes or no.")
        return redirect(back)
    try:
        services.debrief_respond(actor=request.user, offer=offer, accept=answer == "yes")
    except VolunteerError as refused:
        messages.error(request, refused.text)
    else:
        messages.success(
            request,
            "Thank you. Your coordinator will be in touch to arrange it."
            if answer == "yes"
            else "Thank you for letting us know. You can change your mind here, or ask for a "
            "chat at any time.",
        )
    return redirect(back)


# --- training ----------------------------------------------------------------------------


@never_cache
@require_GET
@login_required
def training(request: HttpRequest, organisation_id: int) -> HttpResponse:
    profile = _own(request, organisation_id)
    context = {
        "profile": profile,
        "volunteering": profile.state in VOLUNTEERING,
        "modules": selectors.training_status(profile) if profile.state in VOLUNTEERING else [],
    }
    return render(request, T + "training.html", context)


@never_cache
@GET_POST
@login_required
def module(request: HttpRequest, module_id: int) -> HttpResponse:
    found = access.access_module(request.user, module_id)
    profile = _own(request, found.organisation_id)
    if profile.state not in VOLUNTEERING:
        raise NotFound()
    status = next((s for s in selectors.training_status(profile) if s.module.pk == found.pk), None)
    if status is None:  # pragma: no cover - access_module gives only active modules
        raise NotFound()
    reflection = status.waiting.reflection if status.waiting else ""
    error = ""
    if request.method == "POST":
        reflection = request.POST.get("reflection", "")
        try:
            services.module_complete(
                actor=request.user, profile=profile, module=found, reflection=reflection
            )
        except VolunteerError as refused:
            error = refused.text
        else:
            messages.success(
                request,
                f"Thank you: “{found.title}” is marked complete. Your coordinator will read "
                "your reflection and sign it off.",
            )
            return redirect("volunteers:module", module_id=found.pk)
    context = {
        "profile": profile,
        "module": found,
        "status": status,
        "body": mark_safe(markup.render(found.body)),  # noqa: S308 - escaped by markup.render
        "reflection": reflection,
        "error": error,
    }
    return render(request, T + "module.html", context, status=400 if error else 200)


@never_cache
@require_GET
@login_required
def certificate(request: HttpRequest, organisation_id: int) -> HttpResponse:
    profile = _own(request, organisation_id)
    return render(
        request,
        T + "certificate.html",
        {"profile": profile, "certificate": selectors.certificate_for(profile)},
    )


# --- wellbeing ---------------------------------------------------------------------------


def _int_or_none(value: str) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@never_cache
@GET_POST
@login_required
def wellbeing(request: HttpRequest, organisation_id: int) -> HttpResponse:
    profile = _own(request, organisation_id)
    spec = instruments.get("ons4")
    chosen: dict[str, str] = {}
    wants_chat = False
    note = ""
    error = ""
    anchor = ""
    if request.method == "POST":
        chosen = {
            key: request.POST.get(key, "")
            for key in (*ONS4_KEYS, *(key for key, _ in WORKLOAD_ITEMS))
        }
        wants_chat = request.POST.get("wants_chat") == "yes"
        note = request.POST.get("note", "")
        try:
            services.checkin_submit(
                actor=request.user,
                profile=profile,
                ons4=[_int_or_none(chosen[key]) for key in ONS4_KEYS],
                workload={key: _int_or_none(chosen[key]) for key, _ in WORKLOAD_ITEMS},
                wants_chat=wants_chat,
                note=note,
            )
        except VolunteerError as refused:
            error = refused.text
        else:
            messages.success(
                request,
                "Thank you for checking in."
                + (
                    " You asked for a chat: your coordinator will be in touch."
                    if wants_chat
                    else ""
                ),
            )
            return redirect("volunteers:wellbeing", organisation_id=profile.organisation_id)
    ons4_items = []
    for number, (key, text) in enumerate(zip(ONS4_KEYS, spec.item_texts or (), strict=True)):
        named = bool(error) and f"“{text}”" in error
        if named and not anchor:
            anchor = f"{key}-0"
        ons4_items.append(
            {
                "key": key,
                "number": number + 1,
                "text": text,
                "error": error if named else "",
                "options": [
                    {"value": str(v), "checked": chosen.get(key) == str(v)} for v in range(11)
                ],
            }
        )
    workload_items = []
    for key, text in WORKLOAD_ITEMS:
        named = bool(error) and f"“{text}”" in error
        if named and not anchor:
            anchor = f"{key}-1"
        workload_items.append(
            {
                "key": key,
                "text": text,
                "error": error if named else "",
                "options": [
                    {"value": str(v), "label": label, "checked": chosen.get(key) == str(v)}
                    for v, label in enumerate(WORKLOAD_SCALE, start=1)
                ],
            }
        )
    if error and not anchor:
        anchor = "note" if "note" in error else "satisfied-0"
    context = {
        "profile": profile,
        "volunteering": profile.state in VOLUNTEERING,
        "ons4_items": ons4_items,
        "workload_items": workload_items,
        "wants_chat": wants_chat,
        "note": note,
        "error": error,
        "anchor": anchor,
        "checkins": selectors.checkins_recent(profile),
        "workload_labels": dict(WORKLOAD_ITEMS),
    }
    return render(request, T + "wellbeing.html", context, status=400 if error else 200)


# --- activity ----------------------------------------------------------------------------

ACTIVITY_ANCHORS = {"on": "on", "kind": "kind", "hours": "hours", "contacts": "contacts"}


@never_cache
@GET_POST
@login_required
def activity(request: HttpRequest, organisation_id: int) -> HttpResponse:
    profile = _own(request, organisation_id)
    today = organisation_today(profile.organisation)
    values = {"on": today.isoformat(), "kind": "", "hours": "", "contacts": "0"}
    errors: dict[str, str] = {}
    general: list[str] = []
    if request.method == "POST":
        values = {name: request.POST.get(name, "").strip() for name in ACTIVITY_ANCHORS}
        try:
            on: date | None = date.fromisoformat(values["on"])
        except ValueError:
            on = None
        contacts: Any = _int_or_none(values["contacts"] or "0")
        try:
            services.activity_log(
                actor=request.user,
                profile=profile,
                on=on,
                kind=values["kind"],
                hours=values["hours"],
                contacts=values["contacts"] if contacts is None else contacts,
            )
        except VolunteerError as refused:
            errors, general = _field_errors(refused)
        else:
            messages.success(request, "Logged. Thank you for the time you give.")
            return redirect("volunteers:activity", organisation_id=profile.organisation_id)
    entries = selectors.activity_this_month(profile)
    context = {
        "profile": profile,
        "volunteering": profile.state not in (State.APPLIED, State.SCREENING),
        "values": values,
        "errors": errors,
        "general": general,
        "summary": _summary(errors, ACTIVITY_ANCHORS),
        "kinds": ActivityKind.choices,
        "entries": entries,
        "hours_total": sum((e.hours for e in entries), start=0),
        "contacts_total": sum(e.contacts for e in entries),
        "today": today,
    }
    return render(request, T + "activity.html", context, status=400 if errors or general else 200)


@require_POST
@login_required
def activity_remove(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = access.access_activity(request.user, entry_id)
    organisation_id = entry.profile.organisation_id
    if entry.profile.person_id != request.user.pk:
        raise NotFound()  # coordinators change activity from their own pages
    try:
        services.activity_remove(actor=request.user, entry=entry)
    except VolunteerError as refused:
        messages.error(request, refused.text)
    else:
        messages.success(request, "That entry is taken off.")
    return redirect("volunteers:activity", organisation_id=organisation_id)


# --- the supporters' network -------------------------------------------------------------


@never_cache
@require_GET
@login_required
def network(request: HttpRequest, organisation_id: int) -> HttpResponse:
    profile = _own(request, organisation_id)
    volunteering = profile.state in VOLUNTEERING
    return render(
        request,
        T + "network.html",
        {
            "profile": profile,
            "volunteering": volunteering,
            "network": selectors.network_for(profile.organisation) if volunteering else None,
        },
    )
