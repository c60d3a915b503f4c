"""deploy/coturn/turnserver.conf keeps relays away from private, loopback, link-local,
CGNAT, unique-local and the server's own addresses: read from the file, then enforced by a
real coturn started on loopback with the file's peer rules."""

from __future__ import annotations

import asyncio
import ipaddress
from pathlib import Path

import pytest
from aioice import stun, turn

from tests.servers import TURN_SECRET, coturn_on_loopback
from video.turn import turn_credentials

CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "coturn" / "turnserver.conf"
SECRET = TURN_SECRET
SERVER_V4 = "198.51.100.10"  # stands for the placeholder of the server's public address
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def options() -> list[tuple[str, str]]:
    found = []
    for line in CONFIG.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            found.append((key.strip(), value.strip()))
    return found


def denied() -> list[tuple[Address, Address] | str]:
    """Each denied range as (first, last); a placeholder as its text."""
    ranges: list[tuple[Address, Address] | str] = []
    for key, value in options():
        if key != "denied-peer-ip":
            continue
        if value.startswith("<"):
            ranges.append(value)
            continue
        first, _, last = value.partition("-")
        ranges.append((ipaddress.ip_address(first), ipaddress.ip_address(last or first)))
    return ranges


def is_denied(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return any(not isinstance(r, str) and r[0].version == ip.version and r[0] <= ip <= r[1]
               for r in denied())


class TestTheFile:
    @pytest.mark.parametrize("network", [
        "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16",
        "100.64.0.0/10", "0.0.0.0/8", "::1/128", "fe80::/10", "fc00::/7",
        "::ffff:0:0/96"])
    def test_every_range_is_denied_end_to_end(self, network):
        net = ipaddress.ip_network(network)
        assert is_denied(str(net[0])) and is_denied(str(net[-1])), network

    @pytest.mark.parametrize("address", ["169.254.169.254", "100.100.100.200", "fd00::1"])
    def test_the_metadata_and_cgnat_addresses(self, address):
        assert is_denied(address)

    @pytest.mark.parametrize("address", ["198.51.100.77", "8.8.8.8", "2001:db8::1"])
    def test_public_peers_stay_reachable(self, address):
        assert not is_denied(address)

    def test_the_server_own_addresses_are_placeholders_to_fill(self):
        holes = [r for r in denied() if isinstance(r, str)]
        assert any("IPv4" in h for h in holes) and any("IPv6" in h for h in holes)

    def test_no_loopback_or_multicast_peers(self):
        keys = {key for key, _ in options()}
        assert "no-multicast-peers" in keys and "allow-loopback-peers" not in keys
        assert "use-auth-secret" in keys


@pytest.fixture
def coturn(tmp_path: Path):
    """coturn on loopback with the file's peer rules (the server's address filled in)."""
    rules = [f"{k}={v}" if v else k for k, v in options()
             if k in ("denied-peer-ip", "no-multicast-peers", "allowed-peer-ip")]
    rules = [r.replace("<the server's public IPv4 address>", SERVER_V4) for r in rules
             if "IPv6 address>" not in r]
    conf = tmp_path / "turnserver.conf"
    conf.write_text("\n".join(rules) + "\n")
    yield from coturn_on_loopback(tmp_path, relay_ports=(49201, 49240),
                                  config=["-c", str(conf)])


async def bind(port: int, peer: tuple[str, int]) -> None:
    """Allocate, then ask coturn to relay to `peer` (a channel bind is its permission)."""
    username, password = turn_credentials(7, secret=SECRET, ttl=300)
    loop = asyncio.get_running_loop()
    server = ("127.0.0.1", port)
    transport, protocol = await loop.create_datagram_endpoint(
        lambda: turn.TurnClientUdpProtocol(server, username=username, password=password,
                                           lifetime=60, channel_refresh_time=60),
        remote_addr=server)
    try:
        await protocol.connect()
        await protocol.channel_bind(0x4000, peer)
    finally:
        transport.close()


@pytest.mark.coturn
@pytest.mark.pure  # see tests/conftest.py
class TestCoturnWithTheseRules:
    @pytest.mark.parametrize("peer", ["127.0.0.1", "169.254.169.254", "10.1.2.3",
                                      "172.16.0.9", "192.168.1.1", "100.64.0.1", SERVER_V4])
    def test_a_relay_to_a_denied_address_is_refused(self, coturn, peer):
        with pytest.raises(stun.TransactionFailed) as refused:
            asyncio.run(bind(coturn, (peer, 9)))
        assert refused.value.response.attributes["ERROR-CODE"][0] == 403

    def test_a_relay_to_a_public_peer_is_allowed(self, coturn):
        asyncio.run(bind(coturn, ("198.51.100.77", 9)))  # the control: same server, same rules
