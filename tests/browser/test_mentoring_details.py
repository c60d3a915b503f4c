"""Details of a mentorship page a new pair meets: who still has to confirm the agreement,
milestones that look and act like checkboxes, and an end that asks first and can archive
the room."""

from __future__ import annotations

import pytest

from mentoring.services import relationship
from tests.browser.conftest import screenshot
from tests.browser.test_community_walk import sign_in
from tests.community.factories import MentorFactory, UserFactory
from tests.mentoring.factories import active

pytestmark = pytest.mark.browser


@pytest.fixture
def mentorship(live_daphne):
    """Built before Playwright's event loop starts: accepting a mentorship rings sockets."""
    maya = MentorFactory(email="maya@example.org", name="Maya Okafor")
    lea = UserFactory(email="lea@example.org", name="Léa Martin")
    mentorship = active(lea, maya)
    relationship.agreement_save(user=lea, mentorship=mentorship, goals="My first raise",
                                cadence="fortnightly", duration_months=6)
    goal = relationship.goal_add(user=lea, mentorship=mentorship, title="Negotiate a raise")
    relationship.milestone_add(user=lea, goal=goal, title="Research salary ranges")
    relationship.milestone_add(user=lea, goal=goal, title="Practise the conversation")
    return mentorship


def test_agreement_milestones_and_a_confirmed_end_that_archives_the_room(
        live_daphne, mentorship, browser):
    base = live_daphne.url
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, base, "lea@example.org")
    page.goto(f"{base}/mentoring/{mentorship.pk}/")
    page.get_by_text("Waiting for Maya to confirm").wait_for()

    # A milestone looks clickable: pointer, a hover state, a focus ring; its words tick it.
    milestone = page.get_by_role("button", name="Research salary ranges", pressed=False)
    assert milestone.evaluate("b => getComputedStyle(b).cursor") == "pointer"
    before = milestone.evaluate("b => getComputedStyle(b).backgroundColor")
    milestone.hover()
    assert milestone.evaluate("b => getComputedStyle(b).backgroundColor") != before
    milestone.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # focus by keyboard, as :focus-visible needs
    assert milestone.evaluate("b => getComputedStyle(b).outlineStyle") != "none"
    page.mouse.move(0, 0)
    screenshot(page, "52-mentorship-agreement-milestones")
    milestone.locator(".title").click()
    page.get_by_role("button", name="Research salary ranges", pressed=True).wait_for()
    assert page.locator("progress").first.get_attribute("value") == "50"

    # Ending asks first, and can archive the room at the same time.
    page.get_by_text("End this mentorship").click()
    page.get_by_label("Goals met").check()
    page.get_by_label("Archive our room").check()
    screenshot(page, "54-mentorship-end-form")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="End your mentorship with Maya Okafor?").wait_for()
    mentorship.refresh_from_db()
    assert mentorship.status == "active"  # not yet
    screenshot(page, "53-mentorship-end-confirm")
    page.get_by_role("link", name="No, keep it going").click()
    page.get_by_text("Waiting for Maya to confirm").wait_for()
    mentorship.refresh_from_db()
    assert mentorship.status == "active"

    page.get_by_text("End this mentorship").click()
    page.get_by_label("Goals met").check()
    page.get_by_label("Archive our room").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Yes, end the mentorship").click()
    page.get_by_text("The mentorship has ended and your room is archived.").wait_for()
    mentorship.refresh_from_db()
    mentorship.room.refresh_from_db()
    assert mentorship.status == "ended" and mentorship.room.is_archived
