"""Access tokens in the browser: from her account page she makes a token, copies it
(shown once), uses it from a script, then revokes it after a confirmation and the script
is refused; an admin creates a bot for a room and copies its token."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from community.models import User
from tests.browser.conftest import screenshot
from tests.browser.test_community_walk import sign_in
from tests.community.factories import AdminFactory, UserFactory
from tests.rooms.factories import make_room

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("COHORT_NOTES_SHOTS", "/work/notes/shots"))


def shot(page, name: str) -> None:
    screenshot(page, f"tokens-{name}")
    if SHOTS.is_dir():
        page.screenshot(path=str(SHOTS / f"tokens-{name}.png"), full_page=True)


def api(browser, base: str, token: str) -> int:
    """What a script gets from the API with this token: no cookie, no Origin."""
    script = browser.new_context()
    try:
        answer = script.request.get(f"{base}/api/v1/tokens",
                                    headers={"Authorization": f"Bearer {token}"})
        if answer.ok:
            assert json.loads(answer.text())["results"]
        return int(answer.status)
    finally:
        script.close()


def test_make_copy_use_and_revoke_a_token(live_daphne, browser):
    base = live_daphne.url
    UserFactory(email="maya@example.org", name="Maya Chen")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    page = context.new_page()
    sign_in(page, base, "maya@example.org")

    page.goto(f"{base}/settings/privacy/")
    page.get_by_role("link", name="Manage your access tokens").click()
    page.get_by_role("heading", name="Access tokens", level=1).wait_for()
    page.get_by_text("No access tokens.").wait_for()
    page.get_by_label("Name").fill("Weekly report")
    page.get_by_label("Write as you").check()
    page.get_by_label("Expires after").select_option("90")
    page.get_by_role("button", name="Make the token").click()

    # Shown once, copied with the button.
    field = page.get_by_label("The token (keep it secret")
    token = field.input_value()
    assert token.startswith("cohort_pat_")
    page.get_by_role("button", name="Copy the token").click()
    page.get_by_text("Copied").wait_for()
    assert page.evaluate("() => navigator.clipboard.readText()") == token
    shot(page, "created")

    # A script uses it; the list shows when.
    assert api(browser, base, token) == 200
    page.goto(f"{base}/settings/tokens/")
    assert token not in page.content()
    row = page.locator("tr", has_text="Weekly report")
    row.get_by_text("from 127.0.0.1").wait_for()
    shot(page, "list")

    # Revoked after a confirmation: the script is refused.
    row.get_by_role("link", name="Revoke Weekly report").click()
    page.get_by_role("heading", name="Revoke the token “Weekly report”?").wait_for()
    shot(page, "revoke-confirm")
    page.get_by_role("button", name="Revoke the token").click()
    page.get_by_text("The token “Weekly report” is revoked").wait_for()
    page.locator("tr", has_text="Weekly report").get_by_text("Revoked").wait_for()
    assert api(browser, base, token) == 401


def test_admin_creates_a_bot_and_copies_its_token(live_daphne, browser):
    base = live_daphne.url
    admin = AdminFactory(email="ada@example.org", name="Ada Admin")
    make_room(admin, UserFactory(name="Zed Okafor"), name="Writers circle")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    page = context.new_page()
    sign_in(page, base, "ada@example.org")

    page.goto(f"{base}/manage/invitations/")
    page.get_by_role("navigation", name="Programme management").get_by_role(
        "link", name="Bots").click()
    page.get_by_label("The bot’s name").fill("Digest Bot")
    page.get_by_label("Its room").select_option(label="Writers circle")
    page.get_by_role("button", name="Create the bot").click()
    token = page.get_by_label("The token (keep it secret").input_value()
    page.get_by_role("button", name="Copy the token").click()
    page.get_by_text("Copied").wait_for()
    assert page.evaluate("() => navigator.clipboard.readText()") == token
    bot_row = page.locator("li.bot", has_text="Digest Bot")
    bot_row.locator(".role-bot").wait_for()
    shot(page, "bot-created")
    assert api(browser, base, token) == 200
    assert User.objects.get(is_bot=True).name == "Digest Bot"
