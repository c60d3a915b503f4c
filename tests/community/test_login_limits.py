"""Failed sign-ins are counted per (account, address) and per address, never per account
alone: nobody can lock a member out, and behind the documented reverse proxy every client
is counted apart (COHORT_TRUSTED_PROXIES)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from tests.community.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 12, 4, 12, 0, 10, tzinfo=UTC)
MEMBER = "198.51.100.20"  # her home
STRANGER = "203.0.113.66"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOON, tick=False):
        yield


def sign_in(email: str, password: str, **address: str) -> tuple[int, bool]:
    """(status, signed in) for one attempt from a fresh browser."""
    client = Client()
    response = client.post("/accounts/login/", {"login": email, "password": password},
                           **address)
    return response.status_code, "_auth_user_id" in client.session


def from_ip(ip: str) -> dict[str, str]:
    return {"REMOTE_ADDR": ip}


def behind_proxy(ip: str) -> dict[str, str]:
    """nginx on the same machine: the peer is 127.0.0.1, the client in X-Forwarded-For."""
    return {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": ip}


def test_a_stranger_s_failures_do_not_lock_the_member_out():
    ana = UserFactory()
    for _ in range(50):
        sign_in(ana.email, "wrong password", **from_ip(STRANGER))
    assert sign_in(ana.email, PASSWORD, **from_ip(MEMBER)) == (302, True)


def test_failures_from_one_address_stop_that_address_on_that_account():
    ana, bea = UserFactory(), UserFactory()
    for _ in range(5):
        assert sign_in(ana.email, "wrong password", **from_ip(STRANGER))[1] is False
    # Even the right password is refused from there for a while...
    assert sign_in(ana.email, PASSWORD, **from_ip(STRANGER)) == (200, False)
    # ...but not for another account from the same address (its own budget is wider),
    assert sign_in(bea.email, PASSWORD, **from_ip(STRANGER)) == (302, True)
    # nor for her from elsewhere.
    assert sign_in(ana.email, PASSWORD, **from_ip(MEMBER)) == (302, True)


def test_an_address_failing_on_many_accounts_is_stopped(settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "8/m/ip"}
    people = [UserFactory() for _ in range(9)]
    for person in people[:8]:
        sign_in(person.email, "wrong password", **from_ip(STRANGER))
    assert sign_in(people[8].email, PASSWORD, **from_ip(STRANGER)) == (200, False)
    assert sign_in(people[8].email, PASSWORD, **from_ip(MEMBER)) == (302, True)


def test_behind_the_proxy_clients_are_counted_apart(settings):
    settings.COHORT_TRUSTED_PROXIES = ["127.0.0.1"]
    ana = UserFactory()
    for _ in range(50):
        sign_in(ana.email, "wrong password", **behind_proxy(STRANGER))
    assert sign_in(ana.email, PASSWORD, **behind_proxy(MEMBER)) == (302, True)
    assert sign_in(ana.email, PASSWORD, **behind_proxy(STRANGER))[1] is False


def test_an_untrusted_peer_cannot_hide_behind_a_forwarded_header(settings):
    settings.COHORT_TRUSTED_PROXIES = ["127.0.0.1"]
    ana = UserFactory()
    for n in range(5):
        sign_in(ana.email, "wrong password", REMOTE_ADDR=STRANGER,
                HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert sign_in(ana.email, PASSWORD, REMOTE_ADDR=STRANGER,
                   HTTP_X_FORWARDED_FOR="192.0.2.99") == (200, False)
