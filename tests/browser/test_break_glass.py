"""An admin reads a mentoring pair's room through break-glass access: from the room's page
in the Django admin, with a reason; she reads, cannot write; the mentee, whose page is
open, sees the notice arrive; the admin ends it and the mentee sees that too."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chat import services as chat_services
from rooms import services as room_services
from tests.browser.conftest import SCREENSHOTS, screenshot
from tests.browser.test_community_walk import sign_in
from tests.community.factories import AdminFactory, MentorFactory, UserFactory

pytestmark = pytest.mark.browser

NOTES = Path("/work/notes/shots")


def shot(page, name: str) -> None:
    """Desktop and phone width, kept with the other screenshots and copied for review."""
    screenshot(page, name)
    if NOTES.is_dir():
        for width in ("desktop", "phone"):
            shutil.copy(SCREENSHOTS / f"{name}-{width}.png",
                        NOTES / f"breakglass-{name}-{width}.png")


@pytest.fixture
def pair(live_daphne):
    """Made before the browser starts: opening a room and a send ring the room from this
    thread, which Playwright's loop would then hold."""
    nadia = MentorFactory(email="nadia@example.org", name="Nadia Benali")
    lea = UserFactory(email="lea@example.org", name="Léa Martin")
    AdminFactory(email="amelie@example.org", name="Amélie Roy")
    room = room_services.room_create_one_to_one(mentor=nadia, mentee=lea)
    chat_services.message_send(author=lea, room_id=room.pk,
                               text="Something happened at the meetup.", client_id="l1")
    return lea, room


def test_admin_reads_a_mentoring_room_and_the_mentee_is_told_live(live_daphne, pair, browser):
    base = live_daphne.url
    lea, room = pair

    mentee = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    sign_in(mentee, base, "lea@example.org")
    mentee.goto(f"{base}/rooms/{room.pk}/")
    mentee.locator("#connection-state[data-state=connected]").wait_for()

    admin = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    sign_in(admin, base, "amelie@example.org")
    # The room's page in the Django admin: no way to join it, a way to read it.
    admin.goto(f"{base}/admin/rooms/room/{room.pk}/change/")
    assert admin.get_by_role("link", name="Add another Room membership").count() == 0
    shot(admin, "django-admin-room")
    admin.get_by_role("link", name="Read this conversation (break-glass access)…").click()
    admin.wait_for_url(f"{base}/rooms/{room.pk}/break-glass/")
    assert admin.get_by_label("For how many hours").input_value() == "24"
    shot(admin, "form")

    # A reason is required: nothing opens without one.
    admin.get_by_role("button", name="Open read-only access").click()
    admin.get_by_text("This field is required.").wait_for()
    admin.get_by_label("Reason").fill("Léa reported harassment at the meetup")
    admin.get_by_role("button", name="Open read-only access").click()
    admin.wait_for_url(f"{base}/rooms/{room.pk}/")
    admin.locator("#connection-state[data-state=connected]").wait_for()
    admin.locator("#messages").get_by_text("Something happened at the meetup.").wait_for()
    admin.locator("#messages li.message.notice").wait_for()
    assert admin.locator("#composer").count() == 0  # she reads, she does not write
    admin.locator(".break-glass-banner").wait_for()
    shot(admin, "admin-reads")

    # The mentee's open page shows the notice, live, with the reason and the admin's name.
    notice = mentee.locator("#messages li.message.notice")
    notice.wait_for()
    assert "Amélie Roy" in notice.inner_text()
    assert "Léa reported harassment at the meetup" in notice.inner_text()
    assert notice.get_by_role("button", name="Delete").count() == 0
    shot(mentee, "mentee-notice")

    # What the pair writes now reaches the admin's page live.
    box = mentee.get_by_role("textbox", name="Message")
    box.fill("Thank you for looking into it.")
    box.press("Enter")
    admin.locator("#messages").get_by_text("Thank you for looking into it.").wait_for()

    # She ends it early: the mentee is told, the admin's page of the room is gone.
    admin.get_by_role("link", name="End access").click()
    admin.wait_for_url(f"{base}/rooms/{room.pk}/break-glass/")
    shot(admin, "grants")
    admin.get_by_role("button", name="End now").click()
    admin.get_by_text("Access ended. Both members were told.").wait_for()
    mentee.locator("#messages li.message.notice", has_text="ended").wait_for()
    assert mentee.locator("#messages li.message.notice").count() == 2
    shot(mentee, "mentee-ended")
    assert admin.goto(f"{base}/rooms/{room.pk}/").status == 404

    # From the mentee's profile, the admin finds the way to her conversations.
    admin.goto(f"{base}/people/{lea.pk}/")
    admin.get_by_role(
        "link", name="Read a conversation of Léa Martin (break-glass access)…").click()
    admin.wait_for_url(f"{base}/people/{lea.pk}/break-glass/")
    admin.get_by_role("link", name=room.name).wait_for()
    shot(admin, "member-rooms")
