"""Production error pages (DEBUG off): the site's look, the reader's language, no detail
of what failed; 400, CSRF failure and 500 render without the request's context."""

from __future__ import annotations

import pytest
from django.template import loader
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.community.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.server.error_urls")]


@pytest.fixture(autouse=True)
def production(settings):
    settings.DEBUG = False
    settings.SITE_NAME = "Women in Tech Montréal"


@pytest.fixture
def member_client():
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(name="Mira Member"))
    return client


def _page(response) -> str:
    return response.content.decode()


def test_404_in_the_site_look_with_her_navigation(member_client):
    response = member_client.get("/no/such/page/")
    page = _page(response)
    assert response.status_code == 404
    assert "We cannot find this page" in page and 'class="site-header"' in page
    assert "Women in Tech Montréal" in page and "css/cohort.css" in page
    assert "My profile" in page  # her navigation is there
    assert "Traceback" not in page


def test_403_in_the_site_look(member_client):
    response = member_client.get("/boom/403/")
    assert response.status_code == 403
    assert "You cannot do this here" in _page(response)
    assert 'class="site-header"' in _page(response)


def test_500_says_sorry_and_nothing_of_the_error(member_client):
    response = member_client.get("/boom/500/")
    page = _page(response)
    assert response.status_code == 500
    assert "Something went wrong on our side" in page and "Women in Tech Montréal" in page
    assert "boom" not in page and "RuntimeError" not in page and "Mira" not in page


def test_400_in_the_site_look():
    response = Client(raise_request_exception=False).get("/boom/400/")
    assert response.status_code == 400
    assert "We could not understand this request" in _page(response)
    assert "css/cohort.css" in _page(response)


def test_csrf_failure_says_what_to_do(member_client):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(UserFactory())
    response = strict.post(reverse("profile_edit"), {"name": "x"})
    page = _page(response)
    assert response.status_code == 403
    assert "Your form has expired" in page and "reload the page" in page
    assert "CSRF token" not in page  # Django's technical reason stays in the log


@pytest.mark.parametrize("url,status", [
    ("/no/such/page/", 404), ("/boom/403/", 403), ("/boom/500/", 500), ("/boom/400/", 400)])
def test_error_pages_are_in_the_readers_language(member_client, url, status):
    response = member_client.get(url, headers={"accept-language": "fr"})
    assert response.status_code == status
    assert '<html lang="fr">' in _page(response)


def test_the_500_and_400_templates_render_with_no_context_at_all():
    for name in ("500.html", "400.html", "403_csrf.html"):
        with translation.override("fr"):
            html = loader.get_template(name).render()
        assert '<html lang="fr">' in html and "Cohort" in html
