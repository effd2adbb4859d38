from __future__ import annotations

from django.urls import path
from django.views.generic import RedirectView

# Placeholder routes; the accounts pages replace these.
app_name = "accounts"

urlpatterns = [
    path("", RedirectView.as_view(url="/"), name="home"),
    path("login/", RedirectView.as_view(url="/"), name="login"),
    path("logout/", RedirectView.as_view(url="/"), name="logout"),
    path("signup/", RedirectView.as_view(url="/"), name="signup"),
    path("profile/", RedirectView.as_view(url="/"), name="profile"),
    path("two-factor/", RedirectView.as_view(url="/"), name="two_factor_setup"),
    path("two-factor/verify/", RedirectView.as_view(url="/"), name="two_factor_verify"),
]
