"""Safeguarding in headless Chromium against the real ASGI application: a risky
message in a live room brings its writer a support prompt, the facilitator an
alert and a held message to show, and the lead's queue a new row over its
WebSocket; the queue and alert pages pass automated accessibility checks.
Helpers: tests/rooms/browser_fixtures.py and tests/rooms/test_browser.py.
"""

from __future__ import annotations

import re

import pytest

from peercircle.core.models import CrisisResource
from peercircle.safety.models import Alert, SafetyPolicy
from tests.rooms.browser_fixtures import open_page, session_cookie
from tests.rooms.test_browser import axe_violations, connected, open_room, send, too_wide

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RISKY = "I have the pills saved up for tonight"


def test_a_risky_message_reaches_the_writer_the_facilitator_and_the_lead_at_once(
    browser_thread,
    asgi_server,
    org,
    room,
    participant,
    second_member,
    volunteer,
    safeguarding_lead,
    settings,
):
    settings.ROOMS_SCREENING_HOOK = "tests.safety.test_rooms_live.high_risk"
    SafetyPolicy.objects.update_or_create(
        organisation=org, defaults={"hold_high_risk_messages": True}
    )
    CrisisResource.objects.create(organisation=org, name="Night Line", phone="0800 123 456")
    cookies = {
        name: session_cookie(user, asgi_server.url)
        for name, user in (
            ("sam", participant),
            ("kit", second_member),
            ("alex", volunteer),
            ("priya", safeguarding_lead),
        )
    }
    queue_path = f"/safety/organisations/{org.pk}/"

    def scenario(browser):
        from playwright.sync_api import expect

        problems = []
        lead = open_page(browser, asgi_server, cookies["priya"], queue_path)
        expect(lead.locator("#queue-live")).to_contain_text("Live")
        expect(lead.locator("#queue-empty")).to_be_visible()
        sam = open_room(browser, asgi_server, cookies["sam"], room.pk)
        kit = open_room(browser, asgi_server, cookies["kit"], room.pk)
        alex = open_room(browser, asgi_server, cookies["alex"], room.pk)
        for page in (sam, kit, alex):
            connected(page)

        send(sam, RISKY)
        # The writer: their message, marked held with why, and the prompt with help.
        mine = sam.locator("#room-log .msg-mine")
        expect(mine).to_contain_text(RISKY)
        expect(mine).to_contain_text(re.compile("held", re.I))
        support = sam.locator("#room-support")
        expect(support).to_be_visible()
        expect(support).to_contain_text("Night Line")
        expect(support.get_by_role("link", name=re.compile("0800 123 456"))).to_have_attribute(
            "href", re.compile("^tel:")
        )
        # The facilitator: the alert and the held message, with a way to show it.
        expect(alex.locator("#room-alerts")).to_contain_text("safeguarding lead")
        expect(alex.locator("#room-log")).to_contain_text(RISKY)
        # The lead: a new row, through the socket (the page's fallback poll is
        # every 30 seconds, longer than this wait).
        row = lead.locator("#queue tr[id^=alert-row-]")
        expect(row).to_have_count(1, timeout=10_000)
        expect(row).to_contain_text("Sam")
        expect(row).to_contain_text("High")
        # Another member sees nothing of it until it is shown.
        expect(kit.locator("#room-log")).not_to_contain_text(RISKY)
        problems += [f"writer: {v}" for v in axe_violations(sam)]
        problems += [f"writer: {v}" for v in too_wide(sam)]
        problems += [f"queue: {v}" for v in axe_violations(lead)]
        problems += [f"queue: {v}" for v in too_wide(lead)]

        alex.get_by_role("button", name=re.compile("^Show to the room")).click()
        expect(kit.locator("#room-log")).to_contain_text(RISKY)

        # The alert page, from the queue.
        row.get_by_role("link").click()
        expect(lead.locator("h1")).to_contain_text("alert about Sam")
        expect(lead.locator("#alert-excerpt")).to_contain_text(RISKY)
        problems += [f"alert page: {v}" for v in axe_violations(lead)]
        problems += [f"alert page: {v}" for v in too_wide(lead)]
        lead.get_by_role("button", name=re.compile("^Acknowledge")).click()
        expect(lead.locator("#alert-state")).to_have_text("Acknowledged")
        for page in (sam, kit, alex, lead):
            page.context.close()
        return problems

    assert browser_thread.run(scenario) == []
    alert = Alert.objects.get()
    assert alert.acknowledged_by == safeguarding_lead and alert.message_held is False
