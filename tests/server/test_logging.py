"""Request ids and structured logs (server/logs.py): the id a proxy sends comes back and is
on every record of the request or socket; `LOG_FORMAT=json` writes one JSON object a line."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from django.test import Client
from django.urls import path, reverse

from calendar_app.services.settings import feed_token_make
from community import services
from rooms.consumers import RoomConsumer
from server import logs
from server.routing import CONSUMER
from server.wsauth import SessionUserMiddleware
from server.wsorigin import OriginCheckMiddleware
from tests.chat.wsclient import EventSocket, _session_cookie, request
from tests.community.factories import AdminFactory, UserFactory
from tests.rooms.factories import make_room
from tests.servers import ROOT

NEW_ID = re.compile(r"[0-9a-f]{32}")


def capture(formatter: logging.Formatter) -> Iterator[io.StringIO]:
    """Every record of the root logger, through the settings' filter, into a string."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.RequestContextFilter())
    handler.setFormatter(formatter)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    yield from capture(logs.JsonFormatter())


@pytest.fixture
def text_lines() -> Iterator[io.StringIO]:
    yield from capture(logs.TextFormatter())


def records(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.mark.django_db
class TestHttp:
    def test_the_proxys_id_comes_back_and_is_on_the_access_line(self, json_lines):
        member = UserFactory()
        client = Client()
        client.force_login(member)
        response = client.get("/people/", headers={"X-Request-ID": "edge-7f3a.01_B"})
        assert response.status_code == 200
        assert response["X-Request-ID"] == "edge-7f3a.01_B"
        access = [entry for entry in records(json_lines) if entry["logger"] == "cohort.request"]
        assert len(access) == 1
        line = access[0]
        assert line["request_id"] == "edge-7f3a.01_B"
        assert line["user_id"] == member.pk
        assert line["path"] == "/people/"
        assert line["method"] == "GET"
        assert line["status"] == 200
        assert line["level"] == "INFO"
        assert isinstance(line["duration_ms"], int | float) and line["duration_ms"] >= 0
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])
        assert line["message"].startswith("GET /people/ 200 (")

    @pytest.mark.parametrize("sent", ["has spaces", "x" * 65, "<script>", "", "a/b"])
    def test_an_unsafe_id_is_replaced_by_a_new_one(self, sent):
        response = Client().get("/accounts/login/", headers={"X-Request-ID": sent})
        assert NEW_ID.fullmatch(response["X-Request-ID"])

    def test_without_an_id_each_request_gets_its_own(self):
        client = Client()
        first = client.get("/healthz")["X-Request-ID"]
        second = client.get("/accounts/login/")["X-Request-ID"]
        assert NEW_ID.fullmatch(first) and NEW_ID.fullmatch(second) and first != second

    @pytest.mark.urls("tests.server.error_urls")
    def test_an_error_logs_its_exception_with_the_request_id(self, json_lines):
        client = Client(raise_request_exception=False)
        response = client.get("/boom/500/", headers={"X-Request-ID": "failing-1"})
        assert response.status_code == 500
        assert response["X-Request-ID"] == "failing-1"
        failed = [entry for entry in records(json_lines) if "exception" in entry]
        assert failed, json_lines.getvalue()
        assert failed[0]["request_id"] == "failing-1"
        assert failed[0]["level"] == "ERROR"
        assert "RuntimeError: boom" in failed[0]["exception"]
        access = [entry for entry in records(json_lines) if entry["logger"] == "cohort.request"]
        assert access[0]["status"] == 500 and access[0]["request_id"] == "failing-1"

    def test_the_text_format_shows_the_request_id(self, text_lines):
        Client().get("/accounts/login/", headers={"X-Request-ID": "text-id-9"})
        line = next(line for line in text_lines.getvalue().splitlines()
                    if " cohort.request " in line)
        assert " INFO cohort.request [text-id-9] GET /accounts/login/ 200 (" in line

    def test_a_path_cannot_write_a_forged_line(self, text_lines):
        """A percent-decoded line break in the path stays inside the access line."""
        forged = "2026-01-01 00:00:00,000 INFO cohort.request [forged] GET /admin/ 200"
        Client().get("/nowhere%0D%0A" + forged.replace(" ", "%20") + "%1B[2K",
                     headers={"X-Request-ID": "path-7"})
        lines = text_lines.getvalue().splitlines()
        assert not [line for line in lines if line.startswith("2026-01-01")]
        access = [line for line in lines if " cohort.request [path-7] " in line]
        assert len(access) == 1
        assert f"GET /nowhere\\r\\n{forged}\\x1b[2K 404 (" in access[0]

    def test_a_secret_in_the_path_is_not_logged(self, json_lines):
        """Whoever reads the logs cannot use an invitation, an address confirmation, a
        password reset or a member's calendar feed from them."""
        member = UserFactory()
        _invitation, token = services.invitation_create(
            admin=AdminFactory(), email="joy@example.org", name="Joy")
        feed = reverse("calendar_feed", args=[feed_token_make(user=member)])
        secrets = {f"/invite/{token}/": "/invite/…/", feed: "/calendar/feed/….ics",
                   "/accounts/confirm-email/MQ:1vX:s3cr3tkey/": "/accounts/confirm-email/…/",
                   "/accounts/password/reset/key/1-set-password/":
                       "/accounts/password/reset/key/…/"}
        for address in secrets:
            Client().get(address)
        lines = json_lines.getvalue()
        for address, shown in secrets.items():
            secret = address.removeprefix(shown.split("…")[0]).removesuffix(
                shown.split("…")[1])
            assert secret not in lines, address
        access = [entry for entry in records(json_lines) if entry["logger"] == "cohort.request"]
        assert [entry["path"] for entry in access] == list(secrets.values())
        assert [entry["message"].split()[1] for entry in access] == list(secrets.values())


# --- Sockets ----------------------------------------------------------------------------------
def broken(user, content):
    raise RuntimeError("the handler broke")


def socket_application():
    """server.asgi's socket chain, with a chat.send that fails."""
    consumer = RoomConsumer.as_asgi(**{**CONSUMER, "handlers": {"chat.send": broken}})
    return logs.SocketRequestId(OriginCheckMiddleware(SessionUserMiddleware(
        logs.SocketUser(URLRouter([path("ws/", consumer)])))))


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_sockets_records_carry_its_request_id_and_member(json_lines):
    member = await database_sync_to_async(UserFactory)()
    room = await database_sync_to_async(make_room)(member)
    cookie = await database_sync_to_async(_session_cookie)(member)
    socket = EventSocket(socket_application(), "/ws/", headers=[
        (b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000"),
        (b"cookie", f"sessionid={cookie}".encode()), (b"x-request-id", b"socket-42")])
    await socket.send_input({"type": "websocket.connect"})
    accepted = await socket.receive_output(timeout=2)
    assert accepted["type"] == "websocket.accept"
    assert (b"x-request-id", b"socket-42") in accepted["headers"]
    assert (await socket.receive_json_from())["type"] == "hello"
    error, _ = await request(socket, {"type": "chat.send", "room_id": room.pk, "text": "hi",
                                      "client_id": "c1"})
    assert error["code"] == "server_error"
    await socket.disconnect()
    failed = [entry for entry in records(json_lines) if "exception" in entry]
    assert failed, json_lines.getvalue()
    assert failed[0]["request_id"] == "socket-42"
    assert failed[0]["user_id"] == member.pk
    assert failed[0]["path"] == "/ws/"
    assert "RuntimeError: the handler broke" in failed[0]["exception"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_socket_without_a_safe_id_is_given_one():
    member = await database_sync_to_async(UserFactory)()
    cookie = await database_sync_to_async(_session_cookie)(member)
    socket = EventSocket(socket_application(), "/ws/", headers=[
        (b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000"),
        (b"cookie", f"sessionid={cookie}".encode()), (b"x-request-id", b"no good")])
    await socket.send_input({"type": "websocket.connect"})
    accepted = await socket.receive_output(timeout=2)
    given = dict(accepted["headers"])[b"x-request-id"].decode()
    assert NEW_ID.fullmatch(given)
    await socket.disconnect()


# --- The setting ------------------------------------------------------------------------------
SNIPPET = """
import logging, django
django.setup()
try:
    raise ValueError("no such thing")
except ValueError:
    logging.getLogger("cohort.example").exception("it failed")
"""


@pytest.mark.pure
@pytest.mark.parametrize("log_format", ["json", "text"])
def test_log_format_setting_chooses_the_lines(tmp_path, log_format):
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "server.settings",
                   "COHORT_DATA_DIR": str(tmp_path), "LOG_FORMAT": log_format}
    done = subprocess.run([sys.executable, "-c", SNIPPET], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    if log_format == "json":
        line = json.loads(done.stderr.splitlines()[0])
        assert line["level"] == "ERROR" and line["logger"] == "cohort.example"
        assert line["message"] == "it failed"
        assert "ValueError: no such thing" in line["exception"]
        assert "request_id" not in line  # outside any request
        assert len(done.stderr.strip().splitlines()) == 1  # the traceback is inside
    else:
        assert " ERROR cohort.example [-] it failed" in done.stderr.splitlines()[0]


@pytest.mark.pure
def test_an_unknown_log_format_stops_the_start(tmp_path):
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "server.settings",
                   "COHORT_DATA_DIR": str(tmp_path), "LOG_FORMAT": "xml"}
    done = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT,
                          env=environment, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "LOG_FORMAT is text or json" in done.stderr


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_real_server_returns_the_id_on_pages_and_socket_handshakes(tmp_path):
    import asyncio

    import websockets

    from tests.liveclient import session_cookie
    from tests.server.test_health import http_get
    from tests.servers import ServerProcess

    cookie = await database_sync_to_async(lambda: session_cookie(UserFactory()))()
    server = ServerProcess(tmp_path).start()
    try:
        status, headers, _ = await asyncio.to_thread(
            http_get, f"{server.url}/accounts/login/", {"X-Request-ID": "edge-page-1"})
        assert status == 200 and headers["x-request-id"] == "edge-page-1"
        async with websockets.connect(
                server.url.replace("http", "ws") + "/ws/personal/", open_timeout=10,
                additional_headers={"Cookie": f"sessionid={cookie}", "Origin": server.url,
                                    "X-Request-ID": "edge-socket-1"}) as sock:
            # Daphne drops the headers of the handshake's answer (docs/deployment.md);
            # the socket's log records carry the id all the same.
            if server.server == "uvicorn":
                assert sock.response.headers["X-Request-ID"] == "edge-socket-1"
            assert json.loads(await asyncio.wait_for(sock.recv(), 10))["type"] == "hello"
    finally:
        server.stop()


@pytest.mark.django_db(transaction=True)
def test_a_real_server_writes_one_line_per_request_without_uvicorns_access_log(tmp_path):
    from tests.server.test_health import http_get
    from tests.servers import ServerProcess

    # The production settings' logging (the test settings keep Python's defaults).
    server = ServerProcess(tmp_path, server="uvicorn", server_args=["--log-level", "info"],
                           DJANGO_SETTINGS_MODULE="server.settings", LOG_LEVEL="INFO").start()
    try:
        status, _, _ = http_get(f"{server.url}/accounts/login/", {"X-Request-ID": "edge-one-1"})
        assert status == 200
    finally:
        server.stop()  # its log is whole once it has stopped
    lines = [line for line in server.log_path.read_text().splitlines() if "edge-one-1" in line]
    assert len(lines) == 1, lines  # Cohort's line, not uvicorn's besides
    assert "cohort.request [edge-one-1] GET /accounts/login/ 200" in lines[0]
