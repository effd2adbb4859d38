"""Coordinators' volunteer pages at /manage/volunteers/: the overview with its
flags, each volunteer's pipeline, screening, training and debriefs, the
curriculum, supervision, supporters' events, the hours export and the
organisation's volunteer policy. See docs/volunteers.md, "Pages for coordinators".

Like the rest of the back office, each view parses, makes one access check
(``NotFound`` for "not there" and "not yours" alike: another organisation's
volunteer is the same 404 as a missing one), calls one service or selector and
renders. Every POST redirects with a message; a refused service re-renders the
page with what was typed and the service's own words, having changed nothing.
Reads of application words, screening and supervision notes go through the
selectors, which audit them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from peercircle.core.access import NotFound, access_organisation, organisations_where
from peercircle.core.models import Membership, Organisation
from peercircle.programmes.selectors import organisations_by_id
from peercircle.volunteers import markup, rules, selectors, services
from peercircle.volunteers.access import (
    access_action,
    access_checkin,
    access_completion_sign_off,
    access_debrief,
    access_module_manage,
    access_peer_event_manage,
    access_profile_manage,
    access_reference,
    access_supervision_notes,
)
from peercircle.volunteers.forms_manage import (
    MOVE_LABELS,
    ActionForm,
    CaseloadForm,
    CheckForm,
    ExportForm,
    InterviewForm,
    ModuleForm,
    MoveForm,
    NotesForm,
    PeerEventForm,
    PolicyForm,
    ReasonForm,
    ReferenceForm,
    ReferenceReceiveForm,
    SupervisionForm,
    SupervisionRecordForm,
)
from peercircle.volunteers.models import (
    AVAILABILITY_CHOICES,
    DebriefState,
    ModuleCompletion,
    State,
    Supervision,
    SupervisionAttendee,
    SupervisionState,
    TrainingModule,
    VolunteerProfile,
)
from peercircle.volunteers.services import (
    MANAGES_VOLUNTEERS,
    POLICY_FIELDS,
    SUPERVISES,
    VOLUNTEERING,
    VolunteerError,
)

T = "volunteers/manage/"
GET_POST = require_http_methods(["GET", "POST"])

MOVES: dict[str, Callable[..., VolunteerProfile]] = {
    rules.SCREENING: services.volunteer_screen,
    rules.TRAINING: services.volunteer_train,
    rules.ACTIVE: services.volunteer_activate,
    rules.PAUSED: services.volunteer_pause,
    "resume": services.volunteer_resume,
    rules.LEFT: services.volunteer_leave,
}
#: Moves for which a coordinator must say why (services.volunteer_move).
MOVES_WITH_REASON = (rules.PAUSED, rules.LEFT)
AVAILABILITY_WORDS = dict(AVAILABILITY_CHOICES)
DONE_WORDS = {
    rules.SCREENING: "{name} is in screening.",
    rules.TRAINING: "{name} has started training.",
    rules.ACTIVE: "{name} is now active.",
    rules.PAUSED: "{name} is paused.",
    "resume": "{name} has resumed.",
    rules.LEFT: "{name} is recorded as having left.",
}


def _data(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _organisation(request: HttpRequest, organisation_id: int) -> Organisation:
    return access_organisation(request.user, organisation_id, roles=MANAGES_VOLUNTEERS)


def _zone(organisation: Organisation) -> ZoneInfo:
    return ZoneInfo(organisation.timezone)


def _refused(form: Any, error: VolunteerError) -> None:
    form.add_service_errors(error)


# --- choices for forms (names only: nothing sensitive) --------------------------------


def _supervisor_choices(organisation: Organisation) -> list[tuple[int, str]]:
    return list(
        Membership.objects.filter(organisation=organisation, role__in=list(SUPERVISES))
        .values_list("user_id", "user__pseudonym")
        .order_by("user__pseudonym")
        .distinct()
    )


def _volunteer_choices(organisation: Organisation) -> list[tuple[int, str]]:
    return list(
        VolunteerProfile.objects.filter(organisation=organisation, state__in=VOLUNTEERING)
        .values_list("pk", "person__pseudonym")
        .order_by("person__pseudonym")
    )


# --- the overview ---------------------------------------------------------------------


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The organisations whose volunteers this person coordinates."""
    ids = organisations_where(request.user, MANAGES_VOLUNTEERS)
    if not ids:
        raise NotFound()
    return render(request, T + "index.html", {"organisations": organisations_by_id(ids)})


STATE_FILTERS = [("", "Everyone but those who left"), *State.choices]


@login_required
@require_GET
def overview(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Everyone with their state, caseload, hours, supervision, expiry dates and
    flags; filters by state and "flagged only"."""
    organisation = _organisation(request, organisation_id)
    state = request.GET.get("state", "")
    if state not in State.values:
        state = ""
    flagged_only = request.GET.get("flagged") == "1"
    rows = selectors.overview(organisation, include_left=state == State.LEFT)
    flagged_count = sum(1 for row in rows if row.flags)
    if state:
        rows = [row for row in rows if row.state == state]
    if flagged_only:
        rows = [row for row in rows if row.flags]
    policy = services.policy_for(organisation)
    refreshers: dict[int, Any] = {}
    for completion in selectors.refreshers_due(
        organisation, within_days=policy.refresher_notice_days
    ):
        refreshers.setdefault(completion.profile_id, completion.refresher_due_on)
    for row in rows:
        row.refresher_due_on = refreshers.get(row.profile.pk)  # type: ignore[attr-defined]
    context = {
        "organisation": organisation,
        "rows": rows,
        "state": state,
        "flagged_only": flagged_only,
        "flagged_count": flagged_count,
        "state_choices": STATE_FILTERS,
        "filtered": bool(state or flagged_only),
        "here": "overview",
    }
    return render(request, T + "overview.html", context)


# --- one volunteer ----------------------------------------------------------------------


def _volunteer_page(
    request: HttpRequest,
    profile: VolunteerProfile,
    *,
    failed_move: MoveForm | None = None,
    failed_receive: tuple[int, ReferenceReceiveForm] | None = None,
    **forms: Any,
) -> HttpResponse:
    organisation = profile.organisation
    row = next(
        r for r in selectors.overview(organisation, include_left=True) if r.profile.pk == profile.pk
    )
    moves = []
    for to in rules.allowed_moves(profile.state, profile.paused_from):
        key = "resume" if profile.state == State.PAUSED and to == profile.paused_from else to
        form = MoveForm(initial={"to": key}, auto_id=f"move-{key}-%s")
        if failed_move is not None and failed_move.data.get("to") == key:
            form = failed_move
        moves.append(
            {
                "to": key,
                "label": MOVE_LABELS[key],
                "needs_reason": key in MOVES_WITH_REASON,
                "form": form,
                "failed": form is failed_move,
            }
        )
    application = selectors.application_read(request.user, profile)
    screening = selectors.screening_read(request.user, profile)
    receive_forms = {
        reference.pk: ReferenceReceiveForm(auto_id=f"reference-{reference.pk}-%s")
        for reference in screening.references
    }
    if failed_receive is not None:
        receive_forms[failed_receive[0]] = failed_receive[1]
    for reference in screening.references:
        reference.receive_form = receive_forms[reference.pk]
    context = {
        "organisation": organisation,
        "profile": profile,
        "row": row,
        "forward_moves": [m for m in moves if not m["needs_reason"]],
        "other_moves": [m for m in moves if m["needs_reason"]],
        "other_moves_open": any(m["failed"] for m in moves if m["needs_reason"]),
        "application": application,
        "availability": [AVAILABILITY_WORDS.get(v, v) for v in application.availability],
        "history": selectors.history(profile),
        "moves": moves,
        "move_errors": failed_move.non_field_errors() if failed_move is not None else [],
        "screening": screening,
        "training": selectors.training_status(profile),
        "debriefs": list(profile.debriefs.select_related("alert").order_by("-offered_at")),
        "chats": list(
            profile.checkins.filter(wants_chat=True, chat_answered_at__isnull=True).order_by("at")
        ),
        "supervisions": list(
            Supervision.objects.filter(seats__profile=profile)
            .select_related("supervisor")
            .order_by("-scheduled_at")[:10]
        ),
        "reference_form": ReferenceForm(auto_id="reference-%s"),
        "check_form": CheckForm(auto_id="check-%s"),
        "interview_form": InterviewForm(auto_id="interview-%s"),
        "caseload_form": CaseloadForm(
            initial={"limit": profile.caseload_limit}, auto_id="caseload-%s"
        ),
        "debrief_open": (DebriefState.OFFERED, DebriefState.ACCEPTED),
    }
    context.update(forms)
    return render(request, T + "volunteer.html", context)


@login_required
@require_GET
def volunteer(request: HttpRequest, profile_id: int) -> HttpResponse:
    """Application, pipeline, history, screening, caseload, training, debriefs and flags."""
    profile = access_profile_manage(request.user, profile_id)
    return _volunteer_page(request, profile)


def _back(profile: VolunteerProfile, anchor: str = "") -> HttpResponse:
    response = redirect("volunteers_manage:volunteer", profile_id=profile.pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


@login_required
@require_POST
def volunteer_move(request: HttpRequest, profile_id: int) -> HttpResponse:
    """One step in the pipeline; an out-of-order step gets the service's words."""
    profile = access_profile_manage(request.user, profile_id)
    to = request.POST.get("to", "")
    form = MoveForm(request.POST, auto_id=f"move-{to if to in MOVES else 'other'}-%s")
    if form.is_valid():
        name = profile.person.pseudonym
        try:
            MOVES[form.cleaned_data["to"]](
                actor=request.user, profile=profile, reason=form.cleaned_data["reason"]
            )
        except VolunteerError as error:
            form.add_error(None, error.text)
        else:
            messages.success(request, DONE_WORDS[form.cleaned_data["to"]].format(name=name))
            return _back(profile, "pipeline")
    else:
        form.add_error(None, "Choose one of the steps shown.")
    profile.refresh_from_db()
    return _volunteer_page(request, profile, failed_move=form)


@login_required
@require_POST
def reference_add(request: HttpRequest, profile_id: int) -> HttpResponse:
    profile = access_profile_manage(request.user, profile_id)
    form = ReferenceForm(request.POST, auto_id="reference-%s")
    if form.is_valid():
        try:
            services.reference_add(actor=request.user, profile=profile, **form.cleaned_data)
        except VolunteerError as error:
            _refused(form, error)
        else:
            messages.success(request, "Reference added as requested.")
            return _back(profile, "screening")
    return _volunteer_page(request, profile, reference_form=form)


@login_required
@require_POST
def reference_receive(request: HttpRequest, reference_id: int) -> HttpResponse:
    reference = access_reference(request.user, reference_id)
    profile = access_profile_manage(request.user, reference.profile_id)
    form = ReferenceReceiveForm(request.POST, auto_id=f"reference-{reference.pk}-%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.reference_receive(
                actor=request.user,
                reference=reference,
                satisfactory=data["satisfactory"] == "yes",
                received_on=data["received_on"],
                note=data["note"],
            )
        except VolunteerError as error:
            _refused(form, error)
        else:
            messages.success(request, f"Reference from {reference.referee_name} recorded.")
            return _back(profile, "screening")
    return _volunteer_page(request, profile, failed_receive=(reference.pk, form))


@login_required
@require_POST
def check_record(request: HttpRequest, profile_id: int) -> HttpResponse:
    profile = access_profile_manage(request.user, profile_id)
    form = CheckForm(request.POST, auto_id="check-%s")
    if form.is_valid():
        try:
            services.check_record(actor=request.user, profile=profile, **form.cleaned_data)
        except VolunteerError as error:
            _refused(form, error)
        else:
            messages.success(request, "Background check recorded.")
            return _back(profile, "screening")
    return _volunteer_page(request, profile, check_form=form)


@login_required
@require_POST
def interview_record(request: HttpRequest, profile_id: int) -> HttpResponse:
    profile = access_profile_manage(request.user, profile_id)
    form = InterviewForm(request.POST, auto_id="interview-%s")
    if form.is_valid():
        try:
            services.interview_record(actor=request.user, profile=profile, **form.cleaned_data)
        except VolunteerError as error:
            _refused(form, error)
        else:
            messages.success(request, "Interview recorded.")
            return _back(profile, "screening")
    return _volunteer_page(request, profile, interview_form=form)


@login_required
@require_POST
def caseload_limit(request: HttpRequest, profile_id: int) -> HttpResponse:
    profile = access_profile_manage(request.user, profile_id)
    form = CaseloadForm(request.POST, auto_id="caseload-%s")
    if form.is_valid():
        try:
            services.caseload_limit_set(
                actor=request.user, profile=profile, limit=form.cleaned_data["limit"]
            )
        except VolunteerError as error:
            _refused(form, error)
        else:
            messages.success(request, "Caseload limit saved.")
            return _back(profile, "caseload")
    return _volunteer_page(request, profile, caseload_form=form)


@login_required
@require_POST
def debrief_done(request: HttpRequest, offer_id: int) -> HttpResponse:
    offer = access_debrief(request.user, offer_id)
    profile = access_profile_manage(request.user, offer.profile_id)
    try:
        services.debrief_done(actor=request.user, offer=offer)
    except VolunteerError as error:
        messages.error(request, error.text)
    else:
        messages.success(request, "Debrief recorded as done.")
    return _back(profile, "debriefs")


@login_required
@require_POST
def chat_answered(request: HttpRequest, checkin_id: int) -> HttpResponse:
    """A coordinator has been in touch about a check-in's "I'd like a chat"."""
    checkin = access_checkin(request.user, checkin_id)
    profile = access_profile_manage(request.user, checkin.profile_id)
    try:
        services.chat_answer(actor=request.user, checkin=checkin)
    except VolunteerError as error:
        messages.error(request, error.text)
    else:
        messages.success(
            request, f"Recorded that you have been in touch with {profile.person.pseudonym}."
        )
    return _back(profile, "wellbeing")


@login_required
@require_POST
def sign_off(request: HttpRequest, completion_id: int) -> HttpResponse:
    """Sign a completed module off; back to the volunteer or to the training page."""
    completion = access_completion_sign_off(request.user, completion_id)
    try:
        services.module_sign_off(actor=request.user, completion=completion)
    except VolunteerError as error:
        messages.error(request, error.text)
    else:
        messages.success(
            request,
            f"“{completion.module.title}” signed off for {completion.profile.person.pseudonym}.",
        )
    if request.POST.get("back") == "training":
        return redirect(
            "volunteers_manage:training", organisation_id=completion.profile.organisation_id
        )
    return _back(completion.profile, "training")


# --- training ----------------------------------------------------------------------------


@login_required
@require_GET
def training(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """The curriculum and every completion waiting for sign-off."""
    organisation = _organisation(request, organisation_id)
    modules = TrainingModule.objects.filter(organisation=organisation).order_by("position", "id")
    waiting = (
        ModuleCompletion.objects.filter(
            profile__organisation=organisation,
            profile__state__in=VOLUNTEERING,
            signed_off_at__isnull=True,
        )
        .exclude(profile__person=request.user)
        .select_related("profile__person", "module")
        .order_by("completed_at", "id")
    )
    context = {
        "organisation": organisation,
        "modules": list(modules),
        "waiting": list(waiting),
        "here": "training",
    }
    return render(request, T + "training.html", context)


@login_required
@GET_POST
def module_create(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = _organisation(request, organisation_id)
    form = ModuleForm(
        _data(request),
        initial={"required_for": [rules.FACILITATE, rules.ONE_TO_ONE], "refresher_months": 0},
    )
    if request.method == "POST" and form.is_valid():
        try:
            module = services.module_create(
                actor=request.user, organisation=organisation, **form.service_fields()
            )
        except VolunteerError as error:
            _refused(form, error)
        else:
            messages.success(request, f"Module “{module.title}” added.")
            return redirect("volunteers_manage:training", organisation_id=organisation.pk)
    context = {"organisation": organisation, "form": form, "module": None, "here": "training"}
    return render(request, T + "module_form.html", context)


@login_required
@GET_POST
def module_edit(request: HttpRequest, module_id: int) -> HttpResponse:
    """Edit a module; changes to its text or credits make a new version."""
    module = access_module_manage(request.user, module_id)
    initial = {name: getattr(module, name) for name in ModuleForm.base_fields}
    form = ModuleForm(_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            module = services.module_update(
                actor=request.user, module=module, **form.service_fields()
            )
        except VolunteerError as error:
            _refused(form, error)
        else:
            messages.success(request, f"Module “{module.title}” saved (version {module.version}).")
            return redirect("volunteers_manage:training", organisation_id=module.organisation_id)
    context = {
        "organisation": module.organisation,
        "form": form,
        "module": module,
        "revisions": list(module.revisions.select_related("saved_by").order_by("-version")),
        "preview": mark_safe(markup.render(module.body)),  # noqa: S308 - escaped by markup.render
        "here": "training",
    }
    return render(request, T + "module_form.html", context)


@login_required
@require_POST
def module_active(request: HttpRequest, module_id: int) -> HttpResponse:
    """Retire a module, or bring it back."""
    module = access_module_manage(request.user, module_id)
    active = request.POST.get("active") == "1"
    services.module_set_active(actor=request.user, module=module, active=active)
    messages.success(
        request,
        f"Module “{module.title}” {'is back in the training' if active else 'is retired'}.",
    )
    return redirect("volunteers_manage:training", organisation_id=module.organisation_id)


# --- supervision -------------------------------------------------------------------------


@login_required
@GET_POST
def supervision(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Supervision coming up and recent, and a form to schedule one."""
    organisation = _organisation(request, organisation_id)
    form = SupervisionForm(
        _data(request),
        supervisors=_supervisor_choices(organisation),
        volunteers=_volunteer_choices(organisation),
    )
    if request.method == "POST":
        with timezone.override(_zone(organisation)):
            valid = form.is_valid()
        if valid:
            data = form.cleaned_data
            people = VolunteerProfile.objects.filter(
                organisation=organisation, pk__in=data["profiles"]
            )
            supervisor = (
                Membership.objects.filter(organisation=organisation, user_id=data["supervisor"])
                .select_related("user")
                .first()
            )
            try:
                made = services.supervision_schedule(
                    actor=request.user,
                    organisation=organisation,
                    kind=data["kind"],
                    scheduled_at=data["scheduled_at"],
                    supervisor=supervisor.user if supervisor else None,
                    profiles=list(people),
                    duration_minutes=data["duration_minutes"],
                    place=data["place"],
                )
            except VolunteerError as error:
                _refused(form, error)
            else:
                messages.success(request, "Supervision scheduled.")
                return redirect("volunteers_manage:supervision_detail", supervision_id=made.pk)
    sessions = list(
        Supervision.objects.filter(organisation=organisation)
        .select_related("supervisor")
        .prefetch_related("seats__profile__person")
        .order_by("-scheduled_at")[:50]
    )
    context = {
        "organisation": organisation,
        "form": form,
        "scheduled": [s for s in reversed(sessions) if s.state == SupervisionState.SCHEDULED],
        "past": [s for s in sessions if s.state != SupervisionState.SCHEDULED],
        "here": "supervision",
    }
    return render(request, T + "supervision.html", context)


def _seats(supervision: Supervision) -> list[tuple[int, str]]:
    return list(
        SupervisionAttendee.objects.filter(supervision=supervision)
        .values_list("profile_id", "profile__person__pseudonym")
        .order_by("profile__person__pseudonym")
    )


def _supervision_page(request: HttpRequest, supervision: Supervision, **forms: Any) -> HttpResponse:
    seats = _seats(supervision)
    attendees = list(
        SupervisionAttendee.objects.filter(supervision=supervision)
        .select_related("profile__person")
        .order_by("profile__person__pseudonym")
    )
    context = {
        "organisation": supervision.organisation,
        "supervision": supervision,
        "attendees": attendees,
        "actions": list(
            supervision.actions.select_related("profile__person", "done_by").order_by(
                "done_at", "due_on", "id"
            )
        ),
        "record_form": SupervisionRecordForm(
            initial={"attended": [pk for pk, _ in seats]}, seats=seats, auto_id="record-%s"
        ),
        "cancel_form": ReasonForm(auto_id="cancel-%s"),
        "action_form": ActionForm(seats=seats, auto_id="action-%s"),
        "here": "supervision",
    }
    context.update(forms)
    return render(request, T + "supervision_detail.html", context)


@login_required
@require_GET
def supervision_detail(request: HttpRequest, supervision_id: int) -> HttpResponse:
    """When, who, record it, agreed actions, cancel. The private notes are on
    their own page, so that every reading is deliberate and audited."""
    supervision = access_supervision_notes(request.user, supervision_id)
    return _supervision_page(request, supervision)


@login_required
@require_POST
def supervision_record(request: HttpRequest, supervision_id: int) -> HttpResponse:
    supervision = access_supervision_notes(request.user, supervision_id)
    form = SupervisionRecordForm(request.POST, seats=_seats(supervision), auto_id="record-%s")
    if form.is_valid():
        try:
            services.supervision_record(
                actor=request.user,
                supervision=supervision,
                attended=form.cleaned_data["attended"],
                notes=form.cleaned_data["notes"],
            )
        except VolunteerError as error:
            _refused(form, error)
        else:
            messages.success(request, "Supervision recorded as done.")
            return redirect("volunteers_manage:supervision_detail", supervision_id=supervision.pk)
    return _supervision_page(request, supervision, record_form=form)


@login_required
@require_POST
def supervision_cancel(request: HttpRequest, supervision_id: int) -> HttpResponse:
    supervision = access_supervision_notes(request.user, supervision_id)
    form = ReasonForm(request.POST, auto_id="cancel-%s")
    if form.is_valid():
        try:
            services.supervision_cancel(
                actor=request.user, supervision=supervision, reason=form.cleaned_data["reason"]
            )
        except VolunteerError as error:
            _refused(form, error)
        else:
            messages.success(request, "Supervision cancelled.")
            return redirect("volunteers_manage:supervision_detail", supervision_id=supervision.pk)
    return _supervision_page(request, supervision, cancel_form=form)


@login_required
@GET_POST
def supervision_notes(request: HttpRequest, supervision_id: int) -> HttpResponse:
    """The supervisor's private notes: each reading is audited (read.supervision_notes)."""
    supervision = access_supervision_notes(request.user, supervision_id)
    if request.method == "POST":
        form = NotesForm(request.POST)
        if form.is_valid():
            try:
                services.supervision_notes_update(
                    actor=request.user, supervision=supervision, notes=form.cleaned_data["notes"]
                )
            except VolunteerError as error:
                _refused(form, error)
            else:
                messages.success(request, "Notes saved.")
                return redirect(
                    "volunteers_manage:supervision_detail", supervision_id=supervision.pk
                )
    else:
        notes = selectors.supervision_notes_read(request.user, supervision)
        form = NotesForm(initial={"notes": notes})
    context = {
        "organisation": supervision.organisation,
        "supervision": supervision,
        "form": form,
        "here": "supervision",
    }
    return render(request, T + "supervision_notes.html", context)


@login_required
@require_POST
def action_add(request: HttpRequest, supervision_id: int) -> HttpResponse:
    supervision = access_supervision_notes(request.user, supervision_id)
    form = ActionForm(request.POST, seats=_seats(supervision), auto_id="action-%s")
    if form.is_valid():
        data = form.cleaned_data
        profile = (
            SupervisionAttendee.objects.filter(supervision=supervision, profile_id=data["profile"])
            .select_related("profile")
            .first()
            if data["profile"]
            else None
        )
        try:
            services.action_add(
                actor=request.user,
                supervision=supervision,
                text=data["text"],
                due_on=data["due_on"],
                profile=profile.profile if profile else None,
            )
        except VolunteerError as error:
            _refused(form, error)
        else:
            messages.success(request, "Agreed action added.")
            return redirect("volunteers_manage:supervision_detail", supervision_id=supervision.pk)
    return _supervision_page(request, supervision, action_form=form)


@login_required
@require_POST
def action_done(request: HttpRequest, action_id: int) -> HttpResponse:
    action = access_action(request.user, action_id)
    supervision = access_supervision_notes(request.user, action.supervision_id)
    try:
        services.action_done(actor=request.user, action=action)
    except VolunteerError as error:
        messages.error(request, error.text)
    else:
        messages.success(request, "Action marked done.")
    return redirect("volunteers_manage:supervision_detail", supervision_id=supervision.pk)


# --- supporters' events ------------------------------------------------------------------


@login_required
@GET_POST
def events(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Events coming up for the supporters' network, and a form to add one."""
    organisation = _organisation(request, organisation_id)
    form = PeerEventForm(_data(request))
    if request.method == "POST":
        with timezone.override(_zone(organisation)):
            valid = form.is_valid()
        if valid:
            try:
                event = services.peer_event_create(
                    actor=request.user, organisation=organisation, **form.cleaned_data
                )
            except VolunteerError as error:
                _refused(form, error)
            else:
                messages.success(request, f"“{event.title}” added for volunteers.")
                return redirect("volunteers_manage:events", organisation_id=organisation.pk)
    context = {
        "organisation": organisation,
        "form": form,
        "upcoming": selectors.peer_events_upcoming(organisation),
        "here": "events",
    }
    return render(request, T + "events.html", context)


@login_required
@require_POST
def event_cancel(request: HttpRequest, event_id: int) -> HttpResponse:
    event = access_peer_event_manage(request.user, event_id)
    try:
        services.peer_event_cancel(actor=request.user, event=event)
    except VolunteerError as error:
        messages.error(request, error.text)
    else:
        messages.success(request, f"“{event.title}” is cancelled.")
    return redirect("volunteers_manage:events", organisation_id=event.organisation_id)


# --- hours for funders --------------------------------------------------------------------


@login_required
@require_GET
def export(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """A form for the dates; with valid dates, the CSV itself."""
    organisation = _organisation(request, organisation_id)
    asked = "start" in request.GET or "end" in request.GET
    form = ExportForm(request.GET if asked else None)
    if asked and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        body = selectors.activity_export_csv(organisation, start=start, end=end)
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        filename = f"volunteer-hours-{organisation.slug}-{start:%Y-%m-%d}-to-{end:%Y-%m-%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return render(
        request, T + "export.html", {"organisation": organisation, "form": form, "here": "export"}
    )


# --- the organisation's policy ------------------------------------------------------------


@login_required
@GET_POST
def policy(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = _organisation(request, organisation_id)
    current = services.policy_for(organisation)
    form = PolicyForm(
        _data(request), initial={name: getattr(current, name) for name in POLICY_FIELDS}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_update(
                actor=request.user, organisation=organisation, **form.cleaned_data
            )
        except VolunteerError as error:
            _refused(form, error)
        else:
            messages.success(request, "Volunteer policy saved.")
            return redirect("volunteers_manage:overview", organisation_id=organisation.pk)
    return render(
        request, T + "policy.html", {"organisation": organisation, "form": form, "here": "policy"}
    )
