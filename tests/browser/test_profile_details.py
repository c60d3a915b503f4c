"""Small things a new member meets on her profile: her time zone comes from her browser
and is picked from a list she can search; her bio reads as formatted text."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_community_walk import sign_in
from tests.community.factories import UserFactory, profile_fill

pytestmark = pytest.mark.browser


def test_time_zone_comes_from_the_browser_and_an_unknown_one_is_refused(live_daphne, browser):
    base = live_daphne.url
    mira = UserFactory(email="mira@example.org", name="Mira Member")
    page = browser.new_context(viewport={"width": 1280, "height": 900},
                               timezone_id="America/Vancouver").new_page()
    sign_in(page, base, "mira@example.org")
    page.goto(f"{base}/profile/edit/")
    zone = page.get_by_label("Time zone")
    assert zone.input_value() == "America/Vancouver"  # from her browser, not typed
    # The list she searches is the page's datalist of current zones.
    assert zone.get_attribute("list") == "id_time_zone-zones"
    assert page.locator("#id_time_zone-zones option[value='Europe/Paris']").count() == 1

    zone.fill("Mars/Olympus_Mons")
    page.get_by_role("button", name="Save my profile").click()
    page.get_by_text("“Mars/Olympus_Mons” is not a time zone we know.").wait_for()
    assert page.get_by_label("Time zone").input_value() == "Mars/Olympus_Mons"  # kept
    screenshot(page, "50-profile-zone-refused")

    page.get_by_label("Time zone").fill("europe/paris")
    # Beside her languages, she says a mentor who speaks none of them is fine.
    page.get_by_label("A mentor who does not speak my languages is fine").check()
    page.get_by_role("button", name="Save my profile").click()
    page.get_by_text("Your profile is saved.").wait_for()
    mira.profile.refresh_from_db()
    assert mira.profile.time_zone == "Europe/Paris" and mira.profile.any_language

    # A zone she chose is never replaced by her browser's.
    page.goto(f"{base}/profile/edit/")
    assert page.get_by_label("Time zone").input_value() == "Europe/Paris"
    assert page.get_by_label("A mentor who does not speak my languages is fine").is_checked()
    screenshot(page, "52-profile-any-language")


def test_bio_reads_as_formatted_text(live_daphne, browser):
    base = live_daphne.url
    UserFactory(email="mira@example.org", name="Mira Member")
    profile_fill(UserFactory(name="Nadia Haddad"), headline="VP Engineering", city="Montréal",
                 bio="I **coach** engineers who negotiate their *first* raise.\n\n"
                     "- Salary reviews\n- Leadership\n\n> Ask early.\n\n"
                     "More on https://example.org <script>alert(1)</script>")
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.on("dialog", lambda dialog: pytest.fail("a script in a bio ran"))
    sign_in(page, base, "mira@example.org")
    page.goto(f"{base}/people/")
    page.get_by_role("link", name="Nadia Haddad").click()
    bio = page.locator(".bio")
    assert bio.locator("strong").inner_text() == "coach"
    assert bio.locator("li").all_inner_texts() == ["Salary reviews", "Leadership"]
    assert bio.get_by_role("link", name="https://example.org").get_attribute("rel") == (
        "noopener noreferrer nofollow")
    bio.get_by_text("<script>alert(1)</script>").wait_for()  # shown as text, never run
    screenshot(page, "51-profile-bio-markdown")
