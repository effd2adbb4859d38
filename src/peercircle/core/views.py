from __future__ import annotations

from django.db import connection
from django.http import HttpResponse
from django.shortcuts import render


def crisis_page(request):
    return render(request, "core/crisis.html")


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
