"""Forms for the coordinator back office (/manage/). See docs/programmes.md.

Forms only parse what was typed; the rules live in ``services``. When a service
refuses, ``ServiceForm.add_service_errors`` puts each of its messages on the
field it is about, so the page shows it next to what the coordinator typed.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from peercircle.accounts.models import Gender, PerinatalStage
from peercircle.programmes import eligibility
from peercircle.programmes.models import AttendanceStatus, Delivery, Focus, GroupKind, Weekday

WHOLE_NUMBER = {"invalid": "Enter a whole number, for example 12."}
NUMBER = {"invalid": "Enter a number, for example 53.7997."}
DATE = {"invalid": "Enter a date, for example 2026-01-31."}
TIME = {"invalid": "Enter a time, for example 19:00."}


def _labels(choices: Any, allowed: dict[str, str]) -> list[tuple[str, str]]:
    return [(value, label) for value, label in choices if value in allowed]


class ServiceForm(forms.Form):
    """A form whose data goes to one service."""

    def add_service_errors(self, exc: ValidationError) -> None:
        """Show a service's ``ValidationError`` on the fields it names; anything
        else goes to the top of the form."""
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, exc.messages)


class ProgrammeForm(ServiceForm):
    name = forms.CharField(
        max_length=200, error_messages={"required": "Give the programme a name."}
    )
    focus = forms.ChoiceField(
        choices=Focus.choices, initial=Focus.GENERAL, help_text="Who the programme is mainly for."
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    min_age = forms.IntegerField(
        label="Youngest age",
        required=False,
        min_value=0,
        max_value=120,
        error_messages=WHOLE_NUMBER,
        help_text="Leave empty for no lower limit.",
    )
    max_age = forms.IntegerField(
        label="Oldest age",
        required=False,
        min_value=0,
        max_value=120,
        error_messages=WHOLE_NUMBER,
        help_text="Leave empty for no upper limit.",
    )
    genders = forms.MultipleChoiceField(
        label="Genders",
        choices=_labels(Gender.choices, eligibility.GENDER_WORDS),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Tick none for anyone.",
    )
    perinatal_stages = forms.MultipleChoiceField(
        label="Stages of parenthood",
        choices=_labels(PerinatalStage.choices, eligibility.STAGE_WORDS),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="For perinatal programmes. Tick none for anyone.",
    )
    offers_groups = forms.BooleanField(
        label="Offers groups and courses", required=False, initial=True
    )
    offers_one_to_one = forms.BooleanField(label="Offers one-to-one peer support", required=False)
    is_active = forms.BooleanField(
        label="Active",
        required=False,
        initial=True,
        help_text="Inactive programmes are hidden from the public.",
    )

    def service_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class GroupForm(ServiceForm):
    name = forms.CharField(max_length=200, error_messages={"required": "Give the group a name."})
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="What to expect, in a few friendly sentences.",
    )
    kind = forms.ChoiceField(
        label="Kind of group", choices=GroupKind.choices, widget=forms.RadioSelect
    )
    delivery = forms.ChoiceField(
        label="Where it meets", choices=Delivery.choices, widget=forms.RadioSelect
    )
    venue_name = forms.CharField(label="Venue", max_length=200, required=False)
    address = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Shown only to members who have joined.",
    )
    area = forms.CharField(
        max_length=120, required=False, help_text="Town or neighbourhood, shown publicly."
    )
    latitude = forms.FloatField(
        required=False, error_messages=NUMBER, help_text="For example 53.7997."
    )
    longitude = forms.FloatField(
        required=False, error_messages=NUMBER, help_text="For example -1.5492."
    )
    online_link = forms.URLField(
        label="Online meeting link",
        required=False,
        assume_scheme="https",
        error_messages={
            "invalid": "Enter a full web address, for example https://meet.example.org/group."
        },
        help_text="Shown only to members who have joined.",
    )
    language = forms.CharField(
        max_length=8, initial="en", help_text="Language code, for example en or cy."
    )
    capacity = forms.IntegerField(
        error_messages={**WHOLE_NUMBER, "required": "Say how many people the group can hold."}
    )
    weekday = forms.TypedChoiceField(label="Day of the week", choices=Weekday.choices, coerce=int)
    start_time = forms.TimeField(
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={**TIME, "required": "Give the time the group starts, for example 19:00."},
    )
    duration_minutes = forms.IntegerField(
        label="Length of a session (minutes)", initial=120, error_messages=WHOLE_NUMBER
    )
    start_date = forms.DateField(
        label="First week",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={**DATE, "required": "Give the date of the first week the group meets."},
        help_text="The date of the first session.",
    )
    course_weeks = forms.IntegerField(
        label="Number of weeks (courses only)",
        required=False,
        error_messages=WHOLE_NUMBER,
        help_text="Leave empty for a rolling group.",
    )
    listed = forms.BooleanField(
        label="Listed in the public group finder", required=False, initial=True
    )
    is_active = forms.BooleanField(
        label="Active (taking members, meeting)", required=False, initial=True
    )
    facilitators = forms.TypedMultipleChoiceField(
        choices=(),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Volunteers and coordinators of the organisation, by the name members see.",
    )

    def __init__(
        self, *args: Any, facilitator_choices: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["facilitators"].choices = facilitator_choices

    def service_fields(self) -> dict[str, Any]:
        """The group's fields for ``group_create``/``group_update``, and the facilitator ids."""
        data = dict(self.cleaned_data)
        facilitator_ids = data.pop("facilitators", [])
        return {**data, "facilitator_ids": facilitator_ids}


class ReasonForm(ServiceForm):
    reason = forms.CharField(
        max_length=240,
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,  # the service says why it is needed, in its own words
    )


class RegisterForm(ServiceForm):
    """One radio group per person on the register, named ``mark-<user id>``."""

    def __init__(self, *args: Any, rows: list[tuple[Any, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for enrolment, mark in rows:
            self.fields[self.field_name(enrolment.user_id)] = forms.ChoiceField(
                label=enrolment.user.pseudonym,
                choices=AttendanceStatus.choices,
                widget=forms.RadioSelect,
                required=False,
                initial=mark or None,
            )

    @staticmethod
    def field_name(user_id: int) -> str:
        return f"mark-{user_id}"

    def marks(self) -> dict[int, str]:
        """``{user id: status}`` for each person marked; unmarked people are left out."""
        return {
            enrolment.user_id: self.cleaned_data[self.field_name(enrolment.user_id)]
            for enrolment, _ in self.rows
            if self.cleaned_data.get(self.field_name(enrolment.user_id))
        }

    def row_fields(self) -> list[tuple[Any, forms.BoundField]]:
        return [(enrolment, self[self.field_name(enrolment.user_id)]) for enrolment, _ in self.rows]
