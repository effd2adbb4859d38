"""Forms for matching pages. Forms only parse what was typed; the rules are
the services', and a refusal comes back on the field it is about
(``ServiceForm.add_service_errors``). See docs/matching.md, "In the platform".
"""

from __future__ import annotations

from typing import Any

from django import forms

from peercircle.matchmaking.services import GENDERS
from peercircle.matchmaking.vocabulary import (
    FORMAT_LABELS,
    OBJECTIVE_HELP,
    OBJECTIVE_LABELS,
    SLOT_LABELS,
    STRENGTHS,
    TAGS,
)
from peercircle.programmes.forms_manage import ServiceForm

CHOOSE = {"invalid_choice": "Choose from the list."}
TAG_CHOICES = [(code, label) for code, label, _ in TAGS]


def _many(choices: Any, label: str, help_text: str = "") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=help_text,
        error_messages=CHOOSE,
    )


class RequestForm(ServiceForm):
    languages = forms.CharField(
        label="Languages you can talk in",
        required=False,
        max_length=600,
        help_text="Separate them with commas, for example: English, Polish.",
    )
    slots = _many(
        list(SLOT_LABELS.items()), "When you are usually free", "Choose every time that suits you."
    )
    formats = _many(list(FORMAT_LABELS.items()), "Ways you would like to meet")
    town = forms.CharField(
        label="Town you live in or near",
        required=False,
        max_length=80,
        help_text="Only needed to meet in person; we use it to find someone close by.",
    )
    tags = _many(
        TAG_CHOICES,
        "What you are going through",
        "Optional. Someone who has been through something similar can be a good match.",
    )
    gender_preference = forms.ChoiceField(
        label="A supporter of this gender",
        required=False,
        choices=[("", "No preference"), *GENDERS.items()],
        error_messages=CHOOSE,
    )
    gender_strength = forms.ChoiceField(
        label="How much their gender matters",
        required=False,
        choices=list(STRENGTHS.items()),
        initial="nice",
        widget=forms.RadioSelect,
        error_messages=CHOOSE,
    )
    tag_preference = forms.ChoiceField(
        label="A supporter who has been through",
        required=False,
        choices=[("", "No preference"), *TAG_CHOICES],
        error_messages=CHOOSE,
    )
    tag_strength = forms.ChoiceField(
        label="How much their experience matters",
        required=False,
        choices=list(STRENGTHS.items()),
        initial="nice",
        widget=forms.RadioSelect,
        error_messages=CHOOSE,
    )
    note = forms.CharField(
        label="What I'd prefer",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Anything else that would help us find the right person. Only coordinators "
        "read this.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "ask-%s")
        super().__init__(*args, **kwargs)

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["languages"] = [item for item in data["languages"].split(",") if item.strip()]
        return data

    @staticmethod
    def initial_from(request: Any) -> dict[str, Any]:
        return {
            "languages": ", ".join(request.languages),
            "slots": request.slots,
            "formats": request.formats,
            "town": request.town,
            "tags": request.tags,
            "gender_preference": request.gender_preference,
            "gender_strength": request.gender_strength or "nice",
            "tag_preference": request.tag_preference,
            "tag_strength": request.tag_strength or "nice",
            "note": request.note,
        }


class OfferForm(ServiceForm):
    formats = _many(list(FORMAT_LABELS.items()), "Ways you can meet people")
    tags = _many(
        TAG_CHOICES,
        "Lived experience you are willing to share",
        "People going through the same are more likely to be matched with you.",
    )
    town = forms.CharField(
        label="Town you can meet people in",
        required=False,
        max_length=80,
        help_text="Only needed to meet in person.",
    )


class RoundForm(ServiceForm):
    objective = forms.ChoiceField(
        label="How to match",
        choices=[
            (code, f"{OBJECTIVE_LABELS[code]}: {text}") for code, text in OBJECTIVE_HELP.items()
        ],
        initial="best_total",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how to match.",
            "invalid_choice": "Choose how to match from the two ways shown.",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "round-%s")
        super().__init__(*args, **kwargs)


class ReasonForm(ServiceForm):
    reason = forms.CharField(
        label="Why",
        required=False,
        max_length=240,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="A sentence is enough; it stays in the record.",
        error_messages={"max_length": "Keep it to 240 characters or fewer."},
    )


class ChangeForm(ServiceForm):
    profile = forms.IntegerField(
        label="Supporter",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a supporter.", "invalid": "Choose a supporter."},
    )

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["profile"].widget.choices = choices


class ResolveForm(ServiceForm):
    outcome = forms.ChoiceField(
        label="What to do",
        choices=[
            ("ended", "End the support"),
            ("rematch", "End it and find them another supporter (their request waits again)"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what to do.", "invalid_choice": "Choose what to do."},
    )
    reason = ReasonForm.base_fields["reason"]


class AskChangeForm(ServiceForm):
    kind = forms.ChoiceField(
        label="What you would like",
        choices=[("change", "Change to another supporter"), ("end", "End the support")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose one.", "invalid_choice": "Choose one."},
    )
    note = forms.CharField(
        label="Anything you want to tell the coordinator",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional. Only coordinators read this; your supporter does not.",
    )
    prefer = forms.CharField(
        label="What you would prefer in a new supporter",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional.",
    )

    def __init__(self, *args: Any, participant: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "change-%s")
        super().__init__(*args, **kwargs)
        if not participant:
            del self.fields["prefer"]
            self.fields[
                "note"
            ].help_text = "Optional. Only coordinators read this; the person you support does not."
