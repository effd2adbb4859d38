"""The coordinators' volunteer pages in headless Chromium on a 390 px screen:
the overview shows a volunteer's flag; every page passes automated WCAG checks
and does not scroll sideways; a coordinator moves an applicant on a step with
a reason, and downloads the hours CSV."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from peercircle.volunteers import services
from peercircle.volunteers.gate import organisation_today
from peercircle.volunteers.models import VolunteerEvent, VolunteerProfile
from tests.browser import conftest as browser
from tests.browser.test_accessibility import violations
from tests.browser.test_questionnaires_staff import _sign_in, _too_wide
from tests.volunteers.conftest import apply

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The browser fixtures live beside the other browser tests; this file sits with
# the volunteers' tests, so it borrows them.
chromium = browser.chromium
page = browser.page


def test_a_coordinator_sees_a_flag_moves_an_applicant_on_and_downloads_hours(
    page, live_server, org, group, coordinator, volunteer, applicant
):
    alex = VolunteerProfile.objects.get(person=volunteer)
    services.caseload_limit_set(actor=coordinator, profile=alex, limit=0)
    robin = apply(applicant, org)
    _sign_in(page, coordinator, live_server)

    page.goto(f"/manage/volunteers/organisations/{org.pk}/")
    row = page.locator(f"#volunteer-{alex.pk}")
    expect(row).to_contain_text("Over their caseload limit")
    expect(page.get_by_role("heading", name="1 volunteer needs attention")).to_be_visible()

    problems = []
    base = f"/manage/volunteers/organisations/{org.pk}"
    for url in (
        f"{base}/",
        f"/manage/volunteers/people/{robin.pk}/",
        f"/manage/volunteers/people/{alex.pk}/",
        f"{base}/training/",
        f"{base}/supervision/",
        f"{base}/events/",
        f"{base}/hours/?start=2026-05-01&end=2026-04-01",  # with its error showing
        f"{base}/policy/",
    ):
        page.goto(url)
        problems += [f"{url}: {problem}" for problem in violations(page) + _too_wide(page)]
    assert problems == []

    # Move Robin on to screening, with a reason.
    page.goto(f"/manage/volunteers/people/{robin.pk}/")
    step = page.locator("form.move", has=page.get_by_role("heading", name="Start screening"))
    step.get_by_label(re.compile("Reason")).fill("Lovely application")
    step.get_by_role("button", name="Start screening").click()
    expect(page.get_by_text("Robin is in screening.")).to_be_visible()
    expect(page.get_by_role("cell", name="Lovely application")).to_be_visible()
    reasons = [event.reason for event in VolunteerEvent.objects.filter(profile=robin)]
    assert "Lovely application" in reasons  # the reason is encrypted: compared in Python

    # The hours export downloads a CSV.
    today = organisation_today(org)
    page.goto(f"{base}/hours/")
    page.get_by_label("Start date").fill(today.replace(day=1).isoformat())
    page.get_by_label("End date").fill(today.isoformat())
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("volunteer-hours-riverside-")
    with open(download.path(), encoding="utf-8") as csv_file:
        assert csv_file.readline().startswith("month,volunteer,hours_")
