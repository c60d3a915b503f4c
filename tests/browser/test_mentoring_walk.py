"""A mentee finds a mentor, reads why they fit and asks; the mentor is told live and
accepts; both land in their room; the mentee adds a goal and ticks a milestone."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_community_walk import sign_in
from tests.community.factories import (
    AdminFactory,
    MentorFactory,
    TopicFactory,
    UserFactory,
    profile_fill,
)

pytestmark = pytest.mark.browser


def test_find_ask_accept_and_work_on_a_goal(live_daphne, browser):
    base = live_daphne.url
    negotiation = TopicFactory(name="Negotiation", name_fr="Négociation")
    cloud = TopicFactory(name="Cloud architecture", name_fr="Architecture infonuagique")
    profile_fill(MentorFactory(email="nadia@example.org", name="Nadia Haddad", capacity=3),
             headline="VP Engineering, salary negotiation coach", expertise=[negotiation, cloud],
             languages=["fr", "en"], time_zone="America/Halifax", city="Montréal",
             years_experience=18, can_offer="Negotiation practice and leadership coaching")
    profile_fill(MentorFactory(email="olga@example.org", name="Olga Petrova"),
             headline="Database engineer", languages=["en"], time_zone="Asia/Tokyo",
             years_experience=9, can_offer="Query tuning")
    profile_fill(UserFactory(email="lea@example.org", name="Léa Martin"),
             headline="Junior developer", wants_topics=[negotiation], languages=["fr"],
             time_zone="America/Toronto", city="Montréal", years_experience=2,
             wants_to_develop="Negotiating my first raise and leadership")
    AdminFactory(email="ada@example.org", name="Ada Admin")

    lea = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(lea, base, "lea@example.org")
    nadia = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(nadia, base, "nadia@example.org")

    # Léa searches the people page by keyword and filter.
    lea.get_by_role("link", name="People").click()
    lea.get_by_label("Keywords").fill("negotiation")
    lea.get_by_label("Open to new mentees").check()
    lea.get_by_role("button", name="Search").click()
    lea.get_by_role("link", name="Nadia Haddad").wait_for()
    assert lea.get_by_role("link", name="Olga Petrova").count() == 0
    screenshot(lea, "30-people-search")

    # Her recommendations say why.
    lea.get_by_role("link", name="Mentoring").click()
    lea.get_by_role("link", name="Find a mentor").click()
    card = lea.locator(".recommendation").first
    assert "Nadia Haddad" in card.inner_text()
    card.get_by_text("She offers Negotiation, which you want to develop").wait_for()
    card.get_by_text("You both speak French").wait_for()
    screenshot(lea, "31-find-a-mentor")

    # She opens the profile, then asks.
    card.get_by_role("link", name="View profile").click()
    lea.get_by_role("heading", name="Nadia Haddad").wait_for()
    lea.get_by_role("link", name="Ask for mentoring").click()
    lea.get_by_text("Why you fit").wait_for()
    lea.get_by_label("Your note to the mentor").fill(
        "I am preparing my first salary review and would love your guidance.")
    screenshot(lea, "32-request")
    lea.get_by_role("button", name="Send my request").click()
    lea.get_by_text("Your request is sent.").wait_for()

    # Nadia's badge counts it live, without a reload.
    badge = nadia.locator("[data-notifications-unread]")
    badge.get_by_text("1").wait_for()
    nadia.get_by_role("link", name="Notifications").click()
    screenshot(nadia, "33-notifications")
    nadia.get_by_role("link", name="Choose what you receive").click()
    nadia.get_by_role("checkbox", name="A mentee withdraws her request: by e-mail").check()
    nadia.get_by_role("button", name="Save my choices").click()
    nadia.get_by_text("Your notification choices are saved.").wait_for()
    assert nadia.get_by_role("checkbox",
                             name="A mentee withdraws her request: by e-mail").is_checked()
    screenshot(nadia, "33b-notification-preferences")
    nadia.get_by_role("link", name="Notifications").click()
    nadia.get_by_role("link", name="Léa Martin asked you to be her mentor.").click()
    nadia.get_by_text("I am preparing my first salary review").wait_for()
    screenshot(nadia, "34-request-received")
    nadia.get_by_role("button", name="Accept").click()
    nadia.wait_for_url(f"{base}/rooms/*/")
    nadia.get_by_text("Welcome, Léa!").wait_for()

    # Léa is told and lands in the same room.
    lea.locator("[data-notifications-unread]").get_by_text("1").wait_for()
    lea.get_by_role("link", name="Notifications").click()
    lea.get_by_role("link", name="Nadia Haddad accepted your request.").click()
    lea.get_by_text("Welcome, Léa!").wait_for()
    assert lea.url == nadia.url

    # She adds a goal with a milestone and ticks it.
    lea.get_by_role("link", name="Mentoring").click()
    screenshot(lea, "35-my-mentoring")
    lea.get_by_role("link", name="Nadia Haddad").click()
    lea.get_by_label("New goal").fill("Negotiate a 10% raise")
    lea.get_by_role("button", name="Add goal").click()
    lea.get_by_role("heading", name="Negotiate a 10% raise").wait_for()
    lea.get_by_placeholder("New milestone").fill("Research salary ranges")
    lea.get_by_role("button", name="Add milestone").click()
    lea.get_by_role("button", name="Research salary ranges", pressed=False).click()
    lea.get_by_role("button", name="Research salary ranges", pressed=True).wait_for()
    assert lea.locator("progress").first.get_attribute("value") == "100"
    screenshot(lea, "36-mentorship")

    # The same pages in French.
    for page in (lea,):
        page.get_by_label("Language").select_option("fr")
        page.get_by_role("button", name="Change").click()
        page.get_by_role("heading", name="Accompagnée par Nadia Haddad").wait_for()
        screenshot(page, "37-mentorship-fr")
        page.goto(f"{base}/mentoring/find/")
        screenshot(page, "38-find-fr")

    # The admin sees the programme's counts.
    ada = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(ada, base, "ada@example.org")
    ada.get_by_role("link", name="Manage").click()
    ada.get_by_role("heading", name="Programme health").wait_for()
    assert "Negotiate a 10% raise" not in ada.content()
    screenshot(ada, "39-programme")
    ada.goto(f"{base}/mentoring/cohorts/new/")
    screenshot(ada, "40-cohort-new")
