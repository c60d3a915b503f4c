"""The WebSocket Origin check (server.wsorigin): the page's scheme, host and port must be
this site's; every refusal is logged on `cohort.security` with the origin it gave."""

from __future__ import annotations

import logging

import pytest

from server.wsorigin import check, parse
from tests.chat.wsclient import open_socket
from tests.community.factories import UserFactory


def scope(origin: str | None, host: str = "127.0.0.1:8000", scheme: str = "ws") -> dict:
    headers = [(b"host", host.encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    return {"type": "websocket", "scheme": scheme, "headers": headers, "path": "/ws/"}


@pytest.fixture(autouse=True)
def site(settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "mentoring.example.org"]
    settings.BASE_URL = "http://127.0.0.1:8000"
    settings.CSRF_TRUSTED_ORIGINS = []


class TestCheck:
    def test_the_page_own_origin_passes(self):
        assert check(scope("http://127.0.0.1:8000"))[0]

    def test_https_page_over_the_proxy(self):
        wss = scope("https://mentoring.example.org", host="mentoring.example.org", scheme="wss")
        assert check(wss)[0]
        assert check(scope("https://mentoring.example.org:443", host="mentoring.example.org",
                           scheme="wss"))[0]

    def test_http_page_for_an_https_socket_is_refused(self):
        assert not check(scope("http://mentoring.example.org", host="mentoring.example.org",
                               scheme="wss"))[0]

    def test_https_page_for_an_http_site_is_refused(self):
        assert not check(scope("https://127.0.0.1:8000"))[0]

    def test_another_port_is_refused(self):
        assert not check(scope("http://127.0.0.1:9999"))[0]
        assert not check(scope("http://127.0.0.1"))[0]

    def test_another_host_is_refused(self):
        assert not check(scope("http://evil.example:8000"))[0]
        assert not check(scope("http://127.0.0.1.evil.example:8000"))[0]

    def test_a_host_header_outside_allowed_hosts_earns_nothing(self):
        assert not check(scope("http://evil.example", host="evil.example"))[0]

    def test_no_origin_is_refused(self):
        assert check(scope(None)) == (False, None)

    @pytest.mark.parametrize("junk", ["null", "", "file://", "http://", "http://a:b",
                                      "http://127.0.0.1:8000/path", "javascript:alert(1)"])
    def test_junk_is_refused(self, junk):
        assert not check(scope(junk))[0]

    def test_base_url_and_trusted_origins_pass(self, settings):
        settings.BASE_URL = "https://mentoring.example.org"
        settings.CSRF_TRUSTED_ORIGINS = ["https://alt.example.org:8443"]
        assert check(scope("https://mentoring.example.org", host="10.0.0.5:8001"))[0]
        assert check(scope("https://alt.example.org:8443", host="10.0.0.5:8001"))[0]
        assert not check(scope("https://alt.example.org", host="10.0.0.5:8001"))[0]

    def test_parse_fills_default_ports(self):
        assert parse("HTTPS://Example.ORG") == ("https", "example.org", 443)
        assert parse("http://example.org") == ("http", "example.org", 80)


@pytest.mark.django_db(transaction=True)
class TestSocket:
    async def test_her_page_opens_the_socket(self):
        member = await _member()
        socket = await open_socket(member, origin=b"http://127.0.0.1:8000")
        assert socket.accepted
        await socket.disconnect()

    @pytest.mark.parametrize("origin", [
        b"https://127.0.0.1:8000", b"http://127.0.0.1:8001", b"http://evil.example:8000"])
    async def test_another_scheme_port_or_host_is_refused_and_logged(self, origin, caplog):
        member = await _member()
        with caplog.at_level(logging.WARNING, logger="cohort.security"):
            socket = await open_socket(member, origin=origin)
        assert not socket.accepted
        refusals = [r for r in caplog.records if r.name == "cohort.security"]
        assert len(refusals) == 1 and origin.decode() in refusals[0].getMessage()

    async def test_no_origin_is_refused_and_logged(self, caplog):
        from channels.db import database_sync_to_async
        from channels.testing import WebsocketCommunicator

        from server.asgi import application

        member = await _member()
        cookie = await database_sync_to_async(_cookie)(member)
        socket = WebsocketCommunicator(application, "/ws/", headers=[
            (b"host", b"127.0.0.1:8000"), (b"cookie", f"sessionid={cookie}".encode())])
        with caplog.at_level(logging.WARNING, logger="cohort.security"):
            connected, _ = await socket.connect()
        assert not connected
        assert "None" in caplog.records[-1].getMessage()


async def _member():
    from channels.db import database_sync_to_async

    return await database_sync_to_async(UserFactory)()


def _cookie(member) -> str:
    from django.test import Client

    client = Client()
    client.force_login(member)
    return client.cookies["sessionid"].value
