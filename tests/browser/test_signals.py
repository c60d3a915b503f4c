"""Signals between two members in two browsers: on another page, a mention raises her
badge, her "Rooms" count and the tab title; a call rings wherever she is and she joins it
from the ring; reading the room clears the counts."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_call import open_room
from tests.browser.test_community_walk import sign_in
from tests.community.factories import UserFactory
from tests.rooms.factories import make_room

pytestmark = pytest.mark.browser


def test_a_mention_on_another_page_and_a_call_that_rings(live_daphne, video_browser):
    base = live_daphne.url
    UserFactory(email="nadia@example.org", name="Nadia Haddad")
    lea = UserFactory(email="lea@example.org", name="Léa Martin")
    nadia = type(lea).objects.get(email="nadia@example.org")
    room = make_room(nadia, lea, name="Cohort A")

    lea_page = video_browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(lea_page, base, "lea@example.org")
    with lea_page.expect_response(lambda r: r.url.endswith("/api/v1/rooms/unread")):
        lea_page.goto(f"{base}/people/")
    badge = lea_page.locator("[data-notifications-unread]")
    rooms_badge = lea_page.locator("[data-rooms-unread]")
    assert badge.is_hidden() and rooms_badge.is_hidden()
    assert not re.match(r"^\(\d+\)", lea_page.title())

    nadia_page = open_room(video_browser, base, "nadia@example.org", room.pk)
    box = nadia_page.get_by_role("textbox", name="Message")
    box.fill("@**Léa Martin** can you share your notes from Tuesday?")
    box.press("Enter")

    badge.get_by_text("1").wait_for()
    rooms_badge.get_by_text("1").wait_for()
    lea_page.wait_for_function("document.title.startsWith('(1) ')")
    screenshot(lea_page, "60-signals-mention")

    # A call: it rings on the page she is on, and she joins from the ring.
    nadia_page.get_by_role("button", name="Start a call").click()
    nadia_page.get_by_role("button", name="Join now").click()
    nadia_page.wait_for_selector("#call-panel:not([hidden]) .call-tile.local")
    ring = lea_page.get_by_role("group", name="Incoming call")
    ring.get_by_text("Nadia Haddad started a call in Cohort A.").wait_for()
    badge.get_by_text("2").wait_for()
    screenshot(lea_page, "61-signals-ring")
    ring.get_by_role("link", name="Join").click()
    lea_page.wait_for_url(re.compile(rf"/rooms/{room.pk}/(#call)?$"))  # the page drops #call
    lea_page.get_by_role("button", name="Join now").click()  # after her camera's preview
    lea_page.wait_for_selector("#call-panel:not([hidden]) .call-tile.local", timeout=20000)
    nadia_page.locator(".call-tile:not(.local)", has_text="Léa Martin").wait_for(timeout=20000)
    # Joining read the ring; opening the room read the mention: every count is clear.
    badge.wait_for(state="hidden")
    rooms_badge.wait_for(state="hidden")
    lea_page.wait_for_function("!/^\\(\\d+\\)/.test(document.title)")
    lea_page.get_by_role("button", name="Leave call").click()


def test_a_dismissed_ring_goes_away_and_is_read(live_daphne, video_browser):
    base = live_daphne.url
    nadia = UserFactory(email="nadia@example.org", name="Nadia Haddad")
    amara = UserFactory(email="amara@example.org", name="Amara Obi")
    lea = UserFactory(email="lea@example.org", name="Léa Martin")
    first = make_room(nadia, lea, name="Cohort B")
    second = make_room(amara, lea, name="Cohort C")
    # Léa reads Cohort in French: the ring speaks French whoever rings.
    lea_page = video_browser.new_context(viewport={"width": 390, "height": 800}).new_page()
    sign_in(lea_page, base, "lea@example.org")
    lea_page.context.add_cookies([{"name": "django_language", "value": "fr", "url": base}])
    lea_page.goto(f"{base}/calendar/")
    nadia_page = open_room(video_browser, base, "nadia@example.org", first.pk)
    nadia_page.get_by_role("button", name="Start a call").click()
    nadia_page.get_by_role("button", name="Join now").click()
    ring = lea_page.get_by_role("group", name="Appel entrant")
    ring.get_by_text("Nadia Haddad a lancé un appel dans Cohort B.").wait_for()
    screenshot(lea_page, "62-signals-ring-phone-fr")
    # At phone width the menu is folded: its button shows a dot while anything is unread.
    dot = lea_page.locator("[data-nav-dot]")
    dot.wait_for()
    ring.get_by_role("button", name="Ignorer").click()
    ring.wait_for(state="detached")
    dot.wait_for(state="hidden")
    assert lea_page.locator("[data-notifications-unread]").is_hidden()
    # The ring takes no focus; Escape dismisses it from wherever she is.
    amara_page = open_room(video_browser, base, "amara@example.org", second.pk)
    amara_page.get_by_role("button", name="Start a call").click()
    amara_page.get_by_role("button", name="Join now").click()
    ring.get_by_text("Amara Obi a lancé un appel dans Cohort C.").wait_for()
    assert lea_page.evaluate("!document.activeElement.closest('[data-ring-area]')")
    lea_page.keyboard.press("Escape")
    ring.wait_for(state="detached")
    dot.wait_for(state="hidden")


def test_she_mutes_a_room_and_chooses_her_delay(live_daphne, browser):
    from rooms.models import Membership

    base = live_daphne.url
    nadia = UserFactory(email="nadia@example.org", name="Nadia Haddad")
    lea = UserFactory(email="lea@example.org", name="Léa Martin")
    room = make_room(nadia, lea, name="Book club")
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, base, "lea@example.org")
    page.goto(f"{base}/notifications/preferences/")
    page.get_by_label("Delay").select_option(label="30 minutes")
    page.get_by_label("Mute Book club").check()
    # Desktop notifications are offered by a button, never asked for on load.
    page.get_by_role("button", name="Turn on desktop notifications").wait_for()
    screenshot(page, "63-notification-preferences")
    page.get_by_role("button", name="Save my choices").click()
    page.get_by_text("Your notification choices are saved.").wait_for()
    assert page.get_by_label("Mute Book club").is_checked()
    assert page.get_by_label("Delay").input_value() == "30"
    assert Membership.objects.get(room=room, user=lea).muted
