"""Two members chat live; one drops off, the other writes, the first comes back and sees
every message once and in order; what she wrote while away is delivered too."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_community_walk import sign_in
from tests.community.factories import MentorFactory, UserFactory
from tests.rooms.factories import make_room

pytestmark = pytest.mark.browser


class Cable:
    """Routes a page's WebSocket through Playwright so the test can cut it."""

    def __init__(self, page) -> None:
        self.down = False
        self.routes: list = []
        page.route_web_socket(re.compile(r".*/ws/$"), self.handle)

    def handle(self, route) -> None:
        if self.down:
            route.close(code=4000, reason="network down")
            return
        route.connect_to_server()
        self.routes.append(route)

    def cut(self) -> None:
        self.down = True
        for route in self.routes:
            route.close(code=4000, reason="network down")
        self.routes.clear()

    def mend(self) -> None:
        self.down = False


def texts(page) -> list[str]:
    return page.locator("#messages li.message:not(.pending) .body").all_inner_texts()


def send(page, text: str) -> None:
    box = page.get_by_role("textbox", name="Message")
    box.fill(text)
    box.press("Enter")


def test_drop_off_and_come_back(live_daphne, browser):
    base = live_daphne.url
    ana = MentorFactory(email="ana@example.org", name="Ana Lopez")
    bea = UserFactory(email="bea@example.org", name="Bea Chen")
    room = make_room(ana, bea, name="Spring cohort")

    ana_page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    cable = Cable(ana_page)
    sign_in(ana_page, base, "ana@example.org")
    bea_page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    sign_in(bea_page, base, "bea@example.org")

    for page in (ana_page, bea_page):
        page.get_by_role("link", name="Rooms").click()
        page.get_by_role("link", name="Spring cohort").click()
        page.wait_for_url(f"{base}/rooms/{room.pk}/")
        page.locator("#connection-state[data-state=connected]").wait_for()

    send(ana_page, "Hello **Bea**! Ready for Thursday?")
    bea_page.locator("#messages").get_by_text("Ready for Thursday?").wait_for()
    send(bea_page, "Yes! @**Ana Lopez** I will bring my CV")
    ana_page.locator(".mention", has_text="@Ana Lopez").wait_for()
    assert texts(ana_page) == texts(bea_page) == [
        "Hello Bea! Ready for Thursday?", "Yes! @Ana Lopez I will bring my CV"]
    screenshot(bea_page, "20-room-chat")

    # Ana's connection drops; Bea keeps writing; Ana writes too, offline.
    cable.cut()
    ana_page.locator("#connection-state[data-state=reconnecting]").wait_for()
    for i in range(1, 4):
        send(bea_page, f"While you were away {i}")
    bea_page.locator("#messages").get_by_text("While you were away 3").wait_for()
    send(ana_page, "Written while offline")
    ana_page.locator("li.pending", has_text="Written while offline").wait_for()
    screenshot(ana_page, "21-room-reconnecting")

    cable.mend()
    ana_page.locator("#connection-state[data-state=connected]").wait_for(timeout=20000)
    expected = [
        "Hello Bea! Ready for Thursday?", "Yes! @Ana Lopez I will bring my CV",
        "While you were away 1", "While you were away 2", "While you were away 3",
        "Written while offline",
    ]
    ana_page.locator("#messages li.message:not(.pending)",
                     has_text="Written while offline").wait_for()
    bea_page.locator("#messages").get_by_text("Written while offline").wait_for()
    assert texts(ana_page) == expected
    assert texts(bea_page) == expected
    seqs = ana_page.locator("#messages li.message").evaluate_all(
        "items => items.map(item => Number(item.dataset.seq))")
    assert seqs == [1, 2, 3, 4, 5, 6]

    # A reaction and a reply reach the other side.
    message = bea_page.locator("li.message", has_text="Written while offline")
    message.hover()
    message.get_by_role("button", name="React").click()
    message.get_by_role("button", name="🎉").click()
    ana_page.locator("li.message", has_text="Written while offline").get_by_role(
        "button", name="🎉 1").wait_for()
    screenshot(ana_page, "22-room-after-reconnect")

    bea_page.set_viewport_size({"width": 390, "height": 844})
    screenshot(bea_page, "23-room-phone")

    # The room's members page, and a new group room made by the mentor.
    ana_page.get_by_role("link", name="Members and settings").click()
    ana_page.locator(".member-row", has_text="Bea Chen").get_by_text("online").wait_for()
    screenshot(ana_page, "24-room-manage")
    ana_page.goto(f"{base}/rooms/")
    ana_page.get_by_role("link", name="New room").click()
    ana_page.get_by_label("Name").fill("Autumn cohort")
    ana_page.get_by_label("Bea Chen").check()
    screenshot(ana_page, "25-room-new")
    ana_page.get_by_role("button", name="Create the room").click()
    ana_page.get_by_role("heading", name="Autumn cohort").wait_for()
    # Bea is added live: her room list (hidden at phone width in a room) gains it.
    bea_page.locator("#room-list a", has_text="Autumn cohort").wait_for(state="attached")

    # From a profile, a member opens a direct conversation.
    ana_page.goto(f"{base}/rooms/")
    screenshot(ana_page, "26-rooms-list")
    ana_page.goto(f"{base}/people/{bea.pk}/")
    screenshot(ana_page, "27-profile-with-message")
    ana_page.get_by_role("button", name="Send a message").click()
    ana_page.get_by_role("heading", name="Bea Chen").wait_for()
