"""Webhooks against a real receiver on loopback: signed requests a receiver can verify,
retries with backoff, timeouts, final answers, pausing, replay, the bounded queue, the
address rules (with private addresses refused, and allowed for the receiver), and who may
see the pages."""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from community.models import Webhook, WebhookDelivery
from community.webhooks import addresses, services
from tests.community.factories import AdminFactory, BlockFactory, UserFactory

Status = WebhookDelivery.Status
TOLERANCE = 300  # seconds: the receiver's replay window, as docs/api.md advises


def verify(secret: str, headers: dict[str, str], body: bytes, now: float | None = None) -> bool:
    """The receiver's check, as docs/api.md writes it."""
    try:
        parts = dict(item.split("=", 1) for item in headers["Cohort-Signature"].split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > TOLERANCE:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body,
                        hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts.get("v1", ""))


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A receiver on 127.0.0.1: answers each request with the next of `answers` (then
    200), "hang" to wait without answering until the test ends; keeps what it got."""

    url: str
    got: queue.Queue[Received]
    answers: list[Any] = field(default_factory=list)  # 500, (429, {headers}), "hang", "drip"
    release: threading.Event = field(default_factory=threading.Event)

    def all(self) -> list[Received]:
        items = []
        while not self.got.empty():
            items.append(self.got.get_nowait())
        return items


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    got: queue.Queue[Received] = queue.Queue(maxsize=1000)
    state: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            got.put(Received(self.path, dict(self.headers.items()), body))
            me = state["receiver"]
            answer = me.answers.pop(0) if me.answers else 200
            if answer == "hang":
                me.release.wait(30)
                return
            if answer == "drip":  # a byte every 0.3 s, never the end of the headers
                for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"y" * 200:
                    if me.release.wait(0.3):
                        return
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                return
            extra: dict[str, str] = {}
            if isinstance(answer, tuple):
                answer, extra = answer
            self.send_response(int(answer))
            for name, value in extra.items():
                self.send_header(name, value)
            payload = b'{"ok": true}' + b"x" * 3000
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    me = Receiver(url=f"http://127.0.0.1:{server.server_port}/hook", got=got)
    state["receiver"] = me
    try:
        yield me
    finally:
        me.release.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def loopback(settings: Any) -> Any:
    settings.COHORT_WEBHOOKS_ALLOW_PRIVATE = True
    settings.COHORT_WEBHOOKS_ALLOW_HTTP = True
    return settings


def hook_for(admin: Any, url: str, events: list[str]) -> tuple[Webhook, str]:
    return services.webhook_create(admin=admin, url=url, description="HR", events=events)


# --- Signature ----------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_receiver_verifies_the_signature_and_refuses_a_tampered_or_old_request(
        loopback, receiver, django_capture_on_commit_callbacks):
    admin = AdminFactory()
    hook, secret = hook_for(admin, receiver.url, ["member.joined"])
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.webhook_test(admin=admin, webhook=hook)
    got = receiver.got.get(timeout=5)
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["Cohort-Event-Type"] == "ping"
    assert got.headers["Cohort-Event-Id"] == str(delivery.event_id) == got.json["id"]
    assert got.headers["Cohort-Signature"].startswith(f"t={got.headers['Cohort-Timestamp']},v1=")
    assert verify(secret, got.headers, got.body)
    assert not verify(secret, got.headers, got.body.replace(b"ping", b"pong"))
    assert not verify("whsec_another", got.headers, got.body)
    assert not verify(secret, got.headers, got.body, now=time.time() + TOLERANCE + 5)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (Status.DELIVERED,
                                                                            1, 200)
    assert len(delivery.response_excerpt) == 1024  # only the first KiB of the answer is kept


@pytest.mark.django_db
def test_a_new_secret_signs_from_then_on(loopback, receiver, django_capture_on_commit_callbacks):
    admin = AdminFactory()
    hook, old = hook_for(admin, receiver.url, ["member.joined"])
    new = services.webhook_secret_rotate(admin=admin, webhook=hook)
    hook.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.webhook_test(admin=admin, webhook=hook)
    got = receiver.got.get(timeout=5)
    assert new != old and verify(new, got.headers, got.body)
    assert not verify(old, got.headers, got.body)


# --- Retries, timeouts, final answers, pausing --------------------------------------------

@pytest.mark.django_db
def test_a_500_is_tried_again_by_the_sweep_after_its_backoff(
        loopback, receiver, django_capture_on_commit_callbacks):
    admin = AdminFactory()
    hook, _secret = hook_for(admin, receiver.url, ["member.joined"])
    receiver.answers = [500]
    with time_machine.travel(timezone.now(), tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            delivery = services.webhook_test(admin=admin, webhook=hook)
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.response_code) == (
            Status.RETRYING, 1, 500)
        wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
        assert 60 <= wait <= 72  # the first backoff, with up to a fifth of jitter
        call_command("webhooks_sweep")  # not due yet: nothing is sent
        clock.shift(timedelta(seconds=73))
        call_command("webhooks_sweep")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (
        Status.DELIVERED, 2, 200)
    first, second = receiver.all()
    assert first.headers["Cohort-Event-Id"] == second.headers["Cohort-Event-Id"]


def test_the_backoff_grows_with_jitter():
    waits = [services.backoff(n).total_seconds() for n in range(1, 9)]
    for wait, base in zip(waits, (60, 300, 1800, 7200, 21600, 43200, 43200, 43200),
                          strict=True):
        assert base <= wait <= base * 1.2


@pytest.mark.django_db
def test_a_hanging_receiver_times_out_within_the_limit(
        loopback, receiver, django_capture_on_commit_callbacks):
    loopback.COHORT_WEBHOOKS_READ_TIMEOUT = 1.0
    admin = AdminFactory()
    hook, _secret = hook_for(admin, receiver.url, ["member.joined"])
    receiver.answers = ["hang"]
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.webhook_test(admin=admin, webhook=hook)
    assert time.monotonic() - started < 3
    delivery.refresh_from_db()
    assert delivery.status == Status.RETRYING
    assert "timed out" in delivery.error and delivery.response_code is None


@pytest.mark.django_db
def test_a_receiver_answering_a_byte_at_a_time_is_cut_off(
        loopback, receiver, django_capture_on_commit_callbacks):
    """Each read is quick, yet the whole attempt lasts at most connect + read timeouts."""
    loopback.COHORT_WEBHOOKS_CONNECT_TIMEOUT = 1.0
    loopback.COHORT_WEBHOOKS_READ_TIMEOUT = 1.0
    admin = AdminFactory()
    hook, _secret = hook_for(admin, receiver.url, ["member.joined"])
    receiver.answers = ["drip"]
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.webhook_test(admin=admin, webhook=hook)
    assert time.monotonic() - started < 4
    delivery.refresh_from_db()
    assert delivery.status == Status.RETRYING
    assert delivery.error == "timed out: the attempt took more than 2 s"


@pytest.mark.django_db
@pytest.mark.parametrize("code", [400, 410, 301])
def test_a_4xx_or_a_redirect_is_final(loopback, receiver, code,
                                      django_capture_on_commit_callbacks):
    admin = AdminFactory()
    hook, _secret = hook_for(admin, receiver.url, ["member.joined"])
    receiver.answers = [code]
    with time_machine.travel(timezone.now(), tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            delivery = services.webhook_test(admin=admin, webhook=hook)
        clock.shift(timedelta(days=1))
        call_command("webhooks_sweep")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (
        Status.FAILED, 1, code)
    assert len(receiver.all()) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("code", [408, 429, 503])
def test_408_429_and_5xx_are_tried_again(loopback, receiver, code,
                                         django_capture_on_commit_callbacks):
    admin = AdminFactory()
    hook, _secret = hook_for(admin, receiver.url, ["member.joined"])
    receiver.answers = [code]
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.webhook_test(admin=admin, webhook=hook)
    delivery.refresh_from_db()
    assert delivery.status == Status.RETRYING


@pytest.mark.django_db
def test_a_retry_after_longer_than_the_backoff_is_followed(
        loopback, receiver, django_capture_on_commit_callbacks):
    admin = AdminFactory()
    hook, _secret = hook_for(admin, receiver.url, ["member.joined"])
    receiver.answers = [(429, {"Retry-After": "900"})]
    with time_machine.travel(timezone.now(), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            delivery = services.webhook_test(admin=admin, webhook=hook)
        delivery.refresh_from_db()
        assert (delivery.next_attempt_at - timezone.now()).total_seconds() == 900


@pytest.mark.django_db
def test_a_hook_failing_for_24_hours_is_paused_and_the_admins_are_told(
        loopback, receiver, mailoutbox, django_capture_on_commit_callbacks):
    admin = AdminFactory(email="ada@example.org")
    UserFactory(email="member@example.org")
    hook, _secret = hook_for(admin, receiver.url, ["member.joined"])
    receiver.answers = [503] * 50
    with time_machine.travel(timezone.now(), tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            services.webhook_test(admin=admin, webhook=hook)
        for _hour in range(26):
            clock.shift(timedelta(hours=1))
            with django_capture_on_commit_callbacks(execute=True):
                call_command("webhooks_sweep")
        hook.refresh_from_db()
        assert hook.paused_at is not None
        tried = len(receiver.all())
        assert 3 <= tried <= 7  # 1 min, 5 min, 30 min, 2 h, 6 h, 12 h
        # Paused: nothing more is sent, however long it waits.
        clock.shift(timedelta(days=2))
        call_command("webhooks_sweep")
        assert receiver.all() == []
    assert [m.to for m in mailoutbox] == [["ada@example.org"]]
    assert "paused" in mailoutbox[0].subject and receiver.url in mailoutbox[0].body
    # Resumed, the waiting delivery goes at the next sweep.
    receiver.answers = []
    services.webhook_resume(admin=admin, webhook=hook)
    call_command("webhooks_sweep")
    assert [r.headers["Cohort-Event-Type"] for r in receiver.all()] == ["ping"]


@pytest.mark.django_db
def test_replay_sends_the_event_again_as_a_new_attempt(
        loopback, receiver, django_capture_on_commit_callbacks):
    admin = AdminFactory()
    hook, _secret = hook_for(admin, receiver.url, ["member.joined"])
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.webhook_test(admin=admin, webhook=hook)
    delivery.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        again = services.delivery_replay(admin=admin, delivery=delivery)
    again.refresh_from_db()
    assert again.pk != delivery.pk and again.replay_of_id == delivery.pk
    assert (again.status, again.attempts, again.body) == (Status.DELIVERED, 1, delivery.body)
    first, second = receiver.all()
    assert first.body == second.body
    assert first.headers["Cohort-Event-Id"] == second.headers["Cohort-Event-Id"]


@pytest.mark.django_db
def test_a_delivery_still_being_tried_cannot_be_replayed(loopback, receiver,
                                                         django_capture_on_commit_callbacks):
    admin = AdminFactory()
    hook, _secret = hook_for(admin, receiver.url, ["member.joined"])
    receiver.answers = [503]
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.webhook_test(admin=admin, webhook=hook)
    delivery.refresh_from_db()
    with pytest.raises(ValidationError):
        services.delivery_replay(admin=admin, delivery=delivery)
    assert hook.deliveries.count() == 1


@pytest.mark.django_db
def test_the_waiting_queue_is_bounded_oldest_kept(loopback, receiver,
                                                  django_capture_on_commit_callbacks):
    loopback.COHORT_WEBHOOKS_PENDING_MAX = 2
    admin = AdminFactory()
    hook, _secret = hook_for(admin, receiver.url, ["member.joined"])
    receiver.answers = [503] * 10
    with django_capture_on_commit_callbacks(execute=True):
        made = [services.webhook_test(admin=admin, webhook=hook) for _n in range(3)]
    statuses = [WebhookDelivery.objects.get(pk=d.pk).status for d in made]
    assert statuses == [Status.RETRYING, Status.RETRYING, Status.DROPPED]
    hook.refresh_from_db()
    assert hook.dropped == 1
    assert len(receiver.all()) == 2


@pytest.mark.django_db
def test_the_sweep_prunes_old_finished_deliveries(loopback, receiver, settings,
                                                  django_capture_on_commit_callbacks):
    settings.COHORT_WEBHOOKS_KEEP_DAYS = 30
    admin = AdminFactory()
    hook, _secret = hook_for(admin, receiver.url, ["member.joined"])
    with django_capture_on_commit_callbacks(execute=True):
        old = services.webhook_test(admin=admin, webhook=hook)
    WebhookDelivery.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=31))
    with django_capture_on_commit_callbacks(execute=True):
        recent = services.webhook_test(admin=admin, webhook=hook)
    call_command("webhooks_sweep")
    assert list(hook.deliveries.values_list("pk", flat=True)) == [recent.pk]


# --- Addresses ----------------------------------------------------------------------------

INSIDE = [
    "http://127.0.0.1/", "http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/", "http://localhost/", "http://2130706433/", "http://0177.0.0.1/",
    "http://0x7f.1/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:a9fe:a9fe]/",
    "http://100.64.0.1/", "http://[fd00::1]/", "http://[fe80::1]/", "http://224.0.0.1/",
    "http://0.0.0.0/", "http://192.168.1.20:8080/", "http://240.0.0.1/",
    "http://[2002:7f00:1::1]/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", INSIDE)
def test_an_address_inside_is_refused_at_registration(settings, url):
    settings.COHORT_WEBHOOKS_ALLOW_PRIVATE = False
    settings.COHORT_WEBHOOKS_ALLOW_HTTP = True
    with pytest.raises(ValidationError) as refused:
        hook_for(AdminFactory(), url, ["member.joined"])
    assert "an address inside a private network" in refused.value.message_dict["url"][0]
    assert not Webhook.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "why"), [
    ("http://hooks.example.org/", "must start with https://"),
    ("ftp://hooks.example.org/", "must start with https://"),
    ("https://user:pw@hooks.example.org/", "user name or password"),
    ("https:///path", "no host name"),
    ("https://a b.example.org/", "spaces"),
    ("https://does-not-exist.invalid/", "could not be resolved"),
])
def test_other_bad_addresses_say_why(settings, url, why):
    settings.COHORT_WEBHOOKS_ALLOW_PRIVATE = False
    settings.COHORT_WEBHOOKS_ALLOW_HTTP = False
    with pytest.raises(ValidationError) as refused:
        hook_for(AdminFactory(), url, ["member.joined"])
    assert why in refused.value.message_dict["url"][0]


@pytest.mark.django_db
def test_an_address_inside_is_refused_at_delivery_and_not_tried_again(
        loopback, receiver, django_capture_on_commit_callbacks):
    admin = AdminFactory()
    hook, _secret = hook_for(admin, receiver.url, ["member.joined"])  # allowed then
    loopback.COHORT_WEBHOOKS_ALLOW_PRIVATE = False  # ... and no longer
    with time_machine.travel(timezone.now(), tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            delivery = services.webhook_test(admin=admin, webhook=hook)
        clock.shift(timedelta(hours=3))
        call_command("webhooks_sweep")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.FAILED, 1)
    assert "private network" in delivery.error
    assert receiver.all() == []


@pytest.mark.django_db
def test_the_connection_goes_to_the_address_checked(loopback, receiver, monkeypatch,
                                                    django_capture_on_commit_callbacks):
    """The name is resolved once, checked, and the request connects to that address with
    the name in the Host header: a second lookup (a DNS rebinding) is never made."""
    port = int(receiver.url.rsplit(":", 1)[1].split("/")[0])
    lookups: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(host: str, *args: Any, **kwargs: Any) -> list[Any]:
        if host == "127.0.0.1":  # the connection to the checked address
            return real(host, *args, **kwargs)
        lookups.append(host)
        if host != "hooks.example.test":
            raise OSError("unexpected lookup")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    admin = AdminFactory()
    hook, _secret = hook_for(admin, receiver.url, ["member.joined"])
    Webhook.objects.filter(pk=hook.pk).update(url=f"http://hooks.example.test:{port}/in")
    hook.refresh_from_db()
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.webhook_test(admin=admin, webhook=hook)
    got = receiver.got.get(timeout=5)
    assert got.headers["Host"] == f"hooks.example.test:{port}" and got.path == "/in"
    assert lookups == ["hooks.example.test"]
    delivery.refresh_from_db()
    assert delivery.status == Status.DELIVERED


@pytest.mark.pure
@pytest.mark.parametrize(("ip", "public"), [
    ("8.8.8.8", True), ("2606:4700:4700::1111", True), ("127.0.0.1", False),
    ("100.64.0.1", False), ("::ffff:10.0.0.1", False),
    ("::ffff:8.8.8.8", False),  # IPv4-mapped: a receiver is reached by its IPv4 address
    ("ff02::1", False), ("239.1.1.1", False), ("64:ff9b::7f00:1", False),
    ("fec0::1", False),  # site-local (deprecated, still routed inside some networks)
])
def test_public_addresses(ip, public):
    import ipaddress

    assert addresses.is_public(ipaddress.ip_address(ip)) is public


# --- Who may see and change hooks ---------------------------------------------------------

def _pages(hook: Webhook, delivery: WebhookDelivery) -> list[tuple[str, str, dict[str, str]]]:
    return [
        ("get", reverse("webhooks"), {}),
        ("post", reverse("webhooks"), {"url": "http://127.0.0.1:9/", "events": "member.joined"}),
        ("get", reverse("webhook_detail", args=[hook.pk]), {}),
        ("post", reverse("webhook_detail", args=[hook.pk]),
         {"url": hook.url, "events": "member.left", "enabled": "on"}),
        ("post", reverse("webhook_action", args=[hook.pk]), {"action": "rotate"}),
        ("post", reverse("webhook_action", args=[hook.pk]), {"action": "delete"}),
        ("post", reverse("webhook_replay", args=[hook.pk, delivery.pk]), {}),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["signed_out", "member", "blocked_member", "mentor"])
def test_only_admins_see_or_change_hooks(client, loopback, who):
    admin = AdminFactory()
    hook, secret = hook_for(admin, "http://127.0.0.1:9/", ["member.joined"])
    delivery = WebhookDelivery.objects.create(webhook=hook, event_type="ping", body="{}",
                                              status=Status.FAILED)
    if who != "signed_out":
        user = UserFactory(role="mentor" if who == "mentor" else "member")
        if who == "blocked_member":
            BlockFactory(blocker=admin, blocked=user)
        client.force_login(user)
    for method, url, data in _pages(hook, delivery):
        response = getattr(client, method)(url, data)
        if who == "signed_out":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        else:
            assert response.status_code == 403, url
    hook.refresh_from_db()
    assert (hook.secret, hook.events, Webhook.objects.count()) == (secret, ["member.joined"], 1)
    assert hook.deliveries.count() == 1


@pytest.mark.django_db
def test_services_refuse_anyone_but_an_admin(loopback):
    member = UserFactory()
    with pytest.raises(PermissionDenied):
        hook_for(member, "http://127.0.0.1:9/", ["member.joined"])
    hook, _secret = hook_for(AdminFactory(), "http://127.0.0.1:9/", ["member.joined"])
    for call in (services.webhook_secret_rotate, services.webhook_test,
                 services.webhook_delete, services.webhook_resume):
        with pytest.raises(PermissionDenied):
            call(admin=member, webhook=hook)


@pytest.mark.django_db
def test_an_admin_adds_a_hook_and_sees_its_secret_once(client, loopback, receiver):
    admin = AdminFactory()
    client.force_login(admin)
    page = client.get(reverse("webhooks"))
    assert page.status_code == 200 and "Add a webhook" in page.text
    response = client.post(reverse("webhooks"), {
        "url": receiver.url, "description": "HR system",
        "events": ["member.joined", "mentorship.ended"]})
    hook = Webhook.objects.get()
    assert response.status_code == 302
    detail = reverse("webhook_detail", args=[hook.pk])
    assert response["Location"] == detail
    assert hook.secret in client.get(detail).text
    assert hook.events == ["member.joined", "mentorship.ended"]
    assert hook.secret not in client.get(detail).text  # once
    rotated = client.post(reverse("webhook_action", args=[hook.pk]), {"action": "rotate"})
    hook.refresh_from_db()
    assert hook.secret in client.get(rotated["Location"]).text
    assert hook.secret not in client.get(detail).text


@pytest.mark.django_db
def test_a_private_address_is_a_form_error_that_changes_nothing(client, settings):
    settings.COHORT_WEBHOOKS_ALLOW_PRIVATE = False
    settings.COHORT_WEBHOOKS_ALLOW_HTTP = True
    client.force_login(AdminFactory())
    response = client.post(reverse("webhooks"), {"url": "http://169.254.169.254/",
                                                 "events": ["member.joined"]})
    assert response.status_code == 400
    assert "an address inside a private network" in response.text
    assert not Webhook.objects.exists()


@pytest.mark.django_db
def test_a_delivery_queued_for_a_hook_turned_off_waits_and_goes_when_it_is_back(
        loopback, receiver, django_capture_on_commit_callbacks):
    admin = AdminFactory()
    hook, _secret = hook_for(admin, receiver.url, ["member.joined"])
    delivery = services.webhook_test(admin=admin, webhook=hook)  # queued, not yet sent
    services.webhook_update(admin=admin, webhook=hook, url=hook.url, description="",
                            events=["member.joined"], enabled=False)
    assert services.delivery_attempt(delivery_id=delivery.pk) == "skipped"
    delivery.refresh_from_db()
    assert delivery.status == Status.RETRYING
    call_command("webhooks_sweep")
    assert receiver.all() == []  # off: nothing goes
    hook.refresh_from_db()
    services.webhook_update(admin=admin, webhook=hook, url=hook.url, description="",
                            events=["member.joined"], enabled=True)
    call_command("webhooks_sweep")
    assert [r.headers["Cohort-Event-Id"] for r in receiver.all()] == [str(delivery.event_id)]
