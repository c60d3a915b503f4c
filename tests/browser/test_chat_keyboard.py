"""The rooms page with a keyboard and a screen reader, while the other member writes.

An edit in progress keeps its text and its focus through ten incoming messages; each of
them is announced once by the page's polite live region (the list itself is not one); the
list is one tab stop, the arrows move through it and into a message's actions, Escape
closes the reaction picker and gives the focus back; the page logs no error, also while
the others type. A heartbeat left unanswered says "Reconnecting…" at once, and the
connection's state is visible at phone width.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_community_walk import sign_in
from tests.community.factories import MentorFactory, UserFactory
from tests.rooms.factories import make_room

pytestmark = pytest.mark.browser

# Records what the live region is given (each line added to it) and the connection's
# states, with the time each began (ms since the epoch).
WATCH = """() => {
  window.announced = [];
  new MutationObserver((changes) => {
    for (const change of changes) {
      for (const node of change.addedNodes) window.announced.push(node.textContent);
    }
  }).observe(document.getElementById("chat-announcer"), {childList: true, subtree: true});
  const state = document.getElementById("connection-state");
  window.states = [[state.dataset.state, Date.now()]];
  new MutationObserver(() => window.states.push([state.dataset.state, Date.now()]))
    .observe(state, {attributes: true, attributeFilter: ["data-state"]});
}"""


class Wire:
    """Routes a page's WebSocket through Playwright: the server's `hello` announces a
    shorter heartbeat, and the test can swallow the server's pongs (a network that died
    without closing anything) and refuse new connections."""

    def __init__(self, page, heartbeat_seconds: int) -> None:
        self.heartbeat_seconds = heartbeat_seconds
        self.mute_pongs = False
        self.refuse = False
        self.pong_dropped_at: float | None = None
        self.pongs = 0  # passed on
        page.route_web_socket(re.compile(r".*/ws/$"), self.handle)

    def handle(self, route) -> None:
        if self.refuse:
            route.close(code=4000, reason="network down")
            return
        server = route.connect_to_server()
        route.on_message(lambda message: server.send(message))
        server.on_message(lambda message: self.down(route, message))

    def down(self, route, message: str | bytes) -> None:
        parsed = json.loads(message)
        frames = parsed if isinstance(parsed, list) else [parsed]
        kept = []
        for frame in frames:
            if frame.get("type") == "hello":
                frame["heartbeat_seconds"] = self.heartbeat_seconds
            if frame.get("type") == "pong" and self.mute_pongs:
                self.pong_dropped_at = self.pong_dropped_at or time.time()
                continue
            self.pongs += frame.get("type") == "pong"
            kept.append(frame)
        if kept:
            route.send(json.dumps(kept if isinstance(parsed, list) else kept[0]))


def console_errors(page, into: list[str]) -> None:
    def seen(message) -> None:
        if message.type == "error":
            into.append(f"{page.url}: {message.text}")

    page.on("console", seen)
    page.on("pageerror", lambda error: into.append(f"{page.url}: {error}"))


def focused(page) -> str:
    """What has the focus: its tag, id, classes and own text, in one line."""
    return page.evaluate("""() => {
      const el = document.activeElement;
      return [el.tagName.toLowerCase(), el.id, el.className,
              el.matches("li") ? "" : (el.matches("textarea, input") ? el.value
                                                                      : el.textContent).trim()
             ].join("|");
    }""")


def send(page, text: str) -> None:
    box = page.get_by_role("textbox", name="Message")
    box.fill(text)
    box.press("Enter")


def test_an_edit_the_picker_and_the_focus_survive_incoming_messages(live_daphne, browser):
    base = live_daphne.url
    ana = MentorFactory(email="ana@example.org", name="Ana Lopez")
    bea = UserFactory(email="bea@example.org", name="Bea Chen")
    room = make_room(ana, bea, name="Spring cohort")  # Ana owns it: she moderates

    errors: list[str] = []
    pages = {}
    for email in ("ana@example.org", "bea@example.org"):
        page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        console_errors(page, errors)
        sign_in(page, base, email)
        page.get_by_role("link", name="Rooms").click()
        page.locator("#connection-state[data-state=connected]").wait_for()
        # The room list page lives past a tick of the page's one-second timers.
        page.wait_for_function("() => performance.now() > 1500")
        page.get_by_role("link", name="Spring cohort").click()
        page.wait_for_url(f"{base}/rooms/{room.pk}/")
        page.locator("#connection-state[data-state=connected]").wait_for()
        pages[email] = page
    ana_page, bea_page = pages["ana@example.org"], pages["bea@example.org"]
    # The room opens ready to write in.
    assert focused(bea_page).startswith("textarea|composer-text|")
    bea_page.evaluate(WATCH)
    assert bea_page.locator("#messages").get_attribute("aria-live") is None
    assert bea_page.locator("#chat-announcer").get_attribute("aria-live") == "polite"

    # Each sees the other typing, and nothing goes wrong in the console meanwhile.
    bea_page.get_by_role("textbox", name="Message").press_sequentially("Just a sec", delay=30)
    ana_page.locator("#typing", has_text="Bea Chen is typing…").wait_for()
    bea_page.get_by_role("textbox", name="Message").fill("")
    send(ana_page, "Welcome, Bea!")
    bea_page.locator("#messages").get_by_text("Welcome, Bea!").wait_for()
    send(bea_page, "Thank you, here is my plan")
    bea_page.locator("#messages li.message:not(.pending)", has_text="my plan").wait_for()

    # Bea starts editing her message and types; Ana writes ten messages (typing them).
    mine = bea_page.locator("#" + bea_page.locator("li.message", has_text="here is my plan")
                            .get_attribute("id"))
    mine.hover()
    mine.get_by_role("button", name="Edit").click()
    editor = mine.get_by_role("textbox", name="Edit")
    editor.press("End")
    editor.press_sequentially(" for June", delay=20)
    for i in range(1, 11):
        ana_page.get_by_role("textbox", name="Message").press_sequentially(
            f"Incoming {i}", delay=5)
        ana_page.get_by_role("textbox", name="Message").press("Enter")
    bea_page.locator("#messages li.message:not(.pending)", has_text="Incoming 10").wait_for()
    assert focused(bea_page) == "textarea||edit-text|Thank you, here is my plan for June"
    assert bea_page.evaluate("document.activeElement.selectionStart") == len(
        "Thank you, here is my plan for June")
    editor.press_sequentially("!")
    screenshot(bea_page, "28-room-editing-while-messages-arrive")
    editor.press("Enter")
    ana_page.locator("#messages").get_by_text("here is my plan for June!").wait_for()
    bea_page.locator("li.message .body", has_text="for June!").wait_for()
    assert bea_page.locator(".edit-text").count() == 0
    # The focus is back on her message, which is the list's one tab stop now.
    assert focused(bea_page).startswith("li|m-")
    assert bea_page.locator("#messages li.message[tabindex='0']").all_inner_texts()[0].count(
        "for June!") == 1

    # Each new message from Ana was read out once; her own edit was not.
    assert bea_page.evaluate("window.announced") == ["Ana Lopez: Welcome, Bea!"] + [
        f"Ana Lopez: Incoming {i}" for i in range(1, 11)]

    # One tab stop: from the composer, Shift+Tab comes back to the message she was on, End
    # goes to the newest, and the next Shift+Tab leaves the list.
    bea_page.get_by_role("textbox", name="Message").focus()
    bea_page.keyboard.press("Shift+Tab")
    assert bea_page.evaluate("document.activeElement.matches('#messages li.message')")
    assert "for June!" in bea_page.evaluate("document.activeElement.textContent")
    bea_page.keyboard.press("End")
    assert "Incoming 10" in bea_page.evaluate("document.activeElement.textContent")
    bea_page.keyboard.press("Shift+Tab")
    assert not bea_page.evaluate("document.getElementById('messages')"
                                 ".contains(document.activeElement)")
    bea_page.keyboard.press("Tab")
    assert "Incoming 10" in bea_page.evaluate("document.activeElement.textContent")

    # The arrows: up to the previous message, right into its actions.
    bea_page.keyboard.press("ArrowUp")
    assert "Incoming 9" in bea_page.evaluate("document.activeElement.textContent")
    bea_page.keyboard.press("ArrowRight")
    assert focused(bea_page) == "button||link|Reply"
    bea_page.keyboard.press("ArrowRight")
    assert focused(bea_page) == "button||link react-button|React"
    bea_page.keyboard.press("Enter")  # the picker opens with the focus on its first emoji
    assert focused(bea_page) == "button|||👍"
    bea_page.keyboard.press("ArrowRight")
    assert focused(bea_page) == "button|||❤️"

    # A message arriving leaves the picker open and the focus where it was.
    send(ana_page, "One more")
    bea_page.locator("#messages li.message:not(.pending)", has_text="One more").wait_for()
    assert bea_page.locator(".palette").count() == 1 and focused(bea_page) == "button|||❤️"
    screenshot(bea_page, "29-room-reaction-picker")

    # Escape closes it and gives the focus back to the React button.
    bea_page.keyboard.press("Escape")
    assert bea_page.locator(".palette").count() == 0
    assert focused(bea_page) == "button||link react-button|React"
    assert bea_page.evaluate("document.activeElement.getAttribute('aria-expanded')") == "false"
    # Chosen from the keyboard, a reaction lands; the focus stays on the React button.
    bea_page.keyboard.press("Enter")
    bea_page.keyboard.press("Enter")
    ana_page.locator("li.message", has_text="Incoming 9").get_by_role(
        "button", name="👍 1").wait_for()
    bea_page.locator("li.message", has_text="Incoming 9").get_by_role(
        "button", name="👍 1").wait_for()
    assert focused(bea_page) == "button||link react-button|React"
    # Escape leaves the actions for the message itself.
    bea_page.keyboard.press("Escape")
    assert focused(bea_page).startswith("li|m-")

    # Ana owns the group room: she deletes Bea's message, which says so.
    ana_page.once("dialog", lambda dialog: dialog.accept())
    theirs = ana_page.locator("li.message", has_text="for June!")
    theirs.hover()
    theirs.get_by_role("button", name="Delete").click()
    bea_page.locator("#messages").get_by_text(
        "This message was deleted by a moderator.").wait_for()
    ana_page.locator("#messages").get_by_text(
        "This message was deleted by a moderator.").wait_for()
    assert bea_page.evaluate("window.announced")[-1] == "Ana Lopez: One more"
    bea_page.locator("li.message.deleted").scroll_into_view_if_needed()
    screenshot(bea_page, "32-room-deleted-by-a-moderator")
    assert errors == []


def test_a_missed_heartbeat_says_reconnecting_and_phones_show_the_state(live_daphne, browser):
    base = live_daphne.url
    ana = UserFactory(email="ana@example.org", name="Ana Lopez")
    bea = UserFactory(email="bea@example.org", name="Bea Chen")
    room = make_room(ana, bea, name="Spring cohort")
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    wire = Wire(page, heartbeat_seconds=4)
    sign_in(page, base, "bea@example.org")
    page.goto(f"{base}/rooms/{room.pk}/")
    state = page.locator("#connection-state")
    page.locator("#connection-state[data-state=connected]").wait_for()
    page.evaluate(WATCH)

    def on_screen() -> bool:
        box = state.bounding_box()
        return bool(state.is_visible() and box and box["x"] >= 0 and box["y"] >= 0
                    and box["x"] + box["width"] <= 390 and box["y"] + box["height"] <= 844)

    assert on_screen()
    screenshot(page, "30-room-connected")

    # The network dies silently: the next pong never comes, and nothing closes.
    wire.refuse = wire.mute_pongs = True
    page.locator("#connection-state[data-state=reconnecting]").wait_for(timeout=10_000)
    began = page.evaluate("window.states.find(([s]) => s === 'reconnecting')[1]") / 1000
    assert wire.pong_dropped_at is not None
    assert began - wire.pong_dropped_at < wire.heartbeat_seconds
    assert state.inner_text() == "Connection lost. Reconnecting…"
    assert on_screen()
    page.set_viewport_size({"width": 1280, "height": 800})
    screenshot(page, "31-room-reconnecting")

    # Back: connected again, and an answered heartbeat keeps it so.
    wire.refuse = wire.mute_pongs = False
    page.locator("#connection-state[data-state=connected]").wait_for(timeout=20_000)
    send(page, "Still there?")
    page.locator("#messages li.message:not(.pending)", has_text="Still there?").wait_for()
    answered, deadline = wire.pongs, time.monotonic() + 3 * wire.heartbeat_seconds
    while wire.pongs < answered + 2 and time.monotonic() < deadline:
        page.wait_for_timeout(200)  # lets Playwright pass the frames on
    assert wire.pongs >= answered + 2
    assert page.evaluate("window.states.at(-1)[0]") == "connected"
