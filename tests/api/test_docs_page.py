"""The API's page of operations (/api/v1/docs/) in a real browser: it shows under the
site's strict Content-Security-Policy with nothing refused, and axe-core finds no
accessibility violation, signed in or out."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import browser, live_daphne, screenshot  # noqa: F401  # fixtures
from tests.browser.test_community_walk import sign_in
from tests.community.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.markup]


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_page_of_operations_is_whole_and_accessible(live_daphne, browser,  # noqa: F811
                                                      signed_in):
    base = live_daphne.url
    UserFactory(email="ana@example.org", name="Ana")
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if message.type == "error" else None)
    if signed_in:
        sign_in(page, base, "ana@example.org")
    page.goto(f"{base}/api/v1/docs/")
    rows = page.locator("table.api-operations tbody tr")
    assert rows.count() >= 18
    assert page.get_by_role("link", name="/api/v1/schema/").count() == 1
    violations = Axe().run(page).response["violations"]
    screenshot(page, f"api-docs-{'member' if signed_in else 'visitor'}")
    assert not violations, [v["id"] for v in violations]
    assert refused == []
