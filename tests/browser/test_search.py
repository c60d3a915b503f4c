"""A member types in the header's search box and sees her room's message highlighted,
never another room's; the result takes her to the room."""

from __future__ import annotations

import pytest

from chat import services as chat_services
from tests.browser.conftest import screenshot
from tests.browser.test_community_walk import sign_in
from tests.community.factories import MentorFactory, UserFactory, profile_fill
from tests.rooms.factories import make_room

pytestmark = pytest.mark.browser

CANARY = "zebracanary42"


@pytest.fixture
def rooms(live_daphne, settings):
    """Sent before the browser starts: a send rings its room from this thread, which
    Playwright's loop would then hold."""
    ana = MentorFactory(email="ana@example.org", name="Ana Lopez")
    bea = UserFactory(email="bea@example.org", name="Bea Chen")
    cy, dee = UserFactory(name="Cy"), UserFactory(name="Dee")
    profile_fill(ana, headline="Negotiation coach for engineers")
    ours = make_room(ana, bea, name="Spring cohort")
    theirs = make_room(cy, dee, name="Elsewhere")
    for room, author, text in (
            (ours, ana, "Before Thursday, read the chapter on salary **negotiation** "
                        "and bring <b>two</b> questions."),
            (ours, bea, "Thanks! I will prepare my negotiation notes."),
            (theirs, cy, f"Private negotiation {CANARY} of another room")):
        chat_services.message_send(author=author, room_id=room.pk, text=text,
                                   client_id=f"c-{author.pk}")
    settings.COHORT_CHAT_SEND_LIMIT = 1000
    for number in range(60):  # the found messages are no longer among the latest 50
        chat_services.message_send(author=ana, room_id=ours.pk, text=f"Later note {number}",
                                   client_id=f"later-{number}")
    return ours


def test_search_from_the_header(live_daphne, rooms, browser):
    base, ours = live_daphne.url, rooms
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    sign_in(page, base, "bea@example.org")
    box = page.get_by_role("searchbox", name="Search messages, documents and people")
    box.fill("negotiation")
    box.press("Enter")
    page.wait_for_url(f"{base}/search/?q=negotiation")
    messages = page.get_by_role("region", name="Messages")
    marks = messages.locator("mark")
    assert marks.first.inner_text().lower() == "negotiation"
    assert messages.locator(".search-result").count() == 2
    assert CANARY not in page.content()
    # The people she may see who match are found too.
    assert page.get_by_role("region", name="People").get_by_role(
        "link", name="Ana Lopez").is_visible()
    # What she wrote stays text: the <b> she typed is shown, not obeyed.
    assert "<b>two</b>" in messages.inner_text()
    screenshot(page, "search-results")

    # Filters are form fields: her own messages only, newest first.
    page.get_by_text("Filters").click()
    page.get_by_label("Person").select_option(label="Bea Chen")
    page.get_by_label("Order").select_option("newest")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url("**&order=newest*")
    messages = page.get_by_role("region", name="Messages")
    assert messages.locator(".search-result").count() == 1
    assert "prepare my negotiation notes" in messages.inner_text()
    assert not page.get_by_role("region", name="People").is_visible()
    screenshot(page, "search-filters")

    messages.get_by_role("link", name="Spring cohort").first.click()
    page.wait_for_url(f"{base}/rooms/{ours.pk}/#message-*")
    # The room opens at that message, marked, though it is older than the latest page.
    found = page.locator("#messages li.message.found")
    found.wait_for()
    assert "prepare my negotiation notes" in found.inner_text()
    assert found.is_visible()
    screenshot(page, "search-jump")
