"""Over the whole schema, so that an operation added later is held to it too: a token's
scopes and its revocation hold on every operation of the API (the scope check is
settings.REST_FRAMEWORK's `community.api_auth.TokenScopes`; docs/api.md)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from community import tokens
from tests.api.conftest import errors
from tests.api.test_schema import generated
from tests.community.factories import AdminFactory, UserFactory

pytestmark = pytest.mark.django_db


def operations() -> list[tuple[str, str]]:
    return [(method, re.sub(r"\{[a-z_]+\}", "1", path))
            for path, methods in generated()["paths"].items() for method in methods]


def call(method: str, url: str, raw: str, address: str = "127.0.0.1") -> object:
    return getattr(Client(), method)(url, data={} if method != "get" else None,
                                     content_type="application/json",
                                     HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR=address)


def test_a_read_token_changes_nothing_anywhere():
    """Every operation that changes something refuses a token without `write` (403), before
    it reads the request: the same answer whatever the body or the path's ids."""
    admin = AdminFactory()
    _token, raw = tokens.token_create(user=admin, name="reports", scopes=["read"])
    unsafe = [(method, url) for method, url in operations() if method != "get"]
    assert len(unsafe) > 20  # the sweep covers the API, not a corner of it
    for method, url in unsafe:
        answer = call(method, url, raw)
        assert answer.status_code == 403, (method, url, answer.content[:200])


def test_a_revoked_token_opens_nothing():
    member = UserFactory()
    token, raw = tokens.token_create(user=member, name="bot", scopes=["write"])
    tokens.token_revoke(actor=member, token=token)
    for n, (method, url) in enumerate(operations()):
        # An address of its own for each call: past 20 bad tokens an address is refused
        # with 429 (`token.failed`, tested in tests/community/test_tokens.py).
        answer = call(method, url, raw, address=f"10.{n // 250}.{n % 250}.1")
        assert answer.status_code == 401, (method, url)
        assert errors(answer) == [(None, "invalid_token")]


def test_admin_operations_need_the_admin_scope_and_an_admin():
    admin, member = AdminFactory(), UserFactory()
    _t, plain = tokens.token_create(user=admin, name="plain", scopes=["read"])
    _t, scoped = tokens.token_create(user=admin, name="admin", scopes=["read", "admin"])
    _t, members = tokens.token_create(user=member, name="member", scopes=["read"])
    admin_paths = [url for method, url in operations()
                   if method == "get" and url.startswith("/api/v1/admin/")]
    assert admin_paths
    for url in admin_paths:
        assert call("get", url, plain).status_code == 403, url
        assert call("get", url, members).status_code == 403, url
        assert call("get", url, scoped).status_code == 200, url
