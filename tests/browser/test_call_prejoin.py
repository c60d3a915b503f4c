"""Before a call: the pre-join panel (her preview, a microphone level, devices, join muted
or with the camera off, remembered); during it: a face instead of a black box when a
camera is off, controls a thumb reaches at phone width, and a shared screen that reads the
right way round. Chromium with fake camera and microphone."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from tests.browser.conftest import screenshot
from tests.browser.test_call import FRAMES_DECODED, RECORD_CONNECTIONS
from tests.browser.test_community_walk import sign_in
from tests.community.factories import MentorFactory, UserFactory
from tests.rooms.factories import make_room

pytestmark = pytest.mark.browser

# Test instrumentation only: remember every track getUserMedia hands out.
RECORD_TRACKS = """
window.__tracks = [];
const originalGetUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
navigator.mediaDevices.getUserMedia = async (constraints) => {
  const stream = await originalGetUserMedia(constraints);
  window.__tracks.push(...stream.getTracks());
  return stream;
};
"""
# A browser where she refused the camera (or the camera and the microphone).
REFUSE = """
const originalGetUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
navigator.mediaDevices.getUserMedia = async (constraints) => {
  if (constraints.video || (window.__refuseMic && constraints.audio)) {
    throw new DOMException("Permission denied", "NotAllowedError");
  }
  return originalGetUserMedia(constraints);
};
"""
REMOTE_PICTURE = """
() => {
  const video = document.querySelector('.call-tile:not(.local) video');
  return video && video.videoWidth > 0
    && !video.closest('.call-tile').classList.contains('camera-off');
}
"""


def open_room(browser, base: str, email: str, room_id: int, *, hash_: str = "",
              viewport: dict[str, int] | None = None, scripts: tuple[str, ...] = ()):
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
    for script in (RECORD_CONNECTIONS, RECORD_TRACKS, *scripts):
        context.add_init_script(script)
    page = context.new_page()
    sign_in(page, base, email)
    page.goto(f"{base}/rooms/{room_id}/{hash_}")
    page.wait_for_selector("#connection-state[data-state=connected]", state="attached")
    return page


def pair(live_daphne, browser, **kwargs):
    ana = MentorFactory(email="ana@example.org", name="Ana Lopez")
    bea = UserFactory(email="bea@example.org", name="Bea Chen")
    room = make_room(ana, bea, name="Spring cohort")
    base = live_daphne.url
    return (open_room(browser, base, "ana@example.org", room.pk, **kwargs),
            open_room(browser, base, "bea@example.org", room.pk, **kwargs))


def join(page, button: str = "Start a call") -> None:
    page.get_by_role("button", name=button).click()
    page.get_by_role("button", name="Join now").click()
    page.wait_for_selector("#call-panel:not([hidden]) .call-tile.local")


def test_prejoin_preview_level_then_joining_muted_with_camera_off(live_daphne, video_browser):
    ana_page, bea_page = pair(live_daphne, video_browser)

    ana_page.get_by_role("button", name="Start a call").click()
    prejoin = ana_page.locator("#call-prejoin")
    prejoin.get_by_text("Ready to join?").wait_for()
    assert ana_page.locator("#call-panel").is_hidden()  # not in the call yet
    # Her camera shows, as in a mirror, and the meter moves with her microphone.
    ana_page.wait_for_function("() => document.getElementById('prejoin-video').videoWidth > 0")
    assert ana_page.locator("#prejoin-video").evaluate(
        "(v) => getComputedStyle(v).transform").startswith("matrix(-1")
    ana_page.wait_for_function("() => document.getElementById('prejoin-level').value > 0.02")
    assert ana_page.locator("#prejoin-camera option").count() >= 1
    assert ana_page.locator("#prejoin-mic option").count() >= 1
    screenshot(ana_page, "call-prejoin")

    # She joins muted, with her camera off: the camera's light goes out at once.
    ana_page.get_by_role("switch", name="Microphone").uncheck()
    ana_page.get_by_role("switch", name="Camera").uncheck()
    ana_page.locator("#prejoin-preview.camera-off .face-initials", has_text="AL").wait_for()
    assert ana_page.evaluate("""() => window.__tracks.filter((t) => t.kind === 'video')
        .every((t) => t.readyState === 'ended')""")
    prejoin.get_by_role("button", name="Join now").click()
    ana_page.wait_for_selector("#call-panel:not([hidden]) .call-tile.local.muted.camera-off")
    assert prejoin.is_hidden()

    join(bea_page, "Join the call (1)")
    # Bea hears nothing from Ana and sees her initials, not a black box.
    ana_tile = bea_page.locator(".call-tile", has_text="Ana Lopez")
    ana_tile.and_(bea_page.locator(".muted.camera-off")).wait_for()
    assert ana_tile.locator(".face-initials").inner_text() == "AL"
    assert ana_tile.locator(".tile-face").is_visible()
    ana_page.wait_for_function(f"({FRAMES_DECODED})().then((n) => n > 10)", timeout=40000)
    ana_page.wait_for_function(REMOTE_PICTURE)  # and Ana sees Bea
    screenshot(bea_page, "call-camera-off")

    # Ana turns her camera on: Bea's tile shows her picture instead of her initials.
    ana_page.get_by_role("button", name="Turn camera on").click()
    bea_page.wait_for_function(REMOTE_PICTURE, timeout=40000)
    assert ana_tile.locator(".tile-face").is_hidden()
    # And off again: the camera is let go (its light goes out), Bea sees her initials.
    ana_page.get_by_role("button", name="Turn camera off").click()
    ana_tile.and_(bea_page.locator(".camera-off")).wait_for()
    ana_page.get_by_role("button", name="Turn camera on").wait_for()
    assert ana_page.evaluate("""() => window.__tracks.filter((t) => t.kind === 'video')
        .every((t) => t.readyState === 'ended')""")

    # Her choice is remembered: the next time, the panel starts muted.
    ana_page.get_by_role("button", name="Leave call").click()
    ana_page.reload()
    ana_page.get_by_role("button", name="Join the call (1)").click()
    ana_page.locator("#prejoin-join:not([disabled])").wait_for()
    assert not ana_page.get_by_role("switch", name="Microphone").is_checked()
    assert not ana_page.get_by_role("switch", name="Camera").is_checked()


def test_call_link_opens_prejoin_and_cancel_releases_the_camera(live_daphne, video_browser):
    ana = MentorFactory(email="ana@example.org", name="Ana Lopez")
    bea = UserFactory(email="bea@example.org", name="Bea Chen")
    room = make_room(ana, bea, name="Spring cohort")
    page = open_room(video_browser, live_daphne.url, "ana@example.org", room.pk, hash_="#call")

    page.locator("#call-prejoin").get_by_text("Ready to join?").wait_for()
    page.wait_for_function("() => document.getElementById('prejoin-video').videoWidth > 0")
    assert page.evaluate("() => window.__tracks.length") >= 2
    assert page.get_by_role("button", name="Start a call").is_hidden()

    page.get_by_role("button", name="Cancel").click()
    page.get_by_role("button", name="Start a call").wait_for()
    assert page.locator("#call-prejoin").is_hidden()
    assert page.evaluate("() => window.__tracks.every((t) => t.readyState === 'ended')")
    assert "#call" not in page.url  # a reload does not open it again

    # An incoming call's "Join" on this page only sets the hash: the panel opens.
    page.evaluate("() => { location.hash = 'call'; }")
    page.locator("#call-prejoin").get_by_text("Ready to join?").wait_for()


def give_photo(user, media: Path) -> None:
    """A profile photo where the server process keeps its files (`live_daphne`'s data
    directory, `test-media` in server/settings_test.py)."""
    name = f"photos/{user.pk}/20261203000000.jpg"
    (media / name).parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (96, 96), (200, 120, 40)).save(media / name, "JPEG")
    user.profile.photo.name = name
    user.profile.save()


def test_refused_camera_joins_with_audio_only(live_daphne, video_browser, tmp_path):
    ana = MentorFactory(email="ana@example.org", name="Ana Lopez")
    bea = UserFactory(email="bea@example.org", name="Bea Chen")
    room = make_room(ana, bea, name="Spring cohort")
    give_photo(ana, tmp_path / "data" / "test-media")
    ana_page, bea_page = (open_room(video_browser, live_daphne.url, email, room.pk,
                                    scripts=(REFUSE,))
                          for email in ("ana@example.org", "bea@example.org"))

    ana_page.get_by_role("button", name="Start a call").click()
    ana_page.get_by_text("does not let the page use your camera").wait_for()
    assert ana_page.get_by_role("switch", name="Camera").is_disabled()
    ana_page.wait_for_function("() => document.getElementById('prejoin-level').value > 0.02")
    screenshot(ana_page, "call-prejoin-no-camera")
    # No camera: her photo shows in its place.
    assert ana_page.locator("#prejoin-face .face-photo").evaluate(
        "(img) => img.complete && img.naturalWidth") == 96
    ana_page.get_by_role("button", name="Join with audio only").click()
    ana_page.wait_for_selector(".call-tile.local.camera-off .face-photo")

    # Bea refuses both: she may still join, to listen.
    bea_page.evaluate("() => { window.__refuseMic = true; }")
    bea_page.get_by_role("button", name="Join the call (1)").click()
    bea_page.get_by_text("does not let the page use your microphone").wait_for()
    bea_page.get_by_role("button", name="Join to listen only").click()
    ana_page.locator(".call-tile.muted.camera-off", has_text="Bea Chen").wait_for()
    assert ana_page.locator(".call-tile", has_text="Bea Chen").locator(
        ".face-initials").inner_text() == "BC"
    # Bea sees Ana's photo on her tile.
    bea_page.locator(".call-tile", has_text="Ana Lopez").locator(".face-photo").wait_for()
    bea_page.wait_for_function("""() => [...document.querySelectorAll('.call-tile .face-photo')]
      .some((img) => img.complete && img.naturalWidth === 96)""")
    screenshot(bea_page, "call-photo")
    bea_page.get_by_role("button", name="Unmute").click()  # still refused: she is told
    bea_page.get_by_text("Your microphone could not be opened").wait_for()


def test_controls_reachable_at_phone_width_and_screen_not_mirrored(live_daphne, video_browser):
    phone = {"width": 390, "height": 844}
    ana_page, bea_page = pair(live_daphne, video_browser, viewport=phone)
    join(ana_page)
    join(bea_page, "Join the call (1)")
    ana_page.wait_for_function(REMOTE_PICTURE, timeout=40000)

    # Every control is at least 44 px and nothing covers its centre (the footer did).
    for control in ana_page.locator(".call-controls button:visible").all():
        control.scroll_into_view_if_needed()
        box = control.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, control.inner_text()
        on_top = control.evaluate("""(button) => {
          const r = button.getBoundingClientRect();
          const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
          return hit === button || button.contains(hit);
        }""")
        assert on_top, control.inner_text()
    # Leave call still works with the page scrolled to its very end.
    ana_page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    leave = ana_page.get_by_role("button", name="Leave call")
    assert leave.evaluate("""(button) => {
      const r = button.getBoundingClientRect();
      return r.bottom <= innerHeight && document.elementFromPoint(
        r.left + r.width / 2, r.top + r.height / 2) === button;
    }""")
    ana_page.get_by_role("button", name="Devices").click()
    ana_page.locator("#call-camera-select option").first.wait_for(state="attached")
    ana_page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(ana_page, "call-phone")
    ana_page.set_viewport_size(phone)

    # Her camera self-view is mirrored; her shared screen is not.
    local_video = ana_page.locator(".call-tile.local video")
    assert local_video.evaluate("(v) => getComputedStyle(v).transform").startswith("matrix(-1")
    ana_page.get_by_role("button", name="Share screen").click()
    ana_page.get_by_role("button", name="Stop sharing").wait_for()
    ana_page.wait_for_function("""() => {
      const video = document.querySelector('.call-tile.local video');
      const track = video.srcObject && video.srcObject.getVideoTracks()[0];
      return track && track.getSettings().displaySurface !== undefined && video.videoWidth > 0;
    }""")
    assert local_video.evaluate("(v) => getComputedStyle(v).transform") == "none"
    bea_page.locator(".call-tile.screen", has_text="Ana Lopez").wait_for()
    screenshot(ana_page, "call-sharing")
    ana_page.get_by_role("button", name="Stop sharing").click()
    ana_page.get_by_role("button", name="Share screen").wait_for()
    assert local_video.evaluate("(v) => getComputedStyle(v).transform").startswith("matrix(-1")
