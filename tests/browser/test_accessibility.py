"""Automated accessibility checks (axe-core, bundled with axe-playwright-python)
on the pages people use most, in headless Chromium, on a phone-sized screen.

Automated checks find perhaps a third of accessibility problems; they are a
floor, not a verdict. Every WCAG 2.0/2.1/2.2 A and AA rule axe knows must pass.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peercircle.programmes.models import Enrolment, Session
from peercircle.programmes.services import enrolment_join
from tests.factories import CrisisResourceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}
}


def violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=WCAG_AA)
    found = []
    for violation in results.response["violations"]:
        targets = [", ".join(node["target"]) for node in violation["nodes"]][:3]
        found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return found


def check(page, url: str) -> list[str]:
    page.goto(url)
    return [f"{url}: {v}" for v in violations(page)]


def test_public_pages_pass_automated_wcag_checks(page, group, org):
    CrisisResourceFactory(organisation=org)
    problems = []
    for url in (
        "/",
        "/?place=Leeds",
        "/?place=Nowhereville&weekday=9",  # with error messages showing
        f"/groups/{group.pk}/{group.slug}/",
        "/help-now/",
        "/account/login/",
        "/account/signup/",
    ):
        problems += check(page, url)
    assert problems == []


def test_member_and_staff_pages_pass_automated_wcag_checks(
    page, group, participant, coordinator, live_server
):
    enrolment = enrolment_join(user=participant, group=group)
    now = timezone.now()
    Enrolment.objects.filter(pk=enrolment.pk).update(joined_at=now - dt.timedelta(days=30))
    session = Session.objects.create(
        group=group,
        number=900,
        starts_at=now - dt.timedelta(days=1),
        ends_at=now - dt.timedelta(hours=22),
    )
    problems = []
    for person, urls in (
        (participant, ["/me/groups/", "/account/profile/", "/account/consent/"]),
        (
            coordinator,
            [
                "/manage/",
                f"/manage/groups/{group.pk}/",
                f"/manage/groups/{group.pk}/edit/",
                f"/manage/sessions/{session.pk}/register/",
            ],
        ),
    ):
        from django.conf import settings
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
        from django.contrib.sessions.backends.db import SessionStore

        store = SessionStore()
        store[SESSION_KEY] = str(person.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = person.get_session_auth_hash()
        store.save()
        page.context.clear_cookies()
        page.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": store.session_key,
                    "url": live_server.url,
                }
            ]
        )
        for url in urls:
            problems += check(page, url)
    assert problems == []


def test_the_checker_itself_finds_known_problems(page, db):
    """Guards the tests above: a page with known faults must fail the check."""
    page.goto("/help-now/")
    page.evaluate(
        """document.querySelector('main').insertAdjacentHTML('beforeend',
        '<img src="x"><input type="text"><p style="color:#eee;background:#fff">faint</p>')"""
    )
    found = " ".join(violations(page))
    for rule in ("image-alt", "label", "color-contrast"):
        assert rule in found
