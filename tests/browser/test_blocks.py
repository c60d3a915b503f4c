"""Ana blocks Bea from her profile; in the group room they share, Bea's messages show
folded for Ana (older ones and one arriving live), "Show anyway" reveals one; Ana finds
Bea on her "Blocked members" page and unblocks her, after a confirmation."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.test_community_walk import sign_in
from tests.community.factories import MentorFactory, UserFactory
from tests.rooms.factories import make_room

pytestmark = pytest.mark.browser

SHOTS = Path("/work/notes/shots")


def shot(page, name: str) -> None:
    """The page at desktop and at phone width, for people to look at."""
    if not SHOTS.is_dir():
        return
    size = page.viewport_size
    page.screenshot(path=str(SHOTS / f"blocks-{name}-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / f"blocks-{name}-phone.png"), full_page=True)
    page.set_viewport_size(size)


def send(page, text: str) -> None:
    box = page.get_by_role("textbox", name="Message")
    box.fill(text)
    box.press("Enter")


def open_room(page, base: str, room) -> None:
    page.goto(f"{base}/rooms/{room.pk}/")
    page.locator("#connection-state[data-state=connected]").wait_for()


def test_block_fold_show_anyway_and_unblock(live_daphne, browser):
    base = live_daphne.url
    ana = MentorFactory(email="ana@example.org", name="Ana Lopez")
    bea = UserFactory(email="bea@example.org", name="Bea Chen")
    room = make_room(ana, bea, UserFactory(name="Cleo Roy"), name="Spring cohort")

    ana_page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    sign_in(ana_page, base, "ana@example.org")
    bea_page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    sign_in(bea_page, base, "bea@example.org")
    open_room(bea_page, base, room)
    send(bea_page, "My first idea for the workshop")
    open_room(ana_page, base, room)
    ana_page.locator("#messages").get_by_text("My first idea for the workshop").wait_for()
    send(ana_page, "Sounds good to me")
    ana_page.locator("#messages li.message.mine:not(.pending)").wait_for()

    # Ana blocks Bea from her profile.
    ana_page.goto(f"{base}/people/{bea.pk}/")
    shot(ana_page, "profile-before")
    ana_page.get_by_role("button", name="Block Bea Chen").click()
    ana_page.get_by_text("You blocked Bea Chen.").wait_for()

    # In the room they share, Bea's message is folded; Cleo's is not.
    open_room(ana_page, base, room)
    folded = ana_page.locator("#messages li.message.collapsed")
    folded.first.wait_for()
    assert folded.count() == 1
    assert "My first idea" not in ana_page.locator("#messages").inner_text()
    assert "Sounds good to me" in ana_page.locator("#messages").inner_text()
    assert folded.first.get_by_text("A message from a member you blocked.").is_visible()

    # A message arriving live is folded too.
    send(bea_page, "A second thought, sent live")
    ana_page.locator("#messages li.message.collapsed").nth(1).wait_for()
    assert "A second thought" not in ana_page.locator("#messages").inner_text()
    shot(ana_page, "room-folded")

    # "Show anyway" shows that one message, and only that one.
    ana_page.locator("#messages li.message.collapsed").first.get_by_role(
        "button", name="Show anyway").click()
    ana_page.locator("#messages").get_by_text("My first idea for the workshop").wait_for()
    assert ana_page.locator("#messages li.message.collapsed").count() == 1
    assert "A second thought" not in ana_page.locator("#messages").inner_text()
    shot(ana_page, "room-shown-anyway")

    # Bea's profile now only offers the way back.
    ana_page.goto(f"{base}/people/{bea.pk}/")
    ana_page.get_by_text("You blocked Bea Chen").wait_for()
    shot(ana_page, "profile-blocked")

    # "Blocked members", from her own profile: Bea, and an Unblock button.
    ana_page.goto(f"{base}/people/{ana.pk}/")
    ana_page.get_by_role("link", name="Blocked members").click()
    ana_page.get_by_role("heading", name="Blocked members").wait_for()
    assert ana_page.locator(".blocked-member").count() == 1
    shot(ana_page, "blocked-members")
    ana_page.get_by_role("link", name="Unblock Bea Chen").click()
    ana_page.get_by_role("heading", name="Unblock Bea Chen?").wait_for()
    shot(ana_page, "unblock-confirm")
    ana_page.get_by_role("button", name="Unblock Bea Chen").click()
    ana_page.get_by_text("You unblocked Bea Chen.").wait_for()
    ana_page.get_by_text("You have blocked nobody.").wait_for()
    shot(ana_page, "blocked-members-empty")

    # Back in the room, nothing is folded any more.
    open_room(ana_page, base, room)
    ana_page.locator("#messages").get_by_text("A second thought, sent live").wait_for()
    assert ana_page.locator("#messages li.message.collapsed").count() == 0
