"""The questionnaires' staff pages in headless Chromium on a 390 px screen:
a coordinator's instruments, schedule (with a refused time point showing its
error), response rates, check-ins and overdue list, and an evaluator's rates,
all pass automated WCAG checks and do not scroll sideways; wide tables scroll
inside a region that takes keyboard focus.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peercircle.questionnaires import services
from peercircle.questionnaires.models import Assignment, MechanismCheckIn
from tests.browser.test_accessibility import violations
from tests.questionnaires.test_services import WEMWBS_FILE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, person, live_server):
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
        [{"name": settings.SESSION_COOKIE_NAME, "value": store.session_key, "url": live_server.url}]
    )


def _too_wide(page) -> list[str]:
    width = page.evaluate("document.documentElement.scrollWidth")
    return [] if width <= 390 else [f"the page is {width} px wide on a 390 px screen"]


def _check(page, url) -> list[str]:
    page.goto(url)
    return [f"{url}: {problem}" for problem in violations(page) + _too_wide(page)]


def test_staff_questionnaire_pages_work_on_a_phone_and_pass_automated_checks(
    page, live_server, org, programme, group, coordinator, evaluator, make_member
):
    services.text_load(organisation=org, data=WEMWBS_FILE, actor=coordinator)
    services.schedule_point_add(
        actor=coordinator, programme=programme, instrument="phq9", label="Baseline"
    )
    now = timezone.now()
    session = group.sessions.order_by("starts_at").first()
    for state in ("completed", "completed", "missed", "due", "due", "completed"):
        person = make_member()
        Assignment.objects.create(
            organisation=org,
            person=person,
            group=group,
            instrument="phq9",
            label="Baseline",
            due_at=now - dt.timedelta(days=4),
            closes_at=now + dt.timedelta(days=10),
            state=state,
        )
        MechanismCheckIn.objects.create(
            organisation=org, person=person, session=session, group=group, answers={"hope": 4}
        )
    problems = []
    _sign_in(page, coordinator, live_server)
    for url in (
        "/manage/questionnaires/",
        f"/manage/questionnaires/organisations/{org.pk}/",
        f"/manage/questionnaires/programmes/{programme.pk}/schedule/",
        f"/manage/questionnaires/organisations/{org.pk}/responses/",
        f"/manage/questionnaires/organisations/{org.pk}/overdue/",
    ):
        problems += _check(page, url)
    # A refused time point: the error summary and the field's message.
    page.goto(f"/manage/questionnaires/programmes/{programme.pk}/schedule/")
    page.get_by_label("Questionnaire").select_option("phq9")
    page.get_by_label("Name of the time point").fill("Again")
    page.get_by_role("button", name="Add to the schedule").click()
    page.get_by_text("PHQ-9 is already scheduled at that time point.").first.wait_for()
    problems += [f"refused form: {p}" for p in violations(page) + _too_wide(page)]
    # The overdue table scrolls inside its own region, which a keyboard can reach.
    page.goto(f"/manage/questionnaires/organisations/{org.pk}/overdue/")
    region = page.locator(".table-scroll")
    assert region.get_attribute("tabindex") == "0" and region.get_attribute("role") == "region"
    _sign_in(page, evaluator, live_server)
    problems += _check(page, f"/manage/questionnaires/organisations/{org.pk}/responses/")
    assert problems == []
