"""The whole way into the community, clicked through in Chromium.

Admin invites -> the invitee accepts and sets a password -> fills her profile ->
applies as a mentor -> the admin approves -> she appears as a mentor.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot
from tests.community.factories import PASSWORD, AdminFactory, TopicFactory

pytestmark = pytest.mark.browser


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def test_invite_join_profile_apply_approve(live_daphne, browser):
    base = live_daphne.url
    AdminFactory(email="ada@example.org", name="Ada Admin")
    TopicFactory(name="Data science", name_fr="Science des données")
    TopicFactory(name="Cybersecurity", name_fr="Cybersécurité")
    TopicFactory(kind="skill", name="Python")

    admin = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    admin.goto(f"{base}/people/")
    assert "/accounts/login/" in admin.url  # signed out: sign-in first
    screenshot(admin, "01-sign-in")
    sign_in(admin, base, "ada@example.org")
    screenshot(admin, "02-home-admin")

    # The admin invites Zora.
    admin.get_by_role("link", name="Manage").click()
    admin.get_by_role("link", name="Invitations").click()
    admin.get_by_label("E-mail address").fill("zora@example.org")
    admin.get_by_label("Name", exact=True).fill("Zora Ndiaye")
    admin.get_by_role("button", name="Send the invitation").click()
    admin.get_by_text("Invitation sent to zora@example.org").wait_for()
    screenshot(admin, "03-invitations")

    emails = [e for e in live_daphne.emails() if "zora@example.org" in e]
    assert emails, "the invitation e-mail was not sent"
    link = re.search(r"(http://127\.0\.0\.1:\d+/invite/\S+/)", emails[-1]).group(1)

    # Zora accepts and chooses her password.
    zora = browser.new_context(viewport={"width": 1280, "height": 800},
                               timezone_id="America/Toronto").new_page()
    zora.goto(link)
    zora.get_by_text("You were invited as zora@example.org").wait_for()
    screenshot(zora, "04-invitation-accept")
    assert zora.get_by_label("Full name").input_value() == "Zora Ndiaye"
    zora.get_by_label("Choose a password").fill("zora-strong-pass-1")
    zora.get_by_label("Password again").fill("zora-strong-pass-1")
    zora.get_by_role("button", name="Join").click()
    zora.wait_for_url(f"{base}/profile/edit/")

    # She fills her profile.
    zora.get_by_label("Pronouns").fill("she/her")
    zora.get_by_label("Headline").fill("Security analyst moving into data science")
    zora.get_by_label("About me").fill("Five years in a SOC; I love anomaly detection.")
    zora.get_by_role("group", name="Fields of expertise").get_by_label("Data science").check()
    zora.get_by_role("group", name="Skills").get_by_label("Python").check()
    zora.get_by_role("group", name="Topics I want to develop").get_by_label(
        "Data science").check()
    zora.get_by_label("French").check()
    zora.get_by_label("City").fill("Montréal")
    # Her zone comes from her browser's clock.
    assert zora.get_by_label("Time zone").input_value() == "America/Toronto"
    zora.get_by_label("What I can offer").fill("Threat hunting, incident response.")
    screenshot(zora, "05-profile-edit")
    zora.get_by_role("button", name="Save my profile").click()
    zora.get_by_text("Your profile is saved.").wait_for()
    assert zora.get_by_role("heading", level=1).inner_text().startswith("Zora Ndiaye")
    zora.get_by_text("Security analyst moving into data science").wait_for()
    screenshot(zora, "06-profile")

    # She applies to mentor.
    zora.get_by_role("link", name="Home").click()
    zora.get_by_role("link", name="Apply to mentor").click()
    zora.get_by_label("Why I want to mentor").fill(
        "I coach juniors in my team every week and want to help more women into security.")
    zora.get_by_label("Cybersecurity").check()
    zora.get_by_label("Mentees I can take").fill("2")
    screenshot(zora, "07-mentor-apply")
    zora.get_by_role("button", name="Send my application").click()
    zora.get_by_text("Your application is sent.").wait_for()

    # The admin approves.
    admin.get_by_role("link", name="Mentor applications").click()
    card = admin.locator("li.application", has_text="Zora Ndiaye")
    card.get_by_text("I coach juniors").wait_for()
    screenshot(admin, "08-applications")
    card.get_by_label("Note to the applicant").fill("Welcome aboard!")
    card.get_by_role("button", name="Approve").click()
    admin.get_by_text("Zora Ndiaye is now a mentor.").wait_for()

    assert any("approved" in e and "Welcome aboard!" in e and "zora@example.org" in e
               for e in live_daphne.emails())

    # She appears as a mentor.
    admin.get_by_role("link", name="People").click()
    admin.get_by_text("More filters").click()
    admin.get_by_label("Role").select_option("mentor")
    admin.get_by_role("button", name="Search").click()
    person = admin.locator("li.person", has_text="Zora Ndiaye")
    person.get_by_text("Mentor", exact=True).wait_for()
    screenshot(admin, "09-people-mentors")
    zora.reload()
    zora.get_by_role("link", name="Home").click()
    zora.get_by_text("You are a mentor and can take 2 mentees.").wait_for()
    screenshot(zora, "10-home-mentor")

    # She reads Cohort in French.
    zora.get_by_label("Language").select_option("fr")
    zora.get_by_role("button", name="Change").click()
    zora.get_by_role("link", name="Accueil").wait_for()
    zora.get_by_text("Vous êtes mentore et pouvez accompagner 2 mentorées.").wait_for()
    screenshot(zora, "11-home-french")
    zora.get_by_role("link", name="Mon profil").click()
    zora.get_by_text("Domaines d'expertise").wait_for()
    zora.get_by_text("Cybersécurité").wait_for()
    screenshot(zora, "12-profile-french")
