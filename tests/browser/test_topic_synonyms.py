"""An admin teaches the vocabulary the other words members write for a topic, in English
and in French: she sees them listed, and a word that belongs to another topic is refused."""

from __future__ import annotations

import pytest

from community.models import AuditEntry, Topic
from tests.browser.conftest import screenshot
from tests.browser.test_community_walk import sign_in
from tests.community.factories import AdminFactory, TopicFactory

pytestmark = pytest.mark.browser


def test_add_other_words_to_a_topic_and_see_them_listed(live_daphne, browser):
    base = live_daphne.url
    TopicFactory(name="Data science", name_fr="Science des données", synonyms=["analytics"],
                 synonyms_fr=["données"])
    software = TopicFactory(name="Software engineering", name_fr="Génie logiciel")
    AdminFactory(email="ada@example.org", name="Ada Admin")

    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, base, "ada@example.org")
    page.get_by_role("link", name="Manage").click()
    page.get_by_role("link", name="Topics").click()
    page.get_by_role("link", name="Software engineering").click()

    english = page.get_by_label("Other words for it, in English")
    english.fill("coding\nprogramming\nCoding\nanalytics")
    page.get_by_label("Other words for it, in French").fill("programmation, développement")
    page.get_by_role("button", name="Save the other words").click()
    page.get_by_text("“analytics” already stands for the topic Data science.").wait_for()
    assert Topic.objects.get(pk=software.pk).synonyms == []
    screenshot(page, "84-manage-topic-words-refused")

    page.get_by_label("Other words for it, in English").fill(
        "coding\nprogramming\nCoding\nwriting code")
    page.get_by_role("button", name="Save the other words").click()
    page.get_by_text("The other words are saved.").wait_for()
    assert page.get_by_label("Other words for it, in English").input_value() == (
        "coding\nprogramming\nwriting code")
    assert Topic.objects.get(pk=software.pk).synonyms_fr == ["programmation", "développement"]
    assert AuditEntry.objects.filter(action="topic.synonyms").count() == 1

    page.get_by_role("link", name="All topics").click()
    row = page.get_by_role("row").filter(has_text="Software engineering")
    row.get_by_text("coding, programming, writing code").wait_for()
    row.get_by_text("programmation, développement").wait_for()
    screenshot(page, "85-manage-topics-words")
