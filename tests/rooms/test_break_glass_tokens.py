"""Break-glass is an admin power: an admin reads the room her grant opens through her
session or a token with the `admin` scope; through her token without it (the API and
the live socket), the room is one she is not in."""

from __future__ import annotations

import io
import itertools

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from chat import services as chat_services
from community import tokens
from community.models import User
from documents import services as document_services
from rooms import liveness
from rooms import services as room_services
from rooms.models import Room
from server.asgi import application
from tests.calendar_app.factories import make_event
from tests.chat.wsclient import EventSocket, open_socket, receive_until, request
from tests.community.factories import AdminFactory, UserFactory
from tests.documents import samples

db = database_sync_to_async
_sent = itertools.count()
MARCH = {"start": "2027-03-01T00:00:00Z", "end": "2027-04-01T00:00:00Z"}


def granted() -> tuple[User, User, Room, Room]:
    """A mentoring pair's room with a message, a document and an event; an admin with an
    open grant on it, and a group room of hers with the mentee."""
    mentor, mentee = UserFactory(name="Nadia"), UserFactory(name="Léa")
    room = room_services.room_create_one_to_one(mentor=mentor, mentee=mentee)
    chat_services.message_send(author=mentee, room_id=room.pk, text="I was harassed",
                               client_id="m1")
    document_services.document_upload(user=mentee, room_id=room.pk,
                                      stream=io.BytesIO(samples.png()), name="proof.png")
    make_event(mentor, room)
    admin = AdminFactory(name="Amélie")
    own = room_services.room_create_group(creator=admin, name="Admins", members=[mentee])
    room_services.break_glass_open(admin=admin, room=room, reason="A safety concern")
    room.refresh_from_db()
    return admin, mentee, room, own


def token_of(admin: User, *scopes: str) -> str:
    _token, raw = tokens.token_create(user=admin, name="Script", scopes=scopes)
    return raw


def reads(client: Client, room: Room, **headers: str) -> list[int]:
    """What she gets from the room's messages, documents, events and the room itself."""
    return [client.get(url, query, **headers).status_code for url, query in (
        (f"/api/v1/rooms/{room.pk}/messages", {}),
        (f"/api/v1/rooms/{room.pk}/documents", {}),
        (f"/api/v1/rooms/{room.pk}/events", MARCH),
        (f"/api/v1/rooms/{room.pk}", {}))]


def listed(client: Client, **headers: str) -> set[int]:
    answer = client.get("/api/v1/rooms", **headers)
    assert answer.status_code == 200
    return {row["id"] for row in answer.json()["results"]}


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.mark.django_db
class TestTheApi:
    def test_her_session_reads_the_room(self):
        admin, _mentee, room, own = granted()
        client = Client()
        client.force_login(admin)
        assert reads(client, room) == [200, 200, 200, 200]
        assert listed(client) == {room.pk, own.pk}

    @pytest.mark.parametrize("scopes", [("read",), ("write",)])
    def test_her_token_without_the_admin_scope_finds_no_such_room(self, scopes):
        admin, _mentee, room, own = granted()
        headers = bearer(token_of(admin, *scopes))
        assert reads(Client(), room, **headers) == [404, 404, 404, 404]
        assert listed(Client(), **headers) == {own.pk}

    def test_her_token_with_the_admin_scope_reads_the_room(self):
        admin, _mentee, room, own = granted()
        headers = bearer(token_of(admin, "read", "admin"))
        assert reads(Client(), room, **headers) == [200, 200, 200, 200]
        assert listed(Client(), **headers) == {room.pk, own.pk}
        texts = [m["text"] for m in Client().get(
            f"/api/v1/rooms/{room.pk}/messages", **headers).json()["results"]]
        assert "I was harassed" in texts


@pytest.mark.django_db
def test_her_session_checked_beside_her_read_token_lends_it_nothing():
    """The server's periodic check of her sockets, her browser tab and her script in one
    batch: the tab's rights hold the granted room, the script's do not."""
    admin, _mentee, room, own = granted()
    client = Client()
    client.force_login(admin)
    token, _raw = tokens.token_create(user=admin, name="Script", scopes=["read"])
    tab, script = (admin.pk, client.session.session_key), (admin.pk, tokens.socket_key(token))
    rights = liveness.rights_of([tab, script])
    assert rights[tab].room_ids == {room.pk, own.pk}
    assert rights[script].room_ids == {own.pk}


async def token_socket(raw: str) -> EventSocket:
    socket = EventSocket(application, "/ws/", headers=[
        (b"host", b"127.0.0.1:8000"), (b"authorization", f"Bearer {raw}".encode())])
    connected, _code = await socket.connect(timeout=5)
    assert connected
    hello = await socket.receive_json_from(timeout=5)
    assert hello["type"] == "hello"
    return socket


@pytest.mark.django_db(transaction=True)
class TestTheSocket:
    async def test_a_read_token_neither_syncs_nor_follows_the_room(self):
        """Not in `sync.done`; after the server's own check, and again after her ping, a
        message in the room never reaches her: a message in a room of hers comes next."""
        admin, mentee, room, own = await db(granted)()
        watching = await token_socket(await db(token_of)(admin, "read"))
        await watching.send_json_to({"type": "sync", "rooms": {}})
        done, _ = await receive_until(watching, "sync.done")
        assert [state["room_id"] for state in done["rooms"]] == [own.pk]
        m = await open_socket(mentee, sync={})
        await receive_until(m, "sync.done")
        watch = liveness.local()
        for recheck in ("check", "ping"):
            if recheck == "check":
                await watch.check(list(watch.sockets))
            else:
                await watching.send_json_to({"type": "ping", "request_id": "p"})
                await receive_until(watching, "pong")
            await request(m, {"type": "chat.send", "room_id": room.pk, "text": "private",
                              "client_id": f"p{next(_sent)}"})
            await request(m, {"type": "chat.send", "room_id": own.pk, "text": "sentinel",
                              "client_id": f"s{next(_sent)}"})
            after, _ = await receive_until(watching, "chat.message.created")
            assert (after["room_id"], after["message"]["text"]) == (own.pk, "sentinel")
        for socket in (m, watching):
            await socket.disconnect()

    async def test_an_admin_token_syncs_and_follows_the_room(self):
        admin, mentee, room, own = await db(granted)()
        watching = await token_socket(await db(token_of)(admin, "read", "admin"))
        await watching.send_json_to({"type": "sync", "rooms": {}})
        done, _ = await receive_until(watching, "sync.done")
        assert sorted(state["room_id"] for state in done["rooms"]) == sorted([room.pk, own.pk])
        await watching.send_json_to({"type": "ping", "request_id": "p"})
        await receive_until(watching, "pong")
        await db(chat_services.message_send)(author=mentee, room_id=room.pk, text="seen",
                                             client_id="s1")
        event, _ = await receive_until(watching, "chat.message.created")
        assert (event["room_id"], event["message"]["text"]) == (room.pk, "seen")
        await watching.disconnect()
