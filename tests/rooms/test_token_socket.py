"""The live socket signed in with an access token (server/wsauth.py, rooms.consumers):
in the handshake's `Authorization: Bearer` header or as the first frame (`auth`); the
token's member's rights, no more; revoking the token, deactivating its member or bot, or
its expiry closes the socket at once, and the periodic check (rooms.liveness) catches
any other path."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from chat import services as chat_services
from community import tokens
from community.models import AccessToken, User
from rooms import bots, liveness, protocol
from rooms import selectors as room_selectors
from rooms.models import Membership
from server.asgi import application
from tests.chat.wsclient import EventSocket, open_socket, receive_until
from tests.community.factories import AdminFactory, UserFactory
from tests.rooms.factories import make_room

pytestmark = [pytest.mark.django_db(transaction=True)]

db = database_sync_to_async
_sent = itertools.count()
HOST = (b"host", b"127.0.0.1:8000")


def setting_up(bot: bool = False) -> dict:
    """A room of Ana and Bea (or Ana and a bot), a write token of Bea's (or the bot's)."""
    ana = UserFactory(name="Ana")
    room = make_room(ana, name="Writers")
    other = make_room(ana, name="Elsewhere")
    if bot:
        holder = bots.bot_create(admin=AdminFactory(), name="Report Bot", room=room)
    else:
        holder = UserFactory(name="Bea")
        from rooms.models import Membership

        Membership.objects.create(room=room, user=holder, role="member")
    token, raw = tokens.token_create(user=holder, actor=holder if not bot else
                                     User.objects.filter(role="admin").first(),
                                     name="Script", scopes=["write"])
    return {"ana": ana, "holder": holder, "room": room, "other": other, "token": token,
            "raw": raw}


async def header_socket(raw: str, *, origin: bytes | None = None) -> EventSocket:
    headers = [HOST, (b"authorization", f"Bearer {raw}".encode())]
    if origin is not None:
        headers.append((b"origin", origin))
    socket = EventSocket(application, "/ws/", headers=headers)
    connected, code = await socket.connect()
    socket.accepted, socket.close_code = connected, code  # type: ignore[attr-defined]
    return socket


async def frame_socket() -> EventSocket:
    socket = EventSocket(application, "/ws/", headers=[HOST])
    connected, _code = await socket.connect()
    assert connected  # accepted: it waits for its `auth` frame
    return socket


async def say(user: User, room_id: int, text: str) -> None:
    await db(chat_services.message_send)(author=user, room_id=room_id, text=text,
                                         client_id=f"t{next(_sent)}")


async def next_message(socket) -> dict:
    while True:
        frame = await socket.receive_json_from(timeout=3)
        if frame["type"].startswith("chat.message"):
            return frame


async def close_code(socket, timeout: float = 3) -> int:
    while True:
        frame = await socket.receive_output(timeout=timeout)
        if frame["type"] == "websocket.close":
            return int(frame["code"])


async def synced(socket, case) -> None:
    await socket.send_json_to({"type": "sync", "rooms": {}})
    done, _ = await receive_until(socket, "sync.done")
    assert [state["room_id"] for state in done["rooms"]] == [case["room"].pk]


async def statuses_before(socket, user_id: int, *, until: User) -> list[str]:
    """The presence of member `user_id` that `socket` hears before `until`'s arrival
    (`until` opens a socket now: the sentinel)."""
    arriving = await open_socket(until)
    heard = []
    while True:
        event, _ = await receive_until(socket, "presence.changed", timeout=3)
        if event["user_id"] == until.pk:
            await arriving.disconnect()
            return heard
        if event["user_id"] == user_id:
            heard.append(event["status"])

class TestSigningIn:
    async def test_a_header_token_receives_her_rooms_events(self):
        case = await db(setting_up)()
        socket = await header_socket(case["raw"])
        hello = await socket.receive_json_from()
        assert hello == {"type": "hello", "user_id": case["holder"].pk,
                         "heartbeat_seconds": protocol.HEARTBEAT_SECONDS}
        await synced(socket, case)
        await say(case["ana"], case["room"].pk, "Hello, script")
        frame = await next_message(socket)
        assert frame["message"]["text"] == "Hello, script"
        await socket.disconnect()

    async def test_a_first_frame_token_receives_her_rooms_events(self):
        case = await db(setting_up)()
        socket = await frame_socket()
        await socket.send_json_to({"type": "auth", "token": case["raw"]})
        hello = await socket.receive_json_from()
        assert hello["type"] == "hello" and hello["user_id"] == case["holder"].pk
        await synced(socket, case)
        await say(case["ana"], case["room"].pk, "Hello, frame")
        assert (await next_message(socket))["message"]["text"] == "Hello, frame"
        # Sent again once signed in: refused, the socket stays.
        await socket.send_json_to({"type": "auth", "token": case["raw"], "request_id": "a"})
        again = await socket.receive_json_from()
        assert again["type"] == "error" and again["code"] == "invalid"
        await socket.disconnect()

    async def test_a_header_token_from_our_own_page_works_too(self):
        case = await db(setting_up)()
        socket = await header_socket(case["raw"], origin=b"http://127.0.0.1:8000")
        assert socket.accepted
        await socket.disconnect()

    @pytest.mark.parametrize("spoil", ["unknown", "revoked", "expired", "inactive"])
    async def test_a_bad_header_token_is_refused(self, spoil):
        case = await db(setting_up)()
        raw = case["raw"]
        if spoil == "unknown":
            raw = tokens.mint()
        elif spoil == "revoked":
            await db(tokens.token_revoke)(actor=case["holder"], token=case["token"])
        elif spoil == "expired":
            await db(AccessToken.objects.filter(pk=case["token"].pk).update)(
                expires_at=timezone.now() - timedelta(seconds=1))
        else:
            await db(User.objects.filter(pk=case["holder"].pk).update)(is_active=False)
        socket = await header_socket(raw)
        assert not socket.accepted and socket.close_code == protocol.CLOSE_UNAUTHENTICATED

    async def test_bad_tokens_from_an_address_are_limited(self, settings):
        settings.COHORT_RATE_LIMITS = {**settings.COHORT_RATE_LIMITS, "token.failed": (2, 300)}
        case = await db(setting_up)()
        for _ in range(2):
            assert not (await header_socket(tokens.mint())).accepted
        socket = await header_socket(case["raw"])  # a good one, from the same address
        assert not socket.accepted and socket.close_code == protocol.CLOSE_UNAUTHENTICATED

    async def test_a_bad_first_frame_closes(self):
        socket = await frame_socket()
        await socket.send_json_to({"type": "auth", "token": tokens.mint()})
        assert await close_code(socket) == protocol.CLOSE_UNAUTHENTICATED
        socket = await frame_socket()
        await socket.send_json_to({"type": "sync", "rooms": {}})  # not `auth` first
        assert await close_code(socket) == protocol.CLOSE_UNAUTHENTICATED

    async def test_no_auth_frame_in_time_closes(self, monkeypatch):
        monkeypatch.setattr(protocol, "AUTH_SECONDS", 0.05)
        socket = await frame_socket()
        assert await close_code(socket, timeout=2) == protocol.CLOSE_UNAUTHENTICATED

    async def test_a_cookie_without_origin_is_still_refused(self):
        socket = EventSocket(application, "/ws/", headers=[
            HOST, (b"cookie", b"sessionid=whatever")])
        connected, _code = await socket.connect()
        assert not connected

    async def test_the_token_gives_her_rights_and_no_more(self):
        case = await db(setting_up)(bot=True)
        socket = await header_socket(case["raw"])
        await socket.receive_json_from()
        await synced(socket, case)  # her room only, not Ana's other room
        await socket.send_json_to({"type": "chat.send", "room_id": case["other"].pk,
                                   "text": "not mine", "client_id": "x1",
                                   "request_id": "r"})
        answer, _ = await receive_until(socket, "error")
        assert answer["code"] == "not_found"
        # In its own room it writes as a member, and its messages carry the Bot badge.
        await socket.send_json_to({"type": "chat.send", "room_id": case["room"].pk,
                                   "text": "Daily digest", "client_id": "x2",
                                   "request_id": "s"})
        await receive_until(socket, "ack")
        created = await next_message(socket)
        assert created["message"]["author"] == {"id": case["holder"].pk,
                                                "name": "Report Bot", "badge": "bot"}
        await socket.disconnect()

    async def test_a_read_token_reads_but_cannot_write_on_the_socket(self):
        case = await db(setting_up)()
        _token, raw = await db(tokens.token_create)(user=case["holder"], name="Reader",
                                                    scopes=["read"])
        socket = await header_socket(raw)
        await socket.receive_json_from()
        await synced(socket, case)
        await say(case["ana"], case["room"].pk, "Before")
        first = await next_message(socket)
        for request in ({"type": "chat.send", "room_id": case["room"].pk,
                         "text": "not allowed", "client_id": "w1"},
                        {"type": "chat.edit", "message_id": first["message"]["id"],
                         "text": "changed"},
                        {"type": "chat.react", "message_id": first["message"]["id"],
                         "emoji": "🎉", "on": True},
                        {"type": "chat.typing", "room_id": case["room"].pk}):
            await socket.send_json_to({**request, "request_id": request["type"]})
            answer, _ = await receive_until(socket, "error")
            assert (answer["request_id"], answer["code"]) == (request["type"], "forbidden")
        # Reading still works, and nothing was written.
        await socket.send_json_to({"type": "chat.history", "room_id": case["room"].pk,
                                   "request_id": "h"})
        ack, _ = await receive_until(socket, "ack")
        assert [m["text"] for m in ack["result"]["messages"]] == ["Before"]
        assert not ack["result"]["messages"][0].get("reactions")
        await socket.disconnect()


    async def test_a_read_token_cannot_set_her_presence(self):
        """`presence.set` is a change others see: refused, and the room hears nothing
        of it (Cleo's arrival, the sentinel, is the next presence Ana hears)."""
        case, cleo, ana, socket = await reader_beside_ana()
        await socket.send_json_to({"type": "presence.set", "state": "idle",
                                   "request_id": "idle"})
        await socket.send_json_to({"type": "ping", "request_id": "after"})
        answer = await socket.receive_json_from(timeout=3)
        while "request_id" not in answer:  # the room's presence, heard by this socket too
            answer = await socket.receive_json_from(timeout=3)
        assert (answer["type"], answer["request_id"], answer.get("code")) == (
            "error", "idle", "forbidden")
        await receive_until(socket, "pong")  # answered in turn: anything told is told
        assert await statuses_before(ana, case["holder"].pk, until=cleo) == []
        for other in (ana, socket):
            await other.disconnect()

    async def test_a_read_tokens_socket_does_not_show_her_online(self):
        """A script reading is not her being there: its socket opening is not told to
        the room (Cleo's arrival comes first), and the member list shows her offline."""
        case, cleo, ana, socket = await reader_beside_ana()
        await socket.send_json_to({"type": "ping", "request_id": "opened"})
        await receive_until(socket, "pong")  # opened and answered: anything told is told
        assert await statuses_before(ana, case["holder"].pk, until=cleo) == []
        members = await db(room_selectors.member_list)(case["ana"], case["room"])
        assert {m["name"]: m["status"] for m in members}["Bea"] == "offline"
        for other in (ana, socket):
            await other.disconnect()


class TestClosing:
    async def test_revoking_closes_a_bots_open_socket_at_once(self):
        case = await db(setting_up)(bot=True)
        socket = await header_socket(case["raw"])
        await socket.receive_json_from()
        await synced(socket, case)
        admin = await db(User.objects.filter(role="admin").first)()
        await db(tokens.token_revoke)(actor=admin, token=case["token"])
        assert await close_code(socket) == protocol.CLOSE_SIGNED_OUT

    async def test_deactivating_the_bot_closes_its_socket_at_once(self):
        case = await db(setting_up)(bot=True)
        socket = await frame_socket()
        await socket.send_json_to({"type": "auth", "token": case["raw"]})
        await socket.receive_json_from()
        admin = await db(User.objects.filter(role="admin").first)()
        await db(bots.bot_deactivate)(admin=admin, bot=case["holder"])
        assert await close_code(socket) == protocol.CLOSE_SIGNED_OUT

    async def test_the_tokens_expiry_closes_it(self):
        case = await db(setting_up)()
        await db(AccessToken.objects.filter(pk=case["token"].pk).update)(
            expires_at=timezone.now() + timedelta(seconds=1))
        socket = await header_socket(case["raw"])
        await socket.receive_json_from()
        assert await close_code(socket, timeout=4) == protocol.CLOSE_SIGNED_OUT

    async def test_the_periodic_check_catches_a_token_deleted_without_a_bell(self):
        case = await db(setting_up)()
        socket = await header_socket(case["raw"])
        await socket.receive_json_from()
        await db(AccessToken.objects.filter(pk=case["token"].pk).delete)()
        await socket.send_json_to({"type": "ping", "request_id": "still-open"})
        pong, _ = await receive_until(socket, "pong")  # no bell rang: still open
        assert pong["request_id"] == "still-open"
        watch = liveness.local()
        await watch.check(list(watch.sockets))  # what RECHECK_SECONDS does
        assert await close_code(socket) == protocol.CLOSE_SIGNED_OUT

    async def test_revoking_another_token_of_hers_leaves_this_socket_open(self):
        case = await db(setting_up)()
        other, _raw = await db(tokens.token_create)(user=case["holder"], name="Other",
                                                    scopes=["read"])
        socket = await header_socket(case["raw"])
        await socket.receive_json_from()
        await synced(socket, case)
        await db(tokens.token_revoke)(actor=case["holder"], token=other)
        await socket.send_json_to({"type": "ping", "request_id": "sentinel"})
        pong, _ = await receive_until(socket, "pong")
        assert pong["request_id"] == "sentinel"
        await socket.disconnect()


class TestRealServer:
    """The example of docs/api.md against the server production runs (uvicorn, or
    Daphne with COHORT_TEST_SERVER): the HTTP API with the token, the socket with the
    token in its header and in its first frame, neither with an Origin."""

    async def test_the_docs_example_works_on_a_real_server(self, tmp_path):
        import http.client
        import json

        import websockets
        from django.test import Client

        from tests.servers import ServerProcess

        case = await db(setting_up)(bot=True)

        def cookie_of(user: User) -> str:
            client = Client()
            client.force_login(user)
            return client.cookies["sessionid"].value

        ana_cookie = await db(cookie_of)(case["ana"])
        server = ServerProcess(tmp_path).launch()
        try:
            await asyncio.to_thread(server.wait_ready)
            auth = {"Authorization": f"Bearer {case['raw']}"}

            def get_tokens() -> tuple[int, dict]:
                connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
                connection.request("GET", "/api/v1/tokens", headers=auth)
                answer = connection.getresponse()
                return answer.status, json.loads(answer.read())

            status, body = await asyncio.to_thread(get_tokens)
            assert status == 200 and body["results"][0]["name"] == "Script"

            url = server.url.replace("http", "ws") + "/ws/"
            by_header = await websockets.connect(url, additional_headers=auth, open_timeout=5)
            by_frame = await websockets.connect(url, open_timeout=5)
            await by_frame.send(json.dumps({"type": "auth", "token": case["raw"]}))
            ana = await websockets.connect(url, open_timeout=5, additional_headers={
                "Cookie": f"sessionid={ana_cookie}", "Origin": server.url})
            for socket in (by_header, by_frame, ana):
                assert json.loads(await socket.recv())["type"] == "hello"
                await socket.send(json.dumps({"type": "sync", "rooms": {}}))
            await ana.send(json.dumps({"type": "chat.send", "room_id": case["room"].pk,
                                       "text": "Hello, bot", "client_id": "real-1"}))
            for socket in (by_header, by_frame):
                while True:
                    frames = json.loads(await asyncio.wait_for(socket.recv(), 5))
                    texts = [frame["message"]["text"] for frame in
                             (frames if isinstance(frames, list) else [frames])
                             if frame["type"] == "chat.message.created"]
                    if texts:
                        assert texts == ["Hello, bot"]
                        break
            for socket in (by_header, by_frame, ana):
                await socket.close()
        finally:
            server.stop()


async def reader_beside_ana():
    """Bea's read token's socket, synced, beside Ana's; Cleo is in the room, offline (her
    arrival later is the sentinel of presence tests)."""
    case = await db(setting_up)()
    cleo = await db(UserFactory)(name="Cleo")
    await db(Membership.objects.create)(room=case["room"], user=cleo, role="member")
    _token, raw = await db(tokens.token_create)(user=case["holder"], name="Reader",
                                                scopes=["read"])
    ana = await open_socket(case["ana"], sync={})
    await receive_until(ana, "sync.done")
    socket = await header_socket(raw)
    await socket.receive_json_from()
    await synced(socket, case)
    return case, cleo, ana, socket
