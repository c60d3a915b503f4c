"""Limits on the socket: each costly request has one (`rate_limited` with `retry_after`,
nothing changes), a client that goes on regardless is closed with 4429, and one member or
one address holds at most so many sockets (4430). The clock is frozen: no count
straddles two windows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from channels.db import database_sync_to_async

from chat import services as chat_services
from chat.models import Message, Reaction
from rooms import protocol
from rooms.models import Connection
from server.asgi import application
from tests.chat.wsclient import EventSocket, _session_cookie, open_socket, receive_until, request
from tests.community.factories import UserFactory
from tests.rooms.factories import make_room

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

db = database_sync_to_async
NOON = datetime(2026, 12, 4, 12, 0, 10, tzinfo=UTC)  # 50 seconds left in its minute


@pytest.fixture(autouse=True)
def low_limits(settings):
    settings.COHORT_RATE_LIMITS = {action: (1, seconds) for action, (_uses, seconds)
                                   in settings.COHORT_RATE_LIMITS.items()}
    with time_machine.travel(NOON, tick=False):
        yield


@pytest.fixture
async def pair():
    def build():
        ana, bea = UserFactory(name="Ana"), UserFactory(name="Bea")
        room = make_room(ana, bea)
        message, _ = chat_services.message_send(author=ana, room_id=room.pk, text="Hello",
                                                client_id="m1")
        return ana, bea, room, message
    return await db(build)()


async def synced(user):
    socket = await open_socket(user, sync={})
    await receive_until(socket, "sync.done")
    return socket


def assert_limited(reply: dict) -> None:
    assert reply["type"] == "error" and reply["code"] == "rate_limited"
    assert reply["retry_after"] == 50


class TestRequests:
    async def test_edits(self, pair):
        ana, _bea, _room, message = pair
        a = await synced(ana)
        ok, _ = await request(a, {"type": "chat.edit", "message_id": message.pk, "text": "Hi"})
        assert ok["type"] == "ack"
        refused, _ = await request(a, {"type": "chat.edit", "message_id": message.pk,
                                       "text": "Flood"})
        assert_limited(refused)
        assert (await db(Message.objects.get)(pk=message.pk)).text == "Hi"
        await a.disconnect()

    async def test_reactions(self, pair):
        _ana, bea, _room, message = pair
        b = await synced(bea)
        ok, _ = await request(b, {"type": "chat.react", "message_id": message.pk,
                                  "emoji": "👍", "on": True})
        assert ok["type"] == "ack"
        refused, _ = await request(b, {"type": "chat.react", "message_id": message.pk,
                                       "emoji": "🎉", "on": True})
        assert_limited(refused)
        emojis = await db(lambda: list(Reaction.objects.values_list("emoji", flat=True)))()
        assert emojis == ["👍"]
        await b.disconnect()

    async def test_history_pages(self, pair):
        ana, _bea, room, _message = pair
        a = await synced(ana)
        ok, _ = await request(a, {"type": "chat.history", "room_id": room.pk})
        assert ok["type"] == "ack"
        refused, _ = await request(a, {"type": "chat.history", "room_id": room.pk})
        assert_limited(refused)
        await a.disconnect()

    async def test_call_requests_but_hanging_up(self, pair):
        ana, _bea, room, _message = pair
        a = await synced(ana)
        ok, _ = await request(a, {"type": "call.get", "room_id": room.pk})
        assert ok["type"] == "ack"
        refused, _ = await request(a, {"type": "call.signal", "room_id": room.pk,
                                       "to": "relay", "candidate": None})
        assert_limited(refused)
        refused, _ = await request(a, {"type": "call.get", "room_id": room.pk})
        assert_limited(refused)
        left, _ = await request(a, {"type": "call.leave", "room_id": room.pk})
        assert left["type"] == "ack"  # hanging up is never refused
        await a.disconnect()


class TestFlooding:
    async def test_going_on_after_being_told_closes_the_socket_with_4429(self, pair):
        ana, _bea, room, _message = pair
        a = await synced(ana)
        history = {"type": "chat.history", "room_id": room.pk}
        ok, _ = await request(a, dict(history))
        assert ok["type"] == "ack"
        told, _ = await request(a, dict(history))
        assert_limited(told)
        for _ in range(protocol.RATE_LIMITED_STRIKES):  # refused, still answered
            refused, _ = await request(a, dict(history))
            assert_limited(refused)
        await a.send_json_to(dict(history, request_id="one-too-many"))
        closed = await a.receive_output(timeout=2)
        assert closed == {"type": "websocket.close", "code": protocol.CLOSE_RATE_LIMITED}

    async def test_waiting_as_told_forgives(self, pair):
        ana, _bea, room, _message = pair
        a = await synced(ana)
        history = {"type": "chat.history", "room_id": room.pk}
        with time_machine.travel(NOON, tick=False) as clock:
            await request(a, dict(history))
            for _ in range(protocol.RATE_LIMITED_STRIKES):
                await request(a, dict(history))
            clock.shift(50)  # the wait is over: a new window, no strikes
            ok, _ = await request(a, dict(history))
            assert ok["type"] == "ack"
            for _ in range(protocol.RATE_LIMITED_STRIKES + 1):
                refused, _ = await request(a, dict(history))
                assert refused["code"] == "rate_limited"  # still answered, not closed
        await a.disconnect()


async def connect(user, *, ip: str = "127.0.0.1") -> tuple[EventSocket, dict]:
    """A socket from `ip`, and its first output: `hello` (as a frame) or the close."""
    cookie = await db(_session_cookie)(user)
    socket = EventSocket(application, "/ws/", headers=[
        (b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000"),
        (b"cookie", f"sessionid={cookie}".encode())])
    socket.scope["client"] = [ip, 40000]
    connected, _code = await socket.connect()
    assert connected
    first = await socket.receive_output(timeout=2)
    return socket, first


class TestSocketCaps:
    async def test_one_socket_too_many_for_a_member_is_closed_with_4430(self, pair, settings):
        settings.COHORT_SOCKETS_PER_MEMBER = 2
        ana, bea, *_ = pair
        tabs = [await connect(ana) for _ in range(2)]
        assert all(first["type"] == "websocket.send" for _tab, first in tabs)
        third, first = await connect(ana)
        assert first == {"type": "websocket.close", "code": protocol.CLOSE_TOO_MANY_SOCKETS}
        other, first = await connect(bea)  # her sockets do not count against Bea
        assert first["type"] == "websocket.send"
        assert await db(Connection.objects.filter(user=ana).count)() == 2
        await tabs[0][0].disconnect()
        again, first = await connect(ana)  # a tab closed: room for one more
        assert first["type"] == "websocket.send"
        for socket in (tabs[1][0], other, again):
            await socket.disconnect()

    async def test_one_socket_too_many_for_an_address_is_closed_with_4430(self, settings):
        settings.COHORT_SOCKETS_PER_IP = 2
        people = await db(lambda: [UserFactory() for _ in range(4)])()
        first_two = [await connect(person, ip="198.51.100.7") for person in people[:2]]
        _third, first = await connect(people[2], ip="198.51.100.7")
        assert first == {"type": "websocket.close", "code": protocol.CLOSE_TOO_MANY_SOCKETS}
        elsewhere, first = await connect(people[3], ip="203.0.113.5")
        assert first["type"] == "websocket.send"
        for socket, _first in first_two:
            await socket.disconnect()
        await elsewhere.disconnect()

    async def test_behind_the_proxy_addresses_are_counted_apart(self, settings):
        settings.COHORT_SOCKETS_PER_IP = 1
        settings.COHORT_TRUSTED_PROXIES = ["127.0.0.1"]
        ana, bea = await db(lambda: (UserFactory(), UserFactory()))()

        async def via_proxy(user, client: str):
            cookie = await db(_session_cookie)(user)
            socket = EventSocket(application, "/ws/", headers=[
                (b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000"),
                (b"cookie", f"sessionid={cookie}".encode()),
                (b"x-forwarded-for", client.encode())])
            socket.scope["client"] = ["127.0.0.1", 40000]
            assert (await socket.connect())[0]
            return socket, await socket.receive_output(timeout=2)

        a, first_a = await via_proxy(ana, "198.51.100.7")
        b, first_b = await via_proxy(bea, "203.0.113.5")
        assert first_a["type"] == first_b["type"] == "websocket.send"
        stored = await db(lambda: sorted(Connection.objects.values_list("client_ip", flat=True)))()
        assert stored == ["198.51.100.7", "203.0.113.5"]
        await a.disconnect()
        await b.disconnect()

