"""Signed-in pages and JSON answers are never kept by a browser or a proxy
(server.caching): `Cache-Control: private, no-store`, over every URL pattern."""

from __future__ import annotations

import re

import pytest
from django.http import HttpResponse, JsonResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from server.caching import cache_rule
from tests.community.factories import AdminFactory, UserFactory

pytestmark = pytest.mark.django_db

_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
_FILLERS = {"int": "1", "str": "x", "slug": "x", "path": "x",
            "uuid": "00000000-0000-0000-0000-000000000000"}


def _routes(patterns: list, prefix: str = "") -> list[str]:
    found: list[str] = []
    for pattern in patterns:
        text = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found += _routes(list(pattern.url_patterns), text)
        elif isinstance(pattern, URLPattern):
            found.append(text)
    return found


def _url(route: str) -> str | None:
    if route.startswith("^") or "(?P" in route:  # the admin's regular expressions
        route = re.sub(r"\(\?P<\w+>[^)]*\)", "1", route).lstrip("^").rstrip("$").replace("\\", "")
        if any(c in route for c in "()[]*+?"):
            return None
    return "/" + _CONVERTER.sub(lambda m: _FILLERS.get(m.group(1) or "str", "x"), route)


ROUTES = sorted({url for url in map(_url, _routes(get_resolver().url_patterns)) if url})


def _private(response) -> bool:
    rule = response.get("Cache-Control", "")
    kind = response.get("Content-Type", "")
    if "private" in rule and "no-store" in rule:
        return True
    # A file she alone may keep a few minutes (photo, preview): never a page, never JSON.
    return "private" in rule and not kind.startswith(("text/html", "application/json"))


def test_every_route_is_listed():
    assert len(ROUTES) > 60 and "/people/" in ROUTES and "/admin/" in ROUTES


@pytest.mark.parametrize("url", ROUTES)
def test_every_signed_in_answer_is_private_and_not_stored(url):
    client = Client(raise_request_exception=False)
    client.force_login(AdminFactory())
    response = client.get(url)
    assert _private(response), (url, response.status_code, response.get("Cache-Control"))


@pytest.mark.parametrize("name", ["home", "people", "profile_edit", "search"])
def test_her_pages_are_not_stored(client, name):
    client.force_login(UserFactory())
    response = client.get(reverse(name))
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"


def test_a_json_answer_to_a_signed_out_visitor_is_not_stored():
    response = Client().get("/api/v1/rooms")
    assert response.status_code == 401 and response["Cache-Control"] == "private, no-store"


def test_the_sign_in_page_may_be_kept_but_is_asked_again():
    response = Client().get(reverse("account_login"))
    assert response.status_code == 200 and "no-cache" in response["Cache-Control"]


def test_static_files_keep_their_own_rule(settings):
    response = Client().get("/static/css/cohort.css")
    assert "no-store" not in response.get("Cache-Control", "")


class TestRule:
    def test_a_signed_in_page(self):
        assert cache_rule(signed_in=True, response=HttpResponse("x")) == "private, no-store"

    def test_json_whoever_asks(self):
        assert cache_rule(signed_in=False, response=JsonResponse({})) == "private, no-store"

    def test_a_page_marked_private_for_minutes_is_still_not_stored(self):
        response = HttpResponse("x")
        response["Cache-Control"] = "private, max-age=300"
        assert cache_rule(signed_in=True, response=response) == "private, no-store"

    def test_her_photo_keeps_its_minutes(self):
        response = HttpResponse(b"x", content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=300"
        assert cache_rule(signed_in=True, response=response) is None

    def test_a_public_file_is_made_private_when_signed_in(self):
        response = HttpResponse(b"x", content_type="image/jpeg")
        response["Cache-Control"] = "public, max-age=300"
        assert cache_rule(signed_in=True, response=response) == "private, no-store"
