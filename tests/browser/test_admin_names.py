"""The Django admin names Cohort's models as people say them (through gettext)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_community_walk import sign_in
from tests.community.factories import AdminFactory

pytestmark = pytest.mark.browser


def test_admin_index_names_the_models(live_daphne, browser):
    base = live_daphne.url
    AdminFactory(email="ada@example.org", name="Ada Admin")
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, base, "ada@example.org")
    page.goto(f"{base}/admin/")
    for name in ("Members", "Mentor applications", "Sign-up domains", "Audit entries",
                 "Mentorships", "Rooms"):
        page.get_by_role("link", name=name, exact=True).first.wait_for()
    screenshot(page, "57-admin-index")
