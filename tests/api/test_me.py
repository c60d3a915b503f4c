"""GET /api/v1/me, and what every resource shares: who may call, and how errors read."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import errors
from tests.community.factories import AdminFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_she_reads_who_she_is(api):
    ana = UserFactory(name="Ana")
    answer = api(ana).get("me")
    assert answer.status_code == 200
    assert answer.json() == {"id": ana.pk, "name": "Ana", "email": ana.email,
                             "role": "member", "is_mentor": False, "is_admin": False}
    assert api(AdminFactory()).get("me").json()["is_admin"] is True


def test_signed_out_is_401_asking_for_a_session(api):
    answer = api(None).get("me")
    assert answer.status_code == 401 and answer["WWW-Authenticate"] == "Session"
    assert errors(answer) == [(None, "not_authenticated")]


def test_a_deactivated_member_is_signed_out(api):
    ana = UserFactory()
    client = api(ana)
    ana.is_active = False
    ana.save()
    assert client.get("me").status_code == 401


def test_an_unknown_query_parameter_is_a_400_naming_it(api):
    answer = api(UserFactory()).get("me", {"fields": "name"})
    assert answer.status_code == 400 and errors(answer) == [("fields", "unknown")]


def test_a_method_not_offered_is_405_in_the_envelope(api):
    answer = api(UserFactory()).delete("me")
    assert answer.status_code == 405 and errors(answer) == [(None, "method_not_allowed")]


def test_an_unknown_path_is_a_json_404(api):
    answer = api(UserFactory()).get("nothing/here")
    assert answer.status_code == 404 and errors(answer) == [(None, "not_found")]


def test_only_json_is_read_and_written(api):
    client = api(UserFactory())
    answer = client.client.get("/api/v1/me", headers={"Accept": "text/html"})
    assert answer.status_code == 406 and errors(answer) == [(None, "not_acceptable")]
    form = client.client.post("/api/v1/notifications/read", {"ids": "1"},
                              headers={"X-CSRFToken": client.csrf})
    assert form.status_code == 415 and errors(form) == [(None, "unsupported_media_type")]


@pytest.mark.parametrize(("old", "new"), [
    ("/api/me", "/api/v1/me"), ("/api/rooms/", "/api/v1/rooms"),
    ("/api/rooms/unread", "/api/v1/rooms/unread"),
    ("/api/rooms/7/messages", "/api/v1/rooms/7/messages"),
    ("/api/rooms/7/members", "/api/v1/rooms/7/members"),
    ("/api/notifications", "/api/v1/notifications"),
    ("/api/notifications/read", "/api/v1/notifications/read"),
])
def test_the_paths_before_v1_are_gone_and_say_where_to(api, old, new):
    answer = api(UserFactory()).client.get(old)
    assert answer.status_code == 410 and answer.json()["moved_to"] == new
    assert answer["Link"] == f'<{new}>; rel="successor-version"'


def test_every_operation_answers_401_to_a_signed_out_caller(api):
    """Over the whole schema, so that an operation added later is held to it too."""
    from tests.api.test_schema import generated

    client = api(None)
    for path, operations in generated()["paths"].items():
        for method in operations:
            url = re.sub(r"\{[a-z_]+\}", "1", path.removeprefix("/api/v1/"))
            answer = (client.get(url) if method == "get"
                      else client.send(method, url, {}))
            assert answer.status_code == 401, (method, path)
            assert errors(answer) == [(None, "not_authenticated")]
