"""Her data is hers, in the browser: she downloads a zip of it from her settings, deletes
her account (signed out at once) and, signing in again within the grace period, keeps it.
The server's task backend runs the export as soon as her request commits, as the task
worker would a moment later."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from community.models import AccountDeletion, User
from tests.browser.conftest import screenshot
from tests.browser.test_community_walk import sign_in
from tests.community.factories import PASSWORD, AdminFactory, UserFactory
from tests.rooms.factories import make_room

pytestmark = pytest.mark.browser


@pytest.fixture
def maya(live_daphne) -> User:
    """Sent before the browser starts: a send rings its room from this thread, which
    Playwright's loop would then hold."""
    from chat import services as chat_services

    maya = UserFactory(email="maya@example.org", name="Maya Chen")
    zed = UserFactory(email="zed@example.org", name="Zed Okafor")
    room = make_room(maya, zed, name="Rivers circle")
    chat_services.message_send(author=maya, room_id=room.pk, text="Hello from Maya",
                               client_id="m1")
    chat_services.message_send(author=zed, room_id=room.pk, text="Zed's own words",
                               client_id="z1")
    return maya


def test_download_then_delete_and_come_back(live_daphne, maya, browser, tmp_path: Path):
    base = live_daphne.url
    page = browser.new_context(viewport={"width": 1280, "height": 900},
                               accept_downloads=True).new_page()
    sign_in(page, base, "maya@example.org")

    # From her profile's settings to her data.
    page.goto(f"{base}/profile/edit/")
    page.locator("#main").get_by_role("link", name="Your data and your account").click()
    page.get_by_role("heading", name="Your data and your account").wait_for()
    screenshot(page, "privacy-my-data-empty")
    page.get_by_role("button", name="Prepare my data").click()
    page.get_by_text("Your data is ready to download.").wait_for()
    screenshot(page, "privacy-my-data-ready")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download my data").click()
    saved = tmp_path / "my-data.zip"
    download_info.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        assert {"manifest.json", "index.html", "messages.json", "profile.json"} <= set(names)
        messages = json.loads(archive.read("messages.json"))
        assert [m["text"] for m in messages] == ["Hello from Maya"]
        assert "Zed's own words" not in archive.read("index.html").decode()
        (tmp_path / "index.html").write_bytes(archive.read("index.html"))
    # The zip's page reads in a browser.
    index = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    index.goto((tmp_path / "index.html").as_uri())
    index.get_by_role("heading", name="Messages").wait_for()
    screenshot(index, "privacy-zip-index")
    index.context.close()
    # The notification centre told her.
    page.goto(f"{base}/notifications/")
    page.get_by_text("Your data is ready").first.wait_for()

    # Delete: a wrong password changes nothing.
    page.goto(f"{base}/settings/privacy/")
    page.get_by_text("Delete my account…").click()
    page.get_by_label("Your password").fill("not my password")
    page.get_by_role("button", name="Delete my account").click()
    page.get_by_text("That is not your password. Nothing was changed.").wait_for()
    screenshot(page, "privacy-delete-wrong-password")
    assert User.objects.get(pk=maya.pk).is_active

    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    page.get_by_role("heading", name="Your account will be deleted").wait_for()
    screenshot(page, "privacy-account-deleted")
    assert not User.objects.get(pk=maya.pk).is_active
    page.goto(f"{base}/rooms/")
    page.wait_for_url(f"{base}/accounts/login/**")  # signed out

    # Within the grace period, signing in keeps her account.
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill("maya@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Welcome back. Your account will not be deleted.").wait_for()
    screenshot(page, "privacy-welcome-back")
    assert User.objects.get(pk=maya.pk).is_active
    assert not AccountDeletion.objects.filter(user_id=maya.pk).exists()

    # The privacy page, from the footer.
    page.get_by_role("link", name="Privacy", exact=True).click()
    page.get_by_role("heading", name="Privacy: who can see what").wait_for()
    screenshot(page, "privacy-page")
    page.context.close()


def test_admin_sees_the_retention_page(live_daphne, browser):
    base = live_daphne.url
    AdminFactory(email="ada@example.org", name="Ada Admin")
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, base, "ada@example.org")
    page.goto(f"{base}/manage/audit/")
    page.get_by_role("link", name="Retention").click()
    page.get_by_text("No account has been erased.").wait_for()
    page.get_by_label("Erase them").check()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("The retention policy is saved.").wait_for()
    assert page.get_by_label("Erase them").is_checked()
    screenshot(page, "privacy-retention")
    page.context.close()


def test_the_delete_form_past_its_limit_says_when_to_try_again(live_daphne, maya, browser):
    base = live_daphne.url
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, base, "maya@example.org")
    page.goto(f"{base}/settings/privacy/")
    page.get_by_text("Delete my account…").click()
    for _ in range(5):  # `account.delete`: 5 an hour
        page.get_by_label("Your password").fill("not my password")
        page.get_by_role("button", name="Delete my account").click()
        page.get_by_text("That is not your password. Nothing was changed.").wait_for()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    page.get_by_text("Too many tries: try again in").wait_for()
    screenshot(page, "privacy-delete-too-many-tries")
    assert User.objects.get(pk=maya.pk).is_active
    assert not AccountDeletion.objects.filter(user_id=maya.pk).exists()
    page.context.close()
