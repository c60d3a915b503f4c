"""The production error pages, rendered as production does (DEBUG off) and looked at in
Chromium at desktop and phone width, with the site's stylesheet."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.browser.conftest import screenshot
from tests.community.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.urls("tests.server.error_urls")]


def test_error_pages_look_like_the_site(live_daphne, browser, settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(name="Mira Member"))
    pages = {
        "404": client.get("/no/such/page/"),
        "403": client.get("/boom/403/"),
        "500": client.get("/boom/500/", headers={"accept-language": "fr"}),
        "400": client.get("/boom/400/"),
    }
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(UserFactory())
    pages["403-csrf"] = strict.post("/profile/edit/", {"name": "x"})
    base = live_daphne.url
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    for name, response in pages.items():
        # The live server serves the stylesheet; the page is the one production renders.
        html = response.content.decode().replace("<head>", f'<head><base href="{base}/">', 1)
        page.goto(f"{base}/static/css/cohort.css")
        page.set_content(html)
        assert page.locator(".error-page h1").is_visible()
        assert page.locator(".site-header").evaluate(
            "h => getComputedStyle(h).backgroundColor") == "rgb(91, 42, 134)"  # the site's
        screenshot(page, f"55-error-{name}")


@pytest.mark.urls("server.urls")
def test_the_429_page_says_when_to_try_again(live_daphne, browser, settings):
    settings.DEBUG = False
    settings.COHORT_RATE_LIMITS = {**settings.COHORT_RATE_LIMITS, "search": (1, 60),
                                   "room.create": (1, 3600)}
    client = Client()
    client.force_login(UserFactory(name="Mira Member"))
    client.get("/search/?q=budget")
    pages = {"en": client.get("/search/?q=budget"),
             "fr": client.get("/search/?q=budget", headers={"accept-language": "fr"})}
    assert all(response.status_code == 429 for response in pages.values())
    base = live_daphne.url
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    for name, response in pages.items():
        html = response.content.decode().replace("<head>", f'<head><base href="{base}/">', 1)
        page.goto(f"{base}/static/css/cohort.css")
        page.set_content(html)
        assert page.locator(".error-page h1").is_visible()
        assert "Retry-After" in response.headers
        screenshot(page, f"56-error-429-{name}")
