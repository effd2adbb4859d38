"""In headless Chromium: a facilitator signs in and takes a register live; the API docs load."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from peercircle.programmes.models import Attendance, Enrolment, Session
from peercircle.programmes.services import enrolment_join
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_facilitator_signs_in_and_marks_the_register_without_reloading(
    page, group, volunteer, participant
):
    enrolment = enrolment_join(user=participant, group=group)
    now = timezone.now()
    Enrolment.objects.filter(pk=enrolment.pk).update(joined_at=now - dt.timedelta(days=30))
    session = Session.objects.create(
        group=group,
        number=900,
        starts_at=now - dt.timedelta(days=1),
        ends_at=now - dt.timedelta(days=1) + dt.timedelta(hours=2),
    )
    page.goto("/account/login/")
    page.get_by_label("Sign-in name").fill(volunteer.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in")).click()
    page.goto(f"/manage/sessions/{session.pk}/register/")
    row = page.locator(f"#register-row-{participant.pk}")
    row.get_by_label("Absent").check()
    expect(page.locator(f"#register-status-{participant.pk}")).to_contain_text("Saved")
    assert Attendance.objects.get(session=session, user=participant).status == "absent"
    # Real names never reach a facilitator's screen.
    assert participant.real_name not in page.content()


def test_the_api_documentation_loads_without_the_internet(page):
    page.goto("/api/docs")
    expect(page.get_by_text("/api/groups").first).to_be_visible(timeout=15_000)
