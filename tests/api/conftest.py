"""Calling the API as a persona: ``call(persona, "post", "/api/...", {...})``.

``persona`` is a fixture name from tests/conftest.py, or None for nobody signed in.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

PERSONAS = ["participant", "volunteer", "coordinator", "safeguarding_lead", "evaluator", "outsider"]


class Caller:
    def __init__(self, request):
        self._request = request

    def client(self, persona, **kwargs) -> Client:
        client = Client(**kwargs)
        if persona is not None:
            user = (
                persona if not isinstance(persona, str) else self._request.getfixturevalue(persona)
            )
            client.force_login(user)
        return client

    def __call__(self, persona, method, path, data=None):
        client = self.client(persona)
        kwargs = {}
        if data is not None:
            kwargs = {"data": json.dumps(data) if method != "get" else data}
            if method != "get":
                kwargs["content_type"] = "application/json"
        return getattr(client, method)(path, **kwargs)


@pytest.fixture
def call(request):
    return Caller(request)
