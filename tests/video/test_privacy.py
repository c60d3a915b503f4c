"""Relay-only calls: a member who hides her address (her profile, or the community's
COHORT_CALLS_RELAY_ONLY) is told to use TURN only, and the server drops every candidate
that is not a relay one, from her and to her, whatever the other side's client sends."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from community.models import User
from tests.chat.wsclient import open_socket, receive_until, request
from tests.community.factories import UserFactory
from tests.rooms.factories import make_room
from video import permissions, privacy

db = database_sync_to_async

HOST = "candidate:1 1 udp 2113937151 192.168.1.20 50000 typ host generation 0"
MDNS = "candidate:2 1 udp 2113937151 4f1c2b9e-1111-2222-3333-444455556666.local 50001 typ host"
SRFLX = ("candidate:3 1 udp 1677729535 203.0.113.7 61000 typ srflx raddr 192.168.1.20 "
         "rport 50000")
PRFLX = "candidate:4 1 udp 1845501695 203.0.113.7 61001 typ prflx"
RELAY = ("candidate:5 1 udp 33562623 198.51.100.9 49200 typ relay raddr 203.0.113.7 "
         "rport 61000")
RELAY_SENT = RELAY.replace("raddr 203.0.113.7 rport 61000", "raddr 0.0.0.0 rport 0")
SDP = ("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
       "m=audio 61000 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 203.0.113.7\r\n"
       "a=rtcp:9 IN IP4 192.168.1.20\r\n"
       f"a={HOST}\r\na={SRFLX}\r\na={RELAY}\r\n"
       "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP6 2001:db8::7\r\n")
LEAKS = ("192.168.1.20", "203.0.113.7", "2001:db8::7", "typ host", "typ srflx")


class TestPureFiltering:
    @pytest.mark.parametrize(("line", "kind"), [
        (HOST, "host"), (MDNS, "host"), (SRFLX, "srflx"), (PRFLX, "prflx"), (RELAY, "relay")])
    def test_candidate_types(self, line, kind):
        assert privacy.candidate_type(line) == kind
        assert privacy.candidate_allowed(line) is (kind == "relay")
        assert privacy.candidate_relay_only(line) == (RELAY_SENT if kind == "relay" else None)

    def test_an_empty_candidate_names_no_address(self):
        assert privacy.candidate_allowed("")

    def test_a_line_without_a_type_is_dropped(self):
        assert not privacy.candidate_allowed("candidate:9 1 udp 1 10.0.0.1 9")

    def test_description_keeps_only_relay_candidates_and_blanks_addresses(self):
        clean = privacy.sdp_relay_only(SDP)
        for leak in LEAKS:
            assert leak not in clean, leak
        assert f"a={RELAY_SENT}" in clean
        assert "c=IN IP4 0.0.0.0\r\n" in clean and "c=IN IP6 ::\r\n" in clean
        assert "a=rtcp:9 IN IP4 0.0.0.0" in clean and clean.endswith("\r\n")


@pytest.mark.django_db
class TestHidesAddress:
    def test_off_by_default(self):
        assert not permissions.hides_address(UserFactory())

    def test_her_choice(self):
        member = UserFactory()
        member.profile.relay_only_calls = True
        member.profile.save()
        assert permissions.hides_address(User.objects.get(pk=member.pk))

    def test_the_community_forces_it(self, settings):
        settings.COHORT_CALLS_RELAY_ONLY = True
        assert permissions.hides_address(UserFactory())

    def test_profile_form_saves_her_choice(self, client):
        member = UserFactory(name="Mira")
        client.force_login(member)
        page = client.get("/profile/edit/").content.decode()
        assert "Relay-only calls (hide my address)" in page
        client.post("/profile/edit/", {"name": "Mira", "contact_visibility": "members",
                                       "relay_only_calls": "on"})
        member.profile.refresh_from_db()
        assert member.profile.relay_only_calls

    def test_forced_the_box_is_ticked_locked_and_her_own_choice_kept(self, client, settings):
        settings.COHORT_CALLS_RELAY_ONLY = True
        member = UserFactory(name="Mira")
        client.force_login(member)
        page = client.get("/profile/edit/").content.decode()
        assert "hides every member’s address in calls" in page
        client.post("/profile/edit/", {"name": "Mira", "contact_visibility": "members"})
        member.profile.refresh_from_db()
        assert not member.profile.relay_only_calls


@pytest.fixture
async def pair():
    def build():
        ana, bea = UserFactory(name="Ana"), UserFactory(name="Bea")
        return ana, bea, make_room(ana, bea)
    return await db(build)()


async def _hide(user: User) -> None:
    def save():
        user.profile.relay_only_calls = True
        user.profile.save(update_fields=["relay_only_calls"])
    await db(save)()


async def _joined(user: User, room) -> tuple:
    socket = await open_socket(user, sync={})
    await receive_until(socket, "sync.done")
    reply, _ = await request(socket, {"type": "call.join", "room_id": room.pk})
    assert reply["type"] == "ack", reply
    return socket, reply["result"]


async def _signal(socket, room, to: str, **body) -> None:
    reply, _ = await request(socket, {"type": "call.signal", "room_id": room.pk, "to": to,
                                      **body})
    assert reply["type"] == "ack", reply  # a dropped candidate is acknowledged all the same


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
class TestOverTheSocket:
    async def test_join_tells_her_browser_to_use_turn_only(self, pair):
        ana, bea, room = pair
        await _hide(ana)
        a, result = await _joined(ana, room)
        b, other = await _joined(bea, room)
        assert result["ice_transport_policy"] == "relay"
        assert other["ice_transport_policy"] == "all"
        reply, _ = await request(a, {"type": "call.ice", "room_id": room.pk})
        assert reply["result"]["ice_transport_policy"] == "relay"
        for socket in (a, b):
            await socket.disconnect()

    @pytest.mark.parametrize("who_hides", ["sender", "receiver"])
    async def test_only_relay_candidates_pass_either_way(self, pair, who_hides):
        ana, bea, room = pair
        await _hide(ana if who_hides == "sender" else bea)
        a, _ = await _joined(ana, room)
        b, bea_joined = await _joined(bea, room)
        bea_peer = bea_joined["peer_id"]
        for line in (HOST, MDNS, SRFLX, PRFLX):
            await _signal(a, room, bea_peer, candidate={"candidate": line, "sdpMid": "0"})
        await _signal(a, room, bea_peer, candidate={"candidate": RELAY, "sdpMid": "0"})
        signal, _ = await receive_until(b, "call.signal")
        assert signal["candidate"]["candidate"] == RELAY_SENT  # the next: nothing before it
        await _signal(a, room, bea_peer, candidate=None)
        signal, _ = await receive_until(b, "call.signal")
        assert signal["candidate"] is None
        await _signal(a, room, bea_peer, description={"type": "offer", "sdp": SDP})
        signal, _ = await receive_until(b, "call.signal")
        for leak in LEAKS:
            assert leak not in signal["description"]["sdp"], leak
        assert RELAY_SENT in signal["description"]["sdp"]
        for socket in (a, b):
            await socket.disconnect()

    async def test_nobody_hiding_everything_passes(self, pair):
        ana, bea, room = pair
        a, _ = await _joined(ana, room)
        b, bea_joined = await _joined(bea, room)
        await _signal(a, room, bea_joined["peer_id"], candidate={"candidate": HOST})
        signal, _ = await receive_until(b, "call.signal")
        assert signal["candidate"]["candidate"] == HOST
        for socket in (a, b):
            await socket.disconnect()

    async def test_the_community_setting_filters_every_call(self, pair, settings):
        settings.COHORT_CALLS_RELAY_ONLY = True
        ana, bea, room = pair
        a, result = await _joined(ana, room)
        b, bea_joined = await _joined(bea, room)
        assert result["ice_transport_policy"] == "relay"
        await _signal(b, room, result["peer_id"], candidate={"candidate": SRFLX})
        await _signal(b, room, result["peer_id"], candidate={"candidate": RELAY})
        signal, _ = await receive_until(a, "call.signal")
        assert signal["candidate"]["candidate"] == RELAY_SENT
        for socket in (a, b):
            await socket.disconnect()
