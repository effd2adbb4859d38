from __future__ import annotations

from django.http import HttpResponse


def dashboard(request):
    return HttpResponse("manage")
