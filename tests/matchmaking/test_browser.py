"""The matching pages in a real browser on a phone-sized screen: a participant
asks for a peer supporter (and a refused form keeps what they chose), a
coordinator runs a round, reads the reasons and accepts, and the participant
finds their supporter and conversation. Every page passes the automated
accessibility checks and fits 390 px."""

from __future__ import annotations

import pytest

from peercircle.matchmaking.models import Proposal, RequestState, SupportRequest
from peercircle.rooms.models import Pairing
from tests.rooms import test_browser as rooms_browser
from tests.rooms.browser_fixtures import from_db, open_page, session_cookie
from tests.rooms.browser_fixtures import page_problems as checks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The live rooms' fixtures: one Chromium per module, the ASGI application under uvicorn.
browser_thread = rooms_browser.browser_thread
asgi_server = rooms_browser.asgi_server


def test_asking_matching_and_accepting_on_a_phone(
    browser_thread, asgi_server, org, participant, volunteer, coordinator
):
    participant_cookie = session_cookie(participant, asgi_server.url)
    coordinator_cookie = session_cookie(coordinator, asgi_server.url)

    def ask(browser):
        from playwright.sync_api import expect

        problems = []
        page = open_page(browser, asgi_server, participant_cookie, "/support/")
        problems += ["support: " + p for p in checks(page)]
        page.locator(f"a[href='/support/{org.pk}/ask/']").first.click()
        page.get_by_label("Languages you can talk in").fill("English")
        page.locator("input[value=online]").check()
        page.get_by_label("What I'd prefer").fill("Evenings are best; I have a new baby.")
        # No time chosen: refused, with everything else kept.
        page.get_by_role("button", name="Ask for a peer supporter").click()
        expect(page.locator(".error-summary")).to_be_visible()
        expect(page.get_by_label("What I'd prefer")).to_have_value(
            "Evenings are best; I have a new baby."
        )
        expect(page.locator("input[value=online]")).to_be_checked()
        problems += ["refused form: " + p for p in checks(page)]
        page.locator("input[value=mon-evening]").check()
        page.get_by_role("button", name="Ask for a peer supporter").click()
        expect(page.get_by_text("You have asked for a peer supporter")).to_be_visible()
        page.context.close()
        return problems

    def match(browser):
        from playwright.sync_api import expect

        problems = []
        page = open_page(browser, asgi_server, coordinator_cookie, f"/manage/matching/{org.pk}/")
        problems += ["matching: " + p for p in checks(page)]
        page.get_by_role("button", name="Run a round").click()
        expect(page.get_by_text("Both free on Monday evenings")).to_be_visible()
        problems += ["proposals: " + p for p in checks(page)]
        page.get_by_role("button", name="Accept").first.click()
        expect(page.locator(".messages")).to_contain_text("Sam")
        page.context.close()
        return problems

    def see(browser):
        from playwright.sync_api import expect

        problems = []
        page = open_page(browser, asgi_server, participant_cookie, "/support/")
        expect(page.get_by_role("link", name="Open your conversation with Alex")).to_be_visible()
        problems += ["matched: " + p for p in checks(page)]
        page.context.close()
        return problems

    assert browser_thread.run(ask) == []
    assert from_db(lambda: SupportRequest.objects.get(person=participant).slots) == ["mon-evening"]
    assert browser_thread.run(match) == []
    assert from_db(lambda: Proposal.objects.get().state) == "accepted"
    assert from_db(lambda: SupportRequest.objects.get().state) == RequestState.MATCHED
    assert from_db(lambda: Pairing.objects.filter(participant=participant).count()) == 1
    assert browser_thread.run(see) == []
