"""Forms for the coordinators' volunteer pages (/manage/volunteers/).
See docs/volunteers.md, "Pages for coordinators".

Forms only parse what was typed (a field the service needs is marked required,
with the service's own words, so that its label does not say "optional");
every rule lives in ``volunteers.services``.
When a service refuses, ``add_service_errors`` puts each message on the field
it names (or at the top), so the page shows it next to what was typed.
"""

from __future__ import annotations

from typing import Any

from django import forms

from peercircle.programmes.forms_manage import DATE, WHOLE_NUMBER, ServiceForm
from peercircle.volunteers import rules
from peercircle.volunteers.models import (
    CheckOutcome,
    InterviewOutcome,
    SupervisionKind,
)
from peercircle.volunteers.services import POLICY_FIELDS, REASON_LIMIT

DATETIME = {"invalid": "Enter a date and time, for example 2026-01-31 18:30."}
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def _date(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(),
        error_messages={**DATE, "required": f"Give the {label.lower()}."},
        help_text=help_text,
    )


def _datetime(label: str, *, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=DATETIME_FORMATS,
        widget=DateTimeInput(),
        error_messages={**DATETIME, "required": f"Give the {label.lower()}."},
    )


MOVE_LABELS = {
    rules.SCREENING: "Start screening",
    rules.TRAINING: "Start training",
    rules.ACTIVE: "Make active",
    rules.PAUSED: "Pause",
    "resume": "Resume",
    rules.LEFT: "Record that they have left",
}


class MoveForm(ServiceForm):
    """One step in the pipeline. ``to`` is a state, or ``resume``."""

    to = forms.ChoiceField(choices=list(MOVE_LABELS.items()), widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=REASON_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReferenceForm(ServiceForm):
    referee_name = forms.CharField(
        label="Referee's name",
        max_length=200,
        error_messages={"required": "Give the referee's name."},
    )
    relationship = forms.CharField(
        label="How they know them",
        max_length=120,
        help_text="Employer, tutor, ...",
        error_messages={"required": "Say how the referee knows them (employer, tutor, ...)."},
    )
    contact = forms.CharField(
        label="Referee's contact details",
        max_length=300,
        required=False,
        help_text="Kept encrypted; seen by coordinators only.",
    )


class ReferenceReceiveForm(ServiceForm):
    satisfactory = forms.ChoiceField(
        label="What it said",
        choices=[("yes", "Satisfactory"), ("no", "Raises concerns")],
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the reference was satisfactory."},
    )
    received_on = _date("Date it came back", required=False, help_text="Today if left empty.")
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CheckForm(ServiceForm):
    kind = forms.CharField(
        label="Kind of check",
        max_length=80,
        help_text="For example Enhanced DBS with barred lists.",
        error_messages={"required": "Say what kind of check it was, e.g. Enhanced DBS."},
    )
    checked_on = _date("Date of the check")
    expires_on = _date("Renew by")
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=CheckOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the outcome."},
    )
    certificate = forms.CharField(label="Certificate number", max_length=80, required=False)
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class InterviewForm(ServiceForm):
    held_on = _date("Date of the interview")
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=InterviewOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the outcome."},
    )
    notes = forms.CharField(
        label="Interview notes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Staff only, kept encrypted; every reading is recorded.",
    )


class CaseloadForm(ServiceForm):
    limit = forms.IntegerField(
        label="Their own caseload limit",
        required=False,
        error_messages=WHOLE_NUMBER,
        help_text="Groups plus people one to one. Leave empty for the organisation's limit.",
    )


class ModuleForm(ServiceForm):
    title = forms.CharField(
        label="Title", max_length=200, error_messages={"required": "Give the module a title."}
    )
    summary = forms.CharField(label="Summary", max_length=300, required=False)
    body = forms.CharField(
        label="Text (Markdown)",
        error_messages={"required": "Write the module's text (Markdown)."},
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text="Headings with #, lists with -, emphasis with *.",
    )
    reflection_prompt = forms.CharField(
        label="Reflection question",
        error_messages={
            "required": "Every module ends with a short reflection: write its question."
        },
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Volunteers answer it in a few lines when they complete the module.",
    )
    written_by = forms.CharField(
        label="Written by", max_length=300, error_messages={"required": "Credit who wrote it."}
    )
    co_produced_with = forms.CharField(
        label="Co-produced with",
        max_length=300,
        required=False,
        help_text="The volunteers and people with lived experience it was written with.",
    )
    refresher_months = forms.IntegerField(
        label="Months until a refresher",
        initial=0,
        error_messages={**WHOLE_NUMBER, "required": "Give the months (0 for none)."},
        help_text="0 for no refresher.",
    )
    required_for = forms.MultipleChoiceField(
        label="Required for",
        choices=[
            (rules.FACILITATE, "Facilitating groups"),
            (rules.ONE_TO_ONE, "One-to-one support"),
        ],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Tick none for an optional module.",
    )
    position = forms.IntegerField(
        label="Position in the curriculum",
        required=False,
        error_messages=WHOLE_NUMBER,
        help_text="Leave empty to add it at the end.",
    )

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if data.get("position") is None:
            data.pop("position", None)
        return data


class SupervisionForm(ServiceForm):
    kind = forms.ChoiceField(
        label="Kind",
        choices=SupervisionKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose one-to-one or group supervision."},
    )
    scheduled_at = _datetime("Date and time")
    duration_minutes = forms.IntegerField(
        label="Length in minutes", initial=60, error_messages=WHOLE_NUMBER
    )
    place = forms.CharField(label="Where, or how to join", max_length=200, required=False)
    supervisor = forms.TypedChoiceField(
        label="Supervisor", coerce=int, error_messages={"required": "Choose a supervisor."}
    )
    profiles = forms.TypedMultipleChoiceField(
        label="Volunteers",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose who the supervision is with."},
    )

    def __init__(
        self,
        *args: Any,
        supervisors: list[tuple[int, str]],
        volunteers: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].choices = [("", "Choose…"), *supervisors]
        self.fields["profiles"].choices = volunteers


class SupervisionRecordForm(ServiceForm):
    attended = forms.TypedMultipleChoiceField(
        label="Who came",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Tick who came; if nobody did, cancel it instead."},
    )
    notes = forms.CharField(
        label="Private notes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Read only by the supervisor and coordinators; every reading is recorded.",
    )

    def __init__(self, *args: Any, seats: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attended"].choices = seats


class NotesForm(ServiceForm):
    notes = forms.CharField(
        label="Private notes", required=False, widget=forms.Textarea(attrs={"rows": 6})
    )


class ReasonForm(ServiceForm):
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=REASON_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ActionForm(ServiceForm):
    text = forms.CharField(
        label="Agreed action",
        error_messages={"required": "Write the action first."},
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    due_on = _date("Due by", required=False)
    profile = forms.TypedChoiceField(label="For", coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, seats: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["profile"].choices = [("", "Everyone in it"), *seats]


class PeerEventForm(ServiceForm):
    title = forms.CharField(
        label="Name", max_length=200, error_messages={"required": "Give the event a name."}
    )
    starts_at = _datetime("Starts")
    ends_at = _datetime("Ends", required=False)
    place = forms.CharField(label="Where", max_length=200, required=False)
    online_link = forms.CharField(
        label="Link to join online", max_length=500, required=False, help_text="https://..."
    )
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ExportForm(forms.Form):
    start = _date("Start date")
    end = _date("End date")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "The end date is before the start date.")
        return data


POLICY_LABELS = {
    "references_required": "Satisfactory references needed before training",
    "caseload_limit": "Default caseload limit (groups plus people one to one)",
    "supervision_weeks": "Flag when there has been no supervision for this many weeks",
    "debrief_days": "Days a safeguarding debrief stays flagged",
    "wellbeing_drop": "Flag a wellbeing drop of this many points",
    "anxiety_high": "Anxiety at or above this is high (0 to 10)",
    "anxious_checkins": "Flag after this many check-ins in a row with high anxiety",
    "refresher_notice_days": "Remind volunteers this many days before a refresher is due",
}


class PolicyForm(ServiceForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, (low, high) in POLICY_FIELDS.items():
            self.fields[name] = forms.IntegerField(
                label=POLICY_LABELS.get(name, name.replace("_", " ").capitalize()),
                error_messages={
                    **WHOLE_NUMBER,
                    "required": f"Give a whole number from {low} to {high}.",
                },
                help_text=f"From {low} to {high}.",
            )
