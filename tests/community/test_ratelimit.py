"""The limiter (community.ratelimit): windows on a frozen clock, counts shared by threads
and processes, and which address a request or a socket comes from."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.test import RequestFactory, override_settings

from community.ratelimit import (
    RateLimited,
    client_ip,
    ip_key,
    limit_member,
    login_allowed,
    login_failed,
    ratelimit_hit,
    ratelimit_used,
)

# 12:00:10 UTC: 50 seconds left in its minute.
NOON = datetime(2026, 12, 4, 12, 0, 10, tzinfo=UTC)


class Member:
    def __init__(self, pk: int) -> None:
        self.pk = pk


class TestWindows:
    def test_the_use_past_the_limit_is_refused_with_the_wait_left(self):
        with time_machine.travel(NOON, tick=False):
            for _ in range(3):
                ratelimit_hit("k", limit=3, per_seconds=60)
            with pytest.raises(RateLimited) as refused:
                ratelimit_hit("k", limit=3, per_seconds=60)
        assert refused.value.retry_after == pytest.approx(50)
        assert "50 seconds" in str(refused.value)

    def test_the_next_window_starts_from_nothing(self):
        with time_machine.travel(NOON, tick=False) as clock:
            for _ in range(3):
                ratelimit_hit("k", limit=3, per_seconds=60)
            clock.shift(50)  # 12:01:00
            ratelimit_hit("k", limit=3, per_seconds=60)
            assert ratelimit_used("k", per_seconds=60) == 1

    def test_each_member_has_her_own_count(self):
        with override_settings(COHORT_RATE_LIMITS={**settings.COHORT_RATE_LIMITS,
                                                   "search": (2, 60)}), \
                time_machine.travel(NOON, tick=False):
            ana, bea = Member(1), Member(2)
            limit_member("search", ana)
            limit_member("search", ana)
            with pytest.raises(RateLimited):
                limit_member("search", ana)
            limit_member("search", bea)  # Bea is not held back by Ana

    def test_failed_sign_ins_count_per_account_and_address(self):
        with time_machine.travel(NOON, tick=False):
            for _ in range(settings.COHORT_RATE_LIMITS["login.failed"][0]):
                login_failed(account="Ana@example.org", ip="198.51.100.7")
            assert not login_allowed(account="ana@example.org", ip="198.51.100.7")
            assert login_allowed(account="ana@example.org", ip="203.0.113.5")
            assert login_allowed(account="bea@example.org", ip="198.51.100.7")


class TestShared:
    """Every thread and process counts in the same place: never more uses than the limit."""

    @pytest.mark.redis
    def test_threads_racing_get_exactly_the_limit(self):
        allowed: list[int] = []
        lock = threading.Lock()

        def hit() -> None:
            for _ in range(25):
                try:
                    ratelimit_hit("race", limit=100, per_seconds=3600)
                except RateLimited:
                    continue
                with lock:
                    allowed.append(1)

        with time_machine.travel(NOON, tick=False):
            threads = [threading.Thread(target=hit) for _ in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        assert len(allowed) == 100

    @pytest.mark.redis
    def test_another_process_uses_the_same_count(self):
        """A second server process (same settings, same Redis) sees this one's uses."""
        with time_machine.travel(NOON, tick=False):
            for _ in range(7):
                ratelimit_hit("two-processes", limit=10, per_seconds=86400)
        script = (
            "import django, time_machine, datetime\n"
            "django.setup()\n"
            "from community.ratelimit import RateLimited, ratelimit_hit\n"
            "ok = 0\n"
            f"with time_machine.travel(datetime.datetime.fromisoformat('{NOON.isoformat()}'),"
            " tick=False):\n"
            "    for _ in range(10):\n"
            "        try:\n"
            "            ratelimit_hit('two-processes', limit=10, per_seconds=86400)\n"
            "            ok += 1\n"
            "        except RateLimited:\n"
            "            pass\n"
            "print(ok)\n")
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="server.settings_test")
        done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                              text=True, timeout=60, check=True,
                              cwd=Path(__file__).resolve().parents[2])
        assert done.stdout.strip().splitlines()[-1] == "3"


def _request(peer: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def _scope(peer: str, forwarded: str | None = None) -> dict:
    headers = [(b"host", b"cohort.example")]
    if forwarded is not None:
        headers.append((b"x-forwarded-for", forwarded.encode()))
    return {"type": "websocket", "client": [peer, 50000], "headers": headers}


@pytest.mark.parametrize("source", [_request, _scope], ids=["http", "socket"])
class TestClientAddress:
    def test_without_trusted_proxies_the_header_is_ignored(self, source):
        with override_settings(COHORT_TRUSTED_PROXIES=[]):
            assert client_ip(source("127.0.0.1", "203.0.113.5")) == "127.0.0.1"

    def test_behind_a_trusted_proxy_the_forwarded_address_counts(self, source):
        with override_settings(COHORT_TRUSTED_PROXIES=["127.0.0.1"]):
            assert client_ip(source("127.0.0.1", "203.0.113.5")) == "203.0.113.5"
            assert client_ip(source("127.0.0.1", "198.51.100.7")) == "198.51.100.7"

    def test_an_untrusted_peer_s_header_is_ignored(self, source):
        with override_settings(COHORT_TRUSTED_PROXIES=["127.0.0.1"]):
            assert client_ip(source("198.51.100.7", "203.0.113.5")) == "198.51.100.7"

    def test_the_right_most_untrusted_address_is_the_client(self, source):
        """What the client wrote herself (left) is not believed; the proxies' hops are
        walked from the right."""
        with override_settings(COHORT_TRUSTED_PROXIES=["127.0.0.1", "10.0.0.0/8"]):
            chain = "1.2.3.4, 203.0.113.5, 10.1.2.3"
            assert client_ip(source("127.0.0.1", chain)) == "203.0.113.5"
            assert client_ip(source("127.0.0.1", "not-an-address, 10.1.2.3")) == "10.1.2.3"
            assert client_ip(source("127.0.0.1")) == "127.0.0.1"


def test_an_ipv6_subscriber_counts_as_one_address():
    assert ip_key("2001:db8:1:2::5") == ip_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::"
    assert ip_key("203.0.113.5") == "203.0.113.5"


def test_limits_are_changed_from_the_environment():
    from django.core.exceptions import ImproperlyConfigured

    from server.settings import rate_limits

    limits = rate_limits("search=60/60, room.create=5/3600")
    assert limits["search"] == (60, 60) and limits["room.create"] == (5, 3600)
    assert limits["chat.edit"] == rate_limits("")["chat.edit"]
    for wrong in ("serch=1/60", "search=1", "search=a/60", "search=1/0"):
        with pytest.raises(ImproperlyConfigured):
            rate_limits(wrong)


@pytest.mark.django_db
def test_invitations_past_the_limit_are_reported_rows_of_a_csv_import(settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from community import services
    from community.models import Invitation
    from tests.community.factories import AdminFactory

    settings.COHORT_RATE_LIMITS = {**settings.COHORT_RATE_LIMITS, "invitation.create": (2, 86400)}
    rows = "name,email\n" + "".join(f"P{n},p{n}@example.org\n" for n in range(4))
    with time_machine.travel(NOON, tick=False):
        report = services.invitation_import_csv(
            admin=AdminFactory(), upload=SimpleUploadedFile("people.csv", rows.encode()))
    assert [i.email for i in report.invited] == ["p0@example.org", "p1@example.org"]
    assert [(email, "Too many requests" in why) for _line, email, why in report.rejected] == [
        ("p2@example.org", True), ("p3@example.org", True)]
    assert Invitation.objects.count() == 2
