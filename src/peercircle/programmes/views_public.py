from __future__ import annotations

from django.http import HttpResponse


def finder(request):
    return HttpResponse("PeerCircle")
