"""A report from the chat to its outcome: a member reports a message, the room's
moderator opens the queue, hides the message and mutes its author for an hour, the room
sees "hidden by a moderator" live, the author is told she is muted, and the reporter
finds the outcome in her notifications."""

from __future__ import annotations

import pytest

from chat import services as chat_services
from community.models import Report
from tests.browser.conftest import screenshot
from tests.browser.test_call import open_room
from tests.browser.test_community_walk import sign_in
from tests.community.factories import UserFactory
from tests.rooms.factories import make_room

pytestmark = pytest.mark.browser

def shot(page, name: str) -> None:
    screenshot(page, f"70-moderation-{name}")


@pytest.fixture
def cast(live_daphne):
    """Sent before the browser starts: a send rings its room from this thread, which
    Playwright's loop would then hold."""
    mona = UserFactory(email="mona@example.org", name="Mona Diallo")
    rita = UserFactory(email="rita@example.org", name="Rita Okafor")
    bea = UserFactory(email="bea@example.org", name="Bea Stone")
    room = make_room(mona, rita, bea, name="Career switchers")
    chat_services.message_send(author=rita, room_id=room.pk, text="Anyone tried the Rust meetup?",
                               client_id="b1")
    message, _ = chat_services.message_send(
        author=bea, room_id=room.pk, text="Nobody asked you. Go back to the kitchen.",
        client_id="b2")
    return rita, room, message


def test_report_hide_mute_and_the_reporter_told(live_daphne, cast, browser):
    base = live_daphne.url
    rita, room, message = cast

    # Rita reports the message from its menu in the chat.
    rita_page = open_room(browser, base, "rita@example.org", room.pk)
    item = rita_page.locator(f"#m-{message.pk}")
    item.hover()
    item.get_by_role("link", name="Report").click()
    rita_page.wait_for_url(f"{base}/report/message/{message.pk}/")
    rita_page.get_by_label("Harassment").check()
    rita_page.get_by_label("What happened").fill("Sexist remark aimed at me.")
    shot(rita_page, "report-form")
    rita_page.get_by_role("button", name="Send the report").click()
    rita_page.get_by_text("Your report is with the moderators.").wait_for()
    shot(rita_page, "report-sent")
    assert Report.objects.get().reporter == rita
    rita_page.get_by_role("link", name="Back").click()
    rita_page.wait_for_selector("#connection-state[data-state=connected]")

    # Bea, who wrote it, has the room open too.
    bea_page = open_room(browser, base, "bea@example.org", room.pk)

    # Mona, the room's owner, reviews it from the queue.
    mona_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(mona_page, base, "mona@example.org")
    mona_page.get_by_role("link", name="Moderation").click()
    shot(mona_page, "queue")
    mona_page.get_by_role("link", name="Message · Harassment").click()
    mona_page.get_by_text("Nobody asked you.").first.wait_for()
    assert "reported by" not in mona_page.content()  # the reporter is not named to her
    mona_page.get_by_label("Hide the message from everyone").check()
    mona_page.get_by_label("Mute her in the room").check()
    mona_page.get_by_label("For how long").select_option(label="1 hour")
    shot(mona_page, "decide")
    mona_page.get_by_role("button", name="Take action").click()
    mona_page.get_by_text("The reporter is told: action taken.").wait_for()

    # The room hears it at once, everywhere.
    for page in (rita_page, bea_page):
        page.locator(f"#m-{message.pk}").get_by_text(
            "This message was hidden by a moderator.").wait_for()
    shot(rita_page, "room-hidden")
    assert "Go back to the kitchen" not in rita_page.content()

    # Bea is told, and can no longer write there.
    bea_page.reload()
    bea_page.get_by_text("A moderator muted you in this room until").wait_for()
    bea_page.get_by_role("link", name="Notifications").click()
    bea_page.get_by_text("A moderator muted you in Career switchers until").wait_for()
    bea_page.get_by_text("A moderator hid your message in Career switchers.").wait_for()
    assert "Rita" not in bea_page.content()
    shot(bea_page, "muted-notifications")

    # Rita finds the outcome in her notifications, without the moderator's name.
    rita_page.get_by_role("link", name="Notifications").click()
    rita_page.get_by_text("Your report was reviewed: action taken.").wait_for()
    assert "Mona" not in rita_page.locator("main").inner_text()
    shot(rita_page, "reporter-notified")


def test_a_member_in_a_call_is_reported_from_her_tile(live_daphne, video_browser):
    base = live_daphne.url
    UserFactory(email="ana@example.org", name="Ana Lopez")
    bea = UserFactory(email="bea@example.org", name="Bea Chen")
    ana = type(bea).objects.get(email="ana@example.org")
    room = make_room(ana, bea, name="Spring cohort")
    ana_page = open_room(video_browser, base, "ana@example.org", room.pk)
    bea_page = open_room(video_browser, base, "bea@example.org", room.pk)
    ana_page.get_by_role("button", name="Start a call").click()
    ana_page.get_by_role("button", name="Join now").click()
    bea_page.get_by_role("button", name="Join the call (1)").click()
    bea_page.get_by_role("button", name="Join now").click()

    tile = ana_page.locator(".call-tile:not(.local)", has_text="Bea Chen")
    link = tile.get_by_role("link", name="Report Bea Chen")
    link.wait_for(timeout=20000)
    assert ana_page.locator(".call-tile.local .tile-report").count() == 0  # not herself
    shot(ana_page, "call-tile")
    # A new tab: the call goes on in this one.
    with ana_page.context.expect_page() as opened:
        link.click()
    form = opened.value
    form.wait_for_load_state()
    assert form.url == f"{base}/report/member/{bea.pk}/?room={room.pk}"
    form.get_by_label("Harassment").check()
    form.get_by_role("button", name="Send the report").click()
    form.get_by_text("Your report is with the moderators.").wait_for()
    assert Report.objects.get().item == f"member:{room.pk}:{bea.pk}"
    assert ana_page.locator("#call-panel:not([hidden]) .call-tile.local").count() == 1
    ana_page.get_by_role("button", name="Leave call").click()
