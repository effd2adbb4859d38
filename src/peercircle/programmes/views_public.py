"""Public pages: the group finder, group pages, joining, and "My groups".

How the finder searches, how distance works, where place names come from and
why addresses stay private: docs/finder.md.

Views are thin: parse the input, call one access function from
``programmes/access.py``, call the services and selectors, render.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language_info
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from peercircle.accounts.consent import Purpose
from peercircle.accounts.services import consent_give, context_update, has_consent, membership_grant
from peercircle.core.access import roles_in
from peercircle.core.roles import Role
from peercircle.programmes import access, calendar, selectors, services
from peercircle.programmes.forms_public import FinderForm, JoinForm
from peercircle.programmes.models import EnrolmentStatus, Group
from peercircle.questionnaires.selectors import checkin_offers

# --- helpers ------------------------------------------------------------------------


def _language_label(code: str) -> str:
    names = dict(settings.LANGUAGES)
    if code in names:
        return names[code]
    try:
        return get_language_info(code)["name_local"]
    except KeyError:
        return code


def _group_url(group: Group) -> str:
    return reverse("public:group_detail", args=[group.pk, group.slug])


def _next_or(request: HttpRequest, default: str) -> str:
    """Where to go after a POST: a same-site ``next`` if given, else ``default``."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _partial(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


# --- the finder -----------------------------------------------------------------------


def _finder_page_cacheable(request: HttpRequest) -> bool:
    """Anonymous visitors with nothing personal to show get a shared page.

    Not for signed-in people (their header differs), nor when a message is
    waiting to be shown (it lives in a cookie or the session).
    """
    return (
        settings.FINDER_PAGE_CACHE
        and not request.user.is_authenticated
        and "messages" not in request.COOKIES
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
    )


def _cached_page_or_build_lock(key: str) -> bytes | None:
    """The cached page, or None when this request should build it.

    When a popular page expires, the first request builds it while the others
    wait a moment for the result instead of all building it at once.
    """
    cached = cache.get(key)
    if cached is not None or cache.add(key + ":building", 1, timeout=5):
        return cached
    for _ in range(25):  # up to a quarter of a second
        time.sleep(0.01)
        cached = cache.get(key)
        if cached is not None:
            return cached
    return None  # the builder is slow or gone: build it ourselves


@require_GET
def finder(request: HttpRequest) -> HttpResponse:
    partial = _partial(request)
    cache_key = None
    if _finder_page_cacheable(request):
        cache_key = selectors.finder_page_cache_key(request.GET.urlencode(), partial=partial)
        cached = _cached_page_or_build_lock(cache_key)
        if cached is not None:
            response = HttpResponse(cached)
            patch_vary_headers(response, ["HX-Request", "Cookie"])
            return response
    languages = [(code, _language_label(code)) for code in selectors.finder_languages()]
    form = FinderForm(request.GET, languages=languages)
    form.is_valid()  # a bad field is reported and left out; the search runs on the rest
    query = form.finder_query()
    page = selectors.finder_search_cached(query)
    context = {
        "form": form,
        "results": page,
        "previous_page": page.page - 1,
        "next_page": page.page + 1,
        "first_number": (page.page - 1) * query.per_page + 1,
        "query": query,
        "located": query.latitude is not None,
        "place": form.place_found,
        "suggestions": form.place_suggestions,
        "radius_label": dict(form.fields["radius"].choices).get(
            form.cleaned_data.get("radius") or "25", "25 km"
        ),
        "show_coordinates": "lat" in form.errors
        or "lon" in form.errors
        or (query.latitude is not None and form.place_found is None),
    }
    template = (
        "programmes/public/finder_results.html" if partial else "programmes/public/finder.html"
    )
    response = render(request, template, context)
    if cache_key is not None:
        if response.status_code == 200:
            cache.set(cache_key, response.content, selectors.FINDER_CACHE_SECONDS)
        cache.delete(cache_key + ":building")
    patch_vary_headers(response, ["HX-Request", "Cookie"])
    return response


# --- a group's page, and joining -----------------------------------------------------


@require_GET
def group_detail(request: HttpRequest, group_id: int, slug: str = "") -> HttpResponse:
    group = access.access_group_view(request.user, group_id)
    if slug != group.slug:
        return redirect(_group_url(group))
    request.crisis_organisation_id = group.organisation_id
    enrolment = selectors.enrolment_for(request.user, group)
    is_member = enrolment is not None and enrolment.status == EnrolmentStatus.ACTIVE
    sessions = selectors.group_upcoming_sessions(group, limit=6)
    apologised = (
        selectors.sessions_with_apologies(request.user, [s.pk for s in sessions])
        if is_member
        else set()
    )
    context = {
        "group": group,
        "programme": group.programme,
        "enrolment": enrolment,
        "is_member": is_member,
        "waiting_position": selectors.waiting_position(enrolment) if enrolment else None,
        "sessions": sessions,
        "apologised": apologised,
        "facilitators": selectors.group_facilitator_pseudonyms(group),
        "language_label": _language_label(group.language),
        "group_url": _group_url(group),
        "now": timezone.now(),
    }
    return render(request, "programmes/public/group_detail.html", context)


@require_http_methods(["GET", "POST"])
def group_join(request: HttpRequest, group_id: int) -> HttpResponse:
    """One short confirmation step, then the join.

    The step asks only what is still needed: agreement to the service consent
    wording for this organisation, and the context questions the programme's
    rules need. Without either, a POST from the group page joins at once.
    """
    group = access.access_group_view(request.user, group_id)
    group_url = _group_url(group)
    if not request.user.is_authenticated:
        return redirect(
            reverse("accounts:signup")
            + "?"
            + urlencode({"next": group_url, "org": group.organisation.slug})
        )
    request.crisis_organisation_id = group.organisation_id
    user = request.user
    if selectors.enrolment_for(user, group) is not None:
        messages.info(request, "You are already in this group or on its waiting list.")
        return redirect(group_url)

    needs_consent = not has_consent(
        user=user, organisation=group.organisation_id, purpose=Purpose.SERVICE
    )
    missing = services.eligibility_for(user=user, programme=group.programme).missing
    confirming = request.method == "POST" and "confirm" in request.POST
    form = JoinForm(
        request.POST if confirming else None, needs_consent=needs_consent, missing=missing
    )

    if request.method == "GET" or ((needs_consent or missing) and not confirming):
        return _join_page(request, group, form)
    if confirming and not form.is_valid():
        return _join_page(request, group, form, status=400)
    if needs_consent:
        consent_give(user=user, organisation=group.organisation, purpose=Purpose.SERVICE)
    if form.asks_context:
        try:
            context_update(user=user, actor=user, **form.context_changes())
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
            return _join_page(request, group, form, status=400)

    try:
        enrolment = services.enrolment_join(user=user, group=group)
    except services.EnrolmentError as error:
        if error.code in ("consent", "missing_context"):
            fields = tuple((error.params or {}).get("fields", ()))
            again = JoinForm(needs_consent=error.code == "consent", missing=fields)
            return _join_page(request, group, again, problem=_error_text(error), status=400)
        messages.error(request, _error_text(error))
        return redirect(group_url)

    if not roles_in(user, group.organisation_id):
        # Self-referral: joining a group makes the person a participant of the
        # organisation that runs it (they have just agreed to its wording).
        membership_grant(
            user=user, organisation=group.organisation, role=Role.PARTICIPANT, actor=user
        )
    if enrolment.status == EnrolmentStatus.ACTIVE:
        messages.success(
            request,
            f"You have joined {group.name}. Welcome! The address and joining details are below.",
        )
    else:
        position = selectors.waiting_position(enrolment)
        messages.success(
            request,
            f"{group.name} is full at the moment, so you are on its waiting list "
            f"(number {position}). When a place comes up we will offer it to you, "
            "and it will show in My groups.",
        )
    return redirect(group_url)


def _join_page(
    request: HttpRequest, group: Group, form: JoinForm, *, problem: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "group": group,
        "programme": group.programme,
        "form": form,
        "problem": problem,
        "group_url": _group_url(group),
    }
    return render(request, "programmes/public/join.html", context, status=status)


# --- changing one's own enrolment ----------------------------------------------------


def _enrolment_action(
    request: HttpRequest, enrolment_id: int, action: Any, done: str
) -> HttpResponse:
    enrolment = access.access_own_enrolment(request.user, enrolment_id)
    try:
        action(user=request.user, enrolment=enrolment)
    except services.EnrolmentError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, done.format(group=enrolment.group.name))
    return redirect(_next_or(request, reverse("public:my_groups")))


@require_POST
@login_required
def enrolment_leave(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    return _enrolment_action(
        request,
        enrolment_id,
        services.enrolment_leave,
        "You have left {group}. You are welcome back any time.",
    )


@require_POST
@login_required
def offer_accept(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    return _enrolment_action(
        request,
        enrolment_id,
        services.enrolment_accept_offer,
        "The place is yours: you are now a member of {group}.",
    )


@require_POST
@login_required
def offer_decline(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    return _enrolment_action(
        request,
        enrolment_id,
        services.enrolment_decline_offer,
        "You have turned down the place in {group}; it will be offered to the next person waiting.",
    )


@require_POST
@login_required
def apologies_send(request: HttpRequest, session_id: int) -> HttpResponse:
    session = access.access_session_member(request.user, session_id)
    try:
        services.apologies_send(user=request.user, session=session)
    except services.EnrolmentError as error:
        messages.error(request, _error_text(error))
    else:
        when = timezone.localtime(session.starts_at, ZoneInfo(session.group.organisation.timezone))
        messages.success(
            request,
            f"Thank you for letting us know you cannot come on {when:%A} {when.day} {when:%B}.",
        )
    return redirect(_next_or(request, reverse("public:my_groups")))


# --- my groups and the calendar feed --------------------------------------------------


@require_GET
@login_required
def my_groups(request: HttpRequest) -> HttpResponse:
    enrolments = selectors.my_enrolments(request.user)
    positions = selectors.waiting_positions(enrolments)
    for enrolment in enrolments:
        enrolment.waiting_position = positions.get(enrolment.pk)
    session_ids = [
        session.pk
        for enrolment in enrolments
        if enrolment.status == EnrolmentStatus.ACTIVE
        for session in enrolment.group.upcoming_sessions
    ]
    feed_path = reverse("public:calendar_feed", args=[request.user.calendar_token])
    feed_url = request.build_absolute_uri(feed_path)
    context = {
        "enrolments": enrolments,
        "apologised": selectors.sessions_with_apologies(request.user, session_ids),
        # Recent sessions with a one-minute check-in on offer (docs/questionnaires.md).
        "checkins": checkin_offers(request.user),
        "feed_url": feed_url,
        "webcal_url": "webcal://" + feed_url.split("://", 1)[1],
        "now": timezone.now(),
    }
    return render(request, "programmes/public/my_groups.html", context)


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed itself: the token in the address is the only key."""
    user = selectors.user_for_calendar_token(token)
    if user is None:
        raise Http404("No such calendar")
    body = calendar.feed_build(sessions=selectors.my_sessions_for_calendar(user))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="peercircle.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_POST
@login_required
def calendar_reset(request: HttpRequest) -> HttpResponse:
    calendar.calendar_token_reset(user=request.user)
    messages.success(
        request,
        "Your calendar has a new address. The old one no longer works: "
        "add the new one to your calendar app.",
    )
    return redirect(reverse("public:my_groups") + "#calendar")
