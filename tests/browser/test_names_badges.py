"""What a member sees of names and roles: a mentor's badge beside her name (profile,
people, chat), a look-alike name refused on the profile form, and the relay-only calls
choice."""

from __future__ import annotations

from pathlib import Path

import pytest

from chat import services as chat_services
from tests.browser.conftest import screenshot
from tests.browser.test_community_walk import sign_in
from tests.community.factories import AdminFactory, MentorFactory, UserFactory
from tests.rooms.factories import make_room

pytestmark = pytest.mark.browser

NOTES = Path("/work/notes/shots")


def shots(page, name: str) -> None:
    """The suite's screenshots, and a copy at both widths for the review notes."""
    screenshot(page, name)
    if NOTES.is_dir():
        size = page.viewport_size
        page.screenshot(path=str(NOTES / f"names-{name}-desktop.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(NOTES / f"names-{name}-phone.png"), full_page=True)
        page.set_viewport_size(size)


@pytest.fixture
def circle(live_daphne):
    """Grace (mentor), Ada (programme team) and Mira, whose name claims both roles, with
    two messages in their room: made before Playwright's loop runs (a send publishes)."""
    grace = MentorFactory(email="grace@example.org", name="Grace Hopper")
    grace.profile.headline = "Staff engineer, compilers"
    grace.profile.save()
    AdminFactory(email="ada@example.org", name="Ada Admin")
    mira = UserFactory(email="mira@example.org", name="Mira (mentor) Admin")
    room = make_room(grace, mira, name="Compilers circle")
    chat_services.message_send(author=grace, room_id=room.pk, text="Welcome, Mira!",
                               client_id="g-1")
    chat_services.message_send(author=mira, room_id=room.pk, text="Thank you!",
                               client_id="m-1")
    return grace, mira, room


def test_badges_look_alike_names_and_relay_only_calls(live_daphne, circle, browser):
    base = live_daphne.url
    grace, mira, room = circle

    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, base, "mira@example.org")

    # Grace's profile: the badge sits beside her name, drawn from her role.
    page.goto(f"{base}/people/{grace.pk}/")
    badge = page.locator("h1 .role-badge")
    assert badge.inner_text().strip().endswith("Mentor")
    shots(page, "profile-mentor-badge")
    # Mira's name claims a role; her profile shows no badge.
    page.goto(f"{base}/people/{mira.pk}/")
    assert page.locator(".role-badge").count() == 0

    page.goto(f"{base}/people/")
    assert page.locator(".person", has_text="Grace Hopper").locator(".role-mentor").count() == 1
    assert page.locator(".person", has_text="Ada Admin").locator(".role-admin").count() == 1
    assert page.locator(".person", has_text="Mira (mentor)").locator(".role-badge").count() == 0
    shots(page, "people-badges")

    page.goto(f"{base}/rooms/{room.pk}/")
    page.locator(".message", has_text="Welcome, Mira!").locator(".role-mentor").wait_for()
    assert page.locator(".message", has_text="Thank you!").locator(".role-badge").count() == 0
    shots(page, "chat-author-badge")

    # Her profile: taking Grace's name with a Cyrillic "а" is refused; so is a copy.
    page.goto(f"{base}/profile/edit/")
    page.get_by_label("Full name").fill("Gr\u0430ce Hopper")
    page.get_by_role("button", name="Save my profile").click()
    page.get_by_text("cannot mix alphabets").wait_for()
    page.get_by_label("Full name").fill("grace  hopper")
    page.get_by_role("button", name="Save my profile").click()
    page.get_by_text("too close to another member’s name").wait_for()
    shots(page, "profile-name-refused")

    # Relay-only calls: her choice, saved.
    page.get_by_label("Full name").fill("Mira Member")
    page.get_by_label("Relay-only calls (hide my address)").check()
    page.locator("#id_relay_only_calls").scroll_into_view_if_needed()
    shots(page, "profile-relay-only")
    page.get_by_role("button", name="Save my profile").click()
    page.get_by_text("Your profile is saved.").wait_for()
    mira.profile.refresh_from_db()
    mira.refresh_from_db()
    assert mira.profile.relay_only_calls and mira.name == "Mira Member"
