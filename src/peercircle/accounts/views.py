"""Accounts pages: sign-up, sign-in with two-factor, profile, consent, export.

Thin views: parse the form, call one service, render. See docs/accounts.md.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, LogoutView
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from peercircle.accounts import services
from peercircle.accounts.consent import Purpose
from peercircle.accounts.forms import (
    ContextForm,
    PeerPasswordChangeForm,
    ProfileForm,
    SignInForm,
    SignUpForm,
    TokenForm,
)
from peercircle.accounts.models import ContextProfile, User
from peercircle.accounts.selectors import consent_organisations, consent_overview
from peercircle.core.access import organisations_where
from peercircle.core.models import Organisation
from peercircle.core.roles import STAFF_ROLES

#: Session key holding the person who gave the right password and still owes a code.
PENDING_KEY = "peercircle_two_factor_pending"
#: How long the code step waits after the password step, and how many wrong codes it takes.
PENDING_SECONDS = 5 * 60
PENDING_MAX_FAILURES = 5
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _safe_next(request: HttpRequest) -> str:
    """The ``next`` parameter, only if it stays on this site."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _add_service_errors(
    form: Any, exc: ValidationError, mapping: dict[str, str] | None = None
) -> None:
    """Show a service's ValidationError on the form, a message per field."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for key, field_messages in exc.message_dict.items():
        target = (mapping or {}).get(key, key)
        form.add_error(target if target in form.fields else None, field_messages)


def _is_staff(user: Any) -> bool:
    return bool(user.is_staff or organisations_where(user, STAFF_ROLES))


# --- home -----------------------------------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/home.html", {"is_staff_member": _is_staff(request.user)})


# --- sign-up ----------------------------------------------------------------------


def _signup_organisation(request: HttpRequest) -> Organisation | None:
    """The organisation named by ``?org=<slug>``, or the default one.

    An unknown slug is "not found" rather than a silent switch to another
    organisation: joining the wrong one would be worse than a clear error.
    """
    slug = (request.GET.get("org") or "").strip()
    if slug:
        organisation = Organisation.objects.filter(slug=slug).first()
        if organisation is None:
            raise Http404("No such organisation")
        return organisation
    if settings.DEFAULT_ORGANISATION:
        organisation = Organisation.objects.filter(slug=settings.DEFAULT_ORGANISATION).first()
        if organisation is not None:
            return organisation
    return Organisation.objects.order_by("id").first()


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    if request.user.is_authenticated:
        return redirect(next_url or "accounts:home")
    organisation = _signup_organisation(request)
    if organisation is None:
        return render(request, "accounts/signup_closed.html", status=503)
    request.crisis_organisation_id = organisation.pk
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_sign_up(
                organisation=organisation,
                username=data["username"],
                pseudonym=data["pseudonym"],
                password=data["password"],
                real_name=data["real_name"],
                email=data["email"],
                phone=data["phone"],
                consents=form.consent_purposes(),
                context=form.context_data(),
            )
        except ValidationError as exc:
            _add_service_errors(form, exc, SignUpForm.SERVICE_ERROR_FIELDS)
        else:
            auth_login(request, user, backend=MODEL_BACKEND)
            messages.success(request, f"Welcome to {organisation.name}, {user.pseudonym}.")
            return redirect(next_url or "accounts:home")
    return render(
        request,
        "accounts/signup.html",
        {"form": form, "organisation": organisation, "next_url": next_url},
    )


# --- sign-in and two-factor ------------------------------------------------------------


class SignInView(LoginView):
    """Django's sign-in, with axes throttling (the form passes ``request`` to
    ``authenticate``) and a second step for people with two-factor."""

    template_name = "accounts/login.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        from django_otp import user_has_device

        user = form.get_user()
        if not user_has_device(user, confirmed=True):
            return super().form_valid(form)
        # The password was right, but the person is not signed in until the code is.
        self.request.session.cycle_key()
        self.request.session[PENDING_KEY] = {
            "user_id": user.pk,
            "backend": getattr(user, "backend", MODEL_BACKEND),
            "since": time.time(),
            "failures": 0,
        }
        return redirect(_with_next(reverse("accounts:two_factor_verify"), self.get_redirect_url()))


class SignOutView(LogoutView):
    """POST only (Django's own rule since 5.0)."""


def _pending_user(request: HttpRequest) -> tuple[User | None, dict | None]:
    pending = request.session.get(PENDING_KEY)
    if not pending:
        return None, None
    if time.time() - pending.get("since", 0) > PENDING_SECONDS:
        del request.session[PENDING_KEY]
        return None, None
    user = User.objects.filter(pk=pending["user_id"], is_active=True).first()
    if user is None:
        del request.session[PENDING_KEY]
        return None, None
    return user, pending


@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    from django_otp import login as otp_login
    from django_otp import user_has_device

    next_url = _safe_next(request)
    done_url = next_url or resolve_url(settings.LOGIN_REDIRECT_URL)
    user, pending = _pending_user(request)
    if user is None:
        if not request.user.is_authenticated:
            messages.info(request, "Please sign in again.")
            return redirect(_with_next(reverse("accounts:login"), next_url))
        user = request.user
        if user.is_verified() or not user_has_device(user, confirmed=True):
            return redirect(done_url)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.two_factor_verify(user=user, token=form.cleaned_data["token"])
        if device is not None:
            if pending is not None:
                del request.session[PENDING_KEY]
                auth_login(request, user, backend=pending["backend"])
            otp_login(request, device)
            return redirect(done_url)
        if pending is not None:
            pending["failures"] += 1
            if pending["failures"] >= PENDING_MAX_FAILURES:
                del request.session[PENDING_KEY]
                messages.error(
                    request, "That code did not work several times. Please sign in again."
                )
                return redirect(_with_next(reverse("accounts:login"), next_url))
            request.session[PENDING_KEY] = pending
        form.add_error(
            "token",
            "That code did not match. Codes change every 30 seconds: please type the newest one, "
            "and wait a few seconds before trying again.",
        )
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next_url": next_url})


def _qr_svg(uri: str) -> str:
    qr = segno.make(uri, error="m")
    svg = qr.svg_inline(
        scale=5, dark="#000000", light="#ffffff", title="QR code for your authenticator app"
    )
    return mark_safe(svg)  # noqa: S308 - generated by segno from our own URI, not user input


def _grouped_secret(device: Any) -> str:
    secret = base64.b32encode(device.bin_key).decode("ascii")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    from django_otp import login as otp_login
    from django_otp import user_has_device

    if not _is_staff(request.user):
        raise Http404()
    if user_has_device(request.user, confirmed=True):
        return render(request, "accounts/two_factor_on.html", {"form": TokenForm()})
    device = services.two_factor_begin(user=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        confirmed = services.two_factor_confirm(
            user=request.user, device_id=device.pk, token=form.cleaned_data["token"]
        )
        if confirmed is not None:
            otp_login(request, confirmed)
            messages.success(
                request,
                "Two-factor sign-in is on. You will need a code from your app to sign in.",
            )
            return redirect("accounts:two_factor_setup")
        form.add_error(
            "token",
            "That code did not match. Check the app shows PeerCircle, then type the newest code.",
        )
    return render(
        request,
        "accounts/two_factor_setup.html",
        {"form": form, "qr_svg": _qr_svg(device.config_url), "secret": _grouped_secret(device)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    from django_otp import user_has_device

    if not _is_staff(request.user) or not user_has_device(request.user, confirmed=True):
        raise Http404()
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.two_factor_disable(user=request.user, token=form.cleaned_data["token"]):
            messages.success(request, "Two-factor sign-in is off.")
            return redirect("accounts:home")
        form.add_error(
            "token",
            "That code did not match, so two-factor is still on. Please type the newest code.",
        )
    return render(request, "accounts/two_factor_on.html", {"form": form}, status=200)


# --- profile, context, password ------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    initial = {
        "pseudonym": user.pseudonym,
        "real_name": user.real_name,
        "email": user.email,
        "phone": user.phone,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(user=user, actor=user, **form.cleaned_data)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, "Your details are saved.")
            return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def context(request: HttpRequest) -> HttpResponse:
    current = ContextProfile.objects.filter(user=request.user).first()
    initial = {}
    if current is not None:
        initial = {
            "year_of_birth": current.year_of_birth,
            "gender": current.gender,
            "perinatal_stage": current.perinatal_stage,
            "postcode_area": current.postcode_area,
        }
    form = ContextForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.context_update(user=request.user, actor=request.user, **form.context_data())
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, "Saved. Thank you for telling us.")
            return redirect("accounts:context")
    return render(request, "accounts/context.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = PeerPasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_change(user=request.user, new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, request.user)
        messages.success(request, "Your password is changed.")
        return redirect("accounts:profile")
    return render(request, "accounts/password_change.html", {"form": form})


# --- consent --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _consent_change(request)
    return render(
        request, "accounts/consent.html", {"overview": consent_overview(user=request.user)}
    )


def _consent_change(request: HttpRequest) -> HttpResponse:
    try:
        organisation_id = int(request.POST.get("organisation", ""))
        purpose = Purpose(request.POST.get("purpose", ""))
    except ValueError:
        raise Http404() from None
    organisation = next(
        (o for o in consent_organisations(user=request.user) if o.pk == organisation_id), None
    )
    if organisation is None:
        raise Http404()
    action = request.POST.get("action")
    if action == "give":
        services.consent_give(user=request.user, organisation=organisation, purpose=purpose)
        messages.success(request, f"Thank you. Your agreement is recorded for {organisation.name}.")
    elif action == "withdraw":
        services.consent_withdraw(user=request.user, organisation=organisation, purpose=purpose)
        messages.success(request, f"Your agreement is withdrawn for {organisation.name}.")
    else:
        raise Http404()
    return redirect(reverse("accounts:consent") + f"#org-{organisation.pk}")


# --- export ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def export(request: HttpRequest) -> HttpResponse:
    """GET explains; POST downloads (so a link preview never triggers an export)."""
    if request.method == "GET":
        return render(request, "accounts/export.html")
    data = services.user_export(user=request.user)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="peercircle-my-data.json"'
    response["Cache-Control"] = "no-store"
    return response
