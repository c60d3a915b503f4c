"""Chat times follow the page's language, not the browser's: 24-hour in French."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chat.models import Message
from chat.services import message_send
from tests.browser.conftest import screenshot
from tests.browser.test_community_walk import sign_in
from tests.community.factories import UserFactory
from tests.rooms.factories import make_room

pytestmark = pytest.mark.browser


@pytest.fixture
def room(live_daphne):
    """Built before Playwright's event loop starts: a message rings sockets."""
    ana = UserFactory(email="ana@example.org", name="Ana Lopez")
    bea = UserFactory(email="bea@example.org", name="Bea Chen")
    room = make_room(ana, bea, name="Spring cohort")
    message_send(author=bea, room_id=room.pk, text="See you at the meetup", client_id="t-1")
    Message.objects.filter(room=room).update(created_at=datetime(2027, 3, 2, 14, 5, tzinfo=UTC))
    return room


@pytest.mark.parametrize("language,shown", [("fr", "14:05"), ("en", "2:05 PM")])
def test_message_time_follows_the_page_language(live_daphne, room, browser, language, shown):
    base = live_daphne.url
    # An English-speaking browser on UTC: only the page's language may change the clock.
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US",
                                  timezone_id="UTC")
    page = context.new_page()
    sign_in(page, base, "ana@example.org")
    page.get_by_label("Language").select_option(language)
    page.locator(".site-footer button").click()
    page.wait_for_load_state()
    page.goto(f"{base}/rooms/{room.pk}/")
    time = page.locator("#messages li.message time").first
    time.wait_for()
    assert time.inner_text().replace("\u202f", " ") == shown
    if language == "fr":
        screenshot(page, "56-chat-time-fr")
