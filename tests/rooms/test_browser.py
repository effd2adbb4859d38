"""The live room in headless Chromium, against the real ASGI application
(HTTP and WebSockets) under uvicorn: two people talking, a facilitator
hiding a message, a lost connection that loses nothing, the keyboard alone,
and automated accessibility checks. Helpers: tests/rooms/browser_fixtures.py.

Every scenario runs on the browser's own thread (``browser_thread.run``); the
test's thread prepares data and the server before it.
"""

from __future__ import annotations

import os
import re
import time

import pytest
from django.db import connections

from peercircle.rooms import services
from peercircle.rooms.access import room_seat
from peercircle.rooms.events import HIDDEN_TEXT
from peercircle.rooms.models import Message
from tests.rooms.browser_fixtures import CHROMIUM, AsgiServer, BrowserThread, session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}
}
CONNECTED = re.compile("Connected")


@pytest.fixture(scope="module")
def browser_thread():
    if not os.path.exists(CHROMIUM):
        pytest.skip(
            f"Chromium not found at {CHROMIUM}; scripts/test installs Debian's chromium package"
        )
    thread = BrowserThread()
    yield thread
    thread.close()


@pytest.fixture
def asgi_server(transactional_db):
    server = AsgiServer().start()
    yield server
    server.stop()


@pytest.fixture
def stored(monkeypatch):
    """Put a message in a room before anyone has it open (nothing to broadcast)."""

    def store(room, user, body):
        seat = room_seat(user, room.pk)
        if seat.member_id is None:
            services.member_enter(seat=seat, user=user)
            seat = room_seat(user, room.pk)
        with monkeypatch.context() as patch:
            patch.setattr(services, "broadcast_on_commit", lambda *args, **kwargs: None)
            return services.message_send(seat=seat, author=user, body=body).message

    return store


def open_room(browser, server, cookie, room_id, *, route=None):
    context = browser.new_context(base_url=server.url, viewport={"width": 390, "height": 844})
    context.set_default_timeout(15_000)
    context.add_cookies([cookie])
    page = context.new_page()
    if route is not None:
        page.route_web_socket(re.compile(r".*/ws/rooms/.*"), route)
    page.goto(f"/rooms/{room_id}/")
    return page


def connected(page):
    from playwright.sync_api import expect

    expect(page.locator("#room-status")).to_have_text(CONNECTED)


def send(page, text):
    page.locator("#composer-body").fill(text)
    page.locator("#composer-body").press("Enter")


def bodies(page):
    return page.locator("#room-log .msg .msg-body").all_text_contents()


def eventually(check, *, seconds=15):
    """Poll ``check`` until it is true, for at most ``seconds``."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.05)


def axe_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=WCAG_AA)
    found = []
    for violation in results.response["violations"]:
        targets = [", ".join(node["target"]) for node in violation["nodes"]][:3]
        found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return found


def too_wide(page):
    """A phone-sized page (390 px) must not scroll sideways."""
    width = page.evaluate("document.documentElement.scrollWidth")
    return [] if width <= 390 else [f"the page is {width} px wide on a 390 px screen"]


def in_db(**filters):
    try:
        return Message.objects.filter(**filters).count()
    finally:
        connections.close_all()


# --- tests --------------------------------------------------------------------------


def test_two_people_in_a_room_see_each_others_messages_and_hear_them_announced(
    browser_thread, asgi_server, room, participant, second_member
):
    sam = session_cookie(participant, asgi_server.url)
    kit = session_cookie(second_member, asgi_server.url)

    def scenario(browser):
        from playwright.sync_api import expect

        sam_page = open_room(browser, asgi_server, sam, room.pk)
        connected(sam_page)
        kit_page = open_room(browser, asgi_server, kit, room.pk)
        connected(kit_page)
        expect(sam_page.locator("#room-present")).to_contain_text("Kit")
        expect(kit_page.locator("#room-present")).to_contain_text("Sam")

        send(kit_page, "hello from Kit")
        expect(sam_page.locator("#room-log .msg .msg-body")).to_have_text(["hello from Kit"])
        expect(sam_page.locator("#room-announce")).to_contain_text("Kit: hello from Kit")
        expect(kit_page.locator("#room-outbox li")).to_have_count(0)
        expect(kit_page.locator("#composer-body")).to_have_value("")

        send(sam_page, "hi Kit <b>not bold</b>")
        expect(kit_page.locator("#room-log .msg .msg-body")).to_have_text(
            ["hello from Kit", "hi Kit <b>not bold</b>"]
        )
        assert kit_page.locator("#room-log b").count() == 0
        # Nobody's own message is announced to them.
        expect(sam_page.locator("#room-announce")).not_to_contain_text("Sam:")
        assert bodies(sam_page) == ["hello from Kit", "hi Kit <b>not bold</b>"]

        kit_page.context.close()
        expect(sam_page.locator("#room-present")).not_to_contain_text("Kit")
        sam_page.context.close()

    browser_thread.run(scenario)
    assert in_db(room=room, kind="text") == 2


def test_a_facilitator_hides_a_message_and_members_see_it_hidden(
    browser_thread, asgi_server, room, participant, second_member, volunteer, stored
):
    stored(room, second_member, "something unkind")
    sam = session_cookie(participant, asgi_server.url)
    alex = session_cookie(volunteer, asgi_server.url)

    def scenario(browser):
        from playwright.sync_api import expect

        sam_page = open_room(browser, asgi_server, sam, room.pk)
        alex_page = open_room(browser, asgi_server, alex, room.pk)
        connected(sam_page)
        connected(alex_page)
        assert sam_page.get_by_role("button", name=re.compile("^Hide")).count() == 0
        alex_page.get_by_role("button", name="Hide the message from Kit", exact=False).click()

        sam_message = sam_page.locator("#room-log .msg").first
        expect(sam_message.locator(".msg-body")).to_have_text(HIDDEN_TEXT)
        expect(sam_page.locator("#room-log")).not_to_contain_text("something unkind")
        expect(sam_page.locator("#room-log")).to_contain_text("A facilitator hid a message.")
        expect(sam_page.locator("#room-announce")).to_contain_text("A facilitator hid a message.")
        # The facilitator still sees what it said, marked as theirs alone.
        alex_message = alex_page.locator("#room-log .msg").first
        expect(alex_message.locator(".msg-body").first).to_have_text(HIDDEN_TEXT)
        expect(alex_message.locator(".msg-original")).to_contain_text("something unkind")
        # A reload draws the same from the server.
        sam_page.reload()
        connected(sam_page)
        expect(sam_page.locator("#room-log .msg .msg-body")).to_have_text([HIDDEN_TEXT])
        for page in (sam_page, alex_page):
            page.context.close()

    browser_thread.run(scenario)


def test_a_member_reports_a_message_with_an_inline_form_and_facilitators_are_told(
    browser_thread, asgi_server, room, participant, second_member, volunteer, stored
):
    message = stored(room, second_member, "you all make me sick")
    sam = session_cookie(participant, asgi_server.url)
    alex = session_cookie(volunteer, asgi_server.url)

    def scenario(browser):
        from playwright.sync_api import expect

        alex_page = open_room(browser, asgi_server, alex, room.pk)
        sam_page = open_room(browser, asgi_server, sam, room.pk)
        connected(alex_page)
        connected(sam_page)
        sam_page.get_by_role("button", name=re.compile("^Report the message from Kit")).click()
        report = sam_page.locator("#room-log .msg").first.locator(".msg-actions button")
        expect(report).to_have_attribute("aria-expanded", "true")
        reason = sam_page.get_by_label("What worries you about this message?")
        expect(reason).to_be_focused()
        sam_page.get_by_role("button", name="Send report").click()
        expect(sam_page.locator(".report-form .field-error")).to_have_text(
            "Say in a few words what worries you."
        )
        reason.fill("It is hurtful")
        reason.press("Enter")
        expect(sam_page.locator(".report-thanks")).to_contain_text("Thank you.")
        expect(report).to_be_disabled()
        expect(report).to_have_text(re.compile("^Reported"))
        expect(alex_page.locator("#room-reports")).to_contain_text(
            "A message from Kit was reported"
        )
        for page in (sam_page, alex_page):
            page.context.close()

    browser_thread.run(scenario)
    assert message.reports.get().reason == "It is hurtful"


def test_a_facilitator_whose_connection_was_down_hears_of_a_report_when_it_returns(
    browser_thread, asgi_server, room, participant, second_member, volunteer, stored
):
    stored(room, second_member, "nobody here is worth talking to")
    sam = session_cookie(participant, asgi_server.url)
    alex = session_cookie(volunteer, asgi_server.url)
    line = {"online": True, "open": []}

    def route(socket):
        if not line["online"]:
            socket.close()
            return
        socket.connect_to_server()
        line["open"].append(socket)

    def scenario(browser):
        from playwright.sync_api import expect

        alex_page = open_room(browser, asgi_server, alex, room.pk, route=route)
        sam_page = open_room(browser, asgi_server, sam, room.pk)
        connected(alex_page)
        connected(sam_page)
        line["online"] = False
        while line["open"]:
            line["open"].pop().close()
        expect(alex_page.locator("#room-status")).to_contain_text("Connection lost")
        sam_page.get_by_role("button", name=re.compile("^Report the message from Kit")).click()
        sam_page.get_by_label("What worries you about this message?").fill("It is unkind")
        sam_page.get_by_role("button", name="Send report").click()
        expect(sam_page.locator(".report-thanks")).to_contain_text("Thank you.")
        line["online"] = True
        alex_page.get_by_role("button", name="Try again now").click()
        connected(alex_page)
        notices = alex_page.locator("#room-reports li")
        expect(notices).to_have_count(1)
        expect(notices).to_contain_text("A message from Kit was reported")
        expect(alex_page.locator("#room-reports-empty")).to_be_hidden()
        for page in (sam_page, alex_page):
            page.context.close()

    browser_thread.run(scenario)


def test_a_lost_connection_is_said_retried_and_loses_nothing_that_was_typed(
    browser_thread, asgi_server, room, participant, second_member
):
    sam = session_cookie(participant, asgi_server.url)
    kit = session_cookie(second_member, asgi_server.url)
    # Sam's socket goes through a switch: "online" connects it to the server,
    # "deaf" drops what the server says (a connection that dies before the ack).
    # "twice" delivers every frame from the server twice: the page must still
    # show each message once.
    line = {"online": True, "deaf": False, "twice": False, "open": []}

    def route(socket):
        if not line["online"]:
            socket.close()
            return
        server = socket.connect_to_server()
        line["open"].append(socket)

        def to_page(message):
            if not line["deaf"]:
                socket.send(message)
                if line["twice"]:
                    socket.send(message)

        server.on_message(to_page)

    def cut():
        line["online"] = False
        while line["open"]:
            line["open"].pop().close()

    def scenario(browser):
        from playwright.sync_api import expect

        kit_page = open_room(browser, asgi_server, kit, room.pk)
        sam_page = open_room(browser, asgi_server, sam, room.pk, route=route)
        connected(kit_page)
        connected(sam_page)
        expect(sam_page.locator("#room-retry")).to_be_hidden()
        status = sam_page.locator("#room-status")
        outbox = sam_page.locator("#room-outbox li")

        # 1. The line goes down: the page says so and keeps what is typed and sent.
        cut()
        expect(status).to_contain_text("Connection lost. Trying again in")
        expect(sam_page.locator("#room-retry")).to_be_visible()
        send(sam_page, "written while offline")
        expect(outbox).to_have_count(1)
        expect(outbox).to_contain_text("Sending…")
        expect(sam_page.locator("#composer-body")).to_have_value("")
        sam_page.locator("#composer-body").fill("a draft, not sent yet")
        # Even a reload while offline loses neither the unsent message nor the draft.
        sam_page.reload()
        expect(outbox).to_have_count(1)
        expect(outbox).to_contain_text("written while offline")
        expect(sam_page.locator("#composer-body")).to_have_value("a draft, not sent yet")
        # It keeps trying, waiting longer each time.
        expect(status).to_contain_text("Trying again in 2 seconds")

        # 2. The line comes back: the message is delivered, once.
        line["online"] = True
        expect(outbox).to_have_count(0, timeout=20_000)
        expect(status).to_have_text(CONNECTED)
        expect(sam_page.locator("#room-retry")).to_be_hidden()
        assert bodies(sam_page) == ["written while offline"]
        expect(kit_page.locator("#room-log .msg .msg-body")).to_have_text(["written while offline"])
        expect(sam_page.locator("#composer-body")).to_have_value("a draft, not sent yet")

        # 3. The server stores a message but the ack never arrives.
        line["deaf"] = True
        send(sam_page, "did this arrive?")
        expect(kit_page.locator("#room-log .msg .msg-body")).to_have_text(
            ["written while offline", "did this arrive?"]
        )
        eventually(lambda: in_db(body="did this arrive?") == 1)
        expect(outbox).to_have_count(1)
        cut()
        line["deaf"] = False
        line["twice"] = True
        line["online"] = True
        # On reconnecting it is sent again with the same client_id: stored once, shown once.
        expect(outbox).to_have_count(0, timeout=20_000)
        assert bodies(sam_page) == ["written while offline", "did this arrive?"]
        assert bodies(kit_page) == ["written while offline", "did this arrive?"]
        send(kit_page, "yes, it did")
        expect(sam_page.locator("#room-log .msg .msg-body")).to_have_text(
            ["written while offline", "did this arrive?", "yes, it did"]
        )
        for page in (sam_page, kit_page):
            page.context.close()

    browser_thread.run(scenario)
    assert in_db(body="written while offline") == 1
    assert in_db(body="did this arrive?") == 1


def test_the_room_works_with_the_keyboard_alone(browser_thread, asgi_server, room, participant):
    sam = session_cookie(participant, asgi_server.url)

    def scenario(browser):
        from playwright.sync_api import expect

        page = open_room(browser, asgi_server, sam, room.pk)
        connected(page)
        page.locator("body").focus()
        for _ in range(60):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == "composer-body":
                break
        else:
            pytest.fail("Tab never reached the message box")
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline not in ("none", ""), "the focused message box shows no focus"
        page.keyboard.type("first line")
        page.keyboard.press("Shift+Enter")
        page.keyboard.type("second line")
        page.keyboard.press("Enter")
        expect(page.locator("#room-log .msg-mine")).to_have_count(1)
        assert bodies(page) == ["first line\nsecond line"]
        expect(page.locator("#composer-body")).to_have_value("")
        expect(page.locator("#composer-body")).to_be_focused()
        # The next stop is the Send button, a real button.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "composer-send"
        assert page.evaluate("document.activeElement.tagName") == "BUTTON"
        page.context.close()

    browser_thread.run(scenario)
    assert in_db(body="first line\nsecond line") == 1


def test_a_removed_member_is_told_and_keeps_their_unsent_text(
    browser_thread, asgi_server, room, participant, second_member, volunteer
):
    kit = session_cookie(second_member, asgi_server.url)
    alex = session_cookie(volunteer, asgi_server.url)

    def scenario(browser):
        from playwright.sync_api import expect

        kit_page = open_room(browser, asgi_server, kit, room.pk)
        alex_page = open_room(browser, asgi_server, alex, room.pk)
        connected(kit_page)
        connected(alex_page)
        kit_page.locator("#composer-body").fill("half a thought")
        members = alex_page.locator("#room-members li", has_text="Kit")
        members.get_by_role("button", name=re.compile("^Remove")).click()
        reason = alex_page.get_by_label(re.compile("Why are you removing Kit"))
        reason.fill("Threats to another member")
        alex_page.get_by_role("button", name="Remove from this room").click()
        expect(alex_page.locator("#room-feedback")).to_have_text(
            "Kit has been removed from this room."
        )
        expect(kit_page.locator("#room-status")).to_contain_text(
            "You have been removed from this room"
        )
        expect(kit_page.locator("#composer-send")).to_be_disabled()
        expect(kit_page.locator("#composer-body")).to_have_value("half a thought")
        expect(alex_page.locator("#room-present")).not_to_contain_text("Kit")
        for page in (kit_page, alex_page):
            page.context.close()

    browser_thread.run(scenario)


def test_the_room_page_passes_automated_wcag_checks(
    browser_thread,
    asgi_server,
    org,
    room,
    participant,
    second_member,
    volunteer,
    stored,
    monkeypatch,
):
    from tests.factories import CrisisResourceFactory

    CrisisResourceFactory(organisation=org)
    stored(room, second_member, "Good evening, everyone")
    stored(room, volunteer, "Welcome, Kit")
    hidden = stored(room, second_member, "a message that gets hidden")
    with monkeypatch.context() as patch:
        patch.setattr(services, "broadcast_on_commit", lambda *args, **kwargs: None)
        services.message_hide(
            seat=room_seat(volunteer, room.pk), actor=volunteer, message_id=hidden.pk
        )
    sam = session_cookie(participant, asgi_server.url)
    alex = session_cookie(volunteer, asgi_server.url)

    def scenario(browser):
        problems = []
        sam_page = open_room(browser, asgi_server, sam, room.pk)
        connected(sam_page)
        sam_page.get_by_role(
            "button", name=re.compile("^Report the message from Kit")
        ).first.click()
        send(sam_page, "Hello, I'm new, and here is a long word: " + "a" * 120)
        sam_page.locator("#room-log .msg-mine").wait_for()
        problems += [f"member: {v}" for v in axe_violations(sam_page)]
        problems += [f"member: {v}" for v in too_wide(sam_page)]
        alex_page = open_room(browser, asgi_server, alex, room.pk)
        connected(alex_page)
        alex_page.locator("#room-members li", has_text="Sam").get_by_role(
            "button", name=re.compile("^Remove")
        ).click()
        problems += [f"facilitator: {v}" for v in axe_violations(alex_page)]
        problems += [f"facilitator: {v}" for v in too_wide(alex_page)]
        for page in (sam_page, alex_page):
            page.context.close()
        return problems

    assert browser_thread.run(scenario) == []


def test_a_refused_message_goes_back_in_the_box_with_the_reason_in_plain_words(
    browser_thread, asgi_server, room, participant, volunteer, settings
):
    settings.ROOMS_MAX_MESSAGE_CHARS = 20
    sam = session_cookie(participant, asgi_server.url)
    alex = session_cookie(volunteer, asgi_server.url)

    def scenario(browser):
        from playwright.sync_api import expect

        sam_page = open_room(browser, asgi_server, sam, room.pk)
        alex_page = open_room(browser, asgi_server, alex, room.pk)
        connected(sam_page)
        connected(alex_page)
        box = sam_page.locator("#composer-body")
        error = sam_page.locator("#composer-error")

        send(sam_page, "This is rather more than twenty characters")
        expect(error).to_contain_text("Messages can be up to 20 characters")
        expect(box).to_have_value("This is rather more than twenty characters")
        expect(sam_page.locator("#room-outbox li")).to_have_count(0)

        # A facilitator pauses the conversation: members can still type, not send.
        alex_page.get_by_role("button", name="Pause the conversation").click()
        expect(sam_page.locator("#composer-state")).to_contain_text("only facilitators can write")
        expect(sam_page.locator("#composer-send")).to_be_disabled()
        box.fill("short")
        box.press("Enter")
        expect(error).to_contain_text("only facilitators can write")
        expect(box).to_have_value("short")
        alex_page.get_by_role("button", name="Open the conversation again").click()
        expect(sam_page.locator("#composer-send")).to_be_enabled()
        expect(sam_page.locator("#composer-state")).to_be_hidden()

        # Muted: the text comes back with the reason, and sending waits.
        alex_page.locator("#room-members li", has_text="Sam").get_by_role(
            "button", name=re.compile("^Mute 10 minutes")
        ).click()
        expect(alex_page.locator("#room-feedback")).to_contain_text("Sam is muted until")
        send(sam_page, "hello?")
        expect(error).to_contain_text("A facilitator has paused your messages")
        expect(box).to_have_value("hello?")
        expect(sam_page.locator("#composer-send")).to_be_disabled()
        assert bodies(sam_page) == []
        for page in (sam_page, alex_page):
            page.context.close()

    browser_thread.run(scenario)
    assert in_db(kind="text") == 0


def test_earlier_messages_load_in_place(browser_thread, asgi_server, room, participant):
    seat = room_seat(participant, room.pk)
    member = services.member_enter(seat=seat, user=participant)
    Message.objects.bulk_create(
        Message(room=room, seq=seq, member=member, author=participant, body=f"line {seq}")
        for seq in range(1, 61)
    )
    type(room).objects.filter(pk=room.pk).update(last_seq=60)
    sam = session_cookie(participant, asgi_server.url)

    def scenario(browser):
        from playwright.sync_api import expect

        page = open_room(browser, asgi_server, sam, room.pk)
        connected(page)
        assert bodies(page)[0] == "line 11" and bodies(page)[-1] == "line 60"
        url = page.url
        page.get_by_role("button", name="Load earlier messages").click()
        expect(page.locator("#room-log .msg")).to_have_count(60)
        assert bodies(page) == [f"line {seq}" for seq in range(1, 61)]
        assert page.url == url
        expect(page.get_by_role("button", name="Load earlier messages")).to_be_hidden()
        expect(page.locator("#room-feedback")).to_have_text("10 earlier messages loaded.")
        page.context.close()

    browser_thread.run(scenario)


STORED_KEYS = "Object.keys(localStorage).filter((key) => key.startsWith('peercircle:'))"


def test_signing_out_deletes_unsent_messages_from_the_device_after_asking(
    browser_thread, asgi_server, room, participant
):
    # On a shared computer the next person must not find what Sam wrote and
    # could not send; Sam is told first and can stay to send it.
    sam = session_cookie(participant, asgi_server.url)

    def offline(socket):
        socket.close()

    def scenario(browser):
        from playwright.sync_api import expect

        page = open_room(browser, asgi_server, sam, room.pk, route=offline)
        expect(page.locator("#room-status")).to_contain_text("Connection lost")
        send(page, "only on this device so far")
        expect(page.locator("#room-outbox li")).to_have_count(1)
        page.locator("#composer-body").fill("half written")
        dialog = page.locator("#sign-out-dialog")
        sign_out = page.get_by_role("button", name="Sign out", exact=True)

        # Asked first; staying keeps everything.
        sign_out.click()
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text(
            "You have 1 message that has not been sent yet and a message you were writing. "
            "Signing out deletes them from this device"
        )
        assert axe_violations(page) == []
        dialog.get_by_role("button", name="Stay signed in").click()
        expect(dialog).to_be_hidden()
        expect(page.locator("#room-outbox li")).to_have_count(1)
        expect(page.locator("#composer-body")).to_have_value("half written")
        assert len(page.evaluate(STORED_KEYS)) == 2

        # Signing out anyway deletes them from the device.
        sign_out.click()
        dialog.get_by_role("button", name="Sign out and delete them").click()
        expect(page.get_by_role("link", name="Sign in")).to_be_visible()
        assert page.evaluate(STORED_KEYS) == []
        page.context.close()

    browser_thread.run(scenario)
    assert in_db(body="only on this device so far") == 0


def test_signing_out_with_nothing_unsent_asks_nothing_and_leaves_nothing(
    browser_thread, asgi_server, room, participant
):
    sam = session_cookie(participant, asgi_server.url)

    def scenario(browser):
        from playwright.sync_api import expect

        page = open_room(browser, asgi_server, sam, room.pk)
        connected(page)
        send(page, "sent and delivered")
        # The first message a server screens waits for the language files.
        expect(page.locator("#room-outbox li")).to_have_count(0, timeout=20_000)
        page.evaluate("localStorage.setItem('peercircle:room:0:0:draft', JSON.stringify(''))")
        page.get_by_role("button", name="Sign out", exact=True).click()
        expect(page.get_by_role("link", name="Sign in")).to_be_visible()
        expect(page.locator("#sign-out-dialog")).to_have_count(0)
        assert page.evaluate(STORED_KEYS) == []
        page.context.close()

    browser_thread.run(scenario)
    assert in_db(body="sent and delivered") == 1
