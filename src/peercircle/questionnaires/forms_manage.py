"""Forms for the questionnaires' staff pages (/manage/questionnaires/).
See docs/questionnaires.md.

Forms only parse what was typed; the rules (which instruments may be scheduled,
the range of days, one time point of each kind) are ``services.schedule_point_add``'s,
and a refusal comes back on the field it is about.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from peercircle.programmes.forms_manage import WHOLE_NUMBER, ServiceForm
from peercircle.questionnaires.models import Anchor
from peercircle.questionnaires.selectors import InstrumentRow

#: Which field a ``QuestionnaireError`` code is about; others go to the top of the form.
ERROR_FIELDS = {"instrument": "instrument", "needs_text": "instrument"}


class InstrumentSelect(forms.Select):
    """A select whose instruments without texts are listed but cannot be chosen."""

    def __init__(self, *args: Any, unavailable: frozenset[str] = frozenset(), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.unavailable = unavailable

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        if value in self.unavailable:
            option["attrs"]["disabled"] = True
        return option


class SchedulePointForm(ServiceForm):
    instrument = forms.CharField(
        label="Questionnaire",
        error_messages={"required": "Choose a questionnaire from the list."},
        help_text="Only questionnaires whose texts are ready can be chosen.",
    )
    label = forms.CharField(
        label="Name of the time point",
        max_length=60,
        error_messages={
            "required": 'Give the time point a name people will see, e.g. "Week 5".',
            "max_length": "Keep it to 60 characters or fewer.",
        },
        help_text='What participants see, for example "Baseline" or "Week 5".',
    )
    anchor = forms.ChoiceField(
        label="Count the days from",
        choices=[
            (Anchor.JOINED.value, "When the person joins a group"),
            (Anchor.COURSE_END.value, "When the course ends (or when they leave a rolling group)"),
        ],
        initial=Anchor.JOINED.value,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Count from joining or from the end of the course.",
            "invalid_choice": "Count from joining or from the end of the course.",
        },
    )
    offset_days = forms.IntegerField(
        label="Days after",
        initial=0,
        error_messages={
            "required": "Say how many days after, for example 0 or 35.",
            **WHOLE_NUMBER,
        },
        help_text="0 means on the day itself; 35 is five weeks.",
    )
    window_days = forms.IntegerField(
        label="Open for this many days",
        initial=14,
        error_messages={
            "required": "Say how many days it stays open, for example 14.",
            **WHOLE_NUMBER,
        },
        help_text="After that it counts as missed. 1 to 90.",
    )

    def __init__(self, *args: Any, instruments: list[InstrumentRow], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, str]] = [("", "Choose a questionnaire")]
        for row in instruments:
            label = row.name if row.ready else f"{row.name}: {row.status}"
            choices.append((row.code, label))
        unavailable = frozenset(row.code for row in instruments if not row.ready)
        self.fields["instrument"].widget = InstrumentSelect(
            choices=choices, unavailable=unavailable
        )

    def add_service_errors(self, exc: ValidationError) -> None:
        field = ERROR_FIELDS.get(getattr(exc, "code", "") or "")
        if field is None:
            super().add_service_errors(exc)
        else:
            self.add_error(field, exc.messages)

    def service_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)
