"""An admin connects the programme's HR system: she registers a webhook under Manage,
copies its secret, sends a test event the receiver verifies, reads the delivery log, and
replays the event; a private address is refused with a clear error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from community.models import Webhook, WebhookDelivery
from tests.browser.conftest import LiveServer, screenshot
from tests.browser.test_community_walk import sign_in
from tests.community.factories import AdminFactory
from tests.community.test_webhooks import Receiver, receiver, verify  # noqa: F401
from tests.servers import ServerProcess

pytestmark = pytest.mark.browser
SHOTS = Path("/work/notes/shots")


@pytest.fixture
def live_hooks(transactional_db: None, tmp_path: Path) -> Iterator[LiveServer]:
    """The site, allowed to send webhooks to loopback over http (the receiver's place)."""
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    server = ServerProcess(tmp_path, MEDIA_ROOT=str(tmp_path / "media"),
                           EMAIL_FILE_PATH=str(mail_dir), COHORT_WEBHOOKS_ALLOW_HTTP="true",
                           COHORT_WEBHOOKS_ALLOW_PRIVATE="true")
    try:
        yield LiveServer(server=server.launch(), mail_dir=mail_dir)
    finally:
        server.stop()


def _shot(page, name: str) -> None:
    screenshot(page, name)
    if SHOTS.is_dir():
        page.screenshot(path=str(SHOTS / f"hooks-{name}.png"), full_page=True)


def test_register_a_hook_send_a_test_event_read_the_log_and_replay(
        live_hooks, browser, receiver: Receiver):  # noqa: F811
    base = live_hooks.url
    AdminFactory(email="ada@example.org", name="Ada Admin")
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, base, "ada@example.org")
    page.get_by_role("link", name="Manage").click()
    page.get_by_role("link", name="Webhooks").click()
    page.get_by_role("heading", name="Webhooks", level=1).wait_for()

    # A receiver needs at least one event: the form says so and nothing is added.
    page.get_by_label("Receiver’s address").fill(receiver.url)
    page.get_by_role("button", name="Add the webhook").click()
    page.get_by_text("Choose at least one of the events listed.").first.wait_for()
    assert not Webhook.objects.exists()

    page.get_by_label("Receiver’s address").fill(receiver.url)
    page.get_by_label("Description").fill("HR system")
    page.get_by_label("A member joined (invitation accepted or account created)").check()
    page.get_by_label("A mentorship ended").check()
    _shot(page, "webhooks-list")
    page.get_by_role("button", name="Add the webhook").click()
    page.get_by_role("heading", name="The webhook’s secret").wait_for()
    secret = page.locator("#webhook-secret").inner_text()
    assert secret == Webhook.objects.get().secret
    _shot(page, "webhook-secret")

    page.get_by_role("button", name="Send test event").click()
    page.get_by_text("A test event is sent").wait_for()
    got = receiver.got.get(timeout=10)
    assert got.headers["Cohort-Event-Type"] == "ping" and verify(secret, got.headers, got.body)
    # The secret was shown once: the page no longer carries it.
    assert secret not in page.content()
    log = page.locator("table.webhook-log tbody tr")
    assert log.count() == 1
    row = log.first
    assert "Delivered" in row.inner_text() and "HTTP 200" in row.inner_text()

    row.get_by_role("button", name="Replay").click()
    page.get_by_text("The event is sent again (Delivered).").wait_for()
    assert page.locator("table.webhook-log tbody tr").count() == 2
    again = receiver.got.get(timeout=10)
    assert again.headers["Cohort-Event-Id"] == got.headers["Cohort-Event-Id"]
    assert WebhookDelivery.objects.filter(replay_of__isnull=False).count() == 1
    page.get_by_text("replay").first.wait_for()
    _shot(page, "webhook-log")


def test_a_private_address_is_refused_on_the_form(live_daphne, browser):
    """Without COHORT_WEBHOOKS_ALLOW_PRIVATE, the cloud metadata address is refused."""
    base = live_daphne.url
    AdminFactory(email="ada@example.org", name="Ada Admin")
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, base, "ada@example.org")
    page.goto(f"{base}/manage/webhooks/")
    page.get_by_label("Receiver’s address").fill("https://169.254.169.254/latest/")
    page.get_by_label("A member left (suspended, asked to delete her account, or erased)").check()
    page.get_by_role("button", name="Add the webhook").click()
    page.get_by_text("an address inside a private network").wait_for()
    assert not Webhook.objects.exists()
    _shot(page, "webhook-refused")
