"""Forms for the public finder and for joining a group. See docs/finder.md.

Forms only parse and check input; what happens with it is up to the services.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from peercircle.accounts.consent import CURRENT_VERSION, WORDING, Purpose
from peercircle.accounts.models import Gender, PerinatalStage
from peercircle.programmes import geo
from peercircle.programmes.models import Delivery, Focus, Weekday
from peercircle.programmes.selectors import FinderQuery

RADIUS_CHOICES = [("5", "5 km"), ("10", "10 km"), ("25", "25 km"), ("50", "50 km")]
DEFAULT_RADIUS = "25"
PER_PAGE = 20


class FinderForm(forms.Form):
    """The finder's GET parameters. Every field is optional; a bad value is
    reported in plain words and then ignored, so the search still runs."""

    q = forms.CharField(
        label="Words to look for",
        required=False,
        max_length=100,
        help_text="For example: anxiety, walking, new dads",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    focus = forms.ChoiceField(
        label="Who the group is for", required=False, choices=[("", "Anyone")] + Focus.choices
    )
    delivery = forms.ChoiceField(
        label="How it meets",
        required=False,
        choices=[
            ("", "Any way"),
            (Delivery.IN_PERSON, "In person (including hybrid)"),
            (Delivery.ONLINE, "Online (including hybrid)"),
            (Delivery.HYBRID, "Hybrid only"),
        ],
    )
    language = forms.ChoiceField(label="Language", required=False, choices=[("", "Any language")])
    weekday = forms.TypedChoiceField(
        label="Day",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Any day")] + [(str(value), label) for value, label in Weekday.choices],
        error_messages={"invalid_choice": "Choose a day from the list."},
    )
    place = forms.CharField(
        label="Near a town or city",
        required=False,
        max_length=80,
        help_text="For example: Leeds",
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    lat = forms.FloatField(
        label="Latitude",
        required=False,
        min_value=-90,
        max_value=90,
        error_messages={"invalid": "The latitude must be a number between -90 and 90."},
    )
    lon = forms.FloatField(
        label="Longitude",
        required=False,
        min_value=-180,
        max_value=180,
        error_messages={"invalid": "The longitude must be a number between -180 and 180."},
    )
    radius = forms.ChoiceField(
        label="Within",
        required=False,
        choices=RADIUS_CHOICES,
        error_messages={"invalid_choice": "Choose a distance from the list."},
    )
    page = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=100_000,
        error_messages={
            "invalid": "The page number must be a whole number.",
            "min_value": "The page number must be 1 or more.",
            "max_value": "That page number is too large.",
        },
    )

    def __init__(self, *args: Any, languages: list[tuple[str, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if self.is_bound and not self.data.get("radius"):
            # A bound form ignores ``initial``; without this the select would
            # show (and htmx would then send) its first choice, 5 km.
            self.data = self.data.copy()
            self.data["radius"] = DEFAULT_RADIUS
        self.fields["language"].choices = [("", "Any language"), *(languages or [])]
        self.place_found: geo.Place | None = None
        self.place_suggestions: list[geo.Place] = []

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        place = (data.get("place") or "").strip()
        if place:
            # A place typed in wins over coordinates left from "use my location".
            data["lat"] = data["lon"] = None
            found = geo.find_place(place)
            if found is None:
                # Suggest by the whole name, then by its first letters.
                self.place_suggestions = geo.suggest_places(place) or geo.suggest_places(place[:3])
                self.add_error("place", f"We could not find a place called “{place}”.")
            else:
                self.place_found = found
            return data
        lat, lon = data.get("lat"), data.get("lon")
        if (lat is None) != (lon is None) and "lat" not in self.errors and "lon" not in self.errors:
            self.add_error(None, "A location needs both a latitude and a longitude.")
        return data

    def finder_query(self) -> FinderQuery:
        """The query from whatever was valid; invalid fields are left out."""
        data = getattr(self, "cleaned_data", {})
        if self.place_found is not None:
            lat, lon = self.place_found.latitude, self.place_found.longitude
        else:
            lat, lon = data.get("lat"), data.get("lon")
        if lat is None or lon is None:
            lat = lon = None
        return FinderQuery(
            text=data.get("q") or "",
            focus=data.get("focus") or "",
            delivery=data.get("delivery") or "",
            language=data.get("language") or "",
            weekday=data.get("weekday"),
            latitude=lat,
            longitude=lon,
            radius_km=float(data.get("radius") or DEFAULT_RADIUS),
            page=data.get("page") or 1,
            per_page=PER_PAGE,
        )


def _year_bounds() -> tuple[int, int]:
    # The same bounds accounts.services.context_update enforces.
    this_year = timezone.now().year
    return this_year - 110, this_year - 13


CONTEXT_FIELDS = ("year_of_birth", "gender", "perinatal_stage")


class JoinForm(forms.Form):
    """The one confirmation step before joining: the consent wording when the
    person has not yet agreed, and exactly the context questions a programme's
    rules need answered (``missing``)."""

    def __init__(
        self, *args: Any, needs_consent: bool, missing: tuple[str, ...] = (), **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.needs_consent = needs_consent
        self.consent_wording = WORDING[Purpose.SERVICE][CURRENT_VERSION[Purpose.SERVICE]]
        if needs_consent:
            self.fields["consent"] = forms.BooleanField(
                label="I agree to this",
                required=True,
                error_messages={"required": "Please tick the box to agree, so that you can join."},
            )
        if "year_of_birth" in missing:
            oldest, youngest = _year_bounds()
            self.fields["year_of_birth"] = forms.IntegerField(
                label="Year of birth",
                min_value=oldest,
                max_value=youngest,
                help_text="Four digits, for example 1990. Only the year, never the date.",
                widget=forms.NumberInput(
                    attrs={"inputmode": "numeric", "autocomplete": "bday-year"}
                ),
                error_messages={
                    "required": "Please give the year you were born.",
                    "invalid": "Please give the year as four digits, for example 1990.",
                    "min_value": f"Please give a year of birth between {oldest} and {youngest}.",
                    "max_value": f"Please give a year of birth between {oldest} and {youngest}.",
                },
            )
        if "gender" in missing:
            self.fields["gender"] = forms.ChoiceField(
                label="How do you describe your gender?",
                choices=[(value, label) for value, label in Gender.choices if value],
                widget=forms.RadioSelect,
                error_messages={
                    "required": "Please choose one, or look for a group open to everyone."
                },
            )
        if "perinatal_stage" in missing:
            self.fields["perinatal_stage"] = forms.ChoiceField(
                label="Which of these fits you?",
                choices=[(value, label) for value, label in PerinatalStage.choices if value],
                widget=forms.RadioSelect,
                error_messages={"required": "Please choose one, or look for another group."},
            )

    @property
    def asks_context(self) -> bool:
        return any(name in self.fields for name in CONTEXT_FIELDS)

    def context_changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in CONTEXT_FIELDS if name in self.fields}
