"""Minted TURN credentials against a real coturn on loopback (`use-auth-secret`): a fresh
credential gets a relay allocation, an expired or forged one is refused."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from aioice import stun, turn

from tests.servers import TURN_SECRET, coturn_on_loopback
from video.turn import turn_credentials

pytestmark = [pytest.mark.coturn, pytest.mark.pure]  # pure: see tests/conftest.py

SECRET = TURN_SECRET


@pytest.fixture
def coturn(tmp_path: Path):
    yield from coturn_on_loopback(tmp_path, relay_ports=(49160, 49200),
                                  config=["-n", "--allow-loopback-peers"])


async def allocate(port: int, username: str, password: str) -> tuple[str, int]:
    """A TURN allocation over UDP; the relayed address coturn gives."""
    transport, _protocol = await turn.create_turn_endpoint(
        asyncio.DatagramProtocol, server_addr=("127.0.0.1", port), username=username,
        password=password, lifetime=60)
    try:
        return transport.get_extra_info("sockname")
    finally:
        transport.close()


def test_minted_credentials_get_an_allocation(coturn):
    username, password = turn_credentials(7, secret=SECRET, ttl=300)
    host, port = asyncio.run(allocate(coturn, username, password))
    assert host == "127.0.0.1" and 49160 <= port <= 49200


def test_expired_credentials_are_refused(coturn):
    username, password = turn_credentials(7, secret=SECRET, ttl=300,
                                          now=time.time() - 600)  # expired 5 minutes ago
    with pytest.raises(stun.TransactionFailed) as refused:
        asyncio.run(allocate(coturn, username, password))
    assert refused.value.response.attributes["ERROR-CODE"][0] == 401


def test_credentials_of_another_secret_are_refused(coturn):
    username, password = turn_credentials(7, secret="not-the-secret", ttl=300)
    with pytest.raises(stun.TransactionFailed):
        asyncio.run(allocate(coturn, username, password))
