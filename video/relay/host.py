"""The relay host: one per server process, started on the first relay call it takes.

It listens on a channel of its own (the channel layer's `new_channel`), so participants on
any process reach it: their sockets' `call.signal` frames to "relay" arrive here as
`relay.signal`, and leaving participants as `relay.leave` (video.services sends both).
Answers go back to the participant's socket as `call.signal` events from "relay" (through
rooms.protocol, like every event to a client).

Each participant has one RTCPeerConnection with the relay, and she always makes the
offers (aiortc cannot roll one back): her first audio and video transceivers publish,
and one receive-only transceiver per kind and other participant subscribes. Her offer's
`streams` names, per transceiver mid, "self" or the peer_id it should carry.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import re
from typing import Any

import aioice.ice
from aiortc import (
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpTransceiver,
    RTCSessionDescription,
)
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.sdp import candidate_from_sdp
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from rooms import protocol
from video import metrics
from video.relay.forwarding import ForwardTrack, Source, tap_receiver

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10
FINGERPRINT = re.compile(r"^a=fingerprint:(.+)$", re.MULTILINE)


def _video_codecs(codecs: list[RTCRtpCodecParameters]) -> list[RTCRtpCodecParameters]:
    """VP8 and its retransmissions only: every subscriber must take what publishers send."""
    vp8 = [c for c in codecs if c.mimeType.lower() == "video/vp8"]
    rtx = [c for c in codecs if c.mimeType.lower() == "video/rtx"
           and c.parameters.get("apt") in {v.payloadType for v in vp8}]
    if not vp8:
        raise ValueError("the relay forwards VP8 video: offer VP8")
    return vp8 + rtx


class RelayPeer:
    """One participant's connection with the relay."""

    def __init__(self, peer_id: str, channel_name: str, room_id: int) -> None:
        self.peer_id = peer_id
        self.channel_name = channel_name
        self.room_id = room_id
        # One transport for everything: aiortc's default (balanced) policy gives a later
        # transceiver of a kind a transport of its own that a bundling browser never uses.
        self.pc = RTCPeerConnection(RTCConfiguration(
            iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        self.fingerprint = ""
        self.tracks: dict[str, ForwardTrack] = {}  # mid -> what that transceiver carries
        self.lock = asyncio.Lock()

    async def close(self) -> None:
        for track in self.tracks.values():
            track.stop()
        await self.pc.close()


class RelayCall:
    def __init__(self, call_id: int) -> None:
        self.call_id = call_id
        self.peers: dict[str, RelayPeer] = {}
        self.sources: dict[tuple[str, str], Source] = {}  # (peer_id, kind) -> Source

    def source(self, peer_id: str, kind: str) -> Source:
        key = (peer_id, kind)
        if key not in self.sources:
            self.sources[key] = Source(kind)
        return self.sources[key]

    async def offer(self, message: dict[str, Any]) -> dict[str, str]:
        """Apply a participant's offer and return the relay's answer."""
        peer_id, sdp = message["peer_id"], message["description"]["sdp"]
        fingerprint = " ".join(sorted({f.strip() for f in FINGERPRINT.findall(sdp)}))
        peer = self.peers.get(peer_id)
        if peer is not None and peer.fingerprint != fingerprint:  # a new connection of hers
            await self._drop(peer_id, keep_sources=True)
            peer = None
        if peer is None:
            peer = RelayPeer(peer_id, message["channel_name"], message["room_id"])
            peer.fingerprint = fingerprint
            self.peers[peer_id] = peer
        async with peer.lock:
            pc = peer.pc
            await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
            streams = message.get("streams") or {}
            for transceiver in pc.getTransceivers():
                self._route(peer, transceiver, streams.get(transceiver.mid or ""))
            await pc.setLocalDescription(await pc.createAnswer())
            return {"type": "answer", "sdp": pc.localDescription.sdp}

    def _route(self, peer: RelayPeer, transceiver: RTCRtpTransceiver, role: str | None) -> None:
        kind, mid = transceiver.kind, transceiver.mid or ""
        if kind == "video":
            transceiver._codecs = _video_codecs(transceiver._codecs)
        if role == "self":  # she publishes on this one
            if transceiver.receiver._RTCRtpReceiver__decoder_thread is None:  # type: ignore[attr-defined]
                tap_receiver(transceiver.receiver, self.source(peer.peer_id, kind))
            transceiver.direction = "recvonly"
            return
        track = peer.tracks.get(mid)
        if role is None or role == peer.peer_id:
            if track is not None:
                track.follow(None)
            transceiver.direction = "inactive"
            return
        if track is None:
            track = peer.tracks[mid] = ForwardTrack(kind)
            transceiver.sender.replaceTrack(track)
            track.attach(transceiver.sender)
        track.follow(self.source(role, kind))
        transceiver.direction = "sendonly"

    async def candidate(self, message: dict[str, Any]) -> None:
        peer = self.peers.get(message["peer_id"])
        value = message.get("candidate")
        if peer is None or not value or not value.get("candidate"):
            return
        candidate = candidate_from_sdp(value["candidate"].removeprefix("candidate:"))
        candidate.sdpMid = value.get("sdpMid")
        candidate.sdpMLineIndex = value.get("sdpMLineIndex")
        async with peer.lock:
            await peer.pc.addIceCandidate(candidate)

    async def _drop(self, peer_id: str, *, keep_sources: bool = False) -> None:
        peer = self.peers.pop(peer_id, None)
        if not keep_sources:
            for kind in ("audio", "video"):
                source = self.sources.pop((peer_id, kind), None)
                if source is not None:
                    source.close()
        else:
            for kind in ("audio", "video"):
                source = self.sources.get((peer_id, kind))
                if source is not None:
                    source.receiver = None
        if peer is not None:
            await peer.close()

    async def leave(self, peer_id: str) -> None:
        await self._drop(peer_id)

    async def close(self) -> None:
        for peer_id in list(self.peers):
            await self._drop(peer_id)


class RelayHost:
    def __init__(self, channel_name: str) -> None:
        self.channel_name = channel_name
        self.calls: dict[int, RelayCall] = {}
        self.layer = get_channel_layer()
        self.tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        """Start listening and beating, in a context of their own.

        The host is first asked for from a socket handler's thread (through
        `async_to_sync`); tasks inheriting that call's context would send their database
        work to its executor, which is gone once the handler returns.
        """
        loop = asyncio.get_running_loop()
        self.tasks = [loop.create_task(self._listen(), context=contextvars.Context()),
                      loop.create_task(self._heartbeat(), context=contextvars.Context())]

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        for call in list(self.calls.values()):
            await call.close()
        self.calls.clear()
        self.count()

    def count(self) -> None:
        """The relay's gauges (video.metrics): after each message, as calls and
        subscriptions change only then."""
        metrics.RELAY_CALLS.set(len(self.calls))
        metrics.RELAY_STREAMS.set(sum(len(source.tracks) for call in self.calls.values()
                                      for source in call.sources.values()))

    async def _listen(self) -> None:
        while True:
            message = await self.layer.receive(self.channel_name)
            try:
                await self.handle(message)
            except Exception:
                log.exception("relay message %s failed", message.get("type"))
            self.count()

    async def _heartbeat(self) -> None:
        from video import services

        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            if not self.calls:
                continue
            try:
                await database_sync_to_async(services.relay_touch)(
                    list(self.calls), self.channel_name)
            except Exception:  # the database is away: say so, and try again next beat
                log.exception("relay heartbeat failed")

    async def handle(self, message: dict[str, Any]) -> None:
        call_id = message["call_id"]
        if message["type"] == "relay.leave":
            call = self.calls.get(call_id)
            if call is not None:
                await call.leave(message["peer_id"])
                if not call.peers:
                    self.calls.pop(call_id, None)
            return
        call = self.calls.setdefault(call_id, RelayCall(call_id))
        if "description" in message:
            if message["description"]["type"] != "offer":
                return
            try:
                answer = await call.offer(message)
            except Exception as error:  # a bad offer: tell her, keep the others going
                log.warning("relay offer from %s refused: %s", message["peer_id"], error)
                await self._to_peer(message, {"error": str(error)})
                return
            await self._to_peer(message, {"description": answer})
        else:
            await call.candidate(message)

    async def _to_peer(self, message: dict[str, Any], body: dict[str, Any]) -> None:
        """The relay's answer, or why it refused her offer, to the socket that offered."""
        await protocol.send_to_socket(message["channel_name"], {
            "type": "call.signal", "room_id": message["room_id"], "from": "relay", **body})


_hosts: dict[int, RelayHost] = {}


def _announce_addresses() -> None:
    """Offer browsers only the configured addresses (docs/video.md)."""
    addresses = [str(a) for a in settings.COHORT_RELAY_ADDRESSES]

    def configured(use_ipv4: bool = True, use_ipv6: bool = True) -> list[str]:
        return addresses

    if addresses:
        aioice.ice.get_host_addresses = configured


async def local_channel() -> str:
    """This process's relay host channel, starting the host on first use (per event loop)."""
    loop_id = id(asyncio.get_running_loop())
    host = _hosts.get(loop_id)
    if host is None:
        _announce_addresses()
        host = RelayHost(await get_channel_layer().new_channel())  # see rooms.hub.local
        host.start()
        _hosts[loop_id] = host
    return host.channel_name


def local_host() -> RelayHost | None:
    with contextlib.suppress(RuntimeError):
        return _hosts.get(id(asyncio.get_running_loop()))
    return None
