"""Two members in one room call each other from Chromium with fake camera and microphone:
each page decodes the other's video (getStats), sees mute live, and leaving clears the tile."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_community_walk import sign_in
from tests.community.factories import MentorFactory, UserFactory
from tests.rooms.factories import make_room

pytestmark = pytest.mark.browser

# Test instrumentation only: remember every RTCPeerConnection the page makes.
RECORD_CONNECTIONS = """
window.__pcs = [];
const Original = window.RTCPeerConnection;
window.RTCPeerConnection = function (...args) {
  const pc = new Original(...args);
  window.__pcs.push(pc);
  return pc;
};
window.RTCPeerConnection.prototype = Original.prototype;
"""
FRAMES_DECODED = """
async () => {
  let frames = 0;
  for (const pc of window.__pcs) {
    if (pc.connectionState === "closed") continue;
    (await pc.getStats()).forEach((s) => {
      if (s.type === "inbound-rtp" && s.kind === "video") frames += s.framesDecoded || 0;
    });
  }
  return frames;
}
"""


def open_room(browser, base: str, email: str, room_id: int):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(RECORD_CONNECTIONS)
    page = context.new_page()
    sign_in(page, base, email)
    page.goto(f"{base}/rooms/{room_id}/")
    page.wait_for_selector("#connection-state[data-state=connected]")
    return page


def test_two_members_call_each_other(live_daphne, video_browser):
    base = live_daphne.url
    ana = MentorFactory(email="ana@example.org", name="Ana Lopez")
    bea = UserFactory(email="bea@example.org", name="Bea Chen")
    room = make_room(ana, bea, name="Spring cohort")

    ana_page = open_room(video_browser, base, "ana@example.org", room.pk)
    bea_page = open_room(video_browser, base, "bea@example.org", room.pk)

    ana_page.get_by_role("button", name="Start a call").click()
    ana_page.get_by_role("button", name="Join now").click()  # the pre-join panel
    ana_page.wait_for_selector("#call-panel:not([hidden]) .call-tile.local")
    # Bea is not in the call, yet sees it and who is in it.
    bea_page.get_by_text("In the call: Ana Lopez").first.wait_for()
    bea_page.get_by_role("button", name="Join the call (1)").click()
    bea_page.get_by_role("button", name="Join now").click()

    for page in (ana_page, bea_page):
        page.wait_for_function(f"({FRAMES_DECODED})().then((n) => n > 10)", timeout=20000)
        page.wait_for_selector(".call-tile:not(.local) video", state="attached")
        assert page.locator(".call-tile").count() == 2
    for page in (ana_page, bea_page):  # the other's picture shows in her tile
        page.wait_for_function(
            "() => document.querySelector('.call-tile:not(.local) video').videoWidth > 0")
    screenshot(bea_page, "call-pair")

    ana_page.get_by_role("button", name="Mute").click()
    bea_page.locator(".call-tile.muted", has_text="Ana Lopez").wait_for()
    ana_page.get_by_role("button", name="Unmute").wait_for()

    bea_page.get_by_role("button", name="Leave call").click()
    ana_page.locator(".call-tile:not(.local)").wait_for(state="detached")
    bea_page.get_by_role("button", name="Join the call (1)").wait_for()
    assert bea_page.locator("#call-panel").is_hidden()
