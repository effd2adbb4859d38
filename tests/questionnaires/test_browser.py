"""Questionnaires in headless Chromium on a phone-sized screen (390 px):
answering a PHQ-9 by keyboard and by tapping, each answer saved as it is
chosen and still there after a reload, sending it, the crisis panel after a
risk answer, "My progress" with its chart, and the mechanism check-in; each
page passes automated accessibility checks and does not scroll sideways.
Helpers: tests/rooms/browser_fixtures.py and tests/rooms/test_browser.py.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connections
from django.utils import timezone

from peercircle.core.models import CrisisResource
from peercircle.programmes.models import Session
from peercircle.questionnaires import services
from peercircle.questionnaires.models import Assignment, MechanismCheckIn, Response
from peercircle.safety.models import Alert
from tests.questionnaires.conftest import JOINED
from tests.rooms import test_browser as rooms_browser
from tests.rooms.browser_fixtures import from_db, open_page, session_cookie
from tests.rooms.browser_fixtures import page_problems as checks
from tests.rooms.test_browser import eventually

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The live rooms' fixtures: one Chromium per module, the ASGI application under uvicorn.
browser_thread = rooms_browser.browser_thread
asgi_server = rooms_browser.asgi_server


def saved_answers():
    return from_db(lambda: list(Response.objects.values_list("answers", flat=True)))


def test_a_phq9_answered_on_a_phone_is_saved_as_it_goes_kept_on_reload_and_sent(
    browser_thread, asgi_server, due_now, participant
):
    cookie = session_cookie(participant, asgi_server.url)
    path = f"/questionnaires/{due_now.pk}/"

    def scenario(browser):
        from playwright.sync_api import expect

        problems = []
        page = open_page(browser, asgi_server, cookie, path)
        expect(page.locator("fieldset.q-item")).to_have_count(9)
        expect(page.locator(".js-only").first).to_be_visible()
        problems += ["form: " + p for p in checks(page)]
        status = page.locator("#q-status")
        # The keyboard: into the first question, the arrow key chooses the next answer.
        below = page.locator("label[for=item-2-0]")
        # Where it is on the page (not in the window: focusing may scroll).
        on_page = "el => el.getBoundingClientRect().top + window.scrollY"
        before = below.evaluate(on_page)
        page.locator("#item-1-0").focus()
        page.keyboard.press("ArrowDown")
        expect(page.locator("#item-1-1")).to_be_checked()
        expect(status).to_have_text("Saved. 1 of 9 answered.")
        expect(page.locator("#item-1-saved")).to_have_text("Saved")
        # The "Saved" mark appearing never moves the answers below it: a tap
        # on its way would land on a different answer.
        if below.evaluate(on_page) != before:
            problems.append("the answers below moved when question 1 was saved")
        eventually(lambda: saved_answers() == [[1] + [None] * 8])
        # Tapping the answers' words.
        for item, value in ((2, 2), (3, 0), (4, 3), (5, 1), (6, 0), (7, 2), (8, 1)):
            page.locator(f"label[for=item-{item}-{value}]").click()
        expect(status).to_have_text("Saved. 8 of 9 answered.")
        expect(page.locator("#item-8-saved")).to_have_text("Saved")
        eventually(lambda: saved_answers() == [[1, 2, 0, 3, 1, 0, 2, 1, None]])
        # A fresh load shows what was saved.
        page.goto(path)
        expect(page.locator("#item-4-3")).to_be_checked()
        expect(page.locator("#item-1-1")).to_be_checked()
        expect(page.locator("input[name=item-9]:checked")).to_have_count(0)
        page.locator("label[for=item-9-0]").click()
        expect(status).to_have_text("Saved. 9 of 9 answered.")
        page.get_by_role("button", name="Send my answers").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
        expect(page.locator("#support")).to_have_count(0)
        problems += ["done: " + p for p in checks(page)]
        page.context.close()
        return problems

    assert browser_thread.run(scenario) == []
    response = from_db(lambda: Response.objects.get())
    assert response.submitted_at is not None and response.total == 10


def test_sending_with_a_question_left_names_it_and_keeps_the_answers(
    browser_thread, asgi_server, due_now, participant
):
    cookie = session_cookie(participant, asgi_server.url)

    def scenario(browser):
        from playwright.sync_api import expect

        page = open_page(browser, asgi_server, cookie, f"/questionnaires/{due_now.pk}/")
        for item in range(1, 9):
            page.locator(f"label[for=item-{item}-1]").click()
        expect(page.locator("#q-status")).to_have_text("Saved. 8 of 9 answered.")
        page.get_by_role("button", name="Send my answers").click()
        summary = page.locator("#error-summary")
        expect(summary).to_contain_text("Question 9 of PHQ-9 is not answered yet.")
        for item in range(1, 9):
            expect(page.locator(f"#item-{item}-1")).to_be_checked()
        summary.get_by_role("link").click()
        expect(page.locator("#item-9-0")).to_be_focused()
        problems = checks(page)
        page.context.close()
        return problems

    assert browser_thread.run(scenario) == []


def test_a_risk_answer_shows_the_crisis_panel_at_once(
    browser_thread, asgi_server, org, due_now, participant, safeguarding_lead
):
    from_db(
        lambda: CrisisResource.objects.create(
            organisation=org, name="Night Line", phone="0800 123 456", hours="every night"
        )
    )
    cookie = session_cookie(participant, asgi_server.url)

    def scenario(browser):
        from playwright.sync_api import expect

        page = open_page(browser, asgi_server, cookie, f"/questionnaires/{due_now.pk}/")
        for item in range(1, 9):
            page.locator(f"label[for=item-{item}-0]").click()
        page.locator("label[for=item-9-1]").click()
        page.get_by_role("button", name="Send my answers").click()
        support = page.locator("#support")
        expect(support).to_be_visible()
        expect(support).to_contain_text("Night Line")
        expect(support).to_contain_text("Someone from our team will be in touch")
        expect(support.get_by_role("link", name="0800 123 456")).to_have_attribute(
            "href", "tel:0800123456"
        )
        problems = checks(page)
        page.context.close()
        return problems

    assert browser_thread.run(scenario) == []
    assert from_db(lambda: Alert.objects.filter(source="questionnaire").count()) == 1


def test_my_progress_chart_fits_a_phone_and_has_its_table(
    browser_thread, asgi_server, programme, coordinator, member, participant
):
    services.schedule_point_add(
        actor=coordinator, programme=programme, instrument="phq9", label="Baseline"
    )
    services.schedule_point_add(
        actor=coordinator, programme=programme, instrument="phq9", label="Week 5", offset_days=35
    )
    services.assignments_generate(JOINED + dt.timedelta(days=1))
    services.assignments_generate(JOINED + dt.timedelta(days=36))
    Assignment.objects.update(closes_at=timezone.now() + dt.timedelta(days=1))
    for assignment, answers in zip(
        Assignment.objects.order_by("due_at"), ([2] * 9, [1] * 9), strict=True
    ):
        services.response_submit(person=participant, assignment=assignment, answers=answers)
    connections.close_all()
    cookie = session_cookie(participant, asgi_server.url)

    def scenario(browser):
        from playwright.sync_api import expect

        page = open_page(browser, asgi_server, cookie, "/questionnaires/progress/")
        chart = page.locator("svg.progress-chart")
        expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert 300 < box["width"] <= 390, box
        expect(page.get_by_role("img", name="PHQ-9: your scores over time")).to_be_visible()
        expect(page.locator("table.q-table tbody tr")).to_have_count(2)
        expect(page.locator(".q-change")).to_contain_text("everyday ups and downs")
        problems = checks(page)
        page.context.close()
        return problems

    assert browser_thread.run(scenario) == []


def test_a_check_in_after_a_session_in_under_a_minute(
    browser_thread, asgi_server, group, member, participant
):
    now = timezone.now()
    session = Session.objects.create(
        group=group,
        number=77,
        starts_at=now - dt.timedelta(hours=3),
        ends_at=now - dt.timedelta(hours=1),
    )
    connections.close_all()
    cookie = session_cookie(participant, asgi_server.url)

    def scenario(browser):
        from playwright.sync_api import expect

        page = open_page(browser, asgi_server, cookie, "/me/groups/")
        page.get_by_role("link", name="A one-minute check-in").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("How did it go?")
        problems = checks(page)
        page.locator("label[for=understood-4]").click()
        page.locator("label[for=comparison-2]").click()
        page.get_by_role("button", name="Send my check-in").click()
        expect(page.locator(".messages")).to_contain_text("Your check-in is saved")
        assert page.url.endswith("/me/groups/")
        page.context.close()
        return problems

    assert browser_thread.run(scenario) == []
    checkin = from_db(lambda: MechanismCheckIn.objects.get())
    assert checkin.session_id == session.pk
    assert checkin.answers == {"understood": 4, "comparison": 2}
