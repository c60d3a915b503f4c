"""Across a block, either way, nothing of one member's live activity reaches the other in
any room kind (a group room included): typing, presence, mention alerts. "Nothing
arrives" is checked with a sentinel: a third member's same event must come next."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from community import services as community_services
from community.models import User
from rooms import permissions, selectors
from tests.chat.wsclient import open_socket, receive_until, request
from tests.community.factories import BlockFactory, UserFactory
from tests.rooms.factories import make_room

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

db = database_sync_to_async


@pytest.fixture
async def group():
    """Ana, Bea and Cleo share a group room; Ana blocked Bea."""
    def build():
        ana, bea, cleo = (UserFactory(name=name) for name in ("Ana", "Bea", "Cleo"))
        room = make_room(ana, bea, cleo)
        BlockFactory(blocker=ana, blocked=bea)
        return ana, bea, cleo, room
    return await db(build)()


async def synced(user: User):
    socket = await open_socket(user, sync={})
    await receive_until(socket, "sync.done")
    return socket


async def next_typing(socket, but: int | None = None) -> int:
    """Who types next on `socket` (`but`: not her, whose own tabs hear her typing)."""
    while True:
        typing, _ = await receive_until(socket, "chat.typing")
        if typing["user_id"] != but:
            return typing["user_id"]


async def next_presence_of(socket, user_ids: set[int]) -> int:
    """The member of `user_ids` whose presence change reaches `socket` first."""
    while True:
        event, _ = await receive_until(socket, "presence.changed")
        if event["user_id"] in user_ids:
            return event["user_id"]


async def close(*sockets) -> None:
    for socket in sockets:
        await socket.disconnect()


class TestTyping:
    @pytest.mark.parametrize("direction", ["blocked to blocker", "blocker to blocked"])
    async def test_typing_never_crosses_a_block_in_a_group_room(self, group, direction):
        ana, bea, cleo, room = group
        sender, receiver = (bea, ana) if direction == "blocked to blocker" else (ana, bea)
        s, r, c = await synced(sender), await synced(receiver), await synced(cleo)
        await s.send_json_to({"type": "chat.typing", "room_id": room.pk})
        assert await next_typing(c) == sender.pk  # the room hears her
        await c.send_json_to({"type": "chat.typing", "room_id": room.pk})  # the sentinel
        assert await next_typing(r) == cleo.pk
        await close(s, r, c)

    async def test_typing_stops_when_she_blocks_and_comes_back_when_she_unblocks(self):
        """Both sockets read again whom they hide; only hers is told (`blocks.changed`):
        Bea learns nothing live of Ana's block. Her own blocks of Eve are the sentinels:
        her next `blocks.changed` is theirs."""
        def build():
            ana, bea, cleo, dana, eve = (UserFactory(name=name) for name in (
                "Ana", "Bea", "Cleo", "Dana", "Eve"))
            BlockFactory(blocker=bea, blocked=dana)
            return ana, bea, cleo, dana, eve, make_room(ana, bea, cleo)
        ana, bea, cleo, dana, eve, room = await db(build)()
        a, b, c = await synced(ana), await synced(bea), await synced(cleo)
        await db(community_services.block_create)(user=ana, other=bea)
        changed, _ = await receive_until(a, "blocks.changed")
        assert changed["blocked"] == [bea.pk]  # her page folds Bea's messages
        await db(community_services.block_create)(user=bea, other=eve)
        changed, _ = await receive_until(b, "blocks.changed")
        assert sorted(changed["blocked"]) == sorted([dana.pk, eve.pk])  # nothing of Ana's
        await b.send_json_to({"type": "chat.typing", "room_id": room.pk})
        await a.send_json_to({"type": "chat.typing", "room_id": room.pk})
        await c.send_json_to({"type": "chat.typing", "room_id": room.pk})
        assert await next_typing(a, but=ana.pk) == cleo.pk
        assert await next_typing(b, but=bea.pk) == cleo.pk  # her socket hides Ana's too
        await db(community_services.block_remove)(user=ana, other=bea)
        changed, _ = await receive_until(a, "blocks.changed")
        assert changed["blocked"] == []
        await db(community_services.block_remove)(user=bea, other=eve)
        changed, _ = await receive_until(b, "blocks.changed")
        assert changed["blocked"] == [dana.pk]  # nothing of Ana's unblock
        # Three seconds between two typings of a socket: new sockets type at once.
        a2, b2 = await synced(ana), await synced(bea)
        await a2.send_json_to({"type": "chat.typing", "room_id": room.pk})
        assert await next_typing(b, but=bea.pk) == ana.pk
        await b2.send_json_to({"type": "chat.typing", "room_id": room.pk})
        assert await next_typing(a, but=ana.pk) == bea.pk
        await close(a, a2, b, b2, c)


class TestPresence:
    @pytest.mark.parametrize("direction", ["blocked to blocker", "blocker to blocked"])
    async def test_presence_never_crosses_a_block(self, group, direction):
        ana, bea, cleo, _room = group
        arriving, watching = (bea, ana) if direction == "blocked to blocker" else (ana, bea)
        w = await synced(watching)
        s = await synced(arriving)  # "online" to the room: not to her
        c = await synced(cleo)  # the sentinel
        assert await next_presence_of(w, {arriving.pk, cleo.pk}) == cleo.pk
        await close(w, s, c)

    async def test_the_member_list_shows_no_presence_across_a_block(self, group):
        ana, bea, cleo, room = group
        b, c = await synced(bea), await synced(cleo)

        def statuses(viewer):
            return {m["name"]: m["status"] for m in selectors.member_list(viewer, room)}
        assert (await db(statuses)(ana))["Bea"] == "offline"  # she is online
        assert (await db(statuses)(ana))["Cleo"] == "online"
        assert (await db(statuses)(cleo))["Bea"] == "online"
        await close(b, c)


class TestMentions:
    @pytest.mark.parametrize("direction", ["blocked to blocker", "blocker to blocked"])
    async def test_a_mention_alerts_nobody_across_a_block(self, group, direction):
        ana, bea, cleo, room = group
        author, named = (bea, ana) if direction == "blocked to blocker" else (ana, bea)
        a, n = await synced(author), await synced(named)
        c = await synced(cleo)
        ack, _ = await request(a, {"type": "chat.send", "room_id": room.pk, "client_id": "m1",
                                   "text": f"hello @**{named.name}**"})
        assert ack["type"] == "ack"
        await request(c, {"type": "chat.send", "room_id": room.pk, "client_id": "m2",
                          "text": f"and @**{named.name}** from me"})  # the sentinel
        mention, _ = await receive_until(n, "notify.mention")
        assert mention["author"]["id"] == cleo.pk
        await close(a, n, c)


class TestCacheRepaired:
    async def test_a_lost_bell_is_repaired_by_the_rights_check(self, group):
        """`blocks.changed` is at most once: the check every 30 seconds reads whom she
        hides, as it reads her rooms."""
        from rooms import liveness

        ana, bea, _cleo, _room = group
        a = await synced(ana)
        found = await db(liveness.rights_of)([(ana.pk, a.session_key)])
        assert found[(ana.pk, a.session_key)].hidden == frozenset({bea.pk})
        await close(a)


@pytest.mark.parametrize("who,hidden", [
    ("blocker", "other"), ("blocked", "other"), ("bystander", None), ("signed out", None),
    ("admin bystander", None)])
async def test_hidden_from_is_symmetric(who, hidden):
    def check():
        from django.contrib.auth.models import AnonymousUser

        from tests.community.factories import AdminFactory
        ana, bea, cleo = UserFactory(), UserFactory(), UserFactory()
        BlockFactory(blocker=ana, blocked=bea)
        viewer = {"blocker": ana, "blocked": bea, "bystander": cleo,
                  "signed out": AnonymousUser(), "admin bystander": AdminFactory()}[who]
        other = {"blocker": bea, "blocked": ana}.get(who)
        expected = frozenset({other.pk}) if hidden else frozenset()
        assert permissions.hidden_from(viewer) == expected
        if who in ("blocker", "blocked"):
            assert permissions.hidden_among([viewer.pk])[viewer.pk] == expected
    await db(check)()
