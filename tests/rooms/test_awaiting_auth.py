"""Sockets waiting for their `auth` frame (rooms.awaiting): one address holds at most
COHORT_SOCKETS_AWAITING_AUTH_PER_IP at once, one more is closed with 4430; each that signs
in, closes, times out or fails gives its place back; a member's cookie socket is not
counted. And a bad token in an `auth` frame counts against the address (`token.failed`)."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from channels.db import database_sync_to_async

from community import tokens
from rooms import awaiting, protocol
from server.asgi import application
from tests.chat.wsclient import EventSocket, _session_cookie
from tests.community.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True)]

db = database_sync_to_async
HOST = (b"host", b"127.0.0.1:8000")
HERE, ELSEWHERE = "198.51.100.7", "203.0.113.5"


@pytest.fixture
def cap(settings):
    settings.COHORT_SOCKETS_AWAITING_AUTH_PER_IP = 2


@pytest.fixture
async def raw():
    def build() -> str:
        return tokens.token_create(user=UserFactory(name="Bea"), name="Script",
                                   scopes=["read"])[1]
    return await db(build)()


async def knock(ip: str) -> EventSocket:
    """A socket from `ip` with no Origin, cookie or Authorization: it waits for `auth`."""
    socket = EventSocket(application, "/ws/", headers=[HOST])
    socket.scope["client"] = [ip, 40000]
    connected, _code = await socket.connect(timeout=5)
    assert connected
    return socket


async def signs_in(socket: EventSocket, raw: str) -> bool:
    """Its `auth` frame is answered `hello` (it was waiting, not refused)."""
    await socket.send_json_to({"type": "auth", "token": raw})
    output = await socket.receive_output(timeout=5)
    return output["type"] == "websocket.send" and '"hello"' in output["text"]


async def closed_with(socket: EventSocket) -> int:
    output = await socket.receive_output(timeout=3)
    assert output["type"] == "websocket.close"
    return int(output["code"])


async def test_past_the_cap_one_more_is_closed_until_a_waiting_one_ends(cap, raw):
    first, second = await knock(HERE), await knock(HERE)
    refused = await knock(HERE)
    assert await closed_with(refused) == protocol.CLOSE_TOO_MANY_SOCKETS
    elsewhere = await knock(ELSEWHERE)  # another address has its own places
    assert await signs_in(elsewhere, raw)
    assert await signs_in(first, raw)  # signed in: no longer waiting
    third = await knock(HERE)
    assert await closed_with(await knock(HERE)) == protocol.CLOSE_TOO_MANY_SOCKETS
    await second.disconnect()  # gone: its place is free
    fourth = await knock(HERE)
    for socket in (third, fourth):
        assert await signs_in(socket, raw)
    for socket in (first, second, elsewhere, third, fourth, refused):
        await socket.disconnect()
    assert awaiting.local().counts == {}


async def test_timing_out_failing_or_an_error_gives_the_place_back(cap, raw, monkeypatch):
    table = awaiting.local()
    monkeypatch.setattr(protocol, "AUTH_SECONDS", 0.05)
    late = await knock(HERE)
    assert await closed_with(late) == protocol.CLOSE_UNAUTHENTICATED
    monkeypatch.setattr(protocol, "AUTH_SECONDS", 5.0)
    wrong = await knock(HERE)
    await wrong.send_json_to({"type": "auth", "token": tokens.mint()})
    assert await closed_with(wrong) == protocol.CLOSE_UNAUTHENTICATED
    assert table.counts == {}  # closed by the server, before the client hangs up
    cut = await knock(HERE)
    assert table.waiting(HERE) == 1
    cut.future.cancel()  # the connection's task ends without a disconnect
    with contextlib.suppress(asyncio.CancelledError):
        await cut.future
    assert table.counts == {}
    for socket in (late, wrong):
        await socket.disconnect()


async def test_a_members_cookie_socket_is_not_counted(cap, raw):
    waiting = [await knock(HERE), await knock(HERE)]
    ana = await db(UserFactory)(name="Ana")
    cookie = await db(_session_cookie)(ana)
    tab = EventSocket(application, "/ws/", headers=[
        (b"origin", b"http://127.0.0.1:8000"), HOST, (b"cookie", f"sessionid={cookie}".encode())])
    tab.scope["client"] = [HERE, 40001]
    assert (await tab.connect(timeout=5))[0]
    assert (await tab.receive_json_from(timeout=5))["type"] == "hello"
    for socket in (*waiting, tab):
        await socket.disconnect()
    assert awaiting.local().counts == {}


async def test_bad_tokens_in_auth_frames_count_against_the_address(settings, raw):
    settings.COHORT_RATE_LIMITS = {**settings.COHORT_RATE_LIMITS, "token.failed": (2, 300)}
    for _ in range(2):
        socket = await knock(HERE)
        await socket.send_json_to({"type": "auth", "token": tokens.mint()})
        assert await closed_with(socket) == protocol.CLOSE_UNAUTHENTICATED
        await socket.disconnect()
    socket = await knock(HERE)  # a good token, from the same address: refused
    await socket.send_json_to({"type": "auth", "token": raw})
    assert await closed_with(socket) == protocol.CLOSE_UNAUTHENTICATED
    await socket.disconnect()
    elsewhere = await knock(ELSEWHERE)
    assert await signs_in(elsewhere, raw)
    await elsewhere.disconnect()
