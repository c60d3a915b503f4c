"""Away from the rooms page, the notification badge counts live over `/ws/personal/`: her
personal events, none of her rooms' messages. The rooms page keeps its one `/ws/`, and
its room list shows where a call is on."""

from __future__ import annotations

import json

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_community_walk import sign_in
from tests.community.factories import MentorFactory, UserFactory
from tests.rooms.factories import make_room

pytestmark = pytest.mark.browser


class Sockets:
    """Every WebSocket a page opens, with the frames it receives (Playwright's events)."""

    def __init__(self, page) -> None:
        self.paths: list[str] = []
        self.frames: dict[str, list[dict]] = {}
        page.on("websocket", self.opened)

    def opened(self, socket) -> None:
        path = "/" + socket.url.split("/", 3)[3]
        self.paths.append(path)
        received = self.frames.setdefault(path, [])

        def take(payload: str | bytes) -> None:
            parsed = json.loads(payload)  # under load, a room's events come as an array
            received.extend(parsed if isinstance(parsed, list) else [parsed])

        socket.on("framereceived", take)

    def types(self, path: str) -> list[str]:
        return [frame["type"] for frame in self.frames.get(path, [])]


def test_the_badge_counts_live_over_her_personal_socket(live_daphne, browser):
    from video.models import Call

    base = live_daphne.url
    nadia = MentorFactory(email="nadia@example.org", name="Nadia Haddad", capacity=3)
    lea = UserFactory(email="lea@example.org", name="Léa Martin")
    room = make_room(nadia, lea, name="Open questions")

    nadia_page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    sockets = Sockets(nadia_page)
    # The badge's socket reads the count again once synced: then it follows her.
    with nadia_page.expect_response(lambda r: r.url.endswith("/api/v1/notifications/unread")):
        sign_in(nadia_page, base, "nadia@example.org")
    assert sockets.paths == ["/ws/personal/"]
    badge = nadia_page.locator("[data-notifications-unread]")
    assert badge.is_hidden()

    lea_page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    sign_in(lea_page, base, "lea@example.org")
    # A message in a room Nadia is in: her badge's socket must not carry it.
    lea_page.goto(f"{base}/rooms/{room.pk}/")
    lea_page.locator("#connection-state[data-state=connected]").wait_for()
    box = lea_page.get_by_role("textbox", name="Message")
    box.fill("Are you free on Thursday?")
    box.press("Enter")
    lea_page.locator("#messages li.message:not(.pending)",
                     has_text="Are you free on Thursday?").wait_for()
    # Then she asks Nadia for mentoring: Nadia is told, live.
    lea_page.goto(f"{base}/mentoring/request/{nadia.pk}/")
    lea_page.get_by_label("Your note to the mentor").fill("Could you help me prepare a raise?")
    lea_page.get_by_role("button", name="Send my request").click()
    lea_page.get_by_text("Your request is sent.").wait_for()

    badge.get_by_text("1").wait_for()
    assert nadia_page.url == f"{base}/"
    screenshot(nadia_page, "40-badge-live")
    personal = sockets.frames["/ws/personal/"]
    assert [f["rooms"] for f in personal if f["type"] == "sync.done"] == [[]]
    # The room's message was committed before the notification: had the socket followed
    # the room, it would have come first.
    after_sync = sockets.types("/ws/personal/")[sockets.types("/ws/personal/").index(
        "sync.done") + 1:]
    assert [t for t in after_sync if t != "pong"] == ["notification.created"]
    assert sockets.paths == ["/ws/personal/"]

    # The rooms page opens its one socket, `/ws/`, and no other; the call on in the room
    # shows in her room list.
    Call.objects.create(room=room, mode=Call.Mode.P2P)
    nadia_page.get_by_role("link", name="Rooms").click()
    nadia_page.locator("#connection-state[data-state=connected]").wait_for()
    assert sockets.paths == ["/ws/personal/", "/ws/"]
    nadia_page.locator(f'#room-list [data-call-room="{room.pk}"]').wait_for()
    assert badge.get_by_text("1").is_visible()
    screenshot(nadia_page, "41-rooms-with-a-call")
