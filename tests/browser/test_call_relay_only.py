"""A member who hides her address calls through TURN only: Chromium with fake media, a
real coturn on loopback, and the server's candidate filter. The call connects over a relay
candidate, and the other member's browser never receives a candidate of hers that is not
a relay one. Her mentor's tile carries the mentor badge."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import LiveServer
from tests.browser.test_call import open_room
from tests.browser.test_names_badges import shots
from tests.community.factories import MentorFactory, UserFactory
from tests.rooms.factories import make_room
from tests.servers import TURN_SECRET, ServerProcess, coturn_on_loopback

pytestmark = [pytest.mark.browser, pytest.mark.coturn]

SECRET = TURN_SECRET

# Every remote candidate a page's connections learned, and the type of the local
# candidate each connected pair uses.
CANDIDATES = """
async () => {
  const remote = [], used = [];
  for (const pc of window.__pcs) {
    if (pc.connectionState === "closed") continue;
    const stats = await pc.getStats();
    stats.forEach((s) => {
      if (s.type === "remote-candidate") remote.push(s.candidateType);
      if (s.type === "transport" && s.selectedCandidatePairId) {
        const pair = stats.get(s.selectedCandidatePairId);
        used.push(stats.get(pair.localCandidateId).candidateType);
      }
    });
  }
  const policies = window.__pcs.map((pc) => pc.getConfiguration().iceTransportPolicy);
  return { remote, used, policies };
}
"""


def connected(page, timeout: float = 30) -> dict:
    """What CANDIDATES reads once the page's call is connected over a selected pair.
    (getStats is asynchronous: read from Python until it says so.)"""
    page.wait_for_function(
        "() => window.__pcs.some((pc) => pc.connectionState === 'connected')",
        timeout=timeout * 1000)
    deadline = time.monotonic() + timeout
    while True:
        seen = page.evaluate(CANDIDATES)
        if seen["used"] or time.monotonic() > deadline:
            return seen
        page.wait_for_timeout(200)


@pytest.fixture
def coturn(tmp_path: Path) -> Iterator[int]:
    """coturn on loopback; both browsers are on loopback too, so loopback peers are
    allowed here (the deployed configuration refuses them)."""
    yield from coturn_on_loopback(tmp_path, relay_ports=(49241, 49280),
                                  config=["-n", "--allow-loopback-peers"])


@pytest.fixture
def live_with_turn(transactional_db: None, tmp_path: Path, coturn: int) -> Iterator[LiveServer]:
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    server = ServerProcess(tmp_path, MEDIA_ROOT=str(tmp_path / "media"),
                           EMAIL_FILE_PATH=str(mail_dir),
                           COHORT_TURN_URLS=f"turn:127.0.0.1:{coturn}?transport=udp",
                           COHORT_TURN_SECRET=SECRET)
    try:
        yield LiveServer(server=server.launch(), mail_dir=mail_dir)
    finally:
        server.stop()


def test_her_call_goes_through_turn_and_her_address_reaches_nobody(
        live_with_turn, video_browser):
    base = live_with_turn.url
    ana = MentorFactory(email="ana@example.org", name="Ana Lopez")
    bea = UserFactory(email="bea@example.org", name="Bea Chen")
    bea.profile.relay_only_calls = True
    bea.profile.save()
    room = make_room(ana, bea, name="Spring cohort")

    ana_page = open_room(video_browser, base, "ana@example.org", room.pk)
    bea_page = open_room(video_browser, base, "bea@example.org", room.pk)
    ana_page.get_by_role("button", name="Start a call").click()
    ana_page.get_by_role("button", name="Join now").click()
    ana_page.wait_for_selector("#call-panel:not([hidden]) .call-tile.local")
    bea_page.get_by_role("button", name="Join the call (1)").click()
    bea_page.get_by_role("button", name="Join now").click()
    bea_seen = connected(bea_page)
    ana_seen = connected(ana_page)
    assert bea_seen["policies"] and set(bea_seen["policies"]) == {"relay"}
    assert set(ana_seen["policies"]) == {"all"}
    assert bea_seen["used"] and set(bea_seen["used"]) == {"relay"}
    # Ana's browser learned no address of Bea's but the TURN server's: signalled relay
    # candidates (and, from the checks, that same relayed address as peer-reflexive).
    assert "relay" in ana_seen["remote"] and set(ana_seen["remote"]) <= {"relay", "prflx"}
    for page in (ana_page, bea_page):  # and each sees the other's picture
        page.wait_for_function("() => (document.querySelector('.call-tile:not(.local) video')"
                               " || {}).videoWidth > 0", timeout=30000)

    bea_page.locator(".call-tile", has_text="Ana Lopez").locator(".role-mentor").wait_for()
    shots(bea_page, "call-relay-only-badge")
