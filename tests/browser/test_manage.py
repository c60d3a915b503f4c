"""An admin tunes matching in the Manage section: she changes a weight, previews what a
mentee would be recommended with it, saves, and renames a topic of the vocabulary."""

from __future__ import annotations

import pytest

from community.models import AuditEntry, Topic
from mentoring.models import MatchWeights
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


def test_tune_a_weight_preview_save_and_rename_a_topic(live_daphne, browser):
    base = live_daphne.url
    negotiation = TopicFactory(name="Negociation", name_fr="Négociation")
    profile_fill(UserFactory(email="lea@example.org", name="Léa Martin"),
                 wants_topics=[negotiation], city="Montréal", languages=["fr"],
                 time_zone="America/Toronto")
    profile_fill(MentorFactory(name="Nadia Haddad", capacity=3), expertise=[negotiation],
                 languages=["en", "fr"], headline="Salary negotiation coach",
                 time_zone="America/Toronto")
    profile_fill(MentorFactory(name="Olga Petrova"), city="Montréal", languages=["fr"],
                 expertise=[negotiation])
    AdminFactory(email="ada@example.org", name="Ada Admin")

    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, base, "ada@example.org")
    page.get_by_role("link", name="Manage").click()
    page.get_by_role("link", name="Matching", exact=True).click()
    page.get_by_role("heading", name="Matching", level=1).wait_for()

    # She makes the city count a lot and tries it on Léa before saving.
    city = page.get_by_label("Same city")
    assert city.input_value() == "0.5"
    city.fill("8")
    page.get_by_label("Preview for").select_option(label="Léa Martin")
    page.get_by_role("button", name="Preview with these weights").click()
    result = page.locator(".preview-result")
    result.get_by_text("Mentors for Léa Martin, with the weights as typed").wait_for()
    names = result.locator(".preview-name a").all_inner_texts()
    assert names == ["Olga Petrova", "Nadia Haddad"]
    result.get_by_text("was 2").wait_for()
    assert page.get_by_label("Same city").input_value() == "8"
    assert MatchWeights.current().city == 0.5
    screenshot(page, "80-manage-matching-preview")

    # A bad number is refused on the page and changes nothing.
    page.get_by_label("Topics in common").fill("-2")
    page.get_by_role("button", name="Save the weights").click()
    page.get_by_text("Enter a number from 0 to 10.").wait_for()
    assert MatchWeights.current().city == 0.5
    page.get_by_label("Topics in common").fill("3")
    page.get_by_role("button", name="Save the weights").click()
    page.get_by_text("The matching weights are saved.").wait_for()
    assert MatchWeights.current().city == 8
    assert AuditEntry.objects.filter(action="matching.weights").count() == 1
    page.get_by_text("Mentors for Léa Martin, with the saved weights").wait_for()

    # The topic is misspelt: she renames it, after seeing who uses it.
    page.get_by_role("link", name="Topics").click()
    page.get_by_role("link", name="Negociation").click()
    page.get_by_text("3 profiles list it.").wait_for()
    screenshot(page, "81-manage-topic")
    page.get_by_role("textbox", name="Name", exact=True).fill("Negotiation")
    page.get_by_role("button", name="Save the names").click()
    page.get_by_text("The topic is renamed.").wait_for()
    page.get_by_role("heading", name="Negotiation", level=1).wait_for()
    assert Topic.objects.get(pk=negotiation.pk).name == "Negotiation"
    page.get_by_role("link", name="All topics").click()
    page.get_by_role("link", name="Negotiation").wait_for()
    screenshot(page, "82-manage-topics")

    # Retiring it asks first, saying how many profiles lose it; she cancels.
    page.get_by_role("link", name="Negotiation").click()
    page.get_by_role("button", name="Retire…").click()
    page.get_by_text("Negotiation will be taken off 3 profiles").wait_for()
    screenshot(page, "83-manage-topic-retire")
    page.get_by_role("link", name="Cancel").click()
    page.get_by_role("button", name="Yes, retire").wait_for(state="detached")
    assert Topic.objects.get(pk=negotiation.pk).retired_at is None
