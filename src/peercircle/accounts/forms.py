"""Forms for the accounts pages: they parse input; the rules live in services.

Every field has a label, a hint where it helps, and the autocomplete token
that lets browsers and password managers fill it. See docs/accounts.md.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils import timezone

from peercircle.accounts.consent import CURRENT_VERSION, PURPOSE_LABELS, WORDING, Purpose
from peercircle.accounts.models import Gender, PerinatalStage, User

CONTACT_HINT = "Only coordinators and the safeguarding lead can see these."


def _text(autocomplete: str, **attrs: str) -> forms.TextInput:
    return forms.TextInput(attrs={"autocomplete": autocomplete, **attrs})


def _year_bounds() -> tuple[int, int]:
    this_year = timezone.now().year
    return this_year - 110, this_year - 13


class ContextFieldsMixin(forms.Form):
    """The optional context profile: year of birth, gender, perinatal stage."""

    year_of_birth = forms.IntegerField(
        label="Year of birth",
        required=False,
        help_text="For example, 1985. Some groups are for particular ages.",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "bday-year",
                "inputmode": "numeric",
                "pattern": "[0-9]*",
                "size": "4",
            }
        ),
        error_messages={"invalid": "Please give a year of birth as four digits, for example 1985."},
    )
    gender = forms.ChoiceField(label="Gender", required=False, choices=Gender.choices)
    perinatal_stage = forms.ChoiceField(
        label="Pregnancy and young children",
        required=False,
        choices=PerinatalStage.choices,
        help_text="Some groups are for parents during pregnancy or after a birth.",
    )

    def clean_year_of_birth(self) -> int | None:
        year = self.cleaned_data.get("year_of_birth")
        low, high = _year_bounds()
        if year is not None and not (low <= year <= high):
            raise forms.ValidationError(f"Please give a year of birth between {low} and {high}.")
        return year

    def context_data(self) -> dict:
        return {
            "year_of_birth": self.cleaned_data.get("year_of_birth"),
            "gender": self.cleaned_data.get("gender") or "",
            "perinatal_stage": self.cleaned_data.get("perinatal_stage") or "",
        }


def _consent_field(purpose: Purpose, *, required: bool) -> forms.BooleanField:
    return forms.BooleanField(
        label=WORDING[purpose][CURRENT_VERSION[purpose]],
        required=required,
        error_messages={
            "required": (
                "To join, please tick the box to agree that the organisation may keep your "
                "details for peer support."
            )
        },
    )


class SignUpForm(ContextFieldsMixin):
    username = forms.CharField(
        label="Sign-in name",
        max_length=80,
        help_text=(
            "You use this to sign in. Other members never see it. "
            "Letters, digits and @ . + - _ only."
        ),
        widget=_text("username", autocapitalize="none", spellcheck="false"),
        validators=[
            UnicodeUsernameValidator(
                message="Use only letters, digits and @ . + - _ in your sign-in name, no spaces."
            )
        ],
        error_messages={"required": "Choose a sign-in name."},
    )
    pseudonym = forms.CharField(
        label="Your name in groups",
        max_length=40,
        help_text="The name other members see; it need not be your real name.",
        widget=_text("nickname"),
        error_messages={"required": "Choose the name other members will see."},
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        help_text="At least 10 characters. A few unrelated words make a strong password.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Choose a password."},
    )
    password_confirm = forms.CharField(
        label="Password again",
        strip=False,
        help_text="Type the same password again, to be sure it is right.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Type your password again."},
    )
    real_name = forms.CharField(
        label="Real name", required=False, max_length=200, widget=_text("name")
    )
    email = forms.EmailField(
        label="Email",
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={
            "invalid": "Please give an email address like name@example.org, or leave it empty."
        },
    )
    phone = forms.CharField(
        label="Phone",
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    consent_service = _consent_field(Purpose.SERVICE, required=True)
    consent_research = _consent_field(Purpose.RESEARCH, required=False)
    consent_contact = _consent_field(Purpose.CONTACT, required=False)

    CONSENT_FIELDS = {
        Purpose.SERVICE: "consent_service",
        Purpose.RESEARCH: "consent_research",
        Purpose.CONTACT: "consent_contact",
    }
    #: Where errors raised by services under other keys are shown.
    SERVICE_ERROR_FIELDS = {"consents": "consent_service", "year_of_birth": "year_of_birth"}

    def clean(self) -> dict:
        cleaned = super().clean()
        password = cleaned.get("password")
        again = cleaned.get("password_confirm")
        if password and again and password != again:
            self.add_error(
                "password_confirm", "The two passwords are different; please type them again."
            )
        elif password:
            candidate = User(
                username=cleaned.get("username", ""),
                pseudonym=cleaned.get("pseudonym", ""),
                real_name=cleaned.get("real_name", ""),
                email=cleaned.get("email", ""),
            )
            try:
                password_validation.validate_password(password, user=candidate)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return cleaned

    def consent_purposes(self) -> list[Purpose]:
        return [
            purpose for purpose, name in self.CONSENT_FIELDS.items() if self.cleaned_data.get(name)
        ]

    def consent_rows(self) -> list[tuple[Purpose, str, forms.BoundField]]:
        return [
            (purpose, PURPOSE_LABELS[purpose], self[name])
            for purpose, name in self.CONSENT_FIELDS.items()
        ]


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": (
            "That sign-in name and password do not match an account. Please check them and try "
            "again; the password is case-sensitive."
        ),
        "inactive": "This account is closed. A coordinator can tell you more.",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "Sign-in name"
        self.fields["username"].widget.attrs.update(
            {"autocapitalize": "none", "spellcheck": "false"}
        )
        self.fields["username"].widget.attrs.pop("autofocus", None)
        self.fields["username"].error_messages["required"] = "Please type your sign-in name."
        self.fields["password"].error_messages["required"] = "Please type your password."


class TokenForm(forms.Form):
    token = forms.CharField(
        label="6-digit code",
        max_length=12,
        help_text="Open your authenticator app and type the code it shows for PeerCircle.",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "size": "8",
            }
        ),
        error_messages={"required": "Please type the 6-digit code from your app."},
    )

    def clean_token(self) -> str:
        token = "".join(self.cleaned_data["token"].split())
        if not (token.isdigit() and len(token) == 6):
            raise forms.ValidationError("The code is 6 digits, for example 123456.")
        return token


class ProfileForm(forms.Form):
    pseudonym = SignUpForm.base_fields["pseudonym"]
    real_name = SignUpForm.base_fields["real_name"]
    email = SignUpForm.base_fields["email"]
    phone = SignUpForm.base_fields["phone"]


class ContextForm(ContextFieldsMixin):
    postcode_area = forms.CharField(
        label="Postcode area",
        required=False,
        max_length=8,
        help_text="Only the first half of your postcode, for example LS6, to find groups near you.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "size": "6"}
        ),
    )

    def clean_postcode_area(self) -> str:
        value = self.cleaned_data["postcode_area"].strip().upper()
        if " " in value:
            raise forms.ValidationError(
                "Please give only the first half of your postcode, for example LS6."
            )
        return value

    def context_data(self) -> dict:
        return {
            **super().context_data(),
            "postcode_area": self.cleaned_data.get("postcode_area", ""),
        }


class PeerPasswordChangeForm(PasswordChangeForm):
    """Django's form; saving goes through accounts.services.password_change."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Current password"
        self.fields["old_password"].widget.attrs.pop("autofocus", None)
        self.fields["new_password1"].label = "New password"
        self.fields[
            "new_password1"
        ].help_text = "At least 10 characters. A few unrelated words make a strong password."
        self.fields["new_password2"].label = "New password again"
