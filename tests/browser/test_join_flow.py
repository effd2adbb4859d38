"""In headless Chromium: find a group, sign up, join it; and the keyboard path."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from peercircle.programmes.models import Enrolment
from tests.factories import CrisisResourceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_newcomer_finds_a_group_near_them_signs_up_and_joins(page, group, org, screenshot_dir):
    CrisisResourceFactory(organisation=org, name="Samaritans", phone="116 123")
    page.goto("/")
    # Crisis help is on the page before anything else is done.
    expect(page.get_by_role("link", name="Need help now?")).to_be_visible()
    page.get_by_label("Near a town or city").fill("Leeds")
    page.get_by_role("button", name="Search", exact=True).click()
    # The results update in place (htmx); wait until they have settled.
    expect(page.locator("#results-status")).to_contain_text("within 25 km of Leeds")
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("link", name=group.name)).to_be_visible()
    # Full-page screenshots resize the headless window, which upsets the next click.
    page.screenshot(path=os.path.join(screenshot_dir, "finder.png"))

    page.get_by_role("link", name=group.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(group.name)
    # Only members see the address.
    expect(page.get_by_text("1 River Street")).to_have_count(0)
    page.get_by_role("button", name="Join this group").click()

    expect(page).to_have_url(re.compile(r"/account/signup/"))
    page.get_by_label("Sign-in name").fill("newcomer")
    page.get_by_label("Your name in groups").fill("Harbour Light")
    page.get_by_label("Password", exact=True).fill("a long enough passphrase 42")
    page.get_by_label("Password again").fill("a long enough passphrase 42")
    page.get_by_label("Year of birth").fill("1984")
    page.get_by_label("Gender").select_option("man")
    page.locator("input[name=consent_service]").check()
    page.screenshot(path=os.path.join(screenshot_dir, "signup.png"))
    page.get_by_role("button", name="Join", exact=True).click()

    expect(page).to_have_url(re.compile(rf"/groups/{group.pk}/"))
    page.get_by_role("button", name="Join this group").click()
    expect(page.get_by_text("You are a member of this group.")).to_be_visible()
    expect(page.get_by_text("1 River Street")).to_be_visible()
    page.screenshot(path=os.path.join(screenshot_dir, "joined.png"), full_page=True)

    page.get_by_role("link", name="My groups").click()
    expect(page.get_by_text(group.name).first).to_be_visible()
    enrolment = Enrolment.objects.get(user__username="newcomer")
    assert enrolment.status == "active" and enrolment.group_id == group.pk


def test_the_finder_works_from_the_keyboard_alone(page, group):
    page.goto("/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.get_by_label("Near a town or city").focus()
    page.keyboard.type("Leeds")
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name=group.name)).to_be_visible()
    expect(page.locator("#results-status")).to_contain_text("1 group")
