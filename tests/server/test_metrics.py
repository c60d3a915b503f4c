"""`/metrics` (server/metrics.py): what a live socket's work adds to it, who may read it,
and several server processes adding up (prometheus-client's multiprocess mode)."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import pytest
from channels.db import database_sync_to_async
from django.test import AsyncClient, Client
from prometheus_client import REGISTRY

from tests.chat.wsclient import open_socket, receive_until, request
from tests.community.factories import UserFactory
from tests.liveclient import Member, session_cookie
from tests.rooms.factories import make_room
from tests.server.test_health import http_get
from tests.servers import ServerProcess, start_all

db = database_sync_to_async


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scraped(text: str, name: str, **labels: str) -> float | None:
    """A sample's value in an exposition text (None if absent)."""
    wanted = ",".join(f'{key}="{label}"' for key, label in sorted(labels.items()))
    pattern = "^" + re.escape(name + (f"{{{wanted}}}" if wanted else "")) + r" (\S+)$"
    found = re.search(pattern, text, re.MULTILINE)
    return float(found.group(1)) if found else None


async def until(check, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the metric did not move"
        await asyncio.sleep(0.01)


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_message_sent_on_a_socket_is_counted_and_scraped(settings):
    settings.COHORT_CHAT_SEND_LIMIT = 1
    ana, bea = await db(UserFactory.create_batch)(2)
    room = await db(make_room)(ana, bea)
    before = {
        "sockets": value("cohort_sockets_open"),
        "chat": value("cohort_events_delivered_total", family="chat"),
        "sends": value("cohort_socket_request_seconds_count", type="chat.send"),
        "syncs": value("cohort_syncs_total"),
        "limited": value("cohort_rate_limited_total", via="socket"),
        "reads": value("cohort_catchup_reads_total", source="database")
        + value("cohort_catchup_reads_total", source="hub"),
    }
    a = await open_socket(ana, sync={})
    b = await open_socket(bea, sync={})
    await receive_until(a, "sync.done")
    await receive_until(b, "sync.done")
    assert value("cohort_sockets_open") == before["sockets"] + 2
    assert value("cohort_syncs_total") == before["syncs"] + 2

    ack, _ = await request(a, {"type": "chat.send", "room_id": room.pk, "text": "Hello",
                               "client_id": "m-1"})
    assert ack["type"] == "ack"
    await receive_until(b, "chat.message.created")
    # Both sockets of the room were handed the event.
    await until(lambda: value("cohort_events_delivered_total", family="chat")
                >= before["chat"] + 2)
    assert value("cohort_socket_request_seconds_count", type="chat.send") == before["sends"] + 1
    assert value("cohort_socket_request_seconds_sum", type="chat.send") > 0

    refused, _ = await request(a, {"type": "chat.send", "room_id": room.pk, "text": "Again",
                                   "client_id": "m-2"})
    assert refused["code"] == "rate_limited"
    assert value("cohort_rate_limited_total", via="socket") == before["limited"] + 1
    assert value("cohort_socket_request_seconds_count", type="chat.send") == before["sends"] + 1

    # A socket that comes back from rev 0 reads what it missed.
    c = await open_socket(bea, sync={str(room.pk): 0})
    created, _ = await receive_until(c, "chat.message.created")
    assert created["message"]["text"] == "Hello"
    reads = value("cohort_catchup_reads_total", source="database") \
        + value("cohort_catchup_reads_total", source="hub")
    assert reads == before["reads"] + 1

    text = (await AsyncClient().get("/metrics")).content.decode()
    assert scraped(text, "cohort_sockets_open") == before["sockets"] + 3
    assert scraped(text, "cohort_socket_request_seconds_count", type="chat.send") \
        == before["sends"] + 1
    assert scraped(text, "cohort_events_delivered_total", family="chat") \
        == value("cohort_events_delivered_total", family="chat")
    for socket in (a, b, c):
        await socket.disconnect()
    assert value("cohort_sockets_open") == before["sockets"]


@pytest.mark.django_db(transaction=True)
def test_http_answers_by_class_and_429s_are_counted(settings):
    settings.COHORT_RATE_LIMITS = {**settings.COHORT_RATE_LIMITS, "search": (1, 10**9)}
    client = Client()
    client.force_login(UserFactory())
    ok, refused = value("cohort_http_requests_total", status="2xx"), \
        value("cohort_http_requests_total", status="4xx")
    limited = value("cohort_rate_limited_total", via="http")
    assert client.get("/people/?q=ana").status_code == 200
    assert client.get("/people/?q=ana").status_code == 429
    assert value("cohort_http_requests_total", status="2xx") == ok + 1
    assert value("cohort_http_requests_total", status="4xx") == refused + 1
    assert value("cohort_rate_limited_total", via="http") == limited + 1


@pytest.mark.django_db(transaction=True)
def test_task_queue_and_open_calls_are_read_at_the_scrape(settings):
    from django.tasks import task_backends

    from community.tasks import email_send

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default"]}}
    assert type(task_backends["default"]).__name__ == "DatabaseBackend"
    text = Client().get("/metrics").content.decode()
    waiting = scraped(text, "cohort_tasks_ready")
    assert waiting is not None
    email_send.enqueue(to="ana@example.org", template="x", context={}, language="en")
    text = Client().get("/metrics").content.decode()
    assert scraped(text, "cohort_tasks_ready") == waiting + 1
    assert scraped(text, "cohort_calls_open", mode="p2p") == 0


@pytest.mark.django_db(transaction=True)
class TestWhoMayRead:
    def test_loopback_may_read(self):
        response = Client().get("/metrics")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain")
        assert response["Cache-Control"] == "no-store"
        assert "cohort_http_requests_total" in response.content.decode()

    def test_another_address_gets_a_404(self):
        response = Client(REMOTE_ADDR="203.0.113.5").get("/metrics")
        assert response.status_code == 404
        assert b"cohort_" not in response.content

    def test_a_forged_forwarded_for_is_not_believed(self, settings):
        settings.COHORT_TRUSTED_PROXIES = []
        response = Client(REMOTE_ADDR="203.0.113.5").get(
            "/metrics", headers={"X-Forwarded-For": "127.0.0.1"})
        assert response.status_code == 404

    def test_behind_a_trusted_proxy_the_client_is_the_forwarded_one(self, settings):
        settings.COHORT_TRUSTED_PROXIES = ["127.0.0.1"]
        response = Client(REMOTE_ADDR="127.0.0.1").get(
            "/metrics", headers={"X-Forwarded-For": "203.0.113.5"})
        assert response.status_code == 404

    def test_the_allowed_networks_are_a_setting(self, settings):
        settings.COHORT_METRICS_ALLOWED = ["192.0.2.0/24"]
        assert Client(REMOTE_ADDR="192.0.2.7").get("/metrics").status_code == 200
        assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 404

    def test_the_token_opens_it_from_anywhere_and_a_wrong_one_nowhere(self, settings):
        settings.COHORT_METRICS_TOKEN = "the-right-token"
        outside = Client(REMOTE_ADDR="203.0.113.5")
        assert outside.get("/metrics", headers={
            "Authorization": "Bearer the-right-token"}).status_code == 200
        assert outside.get("/metrics", headers={
            "Authorization": "Bearer a-wrong-token"}).status_code == 404
        assert Client().get("/metrics", headers={
            "Authorization": "Bearer a-wrong-token"}).status_code == 404
        assert Client().get("/metrics").status_code == 200  # loopback, no token given


# --- Several processes ------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
async def test_two_processes_add_up_and_a_dead_one_leaves_the_gauges(tmp_path: Path):
    shared = tmp_path / "prometheus"
    shared.mkdir()
    first, second = start_all(
        ServerProcess(tmp_path, PROMETHEUS_MULTIPROC_DIR=str(shared)),
        ServerProcess(tmp_path, PROMETHEUS_MULTIPROC_DIR=str(shared)))
    try:
        cookie = await db(lambda: session_cookie(UserFactory()))()
        members = [Member(first, cookie), Member(second, cookie)]
        for member in members:
            await member.connect("/ws/personal/")
        for _ in range(3):
            assert (await asyncio.to_thread(http_get, f"{second.url}/healthz"))[0] == 200
        _status, _headers, body = await asyncio.to_thread(http_get, f"{first.url}/metrics")
        text = body.decode()
        assert scraped(text, "cohort_sockets_open") == 2
        assert (scraped(text, "cohort_http_requests_total", status="2xx") or 0) >= 3
        second.kill()
        _status, _headers, body = await asyncio.to_thread(http_get, f"{first.url}/metrics")
        text = body.decode()
        assert scraped(text, "cohort_sockets_open") == 1
        assert (scraped(text, "cohort_http_requests_total", status="2xx") or 0) >= 3
        assert members[0].sock is not None
        await members[0].sock.close()
    finally:
        first.stop()
        second.stop()
