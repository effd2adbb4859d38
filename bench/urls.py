"""The product's URLs plus ``/__bare``: a view that does nothing, behind all the middleware."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import include, path


def bare(request):
    return HttpResponse("ok")


urlpatterns = [
    path("__bare", bare),
    path("", include("peercircle.config.urls")),
]
