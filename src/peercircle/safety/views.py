"""Safeguarding pages at /safety/: the live queue, an alert with its context
and the steps to handle it, the policy and duty rota, false alarms per rule,
raising a concern by hand, and staff notices. See docs/safety.md.

Each view parses, makes one access check (``NotFound`` for "not there" and
"not yours" alike), calls one service or selector and renders. Every view of an
alert is recorded in the audit log.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from peercircle.core.access import NotFound, access_organisation, has_role, organisations_where
from peercircle.core.audit import audit_read
from peercircle.core.models import Organisation
from peercircle.core.roles import Role
from peercircle.safety import selectors, services
from peercircle.safety.models import Alert, DutyShift, Level, Outcome
from peercircle.safety.services import ALERT_ROLES, CATEGORY_WORDS, CONCERN_ROLES, SafetyError

T = "safety/"
GET_POST = require_http_methods(["GET", "POST"])


class NoteForm(forms.Form):
    note = forms.CharField(
        label="Note",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=services.NOTE_LIMIT,
        required=False,
    )


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label="Outcome", choices=[("", "Choose…"), *Outcome.choices])
    note = forms.CharField(
        label="Why you are closing it",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=services.NOTE_LIMIT,
    )


class PolicyForm(forms.Form):
    imminent_minutes = forms.IntegerField(
        label="Minutes to acknowledge an imminent alert", min_value=1, max_value=60
    )
    high_minutes = forms.IntegerField(
        label="Minutes to acknowledge a high alert", min_value=1, max_value=24 * 60
    )
    moderate_minutes = forms.IntegerField(
        label="Minutes to acknowledge a moderate alert", min_value=1, max_value=14 * 24 * 60
    )
    hold_high_risk_messages = forms.BooleanField(
        label="Hold room messages screened as high or imminent risk for a facilitator",
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        imminent, high = data.get("imminent_minutes"), data.get("high_minutes")
        moderate = data.get("moderate_minutes")
        if imminent and high and imminent > high:
            self.add_error("imminent_minutes", "Imminent alerts need a shorter limit than high.")
        if high and moderate and high > moderate:
            self.add_error("high_minutes", "High alerts need a shorter limit than moderate.")
        return data


class ShiftForm(forms.Form):
    person = forms.TypedChoiceField(label="Who", coerce=int)
    starts_at = forms.DateTimeField(
        label="From", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label="Until", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    position = forms.IntegerField(
        label="Order (0 is first on duty, 1 the first backup)",
        min_value=0,
        max_value=9,
        initial=0,
    )

    def __init__(self, *args: Any, people: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [(p.pk, p.get_full_name() or p.pseudonym) for p in people]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", "A shift must end after it starts.")
        return data


class ConcernForm(forms.Form):
    level = forms.ChoiceField(
        label="How urgent is it?",
        choices=[
            (Level.IMMINENT, "Imminent: they may be in danger now"),
            (Level.HIGH, "High: someone should contact them today"),
            (Level.MODERATE, "Moderate: worth a safeguarding lead knowing"),
        ],
        widget=forms.RadioSelect,
    )
    categories = forms.MultipleChoiceField(
        label="What is it about?",
        help_text="Leave these empty if you are not sure: the lead will judge.",
        required=False,
        choices=[(key, words.capitalize()) for key, words in CATEGORY_WORDS.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label="What worries you",
        help_text="What was said or done, when, and anything you did already.",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=services.NOTE_LIMIT,
    )


def _org_or_404(user: Any, organisation_id: Any) -> Organisation:
    return access_organisation(user, organisation_id, roles=ALERT_ROLES)


# --- the queue ----------------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    organisation_ids = selectors.alert_organisations(request.user)
    if not organisation_ids:
        raise NotFound()
    if len(organisation_ids) == 1:
        return redirect("safety:queue", organisation_ids[0])
    counts = selectors.open_counts(organisation_ids)
    organisations = Organisation.objects.filter(pk__in=organisation_ids).order_by("name")
    rows = [(org, counts.get(org.pk, 0)) for org in organisations]
    return render(request, T + "index.html", {"rows": rows})


@login_required
def queue(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = _org_or_404(request.user, organisation_id)
    context = {
        "organisation": organisation,
        "rows": selectors.queue(organisation.pk),
        "closed": selectors.recently_closed(organisation.pk),
        "now": timezone.now(),
    }
    if request.GET.get("fragment"):
        return render(request, T + "_queue.html", context)
    return render(request, T + "queue.html", context)


# --- one alert --------------------------------------------------------------------


@login_required
def alert_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = selectors.access_alert(request.user, alert_id)
    audit_read(actor=request.user, obj=alert, organisation=alert.organisation_id, what="alert")
    return render(request, T + "alert.html", _alert_page(alert))


def _alert_page(alert: Alert, **forms_: Any) -> dict[str, Any]:
    return {
        "alert": alert,
        "organisation": alert.organisation,
        "evidence": _marked(alert),
        "close_form": forms_.get("close_form") or CloseForm(),
        "note_form": forms_.get("note_form") or NoteForm(),
        "now": timezone.now(),
        **selectors.alert_context(alert),
    }


def _marked(alert: Alert) -> list[tuple[str, bool]]:
    """The excerpt cut into (text, fired) pieces, so the page can mark the
    words that fired (escaped by the template, never as HTML)."""
    text = alert.excerpt or ""
    spans = sorted(
        (int(e.get("start", 0)), int(e.get("end", 0)))
        for e in alert.evidence
        if 0 <= int(e.get("start", 0)) < int(e.get("end", 0)) <= len(text)
    )
    pieces: list[tuple[str, bool]] = []
    at = 0
    for start, end in spans:
        if start < at:
            start = at
        if end <= start:
            continue
        if start > at:
            pieces.append((text[at:start], False))
        pieces.append((text[start:end], True))
        at = end
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


def _step(request: HttpRequest, alert_id: int, action: Any, **kwargs: Any) -> HttpResponse:
    alert = selectors.access_alert(request.user, alert_id)
    try:
        action(alert=alert, actor=request.user, **kwargs)
    except SafetyError as refused:
        messages.error(request, refused.message)
        # Keep what the person wrote: show the page again with it.
        note_form = NoteForm(request.POST)
        close_form = CloseForm(request.POST) if "outcome" in request.POST else None
        return render(
            request,
            T + "alert.html",
            _alert_page(alert, note_form=note_form, close_form=close_form),
            status=400,
        )
    return redirect("safety:alert", alert.pk)


@login_required
@require_POST
def alert_acknowledge(request: HttpRequest, alert_id: int) -> HttpResponse:
    response = _step(
        request, alert_id, services.alert_acknowledge, note=request.POST.get("note", "")
    )
    if response.status_code == 302:
        messages.success(request, "Acknowledged: the alert is yours and will not escalate.")
    return response


@login_required
@require_POST
def alert_action(request: HttpRequest, alert_id: int) -> HttpResponse:
    return _step(request, alert_id, services.alert_action, note=request.POST.get("note", ""))


@login_required
@require_POST
def alert_note(request: HttpRequest, alert_id: int) -> HttpResponse:
    return _step(request, alert_id, services.alert_note, note=request.POST.get("note", ""))


@login_required
@require_POST
def alert_close(request: HttpRequest, alert_id: int) -> HttpResponse:
    return _step(
        request,
        alert_id,
        services.alert_close,
        outcome=request.POST.get("outcome", ""),
        note=request.POST.get("note", ""),
    )


@login_required
@require_POST
def alert_held(request: HttpRequest, alert_id: int) -> HttpResponse:
    """Show a held message to the room, or keep it from the room. Leads and
    administrators moderate every room of their organisation, open or not."""
    from peercircle.rooms.access import moderator_seat
    from peercircle.rooms.models import Room

    alert = selectors.access_alert(request.user, alert_id)
    room = Room.objects.filter(pk=alert.room_id).first()
    if room is None:
        raise NotFound()
    seat = moderator_seat(request.user, room)
    show = request.POST.get("decision") == "show"
    try:
        services.held_message_decide(alert=alert, actor=request.user, show=show, seat=seat)
    except SafetyError as refused:
        messages.error(request, refused.message)
    return redirect("safety:alert", alert.pk)


# --- policy, rota and false alarms ---------------------------------------------------


@login_required
@GET_POST
def settings_page(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = _org_or_404(request.user, organisation_id)
    policy = services.policy_for(organisation.pk)
    people = list(
        get_user_model()
        .objects.filter(pk__in=services.alert_staff_ids(organisation.pk))
        .order_by("pseudonym")
    )
    initial = {
        name: getattr(policy, name)
        for name in (
            "imminent_minutes",
            "high_minutes",
            "moderate_minutes",
            "hold_high_risk_messages",
        )
    }
    policy_form = PolicyForm(initial=initial)
    shift_form = ShiftForm(people=people)
    if request.method == "POST" and request.POST.get("form") == "policy":
        policy_form = PolicyForm(request.POST)
        if policy_form.is_valid():
            services.policy_update(
                actor=request.user, organisation_id=organisation.pk, **policy_form.cleaned_data
            )
            messages.success(request, "Time limits and message policy saved.")
            return redirect("safety:settings", organisation.pk)
    elif request.method == "POST" and request.POST.get("form") == "shift":
        shift_form = ShiftForm(request.POST, people=people)
        if shift_form.is_valid():
            data = shift_form.cleaned_data
            person = next(p for p in people if p.pk == data["person"])
            try:
                services.shift_add(
                    actor=request.user,
                    organisation_id=organisation.pk,
                    person=person,
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    position=data["position"],
                )
            except SafetyError as refused:
                shift_form.add_error(None, refused.message)
            else:
                messages.success(request, "Shift added to the rota.")
                return redirect("safety:settings", organisation.pk)
    elif request.method == "POST" and request.POST.get("form") == "remove":
        shift = DutyShift.objects.filter(
            pk=request.POST.get("shift") or 0, organisation=organisation
        ).first()
        if shift is None:
            raise NotFound()
        services.shift_remove(actor=request.user, shift=shift)
        messages.success(request, "Shift removed.")
        return redirect("safety:settings", organisation.pk)
    now = timezone.now()
    shifts = list(
        DutyShift.objects.filter(organisation=organisation, ends_at__gt=now)
        .select_related("person")
        .order_by("starts_at", "position")
    )
    rota = services.rota_at(organisation.pk, now)
    names = {p.pk: p for p in people}
    context = {
        "organisation": organisation,
        "policy_form": policy_form,
        "shift_form": shift_form,
        "shifts": shifts,
        "rota_now": [names[pk] for pk in rota if pk in names],
    }
    status = 400 if request.method == "POST" else 200
    return render(request, T + "settings.html", context, status=status)


@login_required
def false_alarms(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = _org_or_404(request.user, organisation_id)
    return render(
        request,
        T + "false_alarms.html",
        {"organisation": organisation, "figures": selectors.false_alarms_by_rule(organisation.pk)},
    )


# --- raising a concern by hand ----------------------------------------------------------


def _concern_target(request: HttpRequest, data: Any) -> dict[str, Any]:
    """The organisation, person and where it came from (room, message, session),
    checked: the person raising it must support the person it is about."""
    from peercircle.programmes.models import Session
    from peercircle.rooms.access import RoomClosed, room_seat
    from peercircle.rooms.models import Message, RoomMember

    def number(name: str) -> int | None:
        try:
            return int(data.get(name) or 0) or None
        except (TypeError, ValueError):
            raise NotFound() from None

    organisation_id, person_id = number("organisation"), number("person")
    room_id, message_id, session_id = number("room"), number("message"), number("session")
    member_id = number("member")
    if organisation_id is None or (person_id is None and member_id is None):
        raise NotFound()
    target: dict[str, Any] = {"organisation_id": organisation_id}
    if room_id is not None:
        try:
            seat = room_seat(request.user, room_id)
        except RoomClosed:
            raise NotFound() from None
        if seat.room.organisation_id != organisation_id:
            raise NotFound()
        target["room"] = seat.room
        if member_id is not None:
            # From a message in the room: the writer, by their place in the room.
            row = RoomMember.objects.filter(pk=member_id, room_id=room_id).first()
            person_id = row.user_id if row else None
    elif member_id is not None:
        raise NotFound()
    person = get_user_model().objects.filter(pk=person_id).first() if person_id else None
    if not selectors.may_raise_concern(request.user, organisation_id, person):
        raise NotFound()
    target["person"] = person
    if room_id is not None and message_id is not None:
        message = Message.objects.filter(pk=message_id, room_id=room_id).first()
        if message is None:
            raise NotFound()
        target["message"] = message
    if session_id is not None:
        session = Session.objects.filter(
            pk=session_id, group__organisation_id=organisation_id
        ).first()
        if session is None:
            raise NotFound()
        target["session"] = session
    return target


@login_required
@GET_POST
def concern_new(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else request.GET
    target = _concern_target(request, data)
    form = ConcernForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.concern_raise(
                actor=request.user,
                level=form.cleaned_data["level"],
                categories=form.cleaned_data["categories"],
                note=form.cleaned_data["note"],
                **target,
            )
        except SafetyError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(
                request,
                "Thank you. The safeguarding lead on duty has been told and will pick it up. "
                "If someone is in danger now, call the emergency services.",
            )
            return redirect(_back(data) or reverse("safety:concern_sent"))
    hidden = {
        key: data.get(key)
        for key in ("organisation", "person", "member", "room", "message", "session", "next")
        if data.get(key)
    }
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        T + "concern.html",
        {"form": form, "person": target["person"], "hidden": hidden, **target},
        status=status,
    )


def _back(data: Any) -> str:
    target = data.get("next") or ""
    return target if target.startswith("/") and not target.startswith("//") else ""


@login_required
def concern_sent(request: HttpRequest) -> HttpResponse:
    if not organisations_where(request.user, CONCERN_ROLES):
        raise NotFound()
    return render(request, T + "concern_sent.html")


# --- notices ---------------------------------------------------------------------------


@login_required
@GET_POST
def notices(request: HttpRequest) -> HttpResponse:
    staff = organisations_where(
        request.user, {Role.COORDINATOR, Role.SAFEGUARDING_LEAD, Role.ADMIN}
    )
    if not staff:
        raise NotFound()
    if request.method == "POST":
        services.notices_read(person=request.user)
        return redirect("safety:notices")
    rows = selectors.notices_for(request.user)
    sees_alerts = {org for org in staff if has_role(request.user, org, ALERT_ROLES)}
    return render(request, T + "notices.html", {"rows": rows, "sees_alerts": sees_alerts})
