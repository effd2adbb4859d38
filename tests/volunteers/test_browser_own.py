"""A volunteer's own pages in headless Chromium on a phone-sized screen (390 px):
applying with a field left out (the error names it, nothing typed is lost),
then completing it; and an active volunteer reading a module, writing a
reflection and marking it complete, checking in on their wellbeing, and
pausing. Each page passes automated accessibility checks and does not scroll
sideways. Helpers: tests/rooms/browser_fixtures.py and tests/rooms/test_browser.py.
"""

from __future__ import annotations

import pytest

from peercircle.volunteers.models import (
    ModuleCompletion,
    TrainingModule,
    VolunteerProfile,
    WellbeingCheckIn,
)
from tests.rooms import test_browser as rooms_browser
from tests.rooms.browser_fixtures import from_db, open_page, session_cookie
from tests.rooms.browser_fixtures import page_problems as checks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The live rooms' fixtures: one Chromium per module, the ASGI application under uvicorn.
browser_thread = rooms_browser.browser_thread
asgi_server = rooms_browser.asgi_server


def test_applying_with_a_field_left_out_keeps_every_word_then_goes_through(
    browser_thread, asgi_server, applicant, org
):
    cookie = session_cookie(applicant, asgi_server.url)
    words = "I lived with panic attacks for years; a walking group helped me back."

    def scenario(browser):
        from playwright.sync_api import expect

        problems = []
        page = open_page(browser, asgi_server, cookie, "/volunteering/apply/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Volunteer with us")
        problems += ["form: " + p for p in checks(page)]
        page.get_by_label("The lived experience you are willing to share").fill(words)
        page.get_by_label("Languages you could support people in").fill("English, Polish")
        page.get_by_label("One-to-one support").check()
        page.get_by_role("button", name="Send my application").click()
        summary = page.locator("#error-summary")
        expect(summary).to_contain_text("Choose at least one time when you are usually free.")
        expect(page.get_by_label("The lived experience you are willing to share")).to_have_value(
            words
        )
        expect(page.get_by_label("Languages you could support people in")).to_have_value(
            "English, Polish"
        )
        expect(page.get_by_label("One-to-one support")).to_be_checked()
        problems += ["error: " + p for p in checks(page)]
        summary.get_by_role("link").click()
        expect(page.locator("#availability-mon_morning")).to_be_focused()
        page.get_by_label("Tuesday evening").check()
        page.get_by_role("button", name="Send my application").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("My volunteering")
        expect(page.locator(".messages")).to_contain_text("Thank you for applying")
        problems += ["mine: " + p for p in checks(page)]
        page.context.close()
        return problems

    assert browser_thread.run(scenario) == []
    profile = from_db(lambda: VolunteerProfile.objects.get(person=applicant))
    assert profile.state == "applied"
    assert profile.availability == ["tue_evening"]
    assert profile.lived_experience == words


def test_a_volunteer_reflects_on_a_module_checks_in_and_pauses(
    browser_thread, asgi_server, volunteer, org
):
    cookie = session_cookie(volunteer, asgi_server.url)
    module = from_db(
        lambda: TrainingModule.objects.get(organisation=org, slug="looking-after-yourself")
    )
    reflection = "I notice I stop sleeping well; then I tell my coordinator and take a week."

    def scenario(browser):
        from playwright.sync_api import expect

        problems = []
        page = open_page(browser, asgi_server, cookie, "/volunteering/")
        expect(page.get_by_role("heading", level=1)).to_have_text("My volunteering")
        problems += ["mine: " + p for p in checks(page)]
        page.get_by_role("navigation", name="Volunteering").get_by_role(
            "link", name="Training"
        ).click()
        page.get_by_role("link", name=module.title).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(module.title)
        expect(page.locator(".v-module-body h2").first).to_be_visible()
        problems += ["module: " + p for p in checks(page)]
        page.locator("#reflection").fill(reflection)
        page.get_by_role("button", name="Mark complete").click()
        expect(page.locator(".messages")).to_contain_text("is marked complete")
        expect(page.locator("#reflection")).to_have_value(reflection)

        page.goto("/volunteering/")
        page.get_by_role("navigation", name="Volunteering").get_by_role(
            "link", name="Wellbeing check-in"
        ).click()
        for key, value in (("satisfied", 7), ("worthwhile", 8), ("happy", 6), ("anxious", 4)):
            page.locator(f"label[for={key}-{value}]").click()
        for key in ("manageable", "supported", "rested", "carrying"):
            page.locator(f"label[for={key}-3]").click()
        page.get_by_label("I'd like a chat with my coordinator").check()
        problems += ["check-in: " + p for p in checks(page)]
        page.get_by_role("button", name="Send my check-in").click()
        expect(page.locator(".messages")).to_contain_text("Thank you for checking in.")

        page.goto("/volunteering/")
        page.get_by_text("Pause my volunteering", exact=True).first.click()
        page.get_by_role("button", name="Pause my volunteering").click()
        expect(page.locator(".messages")).to_contain_text("Your volunteering is paused")
        expect(page.get_by_role("button", name="Resume my volunteering")).to_be_visible()
        problems += ["paused: " + p for p in checks(page)]
        page.context.close()
        return problems

    assert browser_thread.run(scenario) == []

    def stored():
        profile = VolunteerProfile.objects.get(person=volunteer)
        waiting = ModuleCompletion.objects.get(
            profile=profile, module=module, signed_off_at__isnull=True
        )
        checkin = WellbeingCheckIn.objects.get(profile=profile)
        return profile.state, waiting.reflection, checkin.satisfied, checkin.wants_chat

    assert from_db(stored) == ("paused", reflection, 7, True)
