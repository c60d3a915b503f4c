"""A matching round clicked through in Chromium: the admin starts a round for the whole
community, sees each pair with its fit and reasons, swaps one mentor, drops one pair and
sends the rest after a confirmation; the mentee and her mentor accept on their mentoring
page and the mentorship starts, with its room.
"""

from __future__ import annotations

import re

import pytest

from mentoring.models import Mentorship, Proposal
from tests.browser.conftest import screenshot
from tests.browser.test_calendar import outside_the_page_loop
from tests.browser.test_community_walk import sign_in
from tests.community.factories import (
    AdminFactory,
    MentorFactory,
    TopicFactory,
    UserFactory,
    profile_fill,
)

pytestmark = pytest.mark.browser


def test_admin_matches_the_pool_and_the_pair_accepts(live_daphne, browser):
    base = live_daphne.url

    def build() -> None:
        AdminFactory(email="amelie@example.org", name="Amélie Tremblay")
        data, security = TopicFactory(name="Data science"), TopicFactory(name="Cybersecurity")
        common = {"languages": ["en", "fr"], "time_zone": "America/Toronto"}
        profile_fill(MentorFactory(email="nadia@example.org", name="Nadia Haddad", capacity=3),
                     expertise=[data], skills=[security], city="Montréal",
                     industry="Banking", years_experience=18, **common)
        profile_fill(MentorFactory(email="olga@example.org", name="Olga Petrova", capacity=2),
                     expertise=[security], city="Toronto", industry="Health",
                     years_experience=12, **common)
        profile_fill(UserFactory(email="ines@example.org", name="Inès Roy"),
                     wants_topics=[security], city="Toronto", years_experience=2, **common)
        profile_fill(UserFactory(email="lea@example.org", name="Léa Martin"),
                     wants_topics=[data], city="Montréal", industry="Banking",
                     years_experience=1, **common)
        profile_fill(UserFactory(email="maya@example.org", name="Maya Chen"),
                     wants_topics=[data, security], years_experience=3, **common)

    outside_the_page_loop(build)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    admin = context.new_page()
    sign_in(admin, base, "amelie@example.org")

    # From the matching weights to a new round for the whole community.
    admin.goto(f"{base}/manage/matching/")
    admin.get_by_role("link", name="Matching rounds").click()
    admin.get_by_label("Match the members of").select_option(label="The whole community")
    admin.get_by_role("button", name="Propose pairs").click()
    admin.wait_for_url(re.compile(r"/manage/matching/rounds/\d+/$"))
    pairs = admin.locator("table.round-pairs tbody tr")
    assert pairs.count() == 3  # three mentees, five places
    assert "Overall fit" in admin.locator(".round-stats").inner_text()
    lea_row = pairs.filter(has_text="Léa Martin")
    assert "Nadia Haddad" in lea_row.inner_text()
    assert "Nadia Haddad offers Data science, which Léa Martin wants to develop" in (
        lea_row.inner_text())

    # Swap Inès's mentor for the one place left, then drop Maya's pair.
    ines_row = pairs.filter(has_text="Inès Roy")
    before = ines_row.locator("td").first.inner_text()
    choice = ines_row.locator("select option").first.inner_text()
    ines_row.get_by_role("button", name="Swap").click()
    admin.get_by_text(re.compile(r"is now proposed to Inès Roy")).wait_for()
    ines_row = admin.locator("table.round-pairs tbody tr").filter(has_text="Inès Roy")
    after = ines_row.locator("td").first.inner_text()
    assert after != before and after in choice
    admin.get_by_role("button", name=re.compile("^Drop the pair Maya Chen")).click()
    admin.get_by_text("The pair is dropped: Maya Chen is on the waitlist.").wait_for()
    assert admin.locator("table.round-pairs tbody tr").count() == 2
    assert "Maya Chen" in admin.locator("ul.waitlist").inner_text()
    screenshot(admin, "matching-round")

    # Send, after the confirmation.
    admin.get_by_role("link", name="Send the proposals…").click()
    admin.get_by_role("heading", name="Send 2 proposals?").wait_for()
    admin.get_by_role("button", name="Yes, send the proposals").click()
    admin.get_by_text("The proposals are sent").wait_for()
    assert "Waiting for both answers" in admin.locator("table.round-pairs").inner_text()
    admin.get_by_role("link", name="All matching rounds").click()
    assert "Maya Chen" in admin.locator("#waitlist + p + ul.waitlist").inner_text()
    screenshot(admin, "matching-rounds")

    # Léa accepts on her mentoring page, then Nadia does: the mentorship starts.
    lea_mentor = outside_the_page_loop(lambda: Proposal.objects.get(
        mentee__name="Léa Martin").mentor.email)
    mentee = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(mentee, base, "lea@example.org")
    mentee.goto(f"{base}/mentoring/")
    card = mentee.locator("#proposals .proposal")
    assert "as your mentor" in card.inner_text()
    assert "offers Data science" in card.inner_text()
    screenshot(mentee, "matching-proposal-card")
    card.get_by_role("button", name="Accept").click()
    mentee.get_by_text("You accepted.").first.wait_for()

    mentor = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(mentor, base, lea_mentor)
    mentor.goto(f"{base}/mentoring/")
    card = mentor.locator("#proposals .proposal").filter(has_text="Léa Martin")
    assert "as your mentee" in card.inner_text()
    card.get_by_role("button", name="Accept").click()
    mentor.wait_for_url(re.compile(r"/rooms?/\d+"))
    mentor.get_by_text("You both accepted").wait_for()
    assert outside_the_page_loop(lambda: Mentorship.objects.filter(
        mentee__name="Léa Martin", mentor__email=lea_mentor,
        status=Mentorship.Status.ACTIVE).exists())
