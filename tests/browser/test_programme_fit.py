"""The programme team sees whether the pairs that ended as not a good fit would still be
recommended today, and goes to tune the weights from there."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_community_walk import sign_in
from tests.community.factories import AdminFactory
from tests.mentoring.factories import pair_ended as pair

pytestmark = pytest.mark.browser


@pytest.fixture
def pairs(live_daphne):
    """Built before Playwright's event loop starts: accepting a mentorship rings sockets."""
    pair(city=True)
    pair()
    pair(city=True, outcome="goals_met")
    pair(city=True, outcome="not_a_fit")
    pair(city=True, outcome="not_a_fit")
    AdminFactory(email="ada@example.org", name="Ada Admin")


def test_fit_of_pairs_by_outcome_and_the_way_to_the_weights(live_daphne, pairs, browser):
    base = live_daphne.url

    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, base, "ada@example.org")
    page.goto(f"{base}/manage/programme/#fit")
    page.get_by_role("heading", name="Fit of pairs, by how they turned out").wait_for()
    table = page.locator("table.fit")
    assert table.get_by_role("columnheader").all_inner_texts() == [
        "Continuing", "Ended: goals met", "Ended: not a good fit"]
    page.get_by_text(
        "Pairs that ended as not a good fit score as high as continuing ones").wait_for()
    screenshot(page, "86-programme-fit")
    page.get_by_role("link", name="Tune the matching weights").click()
    page.get_by_role("heading", name="Matching", level=1).wait_for()
